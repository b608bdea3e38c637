"""Elementwise arithmetic, rounding, clamping and selection, with PyTorch's dtype rules.

The family continues in ``math.py`` (exponentials, logs, trigonometry...), ``special.py``
(erf, lgamma...) and ``logical.py`` (comparisons, logical and bitwise ops, predicates);
their names are re-exported from here, so ``from ember._ops.elementwise import *`` has
them all. Helpers shared by the four live in ``_numerics.py``.
"""

from __future__ import annotations

from ember import dispatch as _dispatch
from ember._ops import FLOAT, SAME, Op, binary, unary
from ember._ops._numerics import (
    INTEGER,
    NUMERIC,
    argument,
    compute_dtype,
    dtype_of,
    expect,
    expect_real,
    name_of,
    promote_over,
    quiet,
)
from ember._ops._scratch import scratch

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "addcmul",
    "addcdiv",
    "floor_divide",
    "remainder",
    "fmod",
    "pow",
    "neg",
    "positive",
    "reciprocal",
    "abs",
    "sign",
    "sgn",
    "square",
    "floor",
    "ceil",
    "round",
    "trunc",
    "frac",
    "clamp",
    "clamp_min",
    "clamp_max",
    "minimum",
    "maximum",
    "fmin",
    "fmax",
    "where",
    "subtract",
    "multiply",
    "divide",
    "true_divide",
    "negative",
    "absolute",
    "fix",
    "clip",
]

# ---- add, sub, mul, div --------------------------------------------------------------


def _times_alpha(xp, name, x, y, alpha, out=None, arg="alpha"):
    """``alpha * other`` under PyTorch's rules for ``alpha`` (into ``out`` if given);
    ``arg`` names the multiplier in errors."""
    d = dtype_of(x, y)
    kind = d.kind
    if kind in INTEGER and isinstance(alpha, float):
        raise TypeError(f"{name}: {arg} must be an integer for integer tensors, got {alpha!r}")
    if kind not in "c" and isinstance(alpha, complex):
        raise TypeError(f"{name}: {arg} must be real for non-complex tensors, got {alpha!r}")
    if kind == "b":
        return xp.logical_and(y, bool(alpha), out=out)  # stays bool, as in PyTorch
    # ml_dtypes' bfloat16 widens with a Python float: a typed alpha keeps the dtype
    return xp.multiply(y, d.type(alpha) if kind == "V" else alpha, out=out)


def _add(xp, x, y, *, alpha=1):
    """``input + alpha * other``, broadcasting.

    Args:
        input, other: tensors or numbers; the result has their promoted dtype.
        alpha: multiplier for ``other`` (an int for integer tensors).
    """
    if alpha == 1:
        return xp.add(x, y)
    return xp.add(x, _times_alpha(xp, "add", x, y, alpha))


def _sub(xp, x, y, *, alpha=1):
    """``input - alpha * other``, broadcasting. Two bool tensors can't be subtracted."""
    try:
        if alpha == 1:
            return xp.subtract(x, y)
        return xp.subtract(x, _times_alpha(xp, "sub", x, y, alpha))
    except TypeError:  # NumPy refuses bool - bool, as PyTorch does; give PyTorch's advice
        if dtype_of(x, y).kind == "b":
            raise TypeError(
                "sub: subtracting bool tensors is not supported; use logical_xor (^)"
            ) from None
        raise


def _addc(name, combine):
    """The kernel of ``addcmul``/``addcdiv``: ``input + value * combine(tensor1, tensor2)``,
    the three broadcast together; half floats computed in float32, as in PyTorch."""

    def kernel(xp, input, tensor1, tensor2, *, value=1):
        for arg, t in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
            if not hasattr(t, "dtype"):
                raise TypeError(f"{name}: {arg} must be a tensor, got {type(t).__name__}")
        out_dtype = input.dtype
        expect(name, out_dtype, NUMERIC, "numeric tensors (not bool)")
        wide = compute_dtype(out_dtype)
        x, a, b = (t.astype(wide, copy=False) for t in (input, tensor1, tensor2))
        # A float value with integer tensors raises, as add's alpha does (PyTorch would
        # truncate it to an integer silently).
        term = combine(xp, a, b)
        if value != 1:
            term = _times_alpha(xp, name, x, term, value, arg="value")
        out = xp.add(x, term)
        return out.astype(out_dtype, copy=False)

    return kernel


def _addcdiv_promote(op, vals, kwargs=None):
    if all(hasattr(v, "dtype") and v.dtype.kind in INTEGER for v in vals[1:3]):
        raise RuntimeError(
            "addcdiv: integer division of tensor1 by tensor2 is not supported; use "
            "addcmul with a float tensor, or div with a rounding_mode"
        )
    _dispatch.promote_same(op, vals, kwargs)


