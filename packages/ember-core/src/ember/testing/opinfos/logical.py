"""OpInfo rows for ``ember/_ops/logical.py``."""

import numpy as np

import ember
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput
from ember.testing.opinfos.elementwise import (
    EVERY,
    REALS,
    binary_samples,
    special_values,
    unary_samples,
    zero_d,
)

INTEGERS = ALL_NUMERIC[:5]
WITH_BOOL = (ember.bool,) + REALS


def _compare_samples(make):
    yield from binary_samples(make)
    x = make(4, 3)
    yield SampleInput(x, x)  # equal elements


for _name, _ref, _dtypes in [
    ("eq", np.equal, EVERY),
    ("ne", np.not_equal, EVERY),
    ("lt", np.less, WITH_BOOL),
    ("le", np.less_equal, WITH_BOOL),
    ("gt", np.greater, WITH_BOOL),
    ("ge", np.greater_equal, WITH_BOOL),
]:
    OpInfo(_name, _ref, _compare_samples, _dtypes, grad_order=0)

# ---- closeness -------------------------------------------------------------------------


def _close_samples(make):
    x = make(3, 4)
    yield SampleInput(x, x)
    yield SampleInput(make(3, 4), make(3, 4))
    yield SampleInput(make(2, 1, 4), make(3, 1), rtol=0.5, atol=2)
    yield SampleInput(make(5), zero_d(make), atol=3)
    s = special_values(make)
    yield SampleInput(s, s)
    yield SampleInput(s, s, equal_nan=True)
    yield SampleInput(make(0, 3), make(3))


def _np_close(fn):
    def ref(x, y, rtol=1e-05, atol=1e-08, equal_nan=False):
        if x.dtype == bool:
            return fn(x.astype(np.int8), y.astype(np.int8), rtol, atol, equal_nan)
        return fn(x, y, rtol, atol, equal_nan)

    return ref


def _equal_samples(make):
    x = make(3, 4)
    yield SampleInput(x, x)
    yield SampleInput(make(3, 4), make(3, 4))
    yield SampleInput(make(3, 4), make(4, 3))
    yield SampleInput(zero_d(make), zero_d(make))
    yield SampleInput(make(0, 3), make(0, 3))


OpInfo("isclose", _np_close(np.isclose), _close_samples, EVERY, grad_order=0)
OpInfo("allclose", _np_close(np.allclose), _close_samples, EVERY, grad_order=0)
OpInfo(
    "equal",
    lambda x, y: x.shape == y.shape and bool(np.array_equal(x, y)),
    _equal_samples,
    EVERY,
    grad_order=0,
)

# ---- logical and bitwise ---------------------------------------------------------------


def _shift_samples(make):
    yield SampleInput(make(3, 4), make(3, 4, low=0, high=8))
    yield SampleInput(make(2, 1, 4), make(3, 1, low=0, high=8))
    yield SampleInput(make(5), 2)
    yield SampleInput(zero_d(make), zero_d(make, low=0, high=3))
    yield SampleInput(make(0, 3), make(3, low=0, high=3))


def _bitwise_samples(make):
    return binary_samples(make, float_scalar=False)


for _name, _ref in [
    ("logical_and", np.logical_and),
    ("logical_or", np.logical_or),
    ("logical_xor", np.logical_xor),
]:
    OpInfo(_name, _ref, binary_samples, EVERY, grad_order=0)
OpInfo("logical_not", np.logical_not, unary_samples, EVERY, grad_order=0)
for _name, _ref in [
    ("bitwise_and", np.bitwise_and),
    ("bitwise_or", np.bitwise_or),
    ("bitwise_xor", np.bitwise_xor),
]:
    OpInfo(_name, _ref, _bitwise_samples, (ember.bool,) + INTEGERS, grad_order=0)
OpInfo("bitwise_not", np.invert, unary_samples, (ember.bool,) + INTEGERS, grad_order=0)
OpInfo("bitwise_left_shift", np.left_shift, _shift_samples, INTEGERS, grad_order=0)
OpInfo("bitwise_right_shift", np.right_shift, _shift_samples, INTEGERS, grad_order=0)

# ---- predicates ------------------------------------------------------------------------


def _predicate_samples(make):
    yield from unary_samples(make)
    yield SampleInput(special_values(make))


def _real_only(fn):
    return lambda x: fn(x) if x.dtype.kind in "fV" else np.zeros(x.shape, bool)


for _name, _ref, _dtypes in [
    ("isnan", np.isnan, EVERY),
    ("isinf", np.isinf, EVERY),
    ("isfinite", np.isfinite, EVERY),
    ("isposinf", _real_only(np.isposinf), WITH_BOOL),
    ("isneginf", _real_only(np.isneginf), WITH_BOOL),
    ("isreal", np.isreal, EVERY),
    ("signbit", lambda x: np.signbit(x) if x.dtype != bool else np.zeros(x.shape, bool), WITH_BOOL),
]:
    OpInfo(_name, _ref, _predicate_samples, _dtypes, grad_order=0)
