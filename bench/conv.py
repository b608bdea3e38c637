"""Convolution, pooling and softmax kernels: ember beside PyTorch (CPU) and plain NumPy.

The convolution is a 3x3, 64 -> 64 channels, padding 1, on a 32x64x32x32 float32
batch: its forward, its input-gradient and its weight-gradient kernels (the three
GEMMs of a training step). "numpy" is a plain im2col (``sliding_window_view``,
reshape) and one ``tensordot``; its input gradient scatters the columns back.

Run: python bench/conv.py   (PyTorch is optional; its column shows n/a without it)
"""

from __future__ import annotations

import os

# PyTorch's OpenMP threads otherwise spin after each call and slow the BLAS threads of
# the NumPy columns that run next (timings are interleaved).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
from _harness import compare, print_table

import ember
from ember._ops.conv import convolution_input_grad, convolution_weight_grad

try:
    import torch
    import torch.nn.grad

    torch.set_num_threads(2)
except ImportError:  # the table still compares ember with NumPy
    torch = None

N, C, H, W, K = 32, 64, 32, 32, 3


def _numpy_cols(x):
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (K, K), axis=(2, 3))  # N C H W k k
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(N * H * W, C * K * K)


def numpy_forward(x, w):
    out = np.tensordot(_numpy_cols(x), w.reshape(w.shape[0], -1), axes=([1], [1]))
    return out.reshape(N, H, W, -1).transpose(0, 3, 1, 2)


def numpy_input_grad(g, w):
    cols = np.tensordot(
        g.transpose(0, 2, 3, 1).reshape(-1, g.shape[1]), w.reshape(g.shape[1], -1), axes=([1], [0])
    ).reshape(N, H, W, C, K, K)
    out = np.zeros((N, C, H + 2, W + 2), g.dtype)
    for i in range(K):
        for j in range(K):
            out[:, :, i : i + H, j : j + W] += cols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return out[:, :, 1:-1, 1:-1]


def numpy_weight_grad(x, g):
    gm = g.transpose(0, 2, 3, 1).reshape(-1, g.shape[1])
    return np.tensordot(gm, _numpy_cols(x), axes=([0], [0])).reshape(g.shape[1], C, K, K)


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def cases():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W), dtype=np.float32)
    w = rng.standard_normal((C, C, K, K), dtype=np.float32) * 0.05
    g = rng.standard_normal((N, C, H, W), dtype=np.float32)
    s = rng.standard_normal((64, 1024), dtype=np.float32)
    ex, ew, eg, es = (ember.from_numpy(a.copy()) for a in (x, w, g, s))
    tx, tw, tg, ts = (torch.from_numpy(a.copy()) if torch else None for a in (x, w, g, s))
    one = (1, 1)
    return [
        (
            "conv2d 3x3 forward",
            {
                "ember": lambda: ember.conv2d(ex, ew, padding=1),
                "torch": (lambda: torch.nn.functional.conv2d(tx, tw, padding=1)) if torch else None,
                "numpy": lambda: numpy_forward(x, w),
            },
        ),
        (
            "conv2d input grad",
            {
                "ember": lambda: convolution_input_grad(eg, ew, ex.shape, one, one, one, 1),
                "torch": (lambda: torch.nn.grad.conv2d_input(tx.shape, tw, tg, padding=1))
                if torch
                else None,
                "numpy": lambda: numpy_input_grad(g, w),
            },
        ),
        (
            "conv2d weight grad",
            {
                "ember": lambda: convolution_weight_grad(ex, eg, ew.shape, one, one, one, 1),
                "torch": (lambda: torch.nn.grad.conv2d_weight(tx, tw.shape, tg, padding=1))
                if torch
                else None,
                "numpy": lambda: numpy_weight_grad(x, g),
            },
        ),
        (
            "max_pool2d 2x2",
            {
                "ember": lambda: ember.max_pool2d(ex, 2),
                "torch": (lambda: torch.nn.functional.max_pool2d(tx, 2)) if torch else None,
                "numpy": lambda: x.reshape(N, C, H // 2, 2, W // 2, 2).max(axis=(3, 5)),
            },
        ),
        (
            "softmax (64, 1024)",
            {
                "ember": lambda: ember.softmax(es, -1),
                "torch": (lambda: torch.softmax(ts, -1)) if torch else None,
                "numpy": lambda: _softmax(s),
            },
        ),
    ]


def main():
    columns = ["ember", "torch", "numpy"]
    rows = [(name, compare(impls, repeats=9)) for name, impls in cases()]
    total = {
        c: sum(r[c] for _, r in rows[:3]) if all(r[c] for _, r in rows[:3]) else None
        for c in columns
    }
    rows.insert(3, ("conv2d forward + both grads", total))
    print_table("Convolution, pooling and softmax kernels (float32, CPU)", columns, rows)


if __name__ == "__main__":
    main()
