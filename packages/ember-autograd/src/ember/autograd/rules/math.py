"""Derivatives of ``ember/_ops/math.py``: exponentials, logarithms, trigonometry,
and the binary math functions (atan2, hypot, logaddexp...)."""

from __future__ import annotations

import math

from ember._ops import OPS
from ember.autograd.rules import NOT_DIFFERENTIABLE, not_implemented
from ember.autograd.rules._util import (
    add_tangents,
    conj,
    from_input,
    from_output,
    linear,
    linear_unary,
    real,
    where,
    zeros_like,
)

DERIVATIVES: dict = {}
JVPS: dict = {}


def _pair(name, pair):
    DERIVATIVES[name], JVPS[name] = pair


_LN2, _LN10 = math.log(2.0), math.log(10.0)

_pair("exp", from_output(lambda out: out))
_pair("exp2", from_output(lambda out: out * _LN2))
_pair("expm1", from_output(lambda out: out + 1))
_pair("log", from_input(lambda x: x.reciprocal()))
_pair("log2", from_input(lambda x: (x * _LN2).reciprocal()))
_pair("log10", from_input(lambda x: (x * _LN10).reciprocal()))
_pair("log1p", from_input(lambda x: (x + 1).reciprocal()))
_pair("sqrt", from_output(lambda out: (out * 2).reciprocal()))
_pair("rsqrt", from_output(lambda out: out * out * out * -0.5))
_pair("sin", from_input(lambda x: x.cos()))
_pair("cos", from_input(lambda x: -x.sin()))
_pair("tan", from_output(lambda out: out * out + 1))
_pair("asin", from_input(lambda x: (1 - x * x).rsqrt()))
_pair("acos", from_input(lambda x: -(1 - x * x).rsqrt()))
_pair("atan", from_input(lambda x: (x * x + 1).reciprocal()))
_pair("sinh", from_input(lambda x: x.cosh()))
_pair("cosh", from_input(lambda x: x.sinh()))
_pair("tanh", from_output(lambda out: 1 - out * out))
_pair("asinh", from_input(lambda x: (x * x + 1).rsqrt()))
_pair("acosh", from_input(lambda x: (x * x - 1).rsqrt()))
_pair("atanh", from_input(lambda x: (1 - x * x).reciprocal()))
_pair("sigmoid", from_output(lambda out: out * (1 - out)))
_pair("conj", linear_unary(lambda g: conj(g)))


def _logit(grad, _out, input, eps=None):
    d = (input * (1 - input)).reciprocal()
    if eps is not None:  # clamped: flat outside [eps, 1 - eps]
        d = where((input < eps) | (input > 1 - eps), zeros_like(d), d)
    return (grad * d,)


DERIVATIVES["logit"] = _logit


def _atan2(grad, _out, input, other, needs_input_grad=(True, True)):
    r = grad / (input * input + other * other)
    gx = r * other if needs_input_grad[0] else None
    gy = -r * input if needs_input_grad[1] else None
    return gx, gy


def _hypot(grad, out, input, other, needs_input_grad=(True, True)):
    r = grad / out
    return (r * input if needs_input_grad[0] else None), (
        r * other if needs_input_grad[1] else None
    )


def _logaddexp(grad, out, input, other, needs_input_grad=(True, True)):
    gx = grad * (input - out).exp() if needs_input_grad[0] else None
    gy = grad * (other - out).exp() if needs_input_grad[1] else None
    return gx, gy


def _logaddexp2(grad, out, input, other, needs_input_grad=(True, True)):
    gx = grad * ((input - out) * _LN2).exp() if needs_input_grad[0] else None
    gy = grad * ((other - out) * _LN2).exp() if needs_input_grad[1] else None
    return gx, gy


DERIVATIVES["atan2"] = _atan2
DERIVATIVES["hypot"] = _hypot
DERIVATIVES["logaddexp"] = _logaddexp
DERIVATIVES["logaddexp2"] = _logaddexp2


def _copysign(grad, out, input, _other):
    # d out / d input is +-1 (sign of out over sign of input), 0 at input == 0.
    if not hasattr(input, "shape"):
        return None, None
    safe = where(input == 0, zeros_like(input) + 1, input)
    ratio = where(input == 0, zeros_like(out), out / safe)
    return grad * ratio, None


DERIVATIVES["copysign"] = _copysign
DERIVATIVES["nextafter"] = not_implemented("nextafter")  # as in PyTorch


def xlogy_rule(shift):
    """The rule of ``input * log(other + shift)``: ``xlogy`` (0) and ``xlog1py`` (1).

    The input's gradient is the log, 0 where the input is 0 and ``other`` is not nan
    (the forward's convention); ``other``'s is ``input / (other + shift)``.
    """

    def rule(grad, _out, input, other, needs_input_grad=(True, True)):
        gx = gy = None
        if needs_input_grad[0]:
            if hasattr(other, "log"):
                lg = other.log1p() if shift else other.log()
            else:
                lg = math.log1p(other) if shift else math.log(other)
            gx = grad * lg
            if hasattr(other, "isnan"):
                gx = where((input == 0) & ~other.isnan(), zeros_like(gx), gx)
        if len(needs_input_grad) > 1 and needs_input_grad[1]:
            gy = grad * input / (other + shift if shift else other)
        return gx, gy

    return rule


