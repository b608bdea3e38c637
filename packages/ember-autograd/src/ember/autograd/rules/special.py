"""Derivatives of ``ember/_ops/special.py``: erf and the gamma family."""

from __future__ import annotations

import math

from ember.autograd.rules._util import from_input, from_output

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
