"""Special functions: erf, erfc, erfinv, lgamma, digamma.

NumPy has none of them and ember-core depends only on NumPy, so each is computed here
in float64 from a classical approximation, then rounded to the input's dtype. On GPUs,
CuPy's ``cupyx.scipy.special`` kernels replace them (``cuda_override``).

Accuracy in float64, measured against scipy.special and mpmath (tests/ops/test_special.py):
erf, erfc and erfinv within a few ulp; lgamma within a few ulp on the positive axis but
near its zeros at 1 and 2, where the error is absolute (3e-16), as scipy's; digamma
within 5e-15 relative on the positive axis, absolute (2e-15) near its root 1.4616...;
on the negative axis both are accurate relative to their size or absolutely near zeros.
"""

from __future__ import annotations

import math
from fractions import Fraction

from ember._ops import FLOAT, Op, binary, cuda_override, unary
from ember._ops._numerics import expect_real, quiet

__all__ = ["erf", "erfc", "erfinv", "lgamma", "digamma", "i0", "polygamma", "mvlgamma"]

# ---- erf and erfc: W. J. Cody, "Rational Chebyshev approximations for the error
# function", Math. Comp. 23 (1969), coefficients as in Netlib SPECFUN's CALERF.

_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02)
_ERF_A3, _ERF_A4 = 3.20937758913846947e03, 1.85777706184603153e-1
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03)
_ERF_B3 = 2.84423683343917062e03
_ERF_C = (
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
)
_ERF_C7, _ERF_C8 = 1.23033935479799725e03, 2.15311535474403846e-8
_ERF_D = (
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
)
_ERF_D7 = 1.23033935480374942e03
_ERF_P = (
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
)
_ERF_P4, _ERF_P5 = 6.58749161529837803e-4, 1.63153871373020978e-2
_ERF_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1)
_ERF_Q += (6.05183413124413191e-2,)
_ERF_Q4 = 2.33520497626869185e-3
_INV_SQRT_PI = 5.6418958354775628695e-1
_SMALL = 0.46875  # below it erf's own series is accurate; above it, erfc's


def _ratio(z, num, den, num_first, num_last, den_last):
    """Cody's rational function: nested evaluation shared by his three intervals.

    ``z`` is a flat array; the updates are in place (half the memory traffic).
    """
    n = z * num_first
    d = z.copy()
    for a, b in zip(num, den):
        n += a
        n *= z
        d += b
        d *= z
    n += num_last
    d += den_last
    n /= d
    return n


def _erf_small(x):
    """erf(x) for |x| <= 0.46875."""
    return x * _ratio(x * x, _ERF_A, _ERF_B, _ERF_A4, _ERF_A3, _ERF_B3)


def _exp_minus_square(xp, y):
    # exp(-y*y) without the rounding error of y*y: split y into a 4-bit head and a tail.
    head = xp.trunc(y * 16.0) / 16.0
    return xp.exp(-head * head) * xp.exp(-(y - head) * (y + head))


def _erfc_large(xp, y):
    """erfc(y) for y > 0.46875 (nan stays nan)."""
    out = xp.empty_like(y)
    mid = y <= 4.0
    ym = y[mid]
    out[mid] = _ratio(ym, _ERF_C, _ERF_D, _ERF_C8, _ERF_C7, _ERF_D7) * _exp_minus_square(xp, ym)
    far = ~mid
    yf = xp.minimum(y[far], 30.0)  # erfc(30) underflows to 0; inf itself would give nan
    z = 1.0 / (yf * yf)
    r = (_INV_SQRT_PI - z * _ratio(z, _ERF_P, _ERF_Q, _ERF_P5, _ERF_P4, _ERF_Q4)) / yf
    out[far] = r * _exp_minus_square(xp, yf)
    return out


def _erf_pair(xp, y):
    """``(erf(y), erfc(y))`` for a flat float64 array ``y >= 0``, each accurate on its own."""
    erf, erfc = xp.empty_like(y), xp.empty_like(y)
    small = y <= _SMALL
    e = _erf_small(y[small])
    erf[small], erfc[small] = e, 1.0 - e
    large = ~small
    c = _erfc_large(xp, y[large])
    erf[large], erfc[large] = 1.0 - c, c
    return erf, erfc