def _check_divisor(name, x, y):
    """Integer division by zero raises, as in PyTorch (NumPy would return 0 and warn)."""
    d = dtype_of(x, y)
    expect(name, d, NUMERIC, "numeric tensors (not bool)")
    if d.kind in "iu":
        zero = not y.all() if hasattr(y, "all") else y == 0
        if zero:
            raise RuntimeError(f"{name}: ZeroDivisionError (integer division by zero)")
    return d


def _floor_div(xp, x, y, name="floor_divide"):
    if expect_real(name, x, y).kind in "biu":
        _check_divisor(name, x, y)
    return xp.floor_divide(x, y)


def _trunc_div(xp, x, y, name="div"):
    if _check_divisor(name, x, y).kind in "iu":
        # x - fmod(x, y) is an exact multiple of y: integer division stays exact.
        return xp.floor_divide(x - xp.fmod(x, y), y)
    expect_real(name, x, y)
    return xp.trunc(xp.true_divide(x, y))


@quiet
def _div(xp, x, y, *, rounding_mode=None):
    """``input / other``, broadcasting.

    Args:
        rounding_mode: None (true division; integers give the default float dtype),
            ``'trunc'`` (round toward zero) or ``'floor'`` (round down, as Python's
            ``//``); the rounded modes keep integer dtypes and raise on integer
            division by zero.
    """
    if rounding_mode is None:
        return xp.true_divide(x, y)
    if rounding_mode == "floor":
        return _floor_div(xp, x, y, "div")
    if rounding_mode == "trunc":
        return _trunc_div(xp, x, y)
    raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")


def _div_promote(op, vals, kwargs):
    # True division always gives a floating result; rounded division keeps integers.
    (SAME if kwargs.get("rounding_mode") else FLOAT)(op, vals, kwargs)


@quiet
def _floor_divide(xp, x, y):
    """``input // other``: division rounded down (Python's rule), as ``div(..., 'floor')``."""
    return _floor_div(xp, x, y)


@quiet
def _remainder(xp, x, y):
    """Python's ``input % other``: the result has the sign of the divisor.

    Integer division by zero raises; floating division by zero gives nan.
    """
    if expect_real("remainder", x, y).kind in "biu":
        _check_divisor("remainder", x, y)
    return xp.remainder(x, y)


@quiet
def _fmod(xp, x, y):
    """C's ``fmod``: the remainder of division rounded toward zero (sign of the dividend)."""
    if expect_real("fmod", x, y).kind in "biu":
        _check_divisor("fmod", x, y)
    return xp.fmod(x, y)


# ---- pow -----------------------------------------------------------------------------


def _int_pow(xp, x, y):
    if not hasattr(y, "dtype"):  # a Python exponent
        if y < 0:
            raise RuntimeError(
                f"pow: integers to negative integer powers are not allowed (exponent {y})"
            )
        return xp.power(x, y)
    negative = y < 0
    if not negative.any():
        return xp.power(x, y)
    # A tensor of exponents may hold negatives: PyTorch gives the truncated integer
    # result, 1 ** -n = 1, (-1) ** -n = +-1, anything else 0. NumPy raises instead.
    out = xp.power(x, xp.where(negative, 0, y))
    inverse = xp.where(x == 1, 1, xp.where(x == -1, 1 - 2 * (y & 1), 0))
    return xp.where(negative, inverse, out).astype(out.dtype, copy=False)


@quiet
def _pow(xp, x, y):
    """``input ** exponent``, broadcasting; either may be a Python number.

    Integer tensors to a negative Python integer raise, as in PyTorch; a tensor
    of negative integer exponents gives the truncated integer result.
    """
    kind = dtype_of(x, y).kind
    if kind in "iu":
        return _int_pow(xp, x, y)
    if kind == "b":
        raise TypeError("pow: bool tensors are not supported; give an integer exponent")
    return xp.power(x, y)


# ---- unary arithmetic ----------------------------------------------------------------


def _neg(xp, x):
    """``-input``. Bool tensors are refused: use ``logical_not`` or ``~`` to invert a mask."""
    try:
        return xp.negative(x)
    except TypeError:
        expect("neg", x.dtype, NUMERIC, "a numeric tensor (use logical_not to invert a mask)")
        raise


def _positive(xp, x):
    """``+input``: the input itself (bool tensors are refused)."""
    expect("positive", x.dtype, NUMERIC, "a numeric tensor")
    return x


def _abs(xp, x):
    """``|input|``; complex tensors give their real dtype."""
    return xp.abs(x)


