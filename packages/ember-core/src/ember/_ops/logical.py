"""Comparisons, closeness, logical and bitwise ops, and elementwise predicates.

Comparisons promote their operands (``int_tensor < 2.5`` compares in float32) and give
bool tensors; bitwise ops take integer and bool tensors only (``promote=INTEGRAL``).
"""

from __future__ import annotations

from ember._ops import INTEGRAL, Op, binary, unary
from ember._ops._numerics import dtype_of, expect, name_of, quiet

__all__ = [
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "isclose",
    "allclose",
    "equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "isnan",
    "isinf",
    "isposinf",
    "isneginf",
    "isfinite",
    "isreal",
    "signbit",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "not_equal",
]

# ---- comparisons ---------------------------------------------------------------------


@quiet
def _quiet_call(xp, ufunc, x, y):
    return getattr(xp, ufunc)(x, y)


def _ordered(name, ufunc, symbol):
    def kernel(xp, input, other):
        kind = dtype_of(input, other).kind
        if kind == "c" or kind == "V":
            if kind == "c":
                raise TypeError(f"{name}: complex tensors have no order")
            # ml_dtypes' bfloat16 warns comparing nan; NumPy's floats and PyTorch don't.
            return _quiet_call(xp, ufunc, input, other)
        return getattr(xp, ufunc)(input, other)

    kernel.__doc__ = f"``input {symbol} other``, elementwise, as a bool tensor."
    return kernel


eq = binary("eq", lambda xp, x, y: xp.equal(x, y), doc="``input == other``, elementwise.")
ne = binary("ne", lambda xp, x, y: xp.not_equal(x, y), doc="``input != other``, elementwise.")
lt = binary("lt", _ordered("lt", "less", "<"))
le = binary("le", _ordered("le", "less_equal", "<="))
gt = binary("gt", _ordered("gt", "greater", ">"))
ge = binary("ge", _ordered("ge", "greater_equal", ">="))

# ---- closeness -----------------------------------------------------------------------


def _close(xp, name, input, other, rtol, atol, equal_nan):
    """The bool array of ``isclose``; operands may differ in dtype."""
    if rtol < 0 or atol < 0:
        which, value = ("rtol", rtol) if rtol < 0 else ("atol", atol)
        raise ValueError(f"{name}: {which} must be greater than or equal to zero, got {value}")
    kind = dtype_of(input, other).kind
    exact = xp.equal(input, other)  # infinities of one sign are close to themselves
    if kind in "biu":  # in float64, so unsigned differences can't wrap around
        input = input.astype(xp.float64) if hasattr(input, "dtype") else input
        other = other.astype(xp.float64) if hasattr(other, "dtype") else other
    close = xp.abs(xp.subtract(input, other)) <= atol + rtol * xp.abs(other)
    out = xp.logical_or(exact, close)
    if equal_nan:
        out |= xp.isnan(input) & xp.isnan(other)
    return out


