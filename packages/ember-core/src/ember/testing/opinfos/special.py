"""OpInfo rows for ``ember/_ops/special.py``.

References are element by element in Python floats, from the standard library's
``math.erf``, ``math.erfc`` and ``math.lgamma`` and small independent algorithms
for erfinv (bisection) and digamma (shifted asymptotic series).
"""

import math

import numpy as np

import ember
from ember.testing.opinfo import ALL_NUMERIC, OPINFOS, OpInfo, SampleInput
from ember.testing.opinfos.elementwise import (
    REALS,
    ranged,
    special_values,
    unary_samples,
    zero_d,
)
from ember.testing.opinfos.math import floating_ref, xlogy_samples


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

# ---- Bessel functions, the normal distribution, xlog1py, polygamma, mvlgamma ------------


def _bessel_series(v, n, scaled):
    """I_n(v) from its power series in Python floats (exp-scaled if ``scaled``)."""
    half, term = abs(v) / 2, (abs(v) / 2) ** n
    total = term
    for k in range(1, 200):
        term *= half * half / (k * (k + n))
        total += term
    total = math.copysign(total, v) if n else total
    return total * math.exp(-abs(v)) if scaled else total


def _bessel_row(name, n, scaled, order):
    ref = floating_ref(elementwise(lambda v: _bessel_series(v, n, scaled)))
    bounds = {"low": -8, "high": 8}  # float16 holds i0 up to about 11
    # No infinities: PyTorch gives nan for i0(inf) and i1(inf); Ember gives the limits.
    OpInfo(name, ref, ranged(unary_samples, **bounds), WITH_BOOL, grad_order=order)


_bessel_row("i0", 0, False, 2)
_bessel_row("i0e", 0, True, 2)
_bessel_row("i1", 1, False, 2)
_bessel_row("i1e", 1, True, 2)
for _name in ("i0e", "i1", "i1e"):
    OPINFOS[_name].torch = lambda torch, *a, _n=_name, **k: getattr(torch.special, _n)(*a, **k)


def _log_ndtr(v):
    if math.isnan(v) or math.isinf(v):
        return 0.0 if v > 0 else v
    if v > 0:
        return math.log1p(-0.5 * math.erfc(v / math.sqrt(2)))
    return math.log(0.5 * math.erfc(-v / math.sqrt(2)))


def _ndtri(p):
    if math.isnan(p) or not 0 <= p <= 1:
        return math.nan
    return math.sqrt(2) * _erfinv(2 * p - 1)


OpInfo(
    "ndtri",
    floating_ref(elementwise(_ndtri)),
    _with_special({"low": 0.001, "high": 0.999}),
    ALL_NUMERIC,  # PyTorch has no float16 or bfloat16 ndtri
    grad_order=2,
    torch=lambda torch, *a: torch.special.ndtri(*a),
)
OpInfo(
    "log_ndtr",
    floating_ref(elementwise(_log_ndtr)),
    _with_special({"low": -20, "high": 5}),
    (ember.bool,) + ALL_NUMERIC,  # nor log_ndtr
    grad_order=2,
    torch=lambda torch, *a: torch.special.log_ndtr(*a),
)


def _xlog1py_ref(x, y):
    return np.where(np.asarray(x) == 0, 0.0, x * np.log1p(y))


OpInfo(
    "xlog1py",
    floating_ref(_xlog1py_ref),
    lambda make: xlogy_samples(make, low=-0.5),
    REALS,
    grad_order=2,
    torch=lambda torch, *a: torch.special.xlog1py(*a),
)


def _polygamma_samples(make):
    for n in (0, 1, 2, 3):
        yield SampleInput(ranged(lambda m: [m(3, 4)], low=0.5, high=9)(make)[0], n)
    yield SampleInput(zero_d(make, low=1, high=5), 2)


def _polygamma_ref(x, n):
    if n == 0:
        return floating_ref(elementwise(_digamma))(x)

    def one(v):
        sign = 1 if n % 2 else -1
        if v <= 0 and v == math.floor(v):  # a pole
            return sign * math.inf
        head = sum((v + k) ** -(n + 1) for k in range(400))
        tail = (v + 400) ** -n / n + 0.5 * (v + 400) ** -(n + 1)  # Euler-Maclaurin
        return sign * math.factorial(n) * (head + tail)

    return floating_ref(elementwise(one))(x)


OpInfo(
    "polygamma",
    _polygamma_ref,
    _polygamma_samples,
    REALS,
    grad_order=2,
    torch=lambda torch, x, n: torch.polygamma(n, x),
)


def _mvlgamma_samples(make):
    yield SampleInput(make(3, 4, low=2, high=9), 1)
    yield SampleInput(make(3, 4, low=2, high=9), 3)
    yield SampleInput(zero_d(make, low=2, high=9), p=2)
    yield SampleInput(make(0, 2), 2)


def _mvlgamma_ref(x, p):
    one = lambda v: p * (p - 1) / 4 * math.log(math.pi) + sum(_lgamma(v - i / 2) for i in range(p))
    return floating_ref(elementwise(one))(x)


OpInfo("mvlgamma", _mvlgamma_ref, _mvlgamma_samples, REALS, grad_order=2)
