"""Autograd overhead: ember beside PyTorch (CPU) and hand-written NumPy.

1. µs per op to record and backpropagate a chain of 100 one-element adds.
2. A 784-512-512-10 MLP (ReLU, cross-entropy) forward + backward at batch 128, beside
   the step's eight GEMMs alone in NumPy: the time above them is ember's (and the
   hand-written step's) overhead.

Medians of interleaved repeats (``_harness.compare``), all measured in one process:

    python bench/autograd_overhead.py [--repeats 15] [--sizes 8 8 8 2 --batch 4]
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
from _harness import compare  # sets OMP_WAIT_POLICY before torch is imported

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


# ---- chain of adds ----------------------------------------------------------------


def chain_of_adds(lib):
    """The chain in ``lib`` (ember or torch: the same code, as their APIs are one)."""
    x = lib.ones(1, requires_grad=True)

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


def mlp(lib):
    """The MLP step in ``lib`` (ember or torch), from the same data and weights."""
    x, y, arrays = _data()
    xt, yt = lib.tensor(x), lib.tensor(y)
    params = [lib.tensor(a, requires_grad=True) for a in arrays]

    def run():
        h = xt
        for i in range(0, len(params), 2):
            h = lib.nn.functional.linear(h, params[i], params[i + 1])
            if i + 2 < len(params):
                h = lib.relu(h)
        loss = lib.nn.functional.cross_entropy(h, yt)
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


def mlp_gemms_numpy():
    """Only the hand-written step's eight GEMMs, on operands of the same shapes: the floor
    under the ember and NumPy columns, so each one's time above it is its overhead
    (elementwise work, the loss, and for ember recording and replaying the graph)."""
    x, _, params = _data()
    weights = params[::2]
    acts = [x] + [np.ones((BATCH, w.shape[0]), np.float32) for w in weights[:-1]]
    g = [np.ones((BATCH, w.shape[0]), np.float32) for w in weights]

    def run():
        for a, w in zip(acts, weights):
            a @ w.T
        for i, (a, w) in enumerate(zip(acts, weights)):
            g[i].T @ a
            if i:
                g[i] @ w

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="MLP layer widths (tiny ones leave only overhead)"
    )
    parser.add_argument("--batch", type=int)
    args = parser.parse_args()
    global SIZES, BATCH
    standard = args.sizes is None and args.batch is None  # the targets are for this size
    SIZES = tuple(args.sizes) if args.sizes else SIZES
    BATCH = args.batch or BATCH
    goal_torch = "(target >= 0.9x)" if standard else ""
    goal_numpy = "(target <= 1.1x)" if standard else ""

    print(f"chain of {CHAIN} one-element adds: record + backward, us per op (median)")
    fns = {"ember": chain_of_adds(ember), "numpy (by hand)": chain_numpy()}
    if torch is not None:
        fns["torch"] = chain_of_adds(torch)
    chain = {name: us / CHAIN for name, us in compare(fns, args.repeats).items()}
    for name, us in chain.items():
        print(f"  {name:<16} {us:8.2f} us/op")
    if "torch" in chain:
        print(f"  ember / torch    {chain['ember'] / chain['torch']:8.2f}x  (target <= 2x)")

    print(f"\nMLP {'-'.join(map(str, SIZES))}, batch {BATCH}: forward + backward (median)")
    fns = {"ember": mlp(ember), "numpy (by hand)": mlp_numpy()}
    if torch is not None:
        fns["torch"] = mlp(torch)
    fns["its GEMMs alone"] = mlp_gemms_numpy()
    step = {name: us / 1e6 for name, us in compare(fns, args.repeats).items()}
    for name, s in step.items():
        print(f"  {name:<16} {s * 1e3:8.2f} ms/step  {1 / s:8.1f} steps/s")
    if "torch" in step:
        print(f"  ember steps/s vs torch:  {step['torch'] / step['ember']:.2f}x  {goal_torch}")
    numpy_step = step["numpy (by hand)"]
    print(f"  ember time vs numpy:     {step['ember'] / numpy_step:.2f}x  {goal_numpy}")
    # Torch runs GEMMs of its own, so only the two columns that share NumPy's count here.
    floor = step["its GEMMs alone"]
    above = {name: (step[name] - floor) * 1e3 for name in ("ember", "numpy (by hand)")}
    print("  ms/step above the GEMMs: " + ", ".join(f"{k} {v:.2f}" for k, v in above.items()))
    print(f"  (the 1.1x target leaves ember {(1.1 * numpy_step - floor) * 1e3:.2f} ms above them)")


if __name__ == "__main__":
    main()