@quiet
def _isclose(xp, input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``|input - other| <= atol + rtol * |other|``, elementwise.

    Args:
        rtol, atol: relative and absolute tolerances (non-negative).
        equal_nan: count two nans as close.

    Returns:
        A bool tensor of the broadcast shape.
    """
    return _close(xp, "isclose", input, other, rtol, atol, equal_nan)


@quiet
def _allclose(xp, input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of ``input`` is close to ``other`` (see ``isclose``).

    Returns:
        A Python bool.
    """
    return (bool(_close(xp, "allclose", input, other, rtol, atol, equal_nan).all()),)


def _equal(xp, input, other):
    """Whether two tensors have the same size and the same elements (nan is unequal).

    Returns:
        A Python bool. Dtypes may differ: values are compared.
    """
    if not hasattr(other, "dtype"):
        raise TypeError(f"equal: expected other to be a tensor, got {type(other).__name__}")
    if input.shape != other.shape:
        return (False,)
    return (bool(xp.array_equal(input, other)),)


# returns=bool: the dispatcher passes the kernel's one-item tuple to ``bool``, so these
# ops return a Python bool, as in PyTorch.
isclose = Op("isclose", _isclose, nin=2)
allclose = Op("allclose", _allclose, nin=2, returns=bool)
equal = Op("equal", _equal, nin=2, returns=bool)

# ---- logical and bitwise ops ---------------------------------------------------------


def _no_promotion(op, vals, kwargs):
    """Logical ops read truth values of any dtype; declared so ``logical_and_`` exists."""


def _logical(ufunc, doc):
    def kernel(xp, input, other):
        return getattr(xp, ufunc)(input, other)

    kernel.__doc__ = doc
    return kernel


def _shift(name, ufunc, doc):
    def kernel(xp, input, other):
        expect(name, dtype_of(input, other), "iu", "integer tensors")
        return getattr(xp, ufunc)(input, other)

    kernel.__doc__ = doc
    return kernel


logical_and = binary(
    "logical_and", _logical("logical_and", "Elementwise AND of truth values."), _no_promotion
)
logical_or = binary(
    "logical_or", _logical("logical_or", "Elementwise OR of truth values."), _no_promotion
)
logical_xor = binary(
    "logical_xor", _logical("logical_xor", "Elementwise XOR of truth values."), _no_promotion
)
logical_not = unary(
    "logical_not", lambda xp, x: xp.logical_not(x), _no_promotion, doc="Elementwise NOT."
)
bitwise_and = binary(
    "bitwise_and", lambda xp, x, y: xp.bitwise_and(x, y), INTEGRAL, doc="``input & other``."
)
bitwise_or = binary(
    "bitwise_or", lambda xp, x, y: xp.bitwise_or(x, y), INTEGRAL, doc="``input | other``."
)
bitwise_xor = binary(
    "bitwise_xor", lambda xp, x, y: xp.bitwise_xor(x, y), INTEGRAL, doc="``input ^ other``."
)
bitwise_not = unary(
    "bitwise_not", lambda xp, x: xp.invert(x), INTEGRAL, doc="``~input`` (NOT for bool)."
)
bitwise_left_shift = binary(
    "bitwise_left_shift",
    _shift("bitwise_left_shift", "left_shift", "``input << other``; 0 past the bit width."),
    INTEGRAL,
)
bitwise_right_shift = binary(
    "bitwise_right_shift",
    _shift("bitwise_right_shift", "right_shift", "``input >> other``, arithmetic for signed."),
    INTEGRAL,
)

# ---- predicates ----------------------------------------------------------------------


def _isposinf(xp, x):
    """Whether each element is +inf."""
    return _infinity(xp, x, "isposinf", xp.inf)


def _isneginf(xp, x):
    """Whether each element is -inf."""
    return _infinity(xp, x, "isneginf", -xp.inf)


def _infinity(xp, x, name, value):
    kind = x.dtype.kind
    if kind == "c":
        raise TypeError(f"{name}: complex tensors are not supported, got {name_of(x.dtype)}")
    return xp.equal(x, value) if kind in "fV" else xp.zeros(x.shape, dtype=bool)


def _isreal(xp, x):
    """Whether each element is real: a zero imaginary part (always True for reals)."""
    if x.dtype.kind == "c":
        return xp.equal(x.imag, 0)
    return xp.ones(x.shape, dtype=bool)


def _signbit(xp, x):
    """Whether each element's sign bit is set (True for -0.0 and -nan)."""
    kind = x.dtype.kind
    if kind == "c":
        raise TypeError(f"signbit: complex tensors are not supported, got {name_of(x.dtype)}")
    if kind in "fV":
        return xp.signbit(x)
    return xp.less(x, 0) if kind == "i" else xp.zeros(x.shape, dtype=bool)


isnan = Op("isnan", lambda xp, x: xp.isnan(x), doc="Whether each element is nan.")
isinf = Op("isinf", lambda xp, x: xp.isinf(x), doc="Whether each element is +inf or -inf.")
isposinf = Op("isposinf", _isposinf)
isneginf = Op("isneginf", _isneginf)
isfinite = Op("isfinite", lambda xp, x: xp.isfinite(x), doc="Whether each element is finite.")
isreal = Op("isreal", _isreal)
signbit = Op("signbit", _signbit)

# PyTorch's aliases are the same op objects.
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
