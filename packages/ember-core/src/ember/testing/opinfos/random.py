"""OpInfo rows for ``ember/_ops/random.py``.

Random ops have no NumPy reference: each row's ``check`` tests the
distribution's statistics (range, mean, spread) on a large sample drawn from a
freshly seeded generator, so every run sees the same numbers.
"""

import math

import numpy as np

import ember
from ember import dtypes as _dt
from ember.testing.opinfo import ALL_NUMERIC, FLOATING, OpInfo

N = 20_000  # samples per statistical check: the mean's error is ~0.7% of the spread
LOW_PRECISION = (_dt.float16, _dt.bfloat16)


class _Seeded:
    """``SampleInput`` with a fresh, seeded generator, so reruns draw the same numbers."""

    def __new__(cls, *args, **kwargs):
        from ember.testing.opinfo import SampleInput

        kwargs.setdefault("generator", ember.Generator().manual_seed(0))
        return SampleInput(*args, **kwargs)


def _values(out):
    return np.asarray(out.cpu()._data).astype(np.float64)


def _assert_stats(v, mean, std, name, rel=0.05):
    """Sample mean and std of ``v`` match ``mean`` and ``std`` within sampling error."""
    tol = 6 * std / math.sqrt(v.size) + 1e-2 * abs(mean)  # 6 sigma, plus rounding room
    assert abs(v.mean() - mean) <= tol, f"{name}: mean {v.mean():.4f}, expected {mean}"
    assert abs(v.std() - std) <= rel * std + 1e-3, f"{name}: std {v.std():.4f}, expected {std}"


def _arg(sample, i, name, default):
    if len(sample.args) > i:
        return sample.args[i]
    return sample.kwargs.get(name, default)


# ---- out-of-place ops -----------------------------------------------------------------


def _normal_samples(make):
    yield _Seeded(make(N).zero_() + 2.0, 3.0)  # tensor mean, float std
    yield _Seeded(1.0, make(N).fill_(0.5))  # float mean, tensor std
    yield _Seeded(make(N).zero_(), make(1).fill_(2.0))  # broadcasting tensors
    yield _Seeded(-1.0, 0.5, (N,))  # numbers and a size
    yield _Seeded(make(0, 2), 1.0)  # empty
    yield _Seeded(make().zero_(), 1.0)  # 0-d


def _normal_check(out, sample):
    mean, std = sample.args[0], sample.args[1]
    first = mean if isinstance(mean, ember.Tensor) else std
    if isinstance(first, ember.Tensor):
        assert out.dtype is first.dtype
    if out.numel() < 100:
        return
    m = float(mean.cpu()._data.ravel()[0]) if isinstance(mean, ember.Tensor) else mean
    s = float(std.cpu()._data.ravel()[0]) if isinstance(std, ember.Tensor) else std
    _assert_stats(_values(out), m, s, "normal")


def _bernoulli_samples(make):
    yield _Seeded(make(N, low=0, high=1).fill_(0.3))
    yield _Seeded(make(N, low=0, high=1), p=0.8)
    yield _Seeded(make(0, 3, low=0, high=1))
    yield _Seeded(make(low=0, high=1).fill_(1.0))


def _bernoulli_check(out, sample):
    x = sample.args[0]
    assert out.shape == x.shape and out.dtype is x.dtype
    v = _values(out)
    assert np.isin(v, (0.0, 1.0)).all(), "bernoulli: values other than 0 and 1"
    if v.size >= 100:
        p = sample.kwargs.get("p", 0.3)
        _assert_stats(v, p, math.sqrt(p * (1 - p)), "bernoulli")
    elif v.size == 1:
        assert v.item() == 1.0


def _multinomial_samples(make):
    yield _Seeded(make(4, low=0, high=1).fill_(1.0), N, True)
    yield _Seeded(make(3, 50, low=0.5, high=1), 50)  # a full permutation per row
    yield _Seeded(make(2, 20, low=0.5, high=1), 5, replacement=False)


def _multinomial_check(out, sample):
    probs, k = sample.args[0], sample.args[1]
    n = probs.shape[-1]
    assert out.dtype is ember.int64 and tuple(out.shape) == tuple(probs.shape[:-1]) + (k,)
    v = np.asarray(out._data)
    assert ((v >= 0) & (v < n)).all(), "multinomial: index out of range"
    replacement = _arg(sample, 2, "replacement", False)
    if not replacement:
        assert all(len(set(row)) == len(row) for row in v.reshape(-1, k)), "repeated index"
    else:  # uniform weights: every category about equally often
        counts = np.bincount(v.ravel(), minlength=n) / v.size
        assert np.abs(counts - 1 / n).max() < 6 * math.sqrt(1 / n / v.size) + 1e-3


