"""Autograd overhead: ember beside PyTorch (CPU) and hand-written NumPy.

1. µs per op to record and backpropagate a chain of 100 one-element adds.
2. A 784-512-512-10 MLP (ReLU, cross-entropy) forward + backward at batch 128.

Medians over repeated runs, all measured in one process:

    python bench/autograd_overhead.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time

# torch's spinning OpenMP threads would otherwise slow whatever runs after it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

import ember
import ember.autograd
import ember.nn.functional

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional here
    torch = None

CHAIN = 100
SIZES = (784, 512, 512, 10)
BATCH = 128


def medians(fns: dict, repeat: int, warmup: int = 5) -> dict:
    """Median seconds per call of each function, timed in turn (round robin), so that
    a change in machine load affects every column alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


# ---- chain of adds ----------------------------------------------------------------


def chain_ember():
    x = ember.ones(1, requires_grad=True)

    def run():
        y = x
        for _ in range(CHAIN):
            y = y + x
        y.backward()
        x.grad = None

    return run


def chain_torch():
    x = torch.ones(1, requires_grad=True)

    def run():
        y = x
        for _ in range(CHAIN):
            y = y + x
        y.backward()
        x.grad = None

    return run


def chain_numpy():
    x = np.ones(1)

    def run():
        y = x
        for _ in range(CHAIN):
            y = y + x
        g = np.ones(1)  # d y / d y
        gx = np.zeros(1)
        for _ in range(CHAIN):  # each add passes g on and adds it into x's gradient
            gx = gx + g
        return gx + g

    return run


# ---- MLP --------------------------------------------------------------------------


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    params = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return x, y, params


def mlp_ember():
    x, y, arrays = _data()
    xt, yt = ember.tensor(x), ember.tensor(y)
    params = [ember.tensor(a, requires_grad=True) for a in arrays]

    def run():
        h = xt
        for i in range(0, len(params), 2):
            h = ember.addmm(params[i + 1], h, params[i].t())
            if i + 2 < len(params):
                h = ember.relu(h)
        loss = ember.nn.functional.cross_entropy(h, yt)
        loss.backward()
        for p in params:
            p.grad = None

    return run


def mlp_torch():
    x, y, arrays = _data()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    params = [torch.tensor(a, requires_grad=True) for a in arrays]

    def run():
        h = xt
        for i in range(0, len(params), 2):
            h = torch.addmm(params[i + 1], h, params[i].t())
            if i + 2 < len(params):
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h, yt)
        loss.backward()
        for p in params:
            p.grad = None

    return run


def mlp_numpy():
    """The same step written by hand: forward, softmax cross-entropy, backward."""
    x, y, params = _data()
    rows = np.arange(BATCH)

    def run():
        acts, h = [x], x
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i + 2 < len(params):
                h = np.maximum(h, 0)
            acts.append(h)
        z = h - h.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        g = p
        g[rows, y] -= 1
        g /= BATCH
        grads = []
        for i in range(len(params) - 2, -1, -2):
            a = acts[i // 2]
            grads.append((g.T @ a, g.sum(0)))
            if i:
                g = (g @ params[i]) * (a > 0)
        return grads

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    print(f"chain of {CHAIN} one-element adds: record + backward, us per op (median)")
    fns = {"ember": chain_ember(), "numpy (by hand)": chain_numpy()}
    if torch is not None:
        fns["torch"] = chain_torch()
    chain = {name: s / CHAIN * 1e6 for name, s in medians(fns, args.repeat).items()}
    for name, us in chain.items():
        print(f"  {name:<16} {us:8.2f} us/op")
    if "torch" in chain:
        print(f"  ember / torch    {chain['ember'] / chain['torch']:8.2f}x  (target <= 2x)")

    print(f"\nMLP {'-'.join(map(str, SIZES))}, batch {BATCH}: forward + backward (median)")
    fns = {"ember": mlp_ember(), "numpy (by hand)": mlp_numpy()}
    if torch is not None:
        fns["torch"] = mlp_torch()
    step = medians(fns, max(args.repeat // 4, 20))
    for name, s in step.items():
        print(f"  {name:<16} {s * 1e3:8.2f} ms/step  {1 / s:8.1f} steps/s")
    if "torch" in step:
        print(f"  ember steps/s vs torch:  {step['torch'] / step['ember']:.2f}x  (target >= 0.9x)")
    print(
        f"  ember time vs numpy:     {step['ember'] / step['numpy (by hand)']:.2f}x  "
        "(target <= 1.1x)"
    )


if __name__ == "__main__":
    main()
