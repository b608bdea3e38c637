"""OpInfo rows for ``ember/_ops/elementwise.py``, and the sample makers its siblings
(``math``, ``special``, ``logical``) share."""

import numpy as np

import ember
from ember.testing.opinfo import ALL_NUMERIC, FLOATING, OpInfo, SampleInput

HALF = (ember.float16, ember.bfloat16)
COMPLEX = (ember.complex64, ember.complex128)
REALS = ALL_NUMERIC + HALF  # every real dtype but bool
NUMBERS = REALS + COMPLEX
EVERY = (ember.bool,) + NUMBERS
FLOATS = FLOATING + HALF


def zero_d(make, **kw):
    """A 0-d tensor. (``make_tensor`` of shape () and dtype bool gives a NumPy scalar, not
    an array, so it is made with one element and reshaped.)"""
    return make(1, **kw).reshape(())


def binary_samples(make, scalar=2, reflected=True, float_scalar=True):
    yield SampleInput(make(3, 4), make(3, 4))
    yield SampleInput(make(2, 1, 4), make(3, 1))  # broadcasting both ways
    yield SampleInput(make(5), zero_d(make))  # with a 0-d tensor
    yield SampleInput(make(0, 3), make(3))  # empty
    yield SampleInput(make(2, 3), scalar)  # with a Python scalar
    if float_scalar:
        yield SampleInput(make(2, 3), 2.5)  # a float scalar: integers promote to float32
    if reflected:
        yield SampleInput(scalar, make(2, 3))  # scalar first, as in ``2 - t``


def unary_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(zero_d(make))
    yield SampleInput(make(0, 2))


def ranged(samples, **bounds):
    """``samples`` with every made tensor drawn from ``bounds`` (low, high, exclude_zero).

    Bounds are rounded toward zero for integer dtypes (so ``high`` stays above ``low``),
    and ``low`` is at least 0 for uint8, which would wrap around.
    """

    def run(make):
        probe = make(1)
        kw = dict(bounds)
        if not (probe.dtype.is_floating_point or probe.dtype.is_complex):
            low, high = int(kw.get("low", -9)), int(kw.get("high", 10))
            low = max(low, 0) if probe.dtype is ember.uint8 else low
            kw["low"], kw["high"] = low, max(high, low + 1)
        return samples(lambda *s, **more: make(*s, **{**kw, **more}))

    return run


def special_values(make, values=(float("nan"), float("inf"), -float("inf"), -0.0, 1.5, -2.0)):
    """A tensor of nan, infinities and signed zeros when the dtype can hold them."""
    probe = make(1)
    if probe.dtype.is_floating_point or probe.dtype.is_complex:
        return ember.tensor(list(values), dtype=probe.dtype, device=probe.device)
    return make(len(values))


def _is_bool(t):
    return getattr(t, "dtype", None) is ember.bool


# ---- arithmetic ------------------------------------------------------------------------


def _alpha_samples(make):
    yield from binary_samples(make)
    x = make(3, 4)
    if not _is_bool(x):
        yield SampleInput(x, make(3, 4), alpha=3)
        if not x.dtype.is_floating_point and not x.dtype.is_complex:
            return
        yield SampleInput(make(2, 3), make(3), alpha=0.5)


def _add_ref(x, y, alpha=1):
    return np.add(x, y if alpha == 1 else np.multiply(y, alpha))


def _sub_ref(x, y, alpha=1):
    return np.subtract(x, y if alpha == 1 else np.multiply(y, alpha))


def _div_samples(make):
    yield from ranged(binary_samples, exclude_zero=True)(make)
    x = make(3, 4)
    if not _is_bool(x) and not x.dtype.is_complex:
        y = make(3, 4, exclude_zero=True)
        yield SampleInput(x, y, rounding_mode="floor")
        yield SampleInput(x, y, rounding_mode="trunc")
        yield SampleInput(make(4), 3, rounding_mode="trunc")


def _div_ref(x, y, rounding_mode=None):
    if rounding_mode == "floor":
        return np.floor_divide(x, y)
    if rounding_mode == "trunc":
        return np.trunc(np.true_divide(x, y))
    return np.true_divide(x, y)


def _addc_samples(make, divisor=False):
    nonzero = {"exclude_zero": True} if divisor else {}
    yield SampleInput(make(3, 4), make(3, 4), make(3, 4, **nonzero))
    yield SampleInput(make(3, 1), make(4), make(2, 3, 1, **nonzero))  # all three broadcast
    yield SampleInput(make(4), make(4), make(4, **nonzero), value=3)
    yield SampleInput(make(0, 3), make(3), make(0, 3, **nonzero))
    x = make(2, 3)
    if x.dtype.is_floating_point or x.dtype.is_complex:
        yield SampleInput(x, make(2, 3), make(3, **nonzero), value=-0.5)


def _addc_ref(combine):
    def ref(x, a, b, value=1):
        dtype = np.result_type(x, a, b)
        if dtype.itemsize == 2 and dtype.kind in "fV":  # PyTorch computes halves in float32
            x, a, b = (t.astype(np.float32) for t in (x, a, b))
        return (x + value * combine(a, b)).astype(dtype)

    return ref


def _pow_samples(make):
    yield SampleInput(make(3, 4, low=-3, high=4), make(3, 4, low=0, high=4))
    yield SampleInput(make(2, 1, 3, low=-3, high=4), make(4, 1, low=0, high=3))
    yield SampleInput(make(5, low=1, high=3), 3)
    yield SampleInput(make(5, low=0.5, high=3), 0.5)
    yield SampleInput(2, make(2, 3, low=0, high=5))  # ``2 ** t``
    yield SampleInput(make(0, 3), make(3, low=0, high=3))


