"""Elementwise math: exponentials and logarithms, roots, trigonometric and hyperbolic
functions, sigmoid and logit, two-argument functions (atan2, hypot, logaddexp...),
lerp, and the parts of complex numbers.

Integer and bool tensors become the default float dtype (``promote=FLOAT``), as in
PyTorch. Kernels that give inf or nan in ordinary use run ``quiet`` (no NumPy warning).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ember import dtypes as _dt
from ember._ops import FLOAT, INTEGRAL, SAME, Op, binary, unary
from ember._ops._numerics import (
    INTEGER,
    cast_arguments,
    compute_dtype,
    dtype_of,
    expect,
    expect_real,
    quiet,
)

__all__ = [
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "rsqrt",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "sigmoid",
    "logit",
    "atan2",
    "hypot",
    "logaddexp",
    "logaddexp2",
    "copysign",
    "nextafter",
    "xlogy",
    "lerp",
    "nan_to_num",
    "real",
    "imag",
    "conj",
    "angle",
    "view_as_real",
    "view_as_complex",
    "arcsin",
    "arccos",
    "arctan",
    "arcsinh",
    "arccosh",
    "arctanh",
    "arctan2",
    "deg2rad",
    "rad2deg",
    "sinc",
    "float_power",
    "ldexp",
    "frexp",
    "gcd",
    "lcm",
]


def _ufunc(ufunc, doc, silent):
    """A one-ufunc kernel; ``silent`` for those whose domain errors are ordinary."""

    def kernel(xp, x):
        return getattr(xp, ufunc)(x)

    kernel.__doc__ = doc
    return quiet(kernel) if silent else kernel


# exp is on the fast path: no error-state switch (overflow to inf warns in NumPy).
exp = unary("exp", lambda xp, x: xp.exp(x), FLOAT, doc="``e ** input``.")
exp2 = unary("exp2", _ufunc("exp2", "``2 ** input``.", True), FLOAT)
expm1 = unary("expm1", _ufunc("expm1", "``exp(input) - 1``, accurate near 0.", True), FLOAT)
log = unary("log", _ufunc("log", "The natural logarithm (-inf at 0, nan below).", True), FLOAT)
log2 = unary("log2", _ufunc("log2", "The base-2 logarithm.", True), FLOAT)
log10 = unary("log10", _ufunc("log10", "The base-10 logarithm.", True), FLOAT)
log1p = unary("log1p", _ufunc("log1p", "``log(1 + input)``, accurate near 0.", True), FLOAT)
sqrt = unary("sqrt", _ufunc("sqrt", "The square root (nan for negative reals).", True), FLOAT)
sin = unary("sin", _ufunc("sin", "The sine, in radians.", False), FLOAT)
cos = unary("cos", _ufunc("cos", "The cosine, in radians.", False), FLOAT)
tan = unary("tan", _ufunc("tan", "The tangent, in radians.", False), FLOAT)
asin = unary("asin", _ufunc("arcsin", "The inverse sine (nan outside [-1, 1]).", True), FLOAT)
acos = unary("acos", _ufunc("arccos", "The inverse cosine (nan outside [-1, 1]).", True), FLOAT)
atan = unary("atan", _ufunc("arctan", "The inverse tangent.", False), FLOAT)
sinh = unary("sinh", _ufunc("sinh", "The hyperbolic sine.", True), FLOAT)
cosh = unary("cosh", _ufunc("cosh", "The hyperbolic cosine.", True), FLOAT)
tanh = unary("tanh", _ufunc("tanh", "The hyperbolic tangent.", False), FLOAT)
asinh = unary("asinh", _ufunc("arcsinh", "The inverse hyperbolic sine.", False), FLOAT)
acosh = unary(
    "acosh", _ufunc("arccosh", "The inverse hyperbolic cosine (nan below 1).", True), FLOAT
)
atanh = unary(
    "atanh", _ufunc("arctanh", "The inverse hyperbolic tangent (nan outside [-1, 1]).", True), FLOAT
)


@quiet
def _rsqrt(xp, x):
    """``1 / sqrt(input)`` (inf at 0, nan for negative reals)."""
    out = xp.sqrt(x)
    # In place where possible (NumPy gives 0-d results as scalars, which can't be written).
    return xp.reciprocal(out, out=out) if out.ndim else xp.reciprocal(out)


@quiet
def _sigmoid(xp, x):
    """The logistic function ``1 / (1 + exp(-input))``.

    exp(-x) overflowing to inf for very negative x gives the exact limit 0, and for
    large x 1 + exp(-x) rounds to 1: no cancellation either way. float16 and bfloat16
    are computed in float32.
    """
    e = xp.negative(x.astype(compute_dtype(x.dtype), copy=False))
    if not e.ndim:  # NumPy gives 0-d results as scalars, which can't be written to
        return (1 / (1 + xp.exp(e))).astype(x.dtype)
    xp.exp(e, out=e)  # one buffer for the three passes
    e += 1
    return xp.reciprocal(e, out=e).astype(x.dtype, copy=False)


@quiet
def _logit(xp, input, eps=None):
    """``log(p / (1 - p))``, the inverse of sigmoid.

    Args:
        eps: if given, ``input`` is first clamped to ``[eps, 1 - eps]`` (values below
            ``eps`` win over ``1 - eps``, as in PyTorch).
    """
    expect_real("logit", input)
    x = input
    if eps is not None:
        x = xp.maximum(xp.minimum(x, 1 - eps), eps).astype(input.dtype, copy=False)
    return xp.log(x / (1 - x))


rsqrt = unary("rsqrt", _rsqrt, FLOAT)
sigmoid = unary("sigmoid", _sigmoid, FLOAT)
logit = unary("logit", _logit, FLOAT)

# ---- two arguments -------------------------------------------------------------------


def _real_binary(name, ufunc, doc):
    def kernel(xp, input, other):
        expect_real(name, input, other)
        return getattr(xp, ufunc)(input, other)

    kernel.__doc__ = doc
    return kernel


def _nextafter(xp, input, other):
    """The next floating-point value after ``input`` in the direction of ``other``."""
    d = expect_real("nextafter", input, other)
    expect("nextafter", d, "fV", "floating tensors")
    return xp.nextafter(input, other)


@quiet
def _xlogy(xp, input, other):
    """``input * log(other)``, with 0 where ``input`` is 0 (unless ``other`` is nan)."""
    expect_real("xlogy", input, other)
    # the log of a Python number stays a Python number, weak in promotion
    log_other = xp.log(other) if hasattr(other, "dtype") else float(np.log(other))
    out = xp.multiply(input, log_other)
    return xp.where((input == 0) & ~xp.isnan(other), 0, out).astype(out.dtype, copy=False)


def _lerp(xp, input, end, weight):
    """Linear interpolation ``input + weight * (end - input)``.

    Args:
        end: a tensor broadcastable with ``input``.
        weight: a number or a tensor. The formula is evaluated from the nearer end
            (PyTorch's), so ``lerp(a, b, 1)`` is exactly ``b``.
    """
    out_dtype = input.dtype
    d = compute_dtype(out_dtype)  # float16 and bfloat16 in float32, as in PyTorch
    input, end = input.astype(d, copy=False), end.astype(d, copy=False)
    diff = end - input
    if not hasattr(weight, "dtype"):
        out = input + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
        return out.astype(out_dtype, copy=False)
    weight = weight.astype(d, copy=False)
    out = xp.where(xp.abs(weight) < 0.5, input + weight * diff, end - diff * (1 - weight))
    return out.astype(out_dtype, copy=False)


atan2 = binary(
    "atan2", _real_binary("atan2", "arctan2", "The angle of the point (other, input)."), FLOAT
)
hypot = binary("hypot", _real_binary("hypot", "hypot", "``sqrt(input**2 + other**2)``."), FLOAT)
logaddexp = binary(
    "logaddexp",
    _real_binary("logaddexp", "logaddexp", "``log(exp(input) + exp(other))``, stably."),
    FLOAT,
)
logaddexp2 = binary(
    "logaddexp2",
    _real_binary("logaddexp2", "logaddexp2", "``log2(2**input + 2**other)``, stably."),
    FLOAT,
)
copysign = binary(
    "copysign",
    _real_binary("copysign", "copysign", "``|input|`` with the sign (bit) of ``other``."),
    FLOAT,
)
nextafter = binary("nextafter", _nextafter, SAME)
xlogy = binary("xlogy", _xlogy, FLOAT)
# Only start and end are promoted: a Python weight stays a Python number (exact, as
# PyTorch's opmath keeps it), and a tensor weight is cast by the kernel.
lerp = Op("lerp", _lerp, nin=2, promote=FLOAT)


@quiet
def _nan_to_num(xp, input, nan=0.0, posinf=None, neginf=None):
    """``input`` with nan, +inf and -inf replaced by finite numbers.

    Args:
        nan: the value for nan (0 by default).
        posinf, neginf: the values for +inf and -inf (by default the greatest and the
            least finite values of the dtype).

    Integer and bool tensors are returned as they are; complex tensors are cleaned part
    by part.
    """
    kind = input.dtype.kind
    if kind in INTEGER:
        return input.copy()
    if kind == "c":
        out = xp.empty_like(input)
        out.real = _nan_to_num(xp, input.real, nan, posinf, neginf)
        out.imag = _nan_to_num(xp, input.imag, nan, posinf, neginf)
        return out
    info = _dt.finfo(_dt.from_numpy(input.dtype))
    typed = input.dtype.type  # typed scalars keep the dtype through where
    out = xp.where(xp.isnan(input), typed(nan), input)
    out = xp.where(out == xp.inf, typed(info.max if posinf is None else posinf), out)
    return xp.where(out == -xp.inf, typed(info.min if neginf is None else neginf), out)


nan_to_num = unary("nan_to_num", _nan_to_num)

# ---- complex numbers -----------------------------------------------------------------


def _real(xp, x):
    """The real part: a view of a complex tensor; a real tensor itself."""
    return x.real if x.dtype.kind == "c" else x


def _imag(xp, x):
    """The imaginary part of a complex tensor, as a view."""
    if x.dtype.kind != "c":
        raise RuntimeError("imag: only complex tensors have an imaginary part")
    return x.imag


def _conj(xp, x):
    """The complex conjugate (a copy); a real tensor itself."""
    return xp.conj(x) if x.dtype.kind == "c" else x


@quiet  # bfloat16 (ml_dtypes) warns when comparing nan
def _angle(xp, x):
    """The argument of complex numbers; for reals pi below 0, else 0 (nan stays nan)."""
    if x.dtype.kind == "c":
        return xp.angle(x)
    out = xp.where(x < 0, xp.pi, 0.0).astype(x.dtype, copy=False)
    return xp.where(xp.isnan(x), x, out)


def _view_as_real(xp, x):
    """A real view of a complex tensor, with a last dim of 2: each element's real and
    imaginary parts. Writes through it change the complex tensor.

    >>> ember.view_as_real(ember.tensor([1 + 2j]))
    tensor([[1., 2.]])
    """
    if x.dtype.kind != "c":
        raise RuntimeError(
            f"view_as_real: expected a complex tensor, got {_dt.from_numpy(x.dtype)}"
        )
    part = x.real  # a view of the real parts, with x's strides
    return xp.lib.stride_tricks.as_strided(
        part, shape=x.shape + (2,), strides=x.strides + (part.itemsize,)
    )


_COMPLEX_OF = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


def _view_as_complex(xp, x):
    """A complex view of a float tensor whose last dim (of size 2, stride 1) holds real
    and imaginary parts; the inverse of :func:`view_as_real`.

    >>> ember.view_as_complex(ember.tensor([[1.0, 2.0]]))
    tensor([1.+2.j])
    """
    complex_type = _COMPLEX_OF.get(x.dtype)
    if complex_type is None:
        why = " (its complex32 is not a NumPy dtype)" if x.dtype == np.float16 else ""
        raise RuntimeError(
            "view_as_complex: expected a float32 or float64 tensor, got "
            f"{_dt.from_numpy(x.dtype)}{why}"
        )
    if x.ndim == 0:
        raise RuntimeError("view_as_complex: Input tensor must have one or more dimensions")
    if x.shape[-1] != 2:
        raise RuntimeError(
            f"view_as_complex: Tensor must have a last dimension of size 2, got {x.shape[-1]}"
        )
    if x.size == 0:  # no element to share, and NumPy gives empty arrays any strides
        return xp.empty(x.shape[:-1], complex_type)
    size = x.itemsize
    if x.strides[-1] != size:
        raise RuntimeError("view_as_complex: Tensor must have a last dimension with stride 1")
    if any(st % (2 * size) for n, st in zip(x.shape[:-1], x.strides[:-1]) if n > 1):
        raise RuntimeError(
            "view_as_complex: Tensor must have a stride divisible by 2 for all but last dimension"
        )
    # PyTorch counts the offset from the storage's start; the address stands for it here
    # (allocations are aligned to at least a complex element).
    if _address(x) % (2 * size):
        raise RuntimeError("view_as_complex: Tensor must have a storage_offset divisible by 2")
    return x.view(complex_type)[..., 0]  # the pairs as one complex each, then that dim of 1


def _address(x) -> int:
    return x.__array_interface__["data"][0] if isinstance(x, np.ndarray) else x.data.ptr


real = Op("real", _real, view=True)
imag = Op("imag", _imag, view=True)
conj = Op("conj", _conj, view=True)
angle = unary("angle", _angle, FLOAT)
view_as_real = Op("view_as_real", _view_as_real, view=True, method=False)
view_as_complex = Op("view_as_complex", _view_as_complex, view=True, method=False)

# PyTorch's aliases are the same op objects.
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
arctan2 = atan2


# ---- angles, sinc, powers of two, float_power, gcd and lcm ------------------------------

_DEG_PER_RAD = 180.0 / np.pi


def _scale(name, factor, doc):
    def kernel(xp, x):
        expect_real(name, x)
        return xp.multiply(x, x.dtype.type(factor))  # a typed factor keeps bfloat16

    kernel.__doc__ = doc
    return kernel


@quiet
def _sinc(xp, x):
    """The normalized sinc, ``sin(pi * input) / (pi * input)``, 1 at 0.

    float16 and bfloat16 are computed in float32; complex tensors are supported.
    """
    return xp.sinc(x.astype(compute_dtype(x.dtype), copy=False)).astype(x.dtype, copy=False)


def _promote_float_power(op, vals, kwargs):
    # Always float64, or complex128 when either operand is complex (PyTorch's rule).
    complex_ = any(
        (getattr(v, "dtype", None) is not None and v.dtype.kind == "c") or isinstance(v, complex)
        for v in vals[:2]
    )
    target = _dt.complex128 if complex_ else _dt.float64
    cast_arguments(vals, kwargs, ((0, "input"), (1, "exponent")), target)


@quiet
def _float_power(xp, input, exponent):
    """``input ** exponent`` computed in double precision.

    The result is float64 (complex128 if either operand is complex), whatever the
    inputs' dtypes; a negative base to a fractional power gives nan for real inputs.

    >>> ember.float_power(ember.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=ember.float64)
    """
    if not hasattr(input, "dtype"):
        input = xp.asarray(input, dtype=exponent.dtype)
    return xp.power(input, exponent)


@quiet
def _ldexp(xp, input, other):
    """``input * 2 ** other``.

    The result has the promoted floating dtype of the two (integers become the default
    float); float16 and bfloat16 are computed in float32, so ``2 ** other`` does not
    overflow before the product is formed.
    """
    d = dtype_of(input, other)
    wide = compute_dtype(d)
    x = input.astype(wide, copy=False) if hasattr(input, "dtype") else input
    e = other.astype(wide, copy=False) if hasattr(other, "dtype") else other
    return xp.asarray(xp.multiply(x, xp.exp2(e))).astype(d, copy=False)


frexp_result = namedtuple("frexp", ["mantissa", "exponent"])


def _frexp(xp, input):
    """Split ``input`` into ``mantissa * 2 ** exponent`` with ``0.5 <= |mantissa| < 1``.

    Returns:
        A named tuple ``(mantissa, exponent)``: the mantissa has ``input``'s dtype, the
        exponent is int32. Zero, inf and nan have exponent 0 and are their own mantissa.
        Only floating tensors are accepted, as in PyTorch.
    """
    expect("frexp", input.dtype, "fV", "a floating-point tensor")
    mantissa, exponent = xp.frexp(input.astype(compute_dtype(input.dtype), copy=False))
    # bfloat16 has float32's exponent range, so its mantissa rounds exactly.
    return mantissa.astype(input.dtype, copy=False), exponent.astype(xp.int32, copy=False)


def _integer_only(name, ufunc, doc):
    def kernel(xp, input, other):
        expect(name, dtype_of(input, other), "iu", "integer tensors")
        return getattr(xp, ufunc)(input, other)

    kernel.__doc__ = doc
    return kernel


deg2rad = unary("deg2rad", _scale("deg2rad", 1 / _DEG_PER_RAD, "Degrees to radians."), FLOAT)
rad2deg = unary("rad2deg", _scale("rad2deg", _DEG_PER_RAD, "Radians to degrees."), FLOAT)
sinc = unary("sinc", _sinc, FLOAT)
float_power = binary("float_power", _float_power, _promote_float_power)
ldexp = binary("ldexp", _ldexp, FLOAT)
frexp = Op("frexp", _frexp, returns=frexp_result)
gcd = binary(
    "gcd",
    _integer_only("gcd", "gcd", "The greatest common divisor (non-negative; gcd(0, 0) = 0)."),
    INTEGRAL,
)
lcm = binary(
    "lcm",
    _integer_only("lcm", "lcm", "The least common multiple (non-negative; 0 if either is 0)."),
    INTEGRAL,
)
