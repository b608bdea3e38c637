"""Per-call cost of common tensor ops: ember beside PyTorch (CPU) and raw NumPy.

Run: python bench/overhead.py   (PyTorch is optional; its column shows n/a without it)
"""

from __future__ import annotations

import numpy as np
from _harness import compare, print_table

import ember

try:
    import torch

    torch.set_num_threads(2)
except ImportError:  # the table still compares ember with NumPy
    torch = None


def _inputs(shape, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(dtype)
    return a, ember.from_numpy(a.copy()), (torch.from_numpy(a.copy()) if torch else None)


def cases():
    rows = []
    for n in (1, 1_000, 1_000_000):
        na, ea, ta = _inputs((n,))
        nb, eb, tb = _inputs((n,), seed=1)
        rows.append(
            (
                f"a + b ({n:,} float32)",
                {
                    "ember": lambda ea=ea, eb=eb: ea + eb,
                    "torch": (lambda ta=ta, tb=tb: ta + tb) if torch else None,
                    "numpy": lambda na=na, nb=nb: na + nb,
                },
            )
        )
    na, ea, ta = _inputs((256, 256))
    nb, eb, tb = _inputs((256, 256), seed=1)
    rows.append(
        (
            "a @ b (256x256 float32)",
            {
                "ember": lambda: ea @ eb,
                "torch": (lambda: ta @ tb) if torch else None,
                "numpy": lambda: na @ nb,
            },
        )
    )
    nx, ex, tx = _inputs((1000, 1000))
    rows.append(
        (
            "x.sum(dim=1) (1000x1000)",
            {
                "ember": lambda: ex.sum(dim=1),
                "torch": (lambda: tx.sum(dim=1)) if torch else None,
                "numpy": lambda: nx.sum(axis=1),
            },
        )
    )
    idx = np.random.default_rng(2).integers(0, 1000, 100)
    eidx = ember.from_numpy(idx)
    tidx = torch.from_numpy(idx) if torch else None
    rows.append(
        (
            "x[idx] (100 rows of 1000x1000)",
            {
                "ember": lambda: ex[eidx],
                "torch": (lambda: tx[tidx]) if torch else None,
                "numpy": lambda: nx[idx],
            },
        )
    )
    rows.append(
        (
            "x.reshape(500, 2000)",
            {
                "ember": lambda: ex.reshape(500, 2000),
                "torch": (lambda: tx.reshape(500, 2000)) if torch else None,
                "numpy": lambda: nx.reshape(500, 2000),
            },
        )
    )
    return rows


def main():
    results = [(name, compare(impls)) for name, impls in cases()]
    print_table("Per-call cost, median µs (lower is better)", ["ember", "torch", "numpy"], results)


if __name__ == "__main__":
    main()