def _poisson_samples(make):
    yield _Seeded(make(N, low=0, high=1).fill_(4.0))
    yield _Seeded(make(0, 2, low=0, high=1))
    yield _Seeded(make(low=0, high=1).zero_())


def _poisson_check(out, sample):
    x = sample.args[0]
    assert out.shape == x.shape and out.dtype is x.dtype
    v = _values(out)
    assert (v == np.floor(v)).all() and (v >= 0).all()
    if v.size >= 100:
        _assert_stats(v, 4.0, 2.0, "poisson")


OpInfo("normal", None, _normal_samples, FLOATING, grad_order=0, check=_normal_check)
OpInfo(
    "bernoulli",
    None,
    _bernoulli_samples,
    FLOATING + LOW_PRECISION,
    grad_order=0,
    check=_bernoulli_check,
)
OpInfo("multinomial", None, _multinomial_samples, FLOATING, grad_order=0, check=_multinomial_check)
OpInfo("poisson", None, _poisson_samples, FLOATING, grad_order=0, check=_poisson_check)


# ---- in-place samplers ----------------------------------------------------------------


def _inplace_row(name, samples, check, dtypes=FLOATING + LOW_PRECISION):
    def checked(out, sample):
        assert out is sample.args[0], f"{name} must return self"
        v = _values(out)
        if v.size >= 100:
            check(v, sample)

    def torch_call(torch, x, *args, **kwargs):
        return getattr(x.clone(), name)(*args, **kwargs)

    OpInfo(name, None, samples, dtypes, grad_order=0, check=checked, torch=torch_call)


def _sizes(make, *args, **kwargs):
    """A large sample, a strided view, a 0-d and an empty tensor, each with ``args``."""
    yield _Seeded(make(N), *args, **kwargs)
    yield _Seeded(make(N // 100, 100).transpose(0, 1), *args, **kwargs)
    yield _Seeded(make(), *args, **kwargs)
    yield _Seeded(make(0, 3), *args, **kwargs)


def _check_uniform(v, sample):
    lo, hi = _arg(sample, 1, "from_", 0.0), _arg(sample, 2, "to", 1.0)
    assert (v >= lo).all() and (v <= hi).all()
    _assert_stats(v, (lo + hi) / 2, (hi - lo) / math.sqrt(12), "uniform_")


def _check_normal(v, sample):
    _assert_stats(v, _arg(sample, 1, "mean", 0.0), _arg(sample, 2, "std", 1.0), "normal_")


def _check_random(v, sample):
    assert (v == np.floor(v)).all() and (v >= 2).all() and (v < 9).all()
    _assert_stats(v, 5.0, math.sqrt((7**2 - 1) / 12), "random_")


def _check_bernoulli(v, sample):
    assert np.isin(v, (0.0, 1.0)).all()
    _assert_stats(v, 0.25, math.sqrt(0.25 * 0.75), "bernoulli_")


def _check_exponential(v, sample):
    assert (v >= 0).all()
    _assert_stats(v, 0.5, 0.5, "exponential_")


def _check_geometric(v, sample):
    assert (v >= 1).all() and (v == np.floor(v)).all()
    _assert_stats(v, 1 / 0.25, math.sqrt(0.75) / 0.25, "geometric_")


def _check_log_normal(v, sample):
    assert (v > 0).all()
    _assert_stats(np.log(v), 0.5, 0.25, "log_normal_", rel=0.1)


def _check_cauchy(v, sample):
    # No mean or variance: the median and the quartiles (median -+ sigma) instead.
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    assert abs(med - 1.0) < 0.1 and abs((q3 - q1) / 2 - 2.0) < 0.15


_inplace_row("uniform_", lambda make: _sizes(make, -2.0, 3.0), _check_uniform)
_inplace_row("normal_", lambda make: _sizes(make, 1.0, 2.0), _check_normal)
_inplace_row("random_", lambda make: _sizes(make, 2, 9), _check_random, ALL_NUMERIC)
_inplace_row(
    "bernoulli_",
    lambda make: _sizes(make, 0.25),
    _check_bernoulli,
    ALL_NUMERIC + LOW_PRECISION,
)
_inplace_row("exponential_", lambda make: _sizes(make, 2.0), _check_exponential)
_inplace_row("geometric_", lambda make: _sizes(make, 0.25), _check_geometric, ALL_NUMERIC)
_inplace_row("log_normal_", lambda make: _sizes(make, 0.5, 0.25), _check_log_normal)
_inplace_row("cauchy_", lambda make: _sizes(make, 1.0, 2.0), _check_cauchy)