def _float64(xp, x):
    """``x`` as a flat float64 array, and how to give a result ``x``'s shape and dtype."""
    flat = x.astype(xp.float64).reshape(-1)
    return flat, lambda out: out.reshape(x.shape).astype(x.dtype, copy=False)


@quiet
def _erf(xp, x):
    """The error function, ``2/sqrt(pi) * integral(exp(-t**2), t=0..input)``.

    Integers and bool become the default float dtype.
    """
    expect_real("erf", x)
    a, back = _float64(xp, x)
    e, _ = _erf_pair(xp, xp.abs(a))
    return back(xp.copysign(e, a))


@quiet
def _erfc(xp, x):
    """The complementary error function ``1 - erf(input)``, accurate where it is tiny."""
    expect_real("erfc", x)
    a, back = _float64(xp, x)
    _, c = _erf_pair(xp, xp.abs(a))
    return back(xp.where(a < 0, 2.0 - c, c))


# ---- erfinv: M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011),
# single-precision polynomials as a first guess, then Halley steps on erf in float64.

_GILES_CENTRAL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_GILES_TAIL = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)
_TWO_OVER_SQRT_PI = 2.0 * _INV_SQRT_PI


def _horner(coefficients, w):
    """The polynomial with ``coefficients`` (highest power first) at the flat array ``w``."""
    p = w * coefficients[0]
    p += coefficients[1]
    for c in coefficients[2:]:
        p *= w
        p += c
    return p


def _erfinv_guess(xp, a, c):
    """Giles' approximation of erfinv(a) for 0 <= a <= 1, ``c = 1 - a`` (rel. error ~1e-7)."""
    w = -xp.log(c * (1.0 + a))
    central = w < 5.0
    p = xp.empty_like(a)
    p[central] = _horner(_GILES_CENTRAL, w[central] - 2.5)
    tail = ~central
    p[tail] = _horner(_GILES_TAIL, xp.sqrt(w[tail]) - 3.0)
    return p * a


def _erfcinv_guess(xp, a, c):
    """A first guess at erfinv: Giles' where his single-precision fit holds, and below
    ``c = 1e-16`` (beyond his range) erfc's asymptote ``c = exp(-t^2) / (t sqrt(pi))``
    solved by two fixed-point steps."""
    giles = _erfinv_guess(xp, a, c)
    far = c < 1e-16
    if not far.any():
        return giles
    log_c = xp.log(xp.where(far, c, 1e-16))
    t = xp.sqrt(-log_c - 0.5 * _LOG_PI)
    for _ in range(2):
        t = xp.sqrt(-log_c - 0.5 * _LOG_PI - xp.log(t))
    return xp.where(far, t, giles)


def _erfcinv_pair(xp, a, c):
    """``t >= 0`` with ``erf(t) = a`` and ``erfc(t) = c`` for flat float64 arrays with
    ``a + c = 1``, ``c`` exact (it may be far below the spacing of ``a`` near 1).

    ``c == 0`` gives inf, ``c < 0`` or ``c > 1`` nan.
    """
    inside = (c > 0.0) & (c <= 1.0)
    t = _erfcinv_guess(xp, xp.where(inside, a, 0.0), xp.where(inside, c, 1.0))
    tail = a > 0.5
    log_target = xp.log(xp.where(inside, c, 1.0))
    for _ in range(5):
        erf, _ = _erf_pair(xp, t)
        slope = _TWO_OVER_SQRT_PI * xp.exp(-t * t)
        # Central part: Halley's method on erf (cubic). Tails: Newton's method on
        # log(erfc), which is nearly linear there, where erf itself is flat; the ratio
        # erfc / erf' is formed from logs, as both underflow far out.
        step = (erf - a) / slope
        central = step / (1.0 + t * step)
        log_erfc = _log_erfc(xp, t)
        far = (log_target - log_erfc) * xp.exp(log_erfc + t * t) / _TWO_OVER_SQRT_PI
        t = t - xp.where(tail, far, central)
    return xp.where(inside, t, xp.where(c == 0.0, xp.inf, xp.nan))


