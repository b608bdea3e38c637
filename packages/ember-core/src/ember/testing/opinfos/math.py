"""OpInfo rows for ``ember/_ops/math.py``."""

import numpy as np

import ember
from ember.testing.opinfo import ALL_NUMERIC, FLOATING, OpInfo, SampleInput
from ember.testing.opinfos.elementwise import (
    COMPLEX,
    EVERY,
    FLOATS,
    NUMBERS,
    REALS,
    binary_samples,
    ranged,
    special_values,
    unary_samples,
    zero_d,
)

WITH_BOOL = (ember.bool,) + REALS


def _float64(a):
    return a.astype(np.float64) if hasattr(a, "dtype") and a.dtype.kind in "biu" else a


def floating_ref(fn):
    """``fn`` on float64 copies of integer and bool arrays (the ops promote them)."""

    def ref(*args, **kwargs):
        args = [_float64(a) for a in args]
        return fn(*args, **kwargs)

    return ref


# name -> (NumPy reference, sample bounds, dtypes)
_UNARY = {
    "exp": (np.exp, {"low": -3, "high": 3}, EVERY),
    "exp2": (np.exp2, {"low": -3, "high": 3}, EVERY),
    "expm1": (np.expm1, {"low": -3, "high": 3}, EVERY),
    "log": (np.log, {"low": 0.1, "high": 9}, EVERY),
    "log2": (np.log2, {"low": 0.1, "high": 9}, EVERY),
    "log10": (np.log10, {"low": 0.1, "high": 9}, EVERY),
    "log1p": (np.log1p, {"low": 0, "high": 9}, EVERY),
    "sqrt": (np.sqrt, {"low": 0, "high": 9}, EVERY),
    "rsqrt": (lambda x: 1 / np.sqrt(x), {"low": 0.1, "high": 9}, EVERY),
    "sin": (np.sin, {}, EVERY),
    "cos": (np.cos, {}, EVERY),
    "tan": (np.tan, {"low": -1.2, "high": 1.2}, EVERY),
    "asin": (np.arcsin, {"low": -1, "high": 1}, EVERY),
    "acos": (np.arccos, {"low": -1, "high": 1}, EVERY),
    "atan": (np.arctan, {}, EVERY),
    "sinh": (np.sinh, {"low": -3, "high": 3}, EVERY),
    "cosh": (np.cosh, {"low": -3, "high": 3}, EVERY),
    "tanh": (np.tanh, {}, EVERY),
    "asinh": (np.arcsinh, {}, EVERY),
    "acosh": (np.arccosh, {"low": 1, "high": 9}, EVERY),
    "atanh": (np.arctanh, {"low": -0.9, "high": 0.9}, EVERY),  # integers: -1 and 0
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), {}, EVERY),
}

for _name, (_ref, _bounds, _dtypes) in _UNARY.items():
    OpInfo(_name, floating_ref(_ref), ranged(unary_samples, **_bounds), _dtypes, grad_order=2)


def _logit_samples(make):
    yield from ranged(unary_samples, low=0.05, high=0.95)(make)  # integers: 0
    x = make(3, 4, low=0.0, high=1.0)
    yield SampleInput(x, eps=0.1)
    yield SampleInput(x, 1e-6)


def _logit_ref(x, eps=None):
    if eps is not None:
        x = np.maximum(np.minimum(x, 1 - eps), eps)
    return np.log(x / (1 - x))


OpInfo("logit", floating_ref(_logit_ref), _logit_samples, REALS, grad_order=2)

# ---- two arguments ---------------------------------------------------------------------


def xlogy_samples(make, low=0.5):
    """Samples of ``x * log(y)``-like ops, ``y`` drawn from ``[low, 9)``."""
    yield SampleInput(make(3, 4, low=-2, high=3), make(3, 4, low=low, high=9))
    yield SampleInput(make(2, 1, 3, low=0, high=2), make(4, 1, low=low, high=9))
    yield SampleInput(make(4, low=0, high=3), 2.5)
    yield SampleInput(2, make(4, low=low, high=9))
    yield SampleInput(make(0, 3), make(3, low=low, high=9))


