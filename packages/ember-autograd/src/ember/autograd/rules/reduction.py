"""Derivatives of ``ember/_ops/reduction.py``: sums, means, extremes, spreads, scans."""

from __future__ import annotations

import math

import ember
from ember._ops import OPS, wrap_dim
from ember.autograd.rules import NOT_DIFFERENTIABLE
from ember.autograd.rules._util import (
    conj,
    count,
    keep,
    reduced_axes,
    unreduce,
    where,
    zeros_like,
)

DERIVATIVES: dict = {}
JVPS: dict = {}


def _sum(grad, _out, _x, dim=None, keepdim=False, *, dtype=None):
    return (unreduce(grad, _x.shape, dim, keepdim),)


def _mean(grad, _out, _x, dim=None, keepdim=False, *, dtype=None):
    return (unreduce(grad, _x.shape, dim, keepdim) / max(count(_x.shape, dim), 1),)


def _nansum(grad, _out, x, dim=None, keepdim=False, *, dtype=None):
    g = unreduce(grad, x.shape, dim, keepdim)
    return (where(x.isnan(), zeros_like(g), g),)


def _nanmean(grad, _out, x, dim=None, keepdim=False, *, dtype=None):
    valid = ~x.isnan()
    n = keep(
        valid.sum(dim, keepdim=keepdim) if dim is not None else valid.sum(), x.shape, dim, keepdim
    )
    g = unreduce(grad, x.shape, dim, keepdim) / n
    return (where(valid, g, zeros_like(g)),)


DERIVATIVES["sum"] = _sum
DERIVATIVES["mean"] = _mean
DERIVATIVES["nansum"] = _nansum
DERIVATIVES["nanmean"] = _nanmean
JVPS["sum"] = lambda t, _o, x, *a, **k: ember.sum(t[0], *a, **k)


def _trace(grad, _out, _x):
    return (ember.eye(*_x.shape, dtype=grad.dtype, device=grad.device) * grad,)


DERIVATIVES["trace"] = _trace
JVPS["trace"] = lambda t, _o, _x: OPS["trace"](t[0])
JVPS["mean"] = lambda t, _o, x, *a, **k: ember.mean(t[0], *a, **k)


def _prod(grad, out, x, dim=None, keepdim=False, *, dtype=None):
    g = unreduce(grad, x.shape, dim, keepdim)
    if not bool((x == 0).any()):
        return (g * conj(keep(out, x.shape, dim, keepdim) / x),)
    # Zeros: the product of all the other elements, from exclusive scans both ways.
    if dim is None or x.ndim == 0:
        flat = x.reshape(-1)
        return ((g.reshape(-1) * conj(_others_prod(flat, 0))).reshape(x.shape),)
    return (g * conj(_others_prod(x, wrap_dim(dim, x.ndim))),)


def _others_prod(x, d):
    """Along dim ``d``: the product of every element but the one at each position."""
    n = x.shape[d]
    ones = ember.ones_like(x.narrow(d, 0, 1))
    left = ember.cat([ones, x.narrow(d, 0, n - 1).cumprod(d)], d)
    rev = x.flip(d)
    right = ember.cat([ones, rev.narrow(d, 0, n - 1).cumprod(d)], d).flip(d)
    return left * right


DERIVATIVES["prod"] = _prod


def _pick(grad, out, x, dim=None, keepdim=False, other=None):
    """max/min: the gradient goes to the element each output was taken from."""
    if other is not None or (dim is not None and hasattr(dim, "shape")):
        y = other if other is not None else dim
        gx, gy = _binary_extreme(grad, x, y, out)
        return {0: gx, 1: gy, "other": gy}
    if dim is None:  # a full reduction: ties share the gradient evenly
        return (_evenly(grad, out, x, None, False),)
    values_grad = grad[0]
    if values_grad is None:
        return (None,)
    return (_scatter_at(values_grad, out[1], x, dim, keepdim),)


def _binary_extreme(grad, x, y, out):
    tie = x == y
    zx = where(x == out, grad, zeros_like(grad))
    gx = where(tie, grad / 2, zx)
    gy = where(tie, grad / 2, grad - zx)
    return gx, gy


