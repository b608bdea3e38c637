"""ember.special: torch.special's names, the ops added with it, and their accuracy."""

import math

import numpy as np
import pytest

import ember
from ember.testing import assert_close

special = pytest.importorskip("scipy.special")
t = ember.tensor


def test_aliases_are_embers_ops():
    assert ember.special.expit is ember.sigmoid
    assert ember.special.gammaln is ember.lgamma
    assert ember.special.psi is ember.special.digamma is ember.digamma
    assert ember.special.multigammaln is ember.mvlgamma
    assert ember.special.erf(t([0.5])).item() == pytest.approx(math.erf(0.5))


def test_special_only_names_stay_out_of_the_top_level():
    for name in ("i0e", "i1", "i1e", "ndtri", "log_ndtr", "xlog1py", "entr", "ndtr"):
        assert hasattr(ember.special, name)
        assert not hasattr(ember, name), name


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e"])
def test_bessel_against_scipy(name):
    x = np.concatenate([np.linspace(-60, 60, 4001), [0.0, 1e-300, 700.0, 712.0]])
    ours = getattr(ember.special, name)(t(x)).numpy()
    ref = getattr(special, name)(x)
    ok = np.isfinite(ref) & (ref != 0)
    assert np.max(np.abs(ours[ok] - ref[ok]) / np.abs(ref[ok])) < 1e-14


def test_bessel_limits_at_infinity_are_not_nan():
    # PyTorch gives nan for i0(inf) and i1(inf); the limits are inf and +-inf.
    inf = float("inf")
    assert ember.i0(t([inf, -inf])).tolist() == [inf, inf]
    assert ember.special.i1(t([inf, -inf])).tolist() == [inf, -inf]
    assert ember.special.i0e(t([inf])).tolist() == [0.0]


def test_ndtri_and_log_ndtr_in_the_tails():
    p = np.concatenate([np.linspace(0.001, 0.999, 999), np.logspace(-300, -2, 300)])
    ours, ref = ember.special.ndtri(t(p)).numpy(), special.ndtri(p)
    ok = ref != 0
    assert np.max(np.abs(ours[ok] - ref[ok]) / np.abs(ref[ok])) < 1e-14
    x = np.linspace(-100, 30, 5001)
    ref = special.log_ndtr(x)
    ours = ember.special.log_ndtr(t(x)).numpy()
    ok = ref != 0
    assert np.max(np.abs(ours[ok] - ref[ok]) / np.abs(ref[ok])) < 1e-12
    assert ember.special.ndtri(t([0.0, 1.0, 2.0])).tolist()[:2] == [-math.inf, math.inf]


def test_ndtr_entr_and_xlog1py():
    x = np.linspace(-30, 10, 401)
    assert_close(ember.special.ndtr(t(x)), special.ndtr(x), rtol=1e-12, atol=2e-16)
    assert ember.special.ndtr(t([0])).dtype is ember.float32
    assert ember.special.entr(t([0.0, 0.5, -1.0])).tolist() == pytest.approx(
        [0.0, 0.5 * math.log(2), -math.inf]
    )
    out = ember.special.xlog1py(t([0.0, 2.0, 0.0]), t([-1.0, 1.0, float("nan")]))
    assert out.tolist()[:2] == pytest.approx([0.0, 2 * math.log(2)]) and math.isnan(out.tolist()[2])


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_polygamma_against_scipy(n):
    x = np.concatenate([np.linspace(0.01, 40, 2000), np.linspace(-9.9, -0.1, 200) + 0.013])
    ours = ember.polygamma(n, t(x)).numpy()
    ref = special.polygamma(n, x)
    assert np.max(np.abs(ours - ref) / np.abs(ref)) < 1e-12


def test_polygamma_and_mvlgamma_errors():
    with pytest.raises(RuntimeError, match="polygamma: n must be a non-negative int"):
        ember.polygamma(-1, t([1.0]))
    with pytest.raises(RuntimeError, match="mvlgamma: p has to be greater than or equal to 1"):
        ember.mvlgamma(t([2.0]), 0)
    with pytest.raises(TypeError, match="mvlgamma: p must be an int"):
        ember.mvlgamma(t([2.0]), 1.5)
    x = t([2.5, 3.0, 7.25], dtype=ember.float64)
    assert_close(ember.mvlgamma(x, 3), special.multigammaln(x.numpy(), 3), rtol=1e-14, atol=0)
    assert t([1.0]).polygamma(1).item() == pytest.approx(math.pi**2 / 6)