def _sign(xp, x):
    """-1, 0 or 1 by the sign of ``input``; 0 for nan, as in PyTorch. Bool stays bool."""
    kind = x.dtype.kind
    if kind == "c":
        raise TypeError("sign: complex tensors are not supported; use sgn")
    if kind == "b":
        return x.copy()
    out = xp.sign(x)
    return xp.where(xp.isnan(out), 0, out).astype(x.dtype, copy=False) if kind in "fV" else out


@quiet
def _sgn(xp, x):
    """``input / |input|`` for complex tensors (0 at 0); ``sign`` for real ones."""
    if x.dtype.kind != "c":
        return _sign(xp, x)
    a = xp.abs(x)
    return xp.where(a == 0, 0, x / xp.where(a == 0, 1, a)).astype(x.dtype, copy=False)


def _square(xp, x):
    """``input * input``; bool tensors give int64, as in PyTorch."""
    if x.dtype.kind == "b":
        return x.astype(xp.int64)
    return xp.square(x)


# The in-place forms (``Op.into``) of the four the optimizers update parameters with.
def _into_with_alpha(name, ufunc):
    """``out = ufunc(x, alpha * y)``, the scaled operand in a reused buffer when large."""

    def into(xp, out, x, y, *, alpha=1):
        if alpha != 1:
            big = hasattr(y, "shape") and y.size >= 4096
            buf = scratch(xp, y.shape, y.dtype, "scaled operand") if big else None
            y = _times_alpha(xp, name, x, y, alpha, out=buf)
        getattr(xp, ufunc)(x, y, out=out)

    return into


add = binary("add", _add, into=_into_with_alpha("add", "add"))
sub = binary("sub", _sub, into=_into_with_alpha("sub", "subtract"))
mul = binary(
    "mul",
    lambda xp, x, y: xp.multiply(x, y),
    into=lambda xp, out, x, y: xp.multiply(x, y, out=out),
    doc="``input * other``, broadcasting.",
)
div = binary(
    "div",
    _div,
    promote=_div_promote,
    into=quiet(lambda xp, out, x, y: xp.true_divide(x, y, out=out)),
)
addcmul = Op(
    "addcmul",
    _addc("addcmul", lambda xp, a, b: xp.multiply(a, b)),
    nin=3,
    promote=SAME,
    doc="``input + value * tensor1 * tensor2``, the three broadcast together.",
)
addcdiv = Op(
    "addcdiv",
    _addc("addcdiv", quiet(lambda xp, a, b: xp.true_divide(a, b))),
    nin=3,
    promote=_addcdiv_promote,
    doc="``input + value * tensor1 / tensor2``; tensor1 and tensor2 may not both be integers.",
)
floor_divide = binary("floor_divide", _floor_divide)
remainder = binary("remainder", _remainder)
fmod = binary("fmod", _fmod)
pow = binary("pow", _pow)
neg = unary("neg", _neg)
positive = Op("positive", _positive, view=True)
reciprocal = unary("reciprocal", quiet(lambda xp, x: xp.reciprocal(x)), FLOAT, doc="``1 / input``.")
abs = unary("abs", _abs)
sign = unary("sign", _sign)
sgn = unary("sgn", _sgn)
square = unary("square", _square)

# ---- rounding ------------------------------------------------------------------------


def _rounding(name, fn):
    def kernel(xp, x):
        kind = x.dtype.kind
        if kind == "c":
            raise TypeError(f"{name}: complex tensors are not supported, got {name_of(x.dtype)}")
        return x.copy() if kind in INTEGER else fn(xp, x)

    kernel.__doc__ = f"``{name}`` of each element; integer and bool tensors are returned as is."
    return kernel


def _round(xp, x, *, decimals=0):
    """Round to the nearest integer, ties to even; with ``decimals``, to that many places.

    Integer tensors are returned as they are (negative ``decimals`` round them too).
    """
    kind = x.dtype.kind
    if kind == "c":
        raise TypeError(f"round: complex tensors are not supported, got {name_of(x.dtype)}")
    if kind in INTEGER and decimals >= 0:
        return x.copy()
    if not decimals:
        return xp.rint(x)
    # x * 10**decimals must not round away the digits: float16 and bfloat16 in float32
    return xp.round(x.astype(compute_dtype(x.dtype), copy=False), decimals).astype(x.dtype)


@quiet
def _frac(xp, x):
    """The fractional part ``input - trunc(input)`` (sign of the input; 0 for integers)."""
    expect_real("frac", x)
    if x.dtype.kind in INTEGER:
        return xp.zeros_like(x)
    return x - xp.trunc(x)


floor = unary("floor", _rounding("floor", lambda xp, x: xp.floor(x)))
ceil = unary("ceil", _rounding("ceil", lambda xp, x: xp.ceil(x)))
trunc = unary("trunc", _rounding("trunc", lambda xp, x: xp.trunc(x)))
round = unary("round", _round)
frac = unary("frac", _frac)