DERIVATIVES["xlogy"] = xlogy_rule(0)


def _lerp(grad, _out, input, end, weight, needs_input_grad=(True, True, True)):
    gx = grad * conj(1 - weight) if needs_input_grad[0] else None
    gend = grad * conj(weight) if needs_input_grad[1] else None
    gw = grad * conj(end - input) if needs_input_grad[2] else None
    return gx, gend, gw


DERIVATIVES["lerp"] = _lerp
JVPS["lerp"] = lambda t, _o, x, end, w: add_tangents(
    None if t[0] is None else t[0] * (1 - w),
    None if t[1] is None else t[1] * w,
    None if len(t) < 3 or t[2] is None else t[2] * (end - x),
)


def _nan_to_num(grad, _out, input, nan=0.0, posinf=None, neginf=None):
    if input.is_complex():  # the parts are cleaned separately
        re, im = real(input).isfinite(), OPS["imag"](input).isfinite()
        g_re = where(re, real(grad), zeros_like(real(grad)))
        g_im = where(im, OPS["imag"](grad), zeros_like(real(grad)))
        return (OPS["complex"](g_re, g_im),)
    return (where(input.isfinite(), grad, zeros_like(grad)),)


DERIVATIVES["nan_to_num"] = _nan_to_num


def _real(grad, _out, _x):
    return (grad.to(_x.dtype),)


def _imag(grad, _out, _x):
    return (grad.to(_x.dtype) * 1j,)


def _angle(grad, _out, x):
    if not x.is_complex():
        return (zeros_like(grad),)
    a2 = real(x * x.conj())
    safe = where(a2 == 0, zeros_like(a2) + 1, a2)
    g = grad.to(x.dtype) * 1j * x / safe.to(x.dtype)
    return (where(a2 == 0, zeros_like(g), g),)


DERIVATIVES["real"] = _real
DERIVATIVES["imag"] = _imag
DERIVATIVES["angle"] = _angle


# The two views reinterpret the same numbers, so each one's adjoint is the other.
def _view_as_real(grad, _out, _x):
    g = grad.contiguous()  # the complex view needs adjacent pairs of floats
    if g.data_ptr() % (2 * g.element_size()):  # a slice starting mid-pair (of cat's grad)
        g = g.clone()
    return (OPS["view_as_complex"](g),)


def _view_as_complex(grad, _out, _x):
    return (OPS["view_as_real"](grad),)


DERIVATIVES["view_as_real"] = _view_as_real
DERIVATIVES["view_as_complex"] = _view_as_complex
JVPS["view_as_real"] = linear("view_as_real")
JVPS["view_as_complex"] = linear("view_as_complex")

# ---- angles, sinc, powers of two, float_power ------------------------------------------

_RAD_PER_DEG = math.pi / 180.0
_pair("deg2rad", linear_unary(lambda g: g * _RAD_PER_DEG))
_pair("rad2deg", linear_unary(lambda g: g / _RAD_PER_DEG))


def _sinc_derivative(x, out):
    """``(cos(pi x) - sinc(x)) / x``, with its limit 0 at ``x == 0``."""
    at_zero = x == 0
    safe = where(at_zero, zeros_like(x) + 1, x)
    d = ((x * math.pi).cos() - out) / safe
    return where(at_zero, zeros_like(d), d)


DERIVATIVES["sinc"] = lambda grad, out, x: (grad * conj(_sinc_derivative(x, out)),)
JVPS["sinc"] = lambda t, out, x: t[0] * _sinc_derivative(x, out)


def _float_power(grad, out, input, exponent, needs_input_grad=(True, True)):
    # pow's rule on the operands as the kernel saw them: in float64 (or complex128).
    from ember.autograd.rules.elementwise import DERIVATIVES as _ELEMENTWISE

    def wide(v):
        return v.to(out.dtype) if hasattr(v, "shape") else v

    return _ELEMENTWISE["pow"](
        grad, out, wide(input), wide(exponent), needs_input_grad=needs_input_grad
    )


DERIVATIVES["float_power"] = _float_power


def _ldexp(grad, out, input, other, needs_input_grad=(True, True)):
    gx = gy = None
    if needs_input_grad[0]:
        scale = other.exp2() if hasattr(other, "shape") else 2.0**other
        gx = grad * scale
    if len(needs_input_grad) > 1 and needs_input_grad[1]:
        gy = grad * conj(out) * _LN2
        gy = gy if other.is_complex() else real(gy)  # a real exponent gets a real gradient
    return gx, gy


DERIVATIVES["ldexp"] = _ldexp


def _frexp(grad, out, _input):
    # mantissa = input / 2**exponent, the exponent being piecewise constant.
    g_mantissa = grad[0]
    if g_mantissa is None:
        return (None,)
    return (g_mantissa / out[1].exp2(),)


DERIVATIVES["frexp"] = _frexp
DERIVATIVES["gcd"] = NOT_DIFFERENTIABLE
DERIVATIVES["lcm"] = NOT_DIFFERENTIABLE