def _xlogy_ref(x, y):
    return np.where(np.asarray(x) == 0, 0.0, x * np.log(y))


for _name, _ref, _dtypes, _order in [
    ("atan2", np.arctan2, WITH_BOOL, 2),
    ("hypot", np.hypot, FLOATS, 2),
    ("logaddexp", np.logaddexp, FLOATS, 2),
    ("logaddexp2", np.logaddexp2, FLOATS, 2),
    ("copysign", np.copysign, WITH_BOOL, 1),
]:
    OpInfo(_name, floating_ref(_ref), binary_samples, _dtypes, grad_order=_order)
OpInfo("nextafter", np.nextafter, binary_samples, FLOATS, grad_order=0)
OpInfo("xlogy", floating_ref(_xlogy_ref), xlogy_samples, WITH_BOOL, grad_order=2)


def _lerp_samples(make):
    yield SampleInput(make(3, 4), make(3, 4), 0.3)
    yield SampleInput(make(3, 4), make(3, 4), 0.7)
    yield SampleInput(make(3, 4), make(3, 4), make(3, 4, low=0, high=1))
    yield SampleInput(make(2, 1, 4), make(3, 1), make(4, low=-1, high=2))  # broadcasting
    yield SampleInput(zero_d(make), zero_d(make), 1.0)
    yield SampleInput(make(0, 3), make(3), 0.5)


def _lerp_ref(x, end, weight):
    x, end = x.astype(np.complex128 if x.dtype.kind == "c" else np.float64), end.astype(x.dtype)
    return x + weight * (end - x)


OpInfo("lerp", _lerp_ref, _lerp_samples, FLOATS + COMPLEX, grad_order=2)


def _nan_to_num_samples(make):
    yield from unary_samples(make)
    yield SampleInput(special_values(make))
    yield SampleInput(special_values(make), nan=1.5, posinf=100.0, neginf=-100.0)
    yield SampleInput(special_values(make), posinf=7.0)


def _clean(p, nan, posinf, neginf):
    return np.where(
        np.isnan(p), nan, np.where(p == np.inf, posinf, np.where(p == -np.inf, neginf, p))
    )


def _nan_to_num_ref(x, nan=0.0, posinf=None, neginf=None):
    if x.dtype.kind in "biu":
        return x
    info = ember.finfo(ember.dtypes.from_numpy(x.dtype))
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    if x.dtype.kind == "c":
        return _clean(x.real, nan, posinf, neginf) + 1j * _clean(x.imag, nan, posinf, neginf)
    return _clean(x, nan, posinf, neginf)


OpInfo("nan_to_num", _nan_to_num_ref, _nan_to_num_samples, (ember.bool,) + NUMBERS, grad_order=1)

# ---- complex numbers -------------------------------------------------------------------


def _angle_ref(x):
    if x.dtype.kind == "c":
        return np.angle(x)
    x = x.astype(np.float64)
    return np.where(np.isnan(x), x, np.where(x < 0, np.pi, 0.0))


def _view_as_complex_ref(x):
    pairs = np.ascontiguousarray(x)
    return pairs.view(np.result_type(x.dtype, np.complex64))[..., 0]


def _pairs_samples(make):
    yield SampleInput(make(3, 2))
    yield SampleInput(make(2, 3, 2))
    yield SampleInput(make(2))  # one pair: a 0-d complex tensor
    yield SampleInput(make(5, 2)[1:4])  # a slice starting at a whole pair