@quiet
def _erfinv(xp, x):
    """The inverse error function: ``erf(erfinv(input)) == input`` on ``(-1, 1)``.

    ``erfinv(1)`` is inf, ``erfinv(-1)`` is -inf and values outside ``[-1, 1]`` give nan.
    """
    expect_real("erfinv", x)
    y, back = _float64(xp, x)
    a = xp.abs(y)
    t = _erfcinv_pair(xp, a, 1.0 - a)  # 1 - a is exact where it matters (a > 0.5)
    return back(xp.copysign(t, y))


_SQRT2 = 1.4142135623730950488


@quiet
def _ndtri(xp, x):
    """The inverse of the standard normal CDF: ``ndtr(ndtri(p)) == p`` on ``(0, 1)``.

    Accurate in both tails (``ndtri(1e-300)`` to a few ulp): the tail nearer ``p`` is
    inverted through erfc, not through ``erfinv(2p - 1)``, which would lose ``p``'s
    digits. -inf at 0, inf at 1, nan outside ``[0, 1]``.
    """
    expect_real("ndtri", x)
    p, back = _float64(xp, x)
    lower = p < 0.5
    # c = 2 min(p, 1 - p), exact; a = 1 - c.
    c = xp.where(lower, 2.0 * p, 2.0 - 2.0 * p)
    a = xp.where(lower, 1.0 - 2.0 * p, 2.0 * p - 1.0)
    t = _erfcinv_pair(xp, a, c)
    return back(xp.where(lower, -_SQRT2 * t, _SQRT2 * t))


def _log_erfc(xp, y):
    """log(erfc(y)) for a flat float64 array y >= 0, without underflow for large y."""
    out = xp.empty_like(y)
    near = y <= 4.0
    out[near] = xp.log(_erf_pair(xp, y[near])[1])
    yf = y[~near]
    z = 1.0 / (yf * yf)
    r = (_INV_SQRT_PI - z * _ratio(z, _ERF_P, _ERF_Q, _ERF_P5, _ERF_P4, _ERF_Q4)) / yf
    out[~near] = xp.log(r) - yf * yf  # erfc(y) = r exp(-y^2), Cody's far interval
    return out


_LOG2 = 0.69314718055994530942


@quiet
def _log_ndtr(xp, x):
    """``log(ndtr(input))``, the log of the standard normal CDF, accurate in both tails
    (``log_ndtr(-40)`` is about -804.6, where ndtr itself underflows)."""
    expect_real("log_ndtr", x)
    a, back = _float64(xp, x)
    y = xp.abs(a) / _SQRT2
    upper = xp.log1p(-0.5 * _erf_pair(xp, y)[1])
    lower = _log_erfc(xp, y) - _LOG2
    return back(xp.where(a >= 0, upper, xp.where(xp.isnan(a), a, lower)))


# ---- lgamma: Cephes' lgam (S. Moshier): Stirling's series from 13 on, a rational
# function on [2, 3) reached by the recurrence below it, reflection for negatives.

_LGAMMA_A = (
    8.11614167470508450300e-4,
    -5.95061904284301438324e-4,
    7.93650340457716943945e-4,
    -2.77777777730099687205e-3,
    8.33333333333331927722e-2,
)
_LGAMMA_B = (
    -1.37825152569120859100e3,
    -3.88016315134637840924e4,
    -3.31612992738871184744e5,
    -1.16237097492762307383e6,
    -1.72173700820839662146e6,
    -8.53555664245765465627e5,
)
_LGAMMA_C = (
    1.0,
    -3.51815701436523470549e2,
    -1.70642106651881159223e4,
    -2.20528590553854454839e5,
    -1.13933444367982507207e6,
    -2.53252307177582951285e6,
    -2.01889141433532773231e6,
)
_LOG_SQRT_2PI = 0.91893853320467274178
_LOG_PI = 1.14472988584940017414


def _lgamma_stirling(xp, q):
    """lgamma(q) for q >= 13."""
    z = 1.0 / (q * q)
    out = (q - 0.5) * xp.log(q) - q + _LOG_SQRT_2PI + _horner(_LGAMMA_A, z) / q
    return xp.where(q == xp.inf, xp.inf, out)


