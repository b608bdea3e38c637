"""Derivatives of ``ember/_ops/activation.py``: the ``nn.functional`` nonlinearities.

Each is ``grad * f'(x)`` with ``f'`` written in ember ops (so they differentiate
twice); the piecewise ones use a mask of where each piece applies.
"""

from __future__ import annotations

import math

import ember
from ember._ops import OPS, wrap_dim
from ember.autograd.rules._util import where, zeros_like

DERIVATIVES: dict = {}
JVPS: dict = {}

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)


def _slope(name, deriv):
    """Register ``name`` with derivative ``deriv(x, out, *args, **kwargs)``."""

    def rule(grad, out, x, *args, **kwargs):
        return (grad * deriv(x, out, *args, **kwargs),)

    def jvp(t, out, x, *args, **kwargs):
        return t[0] * deriv(x, out, *args, **kwargs)

    DERIVATIVES[name], JVPS[name] = rule, jvp


def _dropping(name, params):
    """Rules of an activation whose gradient passes ``grad`` inside its linear piece and
    drops it elsewhere, through the core op ``<name>_backward(grad, x, *params(...))``.

    That op is linear in ``grad`` and piecewise constant in ``x`` (derivative 0 almost
    everywhere), so its own rule is itself applied to the incoming gradient.
    """
    backward = OPS[f"{name}_backward"]
    # The parameters are numbers: named with "_", they are not saved (only x is read).
    DERIVATIVES[name] = lambda grad, _out, x, *_p, **_k: (backward(grad, x, *params(*_p, **_k)),)
    JVPS[name] = lambda t, _out, x, *_p, **_k: backward(t[0], x, *params(*_p, **_k))
    DERIVATIVES[f"{name}_backward"] = lambda grad, _out, _g, x, *_p: (
        backward(grad, x, *_p),
        None,
    )
    return backward


_threshold_backward = _dropping("threshold", lambda threshold, value: (threshold,))
_dropping("hardtanh", lambda min_val=-1.0, max_val=1.0: (min_val, max_val))
_dropping("hardsigmoid", lambda: ())
_dropping("hardshrink", lambda lambd=0.5: (lambd,))
_dropping("softshrink", lambda lambd=0.5: (lambd,))
# relu drops where its output is not positive; it reads only its output, so its input
# may be overwritten (relu_ after a conv).
DERIVATIVES["relu"] = lambda grad, out, _x: (_threshold_backward(grad, out, 0),)
JVPS["relu"] = lambda t, out, _x: _threshold_backward(t[0], out, 0)


def _gelu(x, _out, approximate="none"):
    if approximate == "tanh":
        k, c = math.sqrt(2.0 / math.pi), 0.044715
        t = ((x + x * x * x * c) * k).tanh()
        return (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * k * (x * x * (3 * c) + 1)
    cdf = ((x * _INV_SQRT_2).erf() + 1) * 0.5
    return cdf + x * (x * x * -0.5).exp() * _INV_SQRT_2PI


def _silu(x, _out):
    s = x.sigmoid()
    return s * (x * (1 - s) + 1)


def _softplus(x, _out, beta=1.0, threshold=20.0):
    bx = x * beta
    return where(bx > threshold, ember.ones_like(x), bx.sigmoid())


def _elu(x, _out, alpha=1.0):
    return where(x > 0, ember.ones_like(x), (x.clamp(max=0)).exp() * alpha)


def _selu(x, _out):
    return where(x > 0, ember.ones_like(x), (x.clamp(max=0)).exp() * _SELU_ALPHA) * _SELU_SCALE


def _celu(x, _out, alpha=1.0):
    return where(x > 0, ember.ones_like(x), (x.clamp(max=0) / alpha).exp())


def _leaky(x, _out, negative_slope=0.01):
    return where(x > 0, ember.ones_like(x), ember.full_like(x, negative_slope))


def _hardswish(x, _out):
    mid = x / 3 + 0.5
    return where(x < -3, zeros_like(x), where(x > 3, ember.ones_like(x), mid))


def _mish(x, _out):
    t = x.softplus().tanh() if hasattr(x, "softplus") else ember.softplus(x).tanh()
    return t + x * (1 - t * t) * x.sigmoid()


_slope("gelu", _gelu)
_slope("silu", _silu)
_slope("softplus", _softplus)
_slope("elu", _elu)
_slope("selu", _selu)
_slope("celu", _celu)
_slope("leaky_relu", _leaky)
_slope("hardswish", _hardswish)
_slope("mish", _mish)
_slope("logsigmoid", lambda x, _o: (-x).sigmoid())
_slope("softsign", lambda x, _o: ((x.abs() + 1) ** 2).reciprocal())
_slope("tanhshrink", lambda x, _o: x.tanh() ** 2)


def _glu(grad, _out, x, dim=-1):
    d = wrap_dim(dim, x.ndim)
    h = x.shape[d] // 2
    a, b = x.narrow(d, 0, h), x.narrow(d, h, h)
    s = b.sigmoid()
    ga = grad * s
    gb = ga * a * (1 - s)
    return (ember.cat([ga, gb], d),)


DERIVATIVES["glu"] = _glu


def _prelu(grad, _out, x, weight, needs_input_grad=(True, True)):
    w = weight.reshape((-1,) + (1,) * (x.ndim - 2)) if weight.numel() > 1 else weight.reshape(())
    pos = x > 0
    gx = where(pos, grad, grad * w) if needs_input_grad[0] else None
    gw = None
    if needs_input_grad[1]:
        part = where(pos, zeros_like(grad), grad * x)
        if weight.numel() > 1:
            dims = tuple(i for i in range(x.ndim) if i != 1)
            gw = part.sum(dims).reshape(weight.shape)
        else:
            gw = part.sum().reshape(weight.shape)
    return gx, gw


DERIVATIVES["prelu"] = _prelu
