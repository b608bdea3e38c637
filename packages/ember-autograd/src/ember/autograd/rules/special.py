"""Derivatives of ``ember/_ops/special.py``: erf and the gamma family."""

from __future__ import annotations

import math

from ember._ops import OPS
from ember.autograd.rules._util import from_input, from_output, where, zeros_like
from ember.autograd.rules.math import xlogy_rule

DERIVATIVES: dict = {}
JVPS: dict = {}

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _pair(name, pair):
    DERIVATIVES[name], JVPS[name] = pair


_pair("erf", from_input(lambda x: (-(x * x)).exp() * _TWO_OVER_SQRT_PI))
_pair("erfc", from_input(lambda x: (-(x * x)).exp() * -_TWO_OVER_SQRT_PI))
_pair("erfinv", from_output(lambda out: (out * out).exp() / _TWO_OVER_SQRT_PI))
_pair("lgamma", from_input(lambda x: x.digamma()))


def _trigamma(x):
    """polygamma(1, x) by the recurrence up to x >= 6 and the asymptotic series there."""
    acc = x * 0
    y = x
    for _ in range(6):
        small = y < 6
        acc = acc + (y * y).reciprocal() * small
        y = y + small
    inv = y.reciprocal()
    inv2 = inv * inv
    tail = inv + inv2 / 2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 / 30)))
    return acc + tail


_pair("digamma", from_input(_trigamma))


# ---- Bessel functions: I0' = I1, I1' = I0 - I1 / x (1/2 at 0); the scaled ones
# exp(-|x|) I_n(x) add -sign(x) times themselves.


def _over_x(num, x):
    """``num / x`` where ``x != 0``, 0 at 0 (where the callers' limits are finite)."""
    at_zero = x == 0
    safe = where(at_zero, zeros_like(x) + 1, x)
    return where(at_zero, zeros_like(num), num / safe)


def _i1_derivative(x):
    d = OPS["i0"](x) - _over_x(OPS["i1"](x), x)
    return where(x == 0, zeros_like(d) + 0.5, d)


def _i1e_derivative(x):
    i1e = OPS["i1e"](x)
    d = OPS["i0e"](x) - i1e * x.sign() - _over_x(i1e, x)
    return where(x == 0, zeros_like(d) + 0.5, d)


_pair("i0", from_input(lambda x: OPS["i1"](x)))
_pair("i0e", from_input(lambda x: OPS["i1e"](x) - OPS["i0e"](x) * x.sign()))
_pair("i1", from_input(_i1_derivative))
_pair("i1e", from_input(_i1e_derivative))

# ---- normal distribution ---------------------------------------------------------------

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_pair("ndtri", from_output(lambda out: (out * out / 2).exp() * _SQRT_2PI))


def _log_ndtr_derivative(x, out):
    """pdf(x) / cdf(x), as exp(-x^2/2 - log_ndtr(x)) so that neither underflows."""
    return (-(x * x) / 2 - out).exp() / _SQRT_2PI


DERIVATIVES["log_ndtr"] = lambda grad, out, x: (grad * _log_ndtr_derivative(x, out),)
JVPS["log_ndtr"] = lambda t, out, x: t[0] * _log_ndtr_derivative(x, out)


DERIVATIVES["xlog1py"] = xlogy_rule(1)

# ---- polygamma and mvlgamma ------------------------------------------------------------


def _polygamma(grad, _out, input, n):
    return (grad * OPS["polygamma"](input, n + 1), None)


def _mvlgamma_derivative(x, p):
    total = x.digamma()
    for i in range(1, p):
        total = total + (x - i / 2).digamma()
    return total


DERIVATIVES["polygamma"] = _polygamma
JVPS["polygamma"] = lambda t, _out, x, n: t[0] * OPS["polygamma"](x, n + 1)
DERIVATIVES["mvlgamma"] = lambda grad, _out, x, p: (grad * _mvlgamma_derivative(x, p), None)
JVPS["mvlgamma"] = lambda t, _out, x, p: t[0] * _mvlgamma_derivative(x, p)
