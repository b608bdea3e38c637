"""ember's glibc malloc tuning: on by default on glibc, off with EMBER_MALLOC_TUNING=0."""

import platform
import resource

import numpy as np
import pytest

from ember import _malloc

glibc = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the thresholds are glibc's mallopt settings"
)


def test_opt_out_leaves_malloc_alone(monkeypatch):
    monkeypatch.setenv("EMBER_MALLOC_TUNING", "0")
    assert _malloc.tune() is False


@glibc
def test_glibc_accepts_the_thresholds(monkeypatch):
    monkeypatch.delenv("EMBER_MALLOC_TUNING", raising=False)
    assert _malloc.tune() is True


@glibc
def test_large_blocks_freed_and_reallocated_do_not_fault_again(monkeypatch):
    # the pattern of a training step: two big arrays live together, then both freed
    monkeypatch.delenv("EMBER_MALLOC_TUNING", raising=False)
    assert _malloc.tune()
    a = np.random.default_rng(0).standard_normal((128, 512)).astype(np.float32)

    def step():
        g1, g2 = a.T @ a, np.repeat(a, 2, axis=1).T @ a  # 1 MB and 2 MB results
        return float(g1[0, 0] + g2[0, 0])

    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    per_step = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
    assert per_step < 100  # untuned glibc faults in all ~770 pages of the results each step
