"""Derivatives of ``ember/_ops/elementwise.py``: arithmetic, rounding, clamps, where.

Complex inputs follow PyTorch's convention: the gradient of a real loss ``L``
with respect to ``z = a + ib`` is ``dL/da + i dL/db``, so a holomorphic op
``f`` passes back ``grad * conj(f'(z))`` and pushes forward ``tangent * f'(z)``.
"""

from __future__ import annotations

import math

import ember
from ember.autograd.rules import NOT_DIFFERENTIABLE
from ember.autograd.rules._util import (
    add_tangents,
    conj,
    conj_scalar,
    from_input,
    from_output,
    linear_unary,
    reads_when,
    real,
    step,
    where,
    zeros_like,
)

DERIVATIVES: dict = {}
JVPS: dict = {}


def _pair(name, pair):
    DERIVATIVES[name], JVPS[name] = pair


# ---- arithmetic ---------------------------------------------------------------------


def _add(grad, _out, _x, _y, *, alpha=1):
    return grad, (grad if alpha == 1 else grad * conj_scalar(alpha))


def _sub(grad, _out, _x, _y, *, alpha=1):
    return grad, (-grad if alpha == 1 else grad * -conj_scalar(alpha))


def _mul(grad, _out, x, y, needs_input_grad=(True, True)):
    gx = grad * conj(y) if needs_input_grad[0] else None
    gy = grad * conj(x) if needs_input_grad[1] else None
    return gx, gy


def _div(grad, _out, x, y, *, rounding_mode=None, needs_input_grad=(True, True)):
    if rounding_mode is not None:  # a step function of its inputs
        return zeros_like(grad), zeros_like(grad)
    gx = grad / conj(y)
    gy = -gx * conj(x) / conj(y) if needs_input_grad[1] else None
    return (gx if needs_input_grad[0] else None), gy


DERIVATIVES["add"] = _add
DERIVATIVES["sub"] = _sub
DERIVATIVES["mul"] = reads_when(_mul, {0: (1,), 1: (0,)})
DERIVATIVES["div"] = reads_when(_div, {0: (1,), 1: (0, 1)})
_pair("neg", linear_unary(lambda g: -g))
_pair("positive", linear_unary(lambda g: g))


def _scaled(t, alpha):
    return None if t is None else (t if alpha == 1 else t * alpha)


JVPS["add"] = lambda t, _o, x, y, *, alpha=1: add_tangents(t[0], _scaled(t[1], alpha))
JVPS["sub"] = lambda t, _o, x, y, *, alpha=1: add_tangents(t[0], _scaled(t[1], -alpha))
JVPS["mul"] = lambda t, _o, x, y: add_tangents(
    None if t[0] is None else t[0] * y, None if t[1] is None else x * t[1]
)


def _div_jvp(t, out, x, y, *, rounding_mode=None):
    if rounding_mode is not None:
        return zeros_like(out)
    return add_tangents(
        None if t[0] is None else t[0] / y, None if t[1] is None else -t[1] * out / y
    )


JVPS["div"] = _div_jvp


def _addcmul(grad, _out, _input, tensor1, tensor2, *, value=1, needs_input_grad=(True,) * 3):
    scaled = grad * conj_scalar(value) if value != 1 else grad
    g1 = scaled * conj(tensor2) if needs_input_grad[1] else None
    g2 = scaled * conj(tensor1) if needs_input_grad[2] else None
    return grad, g1, g2


def _addcdiv(grad, _out, _input, tensor1, tensor2, *, value=1, needs_input_grad=(True,) * 3):
    g1 = grad * conj_scalar(value) / conj(tensor2)  # also the start of tensor2's gradient
    g2 = -g1 * conj(tensor1) / conj(tensor2) if needs_input_grad[2] else None
    return grad, (g1 if needs_input_grad[1] else None), g2


DERIVATIVES["addcmul"] = reads_when(_addcmul, {1: (2,), 2: (1,)})
DERIVATIVES["addcdiv"] = reads_when(_addcdiv, {1: (2,), 2: (1, 2)})


def _addcmul_jvp(t, _out, _input, tensor1, tensor2, *, value=1):
    product = add_tangents(
        None if t[1] is None else t[1] * tensor2, None if t[2] is None else tensor1 * t[2]
    )
    return add_tangents(t[0], _scaled(product, value))


def _addcdiv_jvp(t, _out, _input, tensor1, tensor2, *, value=1):
    quotient = add_tangents(
        None if t[1] is None else t[1] / tensor2,
        None if t[2] is None else -t[2] * tensor1 / (tensor2 * tensor2),
    )
    return add_tangents(t[0], _scaled(quotient, value))


JVPS["addcmul"] = _addcmul_jvp
JVPS["addcdiv"] = _addcdiv_jvp


def _remainder(grad, _out, x, y, needs_input_grad=(True, True)):
    gy = -grad * (x / y).floor() if needs_input_grad[1] else None
    return grad, gy


def _fmod(grad, _out, x, y, needs_input_grad=(True, True)):
    gy = -grad * (x / y).trunc() if needs_input_grad[1] else None
    return grad, gy