OpInfo("add", _add_ref, _alpha_samples, EVERY, grad_order=2)
OpInfo("sub", _sub_ref, _alpha_samples, NUMBERS, grad_order=2)
OpInfo("mul", np.multiply, binary_samples, EVERY, grad_order=2)
OpInfo("div", _div_ref, _div_samples, EVERY, grad_order=2)
OpInfo("addcmul", _addc_ref(np.multiply), _addc_samples, NUMBERS, grad_order=2)
# Integer tensor1 and tensor2 are refused (see test_elementwise.py).
OpInfo(
    "addcdiv",
    _addc_ref(np.true_divide),
    lambda make: _addc_samples(make, divisor=True),
    FLOATS + COMPLEX,
    grad_order=2,
)
OpInfo(
    "floor_divide",
    np.floor_divide,
    ranged(binary_samples, exclude_zero=True),
    REALS,
    grad_order=0,
)
OpInfo("remainder", np.remainder, ranged(binary_samples, exclude_zero=True), REALS, grad_order=1)
OpInfo("fmod", np.fmod, ranged(binary_samples, exclude_zero=True), REALS, grad_order=1)
OpInfo("pow", np.power, _pow_samples, NUMBERS, grad_order=2)
OpInfo("neg", np.negative, unary_samples, NUMBERS, grad_order=2)
OpInfo("positive", np.positive, unary_samples, NUMBERS, grad_order=2)
OpInfo(
    "reciprocal",
    lambda x: np.reciprocal(x.astype(np.float64) if x.dtype.kind in "biu" else x),
    ranged(unary_samples, exclude_zero=True),
    EVERY,
    grad_order=2,
)
OpInfo("abs", np.abs, unary_samples, NUMBERS, grad_order=2)
OpInfo(
    "sign",
    lambda x: x if x.dtype == bool else np.sign(x),
    unary_samples,
    (ember.bool,) + REALS,
    grad_order=0,
)
OpInfo(
    "sgn",
    lambda x: np.where(x == 0, 0, x / np.where(x == 0, 1, np.abs(x))),
    unary_samples,
    NUMBERS,
    grad_order=1,
)
OpInfo(
    "square",
    lambda x: np.square(x.astype(np.int64) if x.dtype == bool else x),
    unary_samples,
    EVERY,
    grad_order=2,
)

# ---- rounding --------------------------------------------------------------------------


def _round_samples(make):
    yield from unary_samples(make)
    x = make(3, 4)
    if x.dtype.is_floating_point:
        yield SampleInput(x, decimals=2)
        yield SampleInput(make(5, low=-500, high=500), decimals=-2)


def _integer_safe(fn):
    """NumPy's rounding ufuncs refuse no dtype, but return float64 for some integers."""
    return lambda x, **kw: fn(x, **kw) if x.dtype.kind in "fcV" else x


OpInfo("floor", _integer_safe(np.floor), unary_samples, REALS, grad_order=0)
OpInfo("ceil", _integer_safe(np.ceil), unary_samples, REALS, grad_order=0)
OpInfo("trunc", _integer_safe(np.trunc), unary_samples, REALS, grad_order=0)


def _round_ref(x, decimals=0):
    if x.dtype.kind in "biu":
        return x
    if x.dtype.itemsize == 2:  # PyTorch scales float16 and bfloat16 in float32
        return np.round(x.astype(np.float32), decimals).astype(x.dtype)
    return np.round(x, decimals)


OpInfo("round", _round_ref, _round_samples, REALS, grad_order=0)
OpInfo("frac", lambda x: x - np.trunc(x), unary_samples, FLOATS, grad_order=2)

# ---- clamping and selection ------------------------------------------------------------


def _clamp_samples(make):
    yield SampleInput(make(3, 4), 2, 6)
    yield SampleInput(make(3, 4), min=2)
    yield SampleInput(make(3, 4), max=6)
    yield SampleInput(make(3, 4), None, 6)
    yield SampleInput(make(3, 4), 2.5)  # a float bound: integers promote
    yield SampleInput(make(2, 3, 4), make(3, 1), make(4, low=3, high=9))  # tensor bounds
    yield SampleInput(make(5), 6, 2)  # min > max: max wins
    yield SampleInput(zero_d(make), 2, 6)
    yield SampleInput(make(0, 3), 2, 6)


def _clamp_ref(x, min=None, max=None):
    out = x if min is None else np.maximum(x, min)
    return out if max is None else np.minimum(out, max)


def _where_samples(make):
    cond = make(3, 4, dtype=ember.bool)
    yield SampleInput(cond, make(3, 4), make(3, 4))
    yield SampleInput(make(3, 1, dtype=ember.bool), make(1, 4), make(4))  # broadcasting
    yield SampleInput(cond, make(3, 4), 0)  # a scalar branch
    yield SampleInput(cond, 1.5, make(3, 4))  # a float scalar branch promotes
    yield SampleInput(cond, zero_d(make), make(3, 4))
    yield SampleInput(make(0, 2, dtype=ember.bool), make(0, 2), make(2))


OpInfo("clamp", _clamp_ref, _clamp_samples, REALS, grad_order=2)
# A Python bound comes second only: PyTorch has no clamp_min(number, tensor).
for _name, _ref in [("clamp_min", np.maximum), ("clamp_max", np.minimum)]:
    OpInfo(_name, _ref, lambda make: binary_samples(make, reflected=False), REALS, grad_order=2)
for _name, _ref in [
    ("minimum", np.minimum),
    ("maximum", np.maximum),
    ("fmin", np.fmin),
    ("fmax", np.fmax),
]:
    OpInfo(_name, _ref, binary_samples, (ember.bool,) + REALS, grad_order=2)
OpInfo("where", np.where, _where_samples, EVERY, grad_order=2)