def _lgamma_recurrence(xp, u):
    """lgamma(u) for 0 <= u < 13: shift to [2, 3) by Gamma(u + 1) = u Gamma(u)."""
    n = xp.floor(u) - 2.0  # shifts down (n > 0) or up (n = -1, -2) into [2, 3)
    z = xp.ones_like(u)
    top = int(n.max()) if n.size else 0
    for j in range(1, top + 1):
        z *= xp.where(n >= j, u - j, 1.0)
    # Shifting up divides by u (and u + 1); log1p keeps lgamma's zeros at 1 and 2 exact.
    log_z = xp.where(
        n == -1.0, -xp.log1p(u - 1.0), xp.where(n == -2.0, -(xp.log(u) + xp.log1p(u)), xp.log(z))
    )
    w = u - xp.floor(u)  # = u - n - 2, exactly
    return log_z + w * _horner(_LGAMMA_B, w) / _horner(_LGAMMA_C, w)


def _lgamma_positive(xp, q):
    """lgamma(q) for a flat array q >= 0 (nan and inf allowed)."""
    out = xp.empty_like(q)
    low = q < 13.0
    out[low] = _lgamma_recurrence(xp, q[low])
    high = ~low
    out[high] = _lgamma_stirling(xp, q[high])
    return out


def _sin_pi(xp, q):
    """|sin(pi q)| for q >= 0, exact at integers (where it is 0)."""
    frac = q - xp.floor(q)
    return xp.sin(xp.pi * xp.minimum(frac, 1.0 - frac))


@quiet
def _lgamma(xp, x):
    """The natural log of the absolute value of the gamma function.

    inf at 0 and at the negative integers, as in PyTorch.
    """
    expect_real("lgamma", x)
    a, back = _float64(xp, x)
    negative = a < 0.0
    q = xp.abs(a)
    out = _lgamma_positive(xp, q)
    # Gamma(x) Gamma(1 - x) = pi / sin(pi x), with Gamma(1 - x) = q Gamma(q) for q = -x.
    reflected = _LOG_PI - xp.log(q) - xp.log(_sin_pi(xp, q)) - out
    out = xp.where(negative, reflected, out)
    return back(xp.where(xp.isinf(a), xp.inf, out))


# ---- digamma: recurrence up to 10, then the asymptotic (Bernoulli) series, reflection
# for negatives; PyTorch's calc_digamma, vectorised and in float64.

_DIGAMMA_A = (
    8.33333333333333333333e-2,
    -2.10927960927960927961e-2,
    7.57575757575757575758e-3,
    -4.16666666666666666667e-3,
    3.96825396825396825397e-3,
    -8.33333333333333333333e-3,
    8.33333333333333333333e-2,
)


def _digamma_positive(xp, r):
    """digamma(r) for r > 0 (nan and inf allowed)."""
    n = xp.where(r < 10.0, xp.ceil(10.0 - r), 0.0)
    acc = xp.zeros_like(r)
    top = int(n.max()) if n.size else 0
    for k in range(top):
        acc += xp.where(n > k, 1.0 / (r + k), 0.0)
    s = r + n
    z = 1.0 / (s * s)
    return xp.log(s) - 0.5 / s - z * _horner(_DIGAMMA_A, z) - acc


@quiet
def _digamma(xp, x):
    """The logarithmic derivative of the gamma function, ``d/dx lgamma(x)``.

    As in PyTorch: ``digamma(0)`` is -inf (+inf for -0.0), nan at the negative integers.
    """
    expect_real("digamma", x)
    a, back = _float64(xp, x)
    negative = a < 0.0
    out = _digamma_positive(xp, xp.where(negative, 1.0 - a, a))
    # digamma(1 - x) - digamma(x) = pi cot(pi x); tan has period 1, so reduce first.
    cot = xp.pi / xp.tan(xp.pi * (a - xp.round(a)))
    out = xp.where(negative, out - cot, out)
    out = xp.where(negative & (a == xp.floor(a)), xp.nan, out)
    out = xp.where(a == 0.0, xp.copysign(xp.inf, -a), out)
    return back(out)


erf = unary("erf", _erf, FLOAT)
erfc = unary("erfc", _erfc, FLOAT)
erfinv = unary("erfinv", _erfinv, FLOAT)
lgamma = unary("lgamma", _lgamma, FLOAT)
digamma = unary("digamma", _digamma, FLOAT)


# ---- CuPy: one fused kernel each from cupyx.scipy.special instead of dozens of launches.