def _evenly(grad, out, x, dim, keepdim):
    mask = x == keep(out, x.shape, dim, keepdim)
    n = keep(
        mask.sum(dim, keepdim=keepdim) if dim is not None else mask.sum(), x.shape, dim, keepdim
    )
    g = unreduce(grad, x.shape, dim, keepdim)
    return where(mask, g / n, zeros_like(g))


def _scatter_at(grad, index, x, dim, keepdim):
    """``grad`` placed at ``index`` along ``dim`` of a zero tensor shaped like ``x``."""
    if x.ndim == 0:
        return grad.reshape(())
    d = wrap_dim(dim, x.ndim)
    g, i = keep(grad, x.shape, d, keepdim), keep(index, x.shape, d, keepdim)
    shape = [1] * x.ndim
    shape[d] = x.shape[d]
    pos = ember.arange(x.shape[d], device=x.device).reshape(shape)
    return where(pos == i, g, zeros_like(g))


DERIVATIVES["max"] = _pick
DERIVATIVES["min"] = _pick
DERIVATIVES["amax"] = lambda grad, out, x, dim=(), keepdim=False: (
    _evenly(grad, out, x, dim, keepdim),
)
DERIVATIVES["amin"] = DERIVATIVES["amax"]


def _aminmax(grad, out, x, *, dim=None, keepdim=False):
    total = None
    for g, o in zip(grad, out):
        if g is not None:
            part = _evenly(g, o, x, dim, keepdim)
            total = part if total is None else total + part
    return (total,)


DERIVATIVES["aminmax"] = _aminmax


def _ddof(dim, unbiased, correction):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def _var_grad(grad, x, dim, keepdim, correction):
    n = count(x.shape, dim)
    centered = x - x.mean(reduced_axes(x.shape, dim), keepdim=True)
    scale = 2.0 / (n - correction) if n > correction else math.nan  # as the forward: nan
    return unreduce(grad, x.shape, dim, keepdim) * centered * scale


