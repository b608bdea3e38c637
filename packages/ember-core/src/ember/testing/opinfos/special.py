"""OpInfo rows for ``ember/_ops/special.py``.

References are element by element in Python floats, from the standard library's
``math.erf``, ``math.erfc`` and ``math.lgamma`` and small independent algorithms
for erfinv (bisection) and digamma (shifted asymptotic series).
"""

import math

import numpy as np

import ember
from ember.testing.opinfo import OpInfo, SampleInput
from ember.testing.opinfos.elementwise import REALS, ranged, special_values, unary_samples
from ember.testing.opinfos.math import floating_ref


def elementwise(fn):
    """``fn`` of Python floats, over an array."""
    return np.vectorize(lambda v: fn(float(v)), otypes=[np.float64])


def _lgamma(v):
    if math.isinf(v):
        return math.inf
    if v <= 0 and v == math.floor(v):
        return math.inf
    return math.lgamma(v)


def _erfinv(y):
    if math.isnan(y) or abs(y) > 1:
        return math.nan
    if abs(y) == 1:
        return math.copysign(math.inf, y)
    lo, hi = -6.0, 6.0
    for _ in range(80):  # bisection: slow and simple, exact to the last bits
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if math.erf(mid) < y else (lo, mid)
    return 0.5 * (lo + hi)


def _digamma(v):
    if math.isnan(v) or v == -math.inf:
        return math.nan
    if v == 0:
        return math.copysign(math.inf, -v)
    if v < 0:
        if v == math.floor(v):
            return math.nan
        return _digamma(1 - v) - math.pi / math.tan(math.pi * v)
    acc = 0.0
    while v < 20:
        acc -= 1 / v
        v += 1
    z = 1 / (v * v)
    series = z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z / 132))))
    return acc + math.log(v) - 0.5 / v - series


def _with_special(bounds):
    def samples(make):
        yield from ranged(unary_samples, **bounds)(make)
        yield SampleInput(special_values(make))

    return samples


WITH_BOOL = (ember.bool,) + REALS

OpInfo("erf", floating_ref(elementwise(math.erf)), _with_special({}), WITH_BOOL, grad_order=2)
OpInfo("erfc", floating_ref(elementwise(math.erfc)), _with_special({}), WITH_BOOL, grad_order=2)
OpInfo(
    "erfinv",
    floating_ref(elementwise(_erfinv)),
    _with_special({"low": -1, "high": 1}),
    WITH_BOOL,
    grad_order=2,
)
OpInfo(
    "lgamma",
    floating_ref(elementwise(_lgamma)),
    _with_special({"low": -5, "high": 20}),
    WITH_BOOL,
    grad_order=1,
)
OpInfo(
    "digamma",
    floating_ref(elementwise(_digamma)),
    _with_special({"low": -5, "high": 20}),
    WITH_BOOL,
    grad_order=0,
)