def _cupy_special(name, fn_name):
    def kernel(xp, x):
        import cupyx.scipy.special as special

        expect_real(name, x)
        out = getattr(special, fn_name)(x.astype(xp.float64 if x.itemsize == 8 else xp.float32))
        return out.astype(x.dtype, copy=False)

    return kernel


for _name, _fn in (("erf", "erf"), ("erfc", "erfc"), ("erfinv", "erfinv"), ("lgamma", "gammaln")):
    cuda_override(_name)(_cupy_special(_name, _fn))


# ---- modified Bessel functions of the first kind, orders 0 and 1 (and exp-scaled).
# Below 30, the power series, whose terms are all positive (no cancellation); above,
# Hankel's asymptotic expansion, whose terms have shrunk below 1e-17 by the 30th.

_BESSEL_SWITCH = 30.0


def _bessel_series(xp, a, n):
    """I_n(a) for a flat float64 array 0 <= a <= 30, n in (0, 1)."""
    half = a / 2.0
    q = half * half
    term = half if n else xp.ones_like(a)
    total = term.copy()
    for k in range(1, 80):  # the largest term is near k = a / 2; by k = 80, < 1e-17
        term = term * q / (k * (k + n))
        total += term
    return total


def _bessel_hankel_scaled(xp, a, n):
    """exp(-a) I_n(a) for a flat float64 array a > 30 (inf allowed)."""
    mu = 4.0 * n * n
    term = xp.ones_like(a)
    total = term.copy()
    for k in range(1, 30):
        term = term * -(mu - (2 * k - 1) ** 2) / (8.0 * k * a)
        total += term
    return total / xp.sqrt(2.0 * xp.pi * a)


def _bessel(xp, x, n, scaled):
    """I_n(x) (or exp(-|x|) I_n(x) when ``scaled``) in float64, with ``x``'s dtype back."""
    a, back = _float64(xp, x)
    y = xp.abs(a)
    out = xp.empty_like(y)
    small = y <= _BESSEL_SWITCH  # nan goes to the large branch and stays nan
    ys = y[small]
    out[small] = _bessel_series(xp, ys, n) * (xp.exp(-ys) if scaled else 1.0)
    yl = y[~small]
    big = _bessel_hankel_scaled(xp, yl, n)
    if not scaled:  # exp(y/2) twice: finite results up to y ~ 713, past exp's overflow
        half = xp.exp(yl / 2.0)
        big = xp.where(yl == xp.inf, xp.inf, half * (half * big))
    out[~small] = big
    return back(xp.copysign(out, a) if n else out)


def _bessel_kernel(name, n, scaled, doc):
    @quiet
    def kernel(xp, x):
        expect_real(name, x)
        return _bessel(xp, x, n, scaled)

    kernel.__doc__ = doc
    return kernel


# ---- polygamma: (-1)^(n+1) n! zeta(n + 1, x), Hurwitz's zeta by the Euler-Maclaurin
# formula (Cephes' zeta), the sum shifted until the argument is at least 10.

_BERNOULLI = (  # B_2, B_4, ..., B_24
    Fraction(1, 6),
    Fraction(-1, 30),
    Fraction(1, 42),
    Fraction(-1, 30),
    Fraction(5, 66),
    Fraction(-691, 2730),
    Fraction(7, 6),
    Fraction(-3617, 510),
    Fraction(43867, 798),
    Fraction(-174611, 330),
    Fraction(854513, 138),
    Fraction(-236364091, 2730),
)
_EULER_MACLAURIN = tuple(
    float(b / math.factorial(2 * j)) for j, b in enumerate(_BERNOULLI, start=1)
)


def _hurwitz_zeta(xp, s, q):
    """zeta(s, q) = sum over k >= 0 of (q + k)^-s, for a float s > 1 and a flat array q.

    inf at q = 0, -1, -2...; a negative q is summed up to 10 term by term.
    """
    shift = xp.where(q < 10.0, xp.ceil(10.0 - q), 0.0)
    shift = xp.where(xp.isfinite(shift), shift, 0.0)
    acc = xp.zeros_like(q)
    for k in range(int(shift.max()) if shift.size else 0):
        acc += xp.where(shift > k, (q + k) ** -s, 0.0)
    w = q + shift
    head = w**-s
    acc += w * head / (s - 1.0) + 0.5 * head
    factor = s * head / w  # s (s+1) ... (s+2j-2) w^(-s-2j+1), for j = 1
    for j, c in enumerate(_EULER_MACLAURIN, start=1):
        acc += c * factor
        factor = factor * (s + 2 * j - 1) * (s + 2 * j) / (w * w)
    return xp.where((q <= 0.0) & (q == xp.floor(q)), xp.inf, acc)


