"""Shared timing for the bench scripts: interleaved repeats, medians, a table."""

from __future__ import annotations

import gc
import os
import statistics
import time

# PyTorch's OpenMP threads spin after each parallel region; on a 2-core machine they
# then steal the cores from whatever is timed next (ember's and NumPy's BLAS threads).
# Every script imports this module before torch, so the setting takes effect there.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def per_call_us(fn, number: int) -> float:
    """Microseconds per call of ``fn`` over ``number`` calls, with the garbage collector
    paused as ``timeit`` does (a collection landing in one column would skew it)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number * 1e6
    finally:
        gc.enable()


def calibrate(fn, target_s: float = 0.02) -> int:
    """A call count that takes about ``target_s`` seconds."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - start > target_s / 4 or n > 1_000_000:
            return max(1, int(n * target_s / max(time.perf_counter() - start, 1e-9)))
        n *= 4


def compare(cases: dict, repeats: int = 15) -> dict:
    """Median µs per call for each implementation, timed in turns so noise hits all alike.

    ``cases`` maps an implementation name to a zero-argument callable (or None
    when that implementation is unavailable).
    """
    live = {k: f for k, f in cases.items() if f is not None}
    counts = {k: calibrate(f) for k, f in live.items()}
    samples = {k: [] for k in live}
    for _ in range(repeats):
        for k, f in live.items():
            samples[k].append(per_call_us(f, counts[k]))
    return {k: (statistics.median(samples[k]) if k in samples else None) for k in cases}


def print_table(title: str, columns: list, rows: list) -> None:
    """Print ``rows`` (name, {column: µs}) with ratios of the first column to the others."""
    head = ["case"] + [f"{c} µs" for c in columns]
    head += [f"{columns[0]}/{c}" for c in columns[1:]]
    lines = [head]
    for name, res in rows:
        cells = [name] + [_fmt(res.get(c)) for c in columns]
        first = res.get(columns[0])
        cells += [f"{first / res[c]:.2f}x" if first and res.get(c) else "n/a" for c in columns[1:]]
        lines.append(cells)
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    print(f"\n{title}")
    for i, r in enumerate(lines):
        print(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _fmt(v):
    if v is None:
        return "n/a"
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"
