"""Special functions against scipy.special (a test-only dependency), and their edge values.

Largest differences from scipy measured on the float64 grids below (relative unless said):

    erf      6e-16
    erfc     6e-14: scipy's own error beyond x = 20; ours agrees with mpmath to 2e-16 there
    erfinv   7e-16, and 7e-16 within 1e-16 of +-1
    lgamma   3e-15 on (0, 1e300] away from its zeros: scipy's error near 0.9 (ours 4e-16
             from mpmath); near its zeros at 1 and 2, 3e-16 absolute, as scipy's own
    digamma  5e-15 on (0, 1e300] with |x - 1.4616...| > 0.2 (the recurrence cancels near
             its root); 1.1e-15 absolute near the root
    negative axis: lgamma 4e-13, digamma 5e-12 relative, both ~3e-16 absolute near zeros

The thresholds asserted are a few times these.
"""

import math

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.testing import assert_close

special = pytest.importorskip("scipy.special")

RNG = np.random.default_rng(0)
WIDE = np.concatenate(
    [
        RNG.uniform(-6, 6, 20000),
        RNG.uniform(-30, 30, 2000),
        np.logspace(-300, 2, 400),
        -np.logspace(-300, 2, 400),
    ]
)
POSITIVE = np.concatenate([RNG.uniform(0, 20, 20000), np.logspace(-300, 300, 600)])
NEGATIVE = -RNG.uniform(0, 30, 20000)


def _relative_error(ours, ref, floor=1e-300):
    ok = np.abs(ref) > floor
    return np.max(np.abs(ours[ok] - ref[ok]) / np.abs(ref[ok]))


def _ours(name, x):
    return OPS[name](ember.tensor(x, dtype=ember.float64)).numpy()


@pytest.mark.parametrize(
    ("name", "ref", "grid", "bound"),
    [
        ("erf", special.erf, WIDE, 2e-15),
        ("erfc", special.erfc, WIDE, 2e-13),
        ("erfinv", special.erfinv, np.concatenate([RNG.uniform(-1, 1, 20000)]), 2e-15),
        ("lgamma", special.gammaln, POSITIVE[np.abs(POSITIVE - 1.5) > 0.6], 1e-14),
        ("digamma", special.digamma, POSITIVE[np.abs(POSITIVE - 1.4616) > 0.2], 2e-14),
    ],
)
def test_relative_accuracy_against_scipy(name, ref, grid, bound):
    assert _relative_error(_ours(name, grid), ref(grid)) < bound


def test_erfinv_near_one_keeps_full_precision():
    y = 1 - np.logspace(-16, -1, 300)
    y = np.concatenate([y, -y])
    assert _relative_error(_ours("erfinv", y), special.erfinv(y)) < 2e-15


def test_lgamma_and_digamma_near_their_zeros_are_absolutely_accurate():
    near = np.concatenate([1 + np.linspace(-0.6, 0.6, 2001), 2 + np.linspace(-0.5, 0.5, 2001)])
    assert np.max(np.abs(_ours("lgamma", near) - special.gammaln(near))) < 2e-15
    root = 1.4616321449683623 + np.linspace(-0.2, 0.2, 2001)
    assert np.max(np.abs(_ours("digamma", root) - special.digamma(root))) < 4e-15


def test_negative_axis():
    lg = _ours("lgamma", NEGATIVE)
    ref = special.gammaln(NEGATIVE)
    assert np.max(np.abs(lg - ref) / np.maximum(np.abs(ref), 1e-3)) < 2e-12
    dg = _ours("digamma", NEGATIVE)
    ref = special.digamma(NEGATIVE)
    assert np.max(np.abs(dg - ref) / np.maximum(np.abs(ref), 1e-3)) < 2e-11


def test_float32_results_are_rounded_from_float64():
    x = RNG.uniform(-5, 5, 1000).astype(np.float32)
    for name, ref in [("erf", special.erf), ("lgamma", special.gammaln)]:
        out = OPS[name](ember.from_numpy(x))
        assert out.dtype is ember.float32
        assert_close(out, ref(x.astype(np.float64)).astype(np.float32), rtol=1.2e-7, atol=1e-30)


INF, NAN = math.inf, math.nan


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("erf", [INF, -INF, 0.0, -0.0, NAN], [1.0, -1.0, 0.0, -0.0, NAN]),
        ("erfc", [INF, -INF, 0.0, 30.0, NAN], [0.0, 2.0, 1.0, 0.0, NAN]),
        ("erfinv", [1.0, -1.0, 0.0, 1.5, -2.0, NAN], [INF, -INF, 0.0, NAN, NAN, NAN]),
        (
            "lgamma",
            [0.0, -0.0, -1.0, -2.0, 1.0, 2.0, INF, -INF],
            [INF, INF, INF, INF, 0, 0, INF, INF],
        ),
        ("digamma", [0.0, -0.0, -1.0, -3.0, INF, -INF, NAN], [-INF, INF, NAN, NAN, INF, NAN, NAN]),
    ],
)
def test_edge_values_follow_pytorch(name, x, expected):
    out = _ours(name, np.array(x))
    np.testing.assert_array_equal(out, np.array(expected))
    if name == "erf":
        assert np.signbit(out[3])  # erf(-0.0) is -0.0


def test_integer_and_half_inputs():
    assert ember.erf(ember.tensor([1, 2], dtype=ember.uint8)).dtype is ember.float32
    half = ember.lgamma(ember.tensor([0.5, 3.0], dtype=ember.float16))
    assert half.dtype is ember.float16
    assert_close(half, ember.tensor([math.lgamma(0.5), math.log(2)], dtype=ember.float16))
    assert ember.digamma(ember.tensor([1.0], dtype=ember.bfloat16)).dtype is ember.bfloat16


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
def test_complex_is_refused(name):
    with pytest.raises(TypeError, match=rf"^{name}: complex tensors are not supported"):
        OPS[name](ember.tensor([1j]))


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma"])
def test_cuda_kernels_match_their_xp_twins(name, device):
    if device.type != "cuda":
        pytest.skip("CuPy kernels run on GPUs only")
    x = ember.tensor(RNG.uniform(-0.99, 0.99, 1000), dtype=ember.float64, device=device)
    op = OPS[name]
    fast = op.cuda_kernels(device.xp, x._data)
    twin = op.kernel(device.xp, x._data)
    assert_close(fast.get(), twin.get(), rtol=1e-13, atol=1e-15)