@quiet
def _polygamma(xp, input, n):
    """The ``n``-th derivative of digamma: ``polygamma(0, x)`` is ``digamma(x)``.

    Args:
        n: a non-negative int.

    As in PyTorch, the poles (0, -1, -2...) give inf times the sign of ``(-1)**(n+1)``.
    Large negative inputs are summed term by term up to 10 (slow below about -1e5).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise RuntimeError(f"polygamma: n must be a non-negative int, got {n!r}")
    expect_real("polygamma", input)
    if n == 0:
        return _digamma(xp, input)
    q, back = _float64(xp, input)
    sign = 1.0 if n % 2 else -1.0
    return back(sign * math.factorial(n) * _hurwitz_zeta(xp, float(n + 1), q))


def polygamma(n, input):
    """The ``n``-th derivative of the digamma function at ``input`` (``n >= 0``).

    Integers and bool become the default float dtype. ``Tensor.polygamma(n)`` takes the
    tensor first, as in PyTorch.

    >>> ember.polygamma(1, ember.tensor([1.0]))  # pi**2 / 6
    tensor([1.6449])
    """
    return polygamma_op(input, n)


@quiet
def _mvlgamma(xp, input, p):
    """The log of the multivariate gamma function of dimension ``p`` (an int >= 1):
    ``p (p - 1) / 4 log(pi) + sum(lgamma(input - i / 2) for i < p)``.

    As in PyTorch 2, inputs at or below ``(p - 1) / 2`` are not refused (they give inf
    or the real part's value).
    """
    if isinstance(p, bool) or not isinstance(p, int):
        raise TypeError(f"mvlgamma: p must be an int, got {type(p).__name__}")
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p}")
    expect_real("mvlgamma", input)
    a, back = _float64(xp, input)
    total = xp.full_like(a, p * (p - 1) / 4 * _LOG_PI)
    for i in range(p):
        total += _lgamma(xp, a - i / 2)
    return back(total)


@quiet
def _xlog1py(xp, input, other):
    """``input * log1p(other)``, with 0 where ``input`` is 0 (unless ``other`` is nan)."""
    expect_real("xlog1py", input, other)
    log1p_other = xp.log1p(other) if hasattr(other, "dtype") else math.log1p(other)
    out = xp.multiply(input, log1p_other)
    return xp.where((input == 0) & ~xp.isnan(other), 0, out).astype(out.dtype, copy=False)


i0 = unary(
    "i0",
    _bessel_kernel(
        "i0", 0, False, "The modified Bessel function I0 (inf at +-inf, where PyTorch gives nan)."
    ),
    FLOAT,
)
# torch.special's, not torch's nor Tensor's: exported by ember.special only.
i0e = unary(
    "i0e",
    _bessel_kernel("i0e", 0, True, "``exp(-|input|) * i0(input)``, finite for any input."),
    FLOAT,
    method=False,
)
i1 = unary(
    "i1",
    _bessel_kernel(
        "i1", 1, False, "The modified Bessel function I1 (+-inf at +-inf, where PyTorch gives nan)."
    ),
    FLOAT,
    method=False,
)
i1e = unary(
    "i1e",
    _bessel_kernel("i1e", 1, True, "``exp(-|input|) * i1(input)``, finite for any input."),
    FLOAT,
    method=False,
)
ndtri = unary("ndtri", _ndtri, FLOAT, method=False)
log_ndtr = unary("log_ndtr", _log_ndtr, FLOAT, method=False)
xlog1py = binary("xlog1py", _xlog1py, FLOAT, method=False)
polygamma_op = Op("polygamma", _polygamma, promote=FLOAT)
mvlgamma = Op("mvlgamma", _mvlgamma, promote=FLOAT)
