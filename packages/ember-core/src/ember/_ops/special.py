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

from ember._ops import FLOAT, cuda_override, unary
from ember._ops._numerics import expect_real, quiet

__all__ = ["erf", "erfc", "erfinv", "lgamma", "digamma"]

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


def _erfinv_guess(xp, a):
    """Giles' approximation of erfinv(a) for 0 <= a < 1 (relative error ~1e-7)."""
    w = -xp.log((1.0 - a) * (1.0 + a))
    central = w < 5.0
    p = xp.empty_like(a)
    p[central] = _horner(_GILES_CENTRAL, w[central] - 2.5)
    tail = ~central
    p[tail] = _horner(_GILES_TAIL, xp.sqrt(w[tail]) - 3.0)
    return p * a


@quiet
def _erfinv(xp, x):
    """The inverse error function: ``erf(erfinv(input)) == input`` on ``(-1, 1)``.

    ``erfinv(1)`` is inf, ``erfinv(-1)`` is -inf and values outside ``[-1, 1]`` give nan.
    """
    expect_real("erfinv", x)
    y, back = _float64(xp, x)
    a = xp.abs(y)
    inside = a < 1.0
    t = _erfinv_guess(xp, xp.where(inside, a, 0.0))
    tail = a > 0.5
    log_target = xp.log1p(-a)  # log(1 - a), exact since 1 - a is
    for _ in range(4):
        erf, erfc = _erf_pair(xp, t)
        slope = _TWO_OVER_SQRT_PI * xp.exp(-t * t)
        # Central part: Halley's method on erf (cubic). Tails: Newton's method on
        # log(erfc), which is nearly linear there, where erf itself is flat.
        step = (erf - a) / slope
        central = step / (1.0 + t * step)
        far = (log_target - xp.log(erfc)) * erfc / slope
        t = t - xp.where(tail, far, central)
    t = xp.where(inside, t, xp.where(a == 1.0, xp.inf, xp.nan))
    return back(xp.copysign(t, y))


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