DERIVATIVES["remainder"] = reads_when(_remainder, {0: (1,), 1: (1,)})
DERIVATIVES["fmod"] = reads_when(_fmod, {0: (1,), 1: (1,)})
DERIVATIVES["floor_divide"] = NOT_DIFFERENTIABLE


def _pow(grad, out, x, y, needs_input_grad=(True, True)):
    gx = gy = None
    if needs_input_grad[0]:
        if not hasattr(y, "shape"):
            gx = grad * 0 if y == 0 else grad * conj(x.pow(y - 1) * y)
        else:
            d = y * x.pow(y - 1)
            gx = grad * conj(where(y == 0, zeros_like(d), d))
    if needs_input_grad[1]:
        if hasattr(x, "shape"):
            y_re = real(y) if hasattr(y, "shape") else y
            lg = where((x == 0) & (y_re >= 0), zeros_like(out), out * x.log())
        else:
            lg = out * math.log(x) if x > 0 else out * 0
        gy = grad * conj(lg)
    return gx, gy


DERIVATIVES["pow"] = _pow
_pair("reciprocal", from_output(lambda out: -(out * out)))
_pair("square", from_input(lambda x: x * 2))


def _abs(grad, _out, x):
    return (grad * _sgn(x),)


def _sgn(x):
    return ember.sgn(x) if x.is_complex() else x.sign()


DERIVATIVES["abs"] = _abs
JVPS["abs"] = lambda t, _o, x: t[0] * x.sign() if not x.is_complex() else None


def _sgn_rule(grad, out, x):
    if not x.is_complex():
        return (zeros_like(grad),)
    # d sgn(z): the part of grad orthogonal to sgn(z), over |z|.
    a = x.abs()
    g = (grad - out * real(out.conj() * grad)) / a
    return (where(a == 0, zeros_like(g), g),)


DERIVATIVES["sgn"] = _sgn_rule
for _name in ("sign", "floor", "ceil", "trunc", "round"):
    _pair(_name, step())
_pair("frac", linear_unary(lambda g: g))

# ---- clamps and picks ---------------------------------------------------------------


def _clamp(grad, _out, input, min=None, max=None, needs_input_grad=(True, True, True)):
    inside = None
    if min is not None:
        inside = input >= min
    if max is not None:
        below = input <= max
        inside = below if inside is None else inside & below
    z = zeros_like(grad)
    gx = grad if inside is None else where(inside, grad, z)
    gmin = gmax = None
    if len(needs_input_grad) > 1 and needs_input_grad[1]:
        lo = input < min
        gmin = where(lo if max is None else lo & (min <= max), grad, z)
    if len(needs_input_grad) > 2 and needs_input_grad[2]:
        gmax = where((input > max) | (min > max) if min is not None else input > max, grad, z)
    return gx, gmin, gmax


DERIVATIVES["clamp"] = _clamp


def _clamp_min(grad, out, input, min, needs_input_grad=(True, True)):
    return _clamp(grad, out, input, min, None, needs_input_grad=needs_input_grad)[:2]


def _clamp_max(grad, out, input, max, needs_input_grad=(True, True)):
    needs = (needs_input_grad[0], False, *needs_input_grad[1:])
    gx, _, gmax = _clamp(grad, out, input, None, max, needs_input_grad=needs)
    return gx, gmax


DERIVATIVES["clamp_min"] = _clamp_min
DERIVATIVES["clamp_max"] = _clamp_max


def _binary_minmax(pick_x):
    def rule(grad, _out, input, other, needs_input_grad=(True, True)):
        tie = input == other
        mx = pick_x(input, other)
        z = zeros_like(grad)
        half = grad / 2
        gx = where(tie, half, where(mx, grad, z)) if needs_input_grad[0] else None
        gy = where(tie, half, where(mx, z, grad)) if needs_input_grad[1] else None
        return gx, gy

    return rule


DERIVATIVES["maximum"] = _binary_minmax(lambda x, y: x > y)
DERIVATIVES["minimum"] = _binary_minmax(lambda x, y: x < y)


def _fminmax(better):
    def rule(grad, _out, input, other, needs_input_grad=(True, True)):
        # nan loses: the other operand takes the whole gradient.
        take_x = better(input, other)
        if hasattr(other, "isnan"):
            take_x = take_x | other.isnan()
        z = zeros_like(grad)
        gx = where(take_x, grad, z) if needs_input_grad[0] else None
        gy = where(take_x, z, grad) if needs_input_grad[1] else None
        return gx, gy

    return rule


DERIVATIVES["fmax"] = _fminmax(lambda x, y: x >= y)
DERIVATIVES["fmin"] = _fminmax(lambda x, y: x <= y)


def _where(grad, _out, condition, _input=None, _other=None):
    z = zeros_like(grad)
    return None, where(condition, grad, z), where(condition, z, grad)


DERIVATIVES["where"] = _where
JVPS["where"] = lambda t, out, condition, x=None, y=None: where(
    condition,
    t[1] if t[1] is not None else zeros_like(out),
    t[2] if t[2] is not None else zeros_like(out),
)