def _var(grad, _out, x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dim, ddof = _ddof(dim, unbiased, correction)
    return (_var_grad(grad, x, dim, keepdim, ddof),)


def _std(grad, out, x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dim, ddof = _ddof(dim, unbiased, correction)
    zero = out == 0  # std 0: no direction to move in; a safe divisor keeps 0 * inf away
    g = grad / where(zero, ember.ones_like(out), out * 2)
    g = where(zero, zeros_like(g), g)
    return (_var_grad(g, x, dim, keepdim, ddof),)


def _spread_mean(spread):
    def rule(grad, out, x, dim=None, unbiased=None, keepdim=False, *, correction=None):
        dim2, _ = _ddof(dim, unbiased, correction)
        total = None
        if grad[0] is not None:
            total = spread(grad[0], out[0], x, dim, unbiased, keepdim, correction=correction)[0]
        if grad[1] is not None:
            part = _mean(grad[1], out[1], x, dim2, keepdim)[0]
            total = part if total is None else total + part
        return (total,)

    return rule


DERIVATIVES["var"] = _var
DERIVATIVES["std"] = _std
DERIVATIVES["var_mean"] = _spread_mean(_var)
DERIVATIVES["std_mean"] = _spread_mean(_std)


def _norm(grad, out, x, p="fro", dim=None, keepdim=False, out_=None, dtype=None):
    return (norm_backward(grad, out, x, p, dim, keepdim),)


def norm_backward(grad, out, x, p, dim, keepdim):
    """The gradient of the ``p``-norm of ``x`` over ``dim`` (shared with linalg)."""
    if p == "fro":
        p = 2
    if p == "nuc":
        return _nuclear(grad, x, dim, keepdim)
    g = unreduce(grad, x.shape, dim, keepdim)
    o = keep(out, x.shape, dim, keepdim)
    if p == 0:
        return zeros_like(x)
    if p == 1:
        return g * _sgn(x)
    if p in (math.inf, -math.inf):
        return _evenly(grad, out, x.abs(), dim, keepdim) * _sgn(x)
    a = x.abs()
    if p == 2:
        r = g * x / o
        return where(o == 0, zeros_like(r), r)
    r = g * _sgn(x) * (a / o) ** (p - 1)
    return where(o == 0, zeros_like(r), r)


def _sgn(x):
    return ember.sgn(x) if x.is_complex() else x.sign()


def _nuclear(grad, x, dim, keepdim):
    """The nuclear norm's gradient, ``U Vh``, for the matrices over ``dim``."""
    d0, d1 = (0, 1) if dim is None else (wrap_dim(dim[0], x.ndim), wrap_dim(dim[1], x.ndim))
    m = x.movedim((d0, d1), (-2, -1))
    u, _, vh = OPS["linalg_svd"](m, False)
    g = grad
    if keepdim:
        g = g.movedim((d0, d1), (-2, -1)).squeeze(-1).squeeze(-1)
    return (ember.matmul(u, vh) * g.unsqueeze(-1).unsqueeze(-1)).movedim((-2, -1), (d0, d1))


DERIVATIVES["norm"] = _norm


def _logsumexp(grad, out, x, dim, keepdim=False):
    g = unreduce(grad, x.shape, dim, keepdim)
    return (g * (x - keep(out, x.shape, dim, keepdim)).exp(),)


DERIVATIVES["logsumexp"] = _logsumexp


def _cumsum(grad, _out, _x, dim, *, dtype=None):
    if grad.ndim == 0:
        return (grad,)
    return (grad.flip(dim).cumsum(dim).flip(dim),)


def _cumprod(grad, out, x, dim, *, dtype=None):
    if x.ndim == 0:
        return (grad,)
    d = wrap_dim(dim, x.ndim)
    if not bool((x == 0).any()):
        return (_cumsum(grad * conj(out), None, None, d)[0] / conj(x),)
    # With zeros: d out_j / d x_i = prod(x_k, k <= j, k != i) for i <= j, built densely.
    xm = x.movedim(d, -1)
    n = xm.shape[-1]
    eye = ember.eye(n, dtype=ember.bool, device=x.device)
    tri = ember.ones(n, n, dtype=ember.bool, device=x.device).tril()  # [j, i]: k <= j
    ones = ember.ones_like(xm)
    # terms[..., j, i, k] = x_k if k <= j and k != i, else 1
    xk = xm.unsqueeze(-2).unsqueeze(-2).expand(*xm.shape[:-1], n, n, n)
    use = tri.unsqueeze(1) & ~eye.unsqueeze(0)
    terms = where(use, xk, ones.unsqueeze(-2).unsqueeze(-2).expand(*xm.shape[:-1], n, n, n))
    jac = terms.prod(-1)
    jac = where(tri, jac, zeros_like(jac))
    gm = grad.movedim(d, -1).unsqueeze(-1)
    return ((gm * conj(jac)).sum(-2).movedim(-1, d),)


DERIVATIVES["cumsum"] = _cumsum
DERIVATIVES["cumprod"] = _cumprod
JVPS["cumsum"] = lambda t, _o, x, dim, *, dtype=None: t[0].cumsum(dim)


def _cumextreme(grad, out, x, dim):
    g = grad[0]
    if g is None:
        return (None,)
    if x.ndim == 0:
        return (g,)
    return (zeros_like(x).scatter_add(dim, out[1], g),)


DERIVATIVES["cummax"] = _cumextreme
DERIVATIVES["cummin"] = _cumextreme


def _logcumsumexp(grad, out, x, dim):
    if x.ndim == 0 or not x.numel():
        return (grad,)
    # sum over j >= i of grad_j * exp(x_i - out_j), with the largest exponent taken out.
    shift = out.amax(dim, keepdim=True)
    w = grad * (shift - out).exp()
    return (_cumsum(w, None, None, dim)[0] * (x - shift).exp(),)


DERIVATIVES["logcumsumexp"] = _logcumsumexp

for _name in ("argmax", "argmin", "all", "any", "count_nonzero"):
    DERIVATIVES[_name] = NOT_DIFFERENTIABLE