OpInfo(
    "view_as_real",
    lambda x: np.stack([x.real, x.imag], -1),
    lambda make: [*unary_samples(make), SampleInput(make(4, 3).transpose(0, 1))],
    COMPLEX,
    grad_order=2,
)
# Strided inputs are refused (the pairs must be adjacent), as in PyTorch.
OpInfo(
    "view_as_complex",
    _view_as_complex_ref,
    _pairs_samples,
    FLOATING,
    grad_order=2,
    skip_noncontiguous=True,
)
OpInfo("real", np.real, unary_samples, EVERY, grad_order=2)
OpInfo("imag", np.imag, unary_samples, COMPLEX, grad_order=2)
OpInfo("conj", np.conj, unary_samples, EVERY, grad_order=2)
OpInfo(
    "angle",
    _angle_ref,
    lambda make: [*unary_samples(make), SampleInput(special_values(make))],
    EVERY,
    grad_order=1,
)

# ---- angles, sinc, powers of two, float_power, gcd and lcm ------------------------------

OpInfo("deg2rad", floating_ref(np.deg2rad), unary_samples, WITH_BOOL, grad_order=2)
OpInfo("rad2deg", floating_ref(np.rad2deg), unary_samples, WITH_BOOL, grad_order=2)


def _sinc_samples(make):
    yield from unary_samples(make)
    yield SampleInput(special_values(make))


# Not float16 and bfloat16: computed in float32, their sinc near its zeros differs from a
# float64 reference by more than their tolerance (PyTorch's the same).
OpInfo(
    "sinc",
    floating_ref(np.sinc),
    _sinc_samples,
    (ember.bool,) + ALL_NUMERIC + COMPLEX,
    grad_order=2,
)


def _float_power_samples(make):
    yield SampleInput(make(3, 4, low=0.5, high=3), make(3, 4, low=-2, high=2))
    yield SampleInput(make(2, 1, 3, low=0.5, high=3), make(4, 1, low=-2, high=2))
    yield SampleInput(make(4, low=0.5, high=3), 2)
    yield SampleInput(make(4, low=0.5, high=3), 0.5)
    yield SampleInput(2.5, make(4, low=-2, high=2))
    yield SampleInput(make(0, 3), make(3))


def _float_power_ref(x, y):
    wide = np.complex128 if any(np.iscomplexobj(v) for v in (x, y)) else np.float64
    return np.power(np.asarray(x, dtype=wide), np.asarray(y, dtype=wide))


OpInfo("float_power", _float_power_ref, _float_power_samples, REALS + COMPLEX, grad_order=2)


def _ldexp_samples(make):
    x = make(3, 4, low=-3, high=3)
    yield SampleInput(x, make(3, 4, low=-4, high=4))
    yield SampleInput(make(2, 1, 3), make(4, 1, low=-4, high=4))
    yield SampleInput(zero_d(make), make(5, low=-4, high=4))
    yield SampleInput(make(0, 3), make(3))


def _ldexp_ref(x, other):
    wide = np.result_type(x, other)
    wide = np.float32 if wide.kind in "biu" else wide
    return (x.astype(np.float64) * np.exp2(other.astype(np.float64))).astype(wide)


# Integer exponents (the common use) are exercised through the int dtypes.
OpInfo("ldexp", _ldexp_ref, _ldexp_samples, ALL_NUMERIC[1:], grad_order=2)  # not uint8


def _frexp_samples(make):
    yield from unary_samples(make)
    yield SampleInput(special_values(make))


def _frexp_ref(x):
    mantissa, exponent = np.frexp(x.astype(np.float64))
    return mantissa.astype(x.dtype), exponent.astype(np.int32)


OpInfo("frexp", _frexp_ref, _frexp_samples, FLOATS, grad_order=1)


def _gcd_samples(make):
    yield from ranged(lambda m: binary_samples(m, float_scalar=False), low=-30, high=30)(make)


_INTEGERS = (ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64)
OpInfo("gcd", np.gcd, _gcd_samples, _INTEGERS, grad_order=0)
OpInfo("lcm", np.lcm, _gcd_samples, _INTEGERS, grad_order=0)