# ---- clamping, minimum and maximum, selection -----------------------------------------


def _clamp(xp, input, min=None, max=None):
    """Clamp each element into ``[min, max]``.

    Args:
        min, max: numbers or tensors (broadcast); either may be None but not both.
            Where ``min > max`` the result is ``max``; nan (in input or bounds) gives nan.

    Returns:
        A tensor of the promoted dtype of ``input``, ``min`` and ``max``.
    """
    expect_real("clamp", input)
    if min is None:
        return xp.minimum(input, max)
    if max is None:
        return xp.maximum(input, min)
    return xp.minimum(xp.maximum(input, min), max)


_promote_clamp_operands = promote_over(((0, "input"), (1, "min"), (2, "max")))


def _promote_clamp(op, vals, kwargs):
    # min and max take part in promotion whether given by position or by keyword.
    if argument(vals, kwargs, 1, "min") is None and argument(vals, kwargs, 2, "max") is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    _promote_clamp_operands(op, vals, kwargs)


def _extremum(name, ufunc, doc):
    def kernel(xp, input, other):
        expect_real(name, input, other)
        return getattr(xp, ufunc)(input, other)

    kernel.__doc__ = doc
    return kernel


def _where(xp, condition, input=None, other=None):
    """``input`` where ``condition`` is True, else ``other``, broadcasting all three.

    Args:
        condition: a bool tensor.
        input, other: tensors or numbers; the result has their promoted dtype.

    With ``condition`` alone, returns ``nonzero(condition, as_tuple=True)``.
    """
    if input is None and other is None:
        return xp.nonzero(condition)
    if input is None or other is None:
        raise TypeError("where: expected both input and other, or neither")
    d = getattr(condition, "dtype", None)
    if d is None or d.kind != "b":
        got = type(condition).__name__ if d is None else f"a tensor of dtype {name_of(d)}"
        raise TypeError(f"where: expected condition to be a bool tensor, got {got}")
    out = xp.where(condition, input, other)
    d = input.dtype  # after promotion both branches carry the result dtype
    return out if out.dtype == d else out.astype(d)


def _promote_where(op, vals, kwargs):
    # Only the two branches are promoted; Python numbers become typed scalars so that
    # NumPy (and CuPy) keep the result dtype even when both branches are numbers.
    if len(vals) < 3:
        return
    target = _dispatch.result_dtype(vals[1:3])
    for i in (1, 2):
        v = vals[i]
        if hasattr(v, "dtype"):
            if v.dtype != target.np:
                vals[i] = v.astype(target.np)
            continue
        try:
            vals[i] = target.np.type(v)
        except OverflowError:
            raise RuntimeError(
                f"where: value {v!r} cannot be converted to {target.name} without overflow"
            ) from None


def _clamp_min(xp, input, min):
    """Clamp each element to at least ``min`` (a number or a broadcast tensor).

    ``clamp(input, min=min)`` as its own op, as in PyTorch; nan in either gives nan.

    >>> ember.clamp_min(ember.tensor([1, 5]), 2)
    tensor([2, 5])
    """
    return _clamp(xp, input, min=min)


def _clamp_max(xp, input, max):
    """Clamp each element to at most ``max`` (a number or a broadcast tensor).

    ``clamp(input, max=max)`` as its own op, as in PyTorch; nan in either gives nan.
    """
    return _clamp(xp, input, max=max)


clamp = Op("clamp", _clamp, nin=3, promote=_promote_clamp)
clamp_min = binary("clamp_min", _clamp_min)
clamp_max = binary("clamp_max", _clamp_max)
minimum = binary(
    "minimum", _extremum("minimum", "minimum", "The elementwise minimum; nan if either is nan.")
)
maximum = binary(
    "maximum", _extremum("maximum", "maximum", "The elementwise maximum; nan if either is nan.")
)
fmin = binary("fmin", _extremum("fmin", "fmin", "The elementwise minimum, ignoring a nan."))
fmax = binary("fmax", _extremum("fmax", "fmax", "The elementwise maximum, ignoring a nan."))
where = Op("where", _where, nin=3, promote=_promote_where, method=False)

# PyTorch's aliases are the same op objects.
subtract, multiply, divide, true_divide = sub, mul, div, div
negative, absolute, fix, clip = neg, abs, trunc, clamp

# The rest of the family, re-exported (see the module docstring).
from ember._ops import logical as _logical  # noqa: E402
from ember._ops import math as _math  # noqa: E402
from ember._ops import special as _special  # noqa: E402
from ember._ops.logical import *  # noqa: E402, F403
from ember._ops.math import *  # noqa: E402, F403
from ember._ops.special import *  # noqa: E402, F403

__all__ += _math.__all__ + _special.__all__ + _logical.__all__
