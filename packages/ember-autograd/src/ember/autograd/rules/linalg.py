"""Derivatives of ``ember/_ops/linalg.py``: norms, inverses, determinants, solves.

Matrix derivatives follow the usual forms (``d(A^-1) = -A^-1 dA A^-1``...) with
conjugate transposes for complex inputs, written in ember ops.
"""

# ruff: noqa: N803, N806 - PyTorch's argument names (A, B, UPLO) and matrix notation

from __future__ import annotations

import numpy as np

from ember._ops import OPS
from ember.autograd.rules import NOT_DIFFERENTIABLE
from ember.autograd.rules._util import composite, conj, where, zeros_like
from ember.autograd.rules.reduction import norm_backward

DERIVATIVES: dict = {}


def _h(t):
    return conj(t.transpose(-1, -2))


def _mm(a, b):
    return OPS["matmul"](a, b)


def _vector_norm(grad, out, x, ord=2, dim=None, keepdim=False, *, dtype=None):
    return (norm_backward(grad, out, x, ord, dim, keepdim),)


def _matrix_norm_decomposed(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    d0, d1 = dim
    if ord == "fro":
        return OPS["linalg_vector_norm"](A, 2, dim, keepdim)
    if ord in ("nuc", 2, -2):
        s = OPS["linalg_svdvals"](A.movedim((d0, d1), (-2, -1)))
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            r = r.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (d0, d1))
        return r
    a = A.abs()
    # 1 / -1: extreme column sum; inf / -inf: extreme row sum.
    sums = a.sum(d0, keepdim=True) if ord in (1, -1) else a.sum(d1, keepdim=True)
    other = d1 if ord in (1, -1) else d0
    r = sums.amax(other, keepdim=True) if ord > 0 else sums.amin(other, keepdim=True)
    return r if keepdim else r.squeeze((d0, d1))


DERIVATIVES["linalg_vector_norm"] = _vector_norm
DERIVATIVES["linalg_matrix_norm"] = composite(_matrix_norm_decomposed)


def _inv(grad, out, _A):
    oh = _h(out)
    return (-_mm(_mm(oh, grad), oh),)


def _inv_ex(grad, out, _A, *, check_errors=False):
    if grad[0] is None:
        return (None,)
    return _inv(grad[0], out[0], _A)


DERIVATIVES["linalg_inv"] = _inv
DERIVATIVES["linalg_inv_ex"] = _inv_ex


def _det(grad, out, A):
    # d det = det * tr(A^-1 dA): gA = grad * conj(det) * A^-H.
    g = (grad * conj(out)).unsqueeze(-1).unsqueeze(-1)
    return (g * _h(OPS["linalg_inv"](A)),)


def _slogdet(grad, out, A):
    # With log det = logabsdet + i theta: dL = Re(conj(c) d log det), where
    # c = g_logabsdet - i Im(conj(g_sign) sign); then gA = c A^-H.
    g_sign, g_abs = grad
    c = None
    if g_abs is not None:
        c = g_abs.to(A.dtype)
    if g_sign is not None and A.is_complex():
        part = OPS["imag"](conj(g_sign) * out[0]).to(A.dtype) * -1j
        c = part if c is None else c + part
    if c is None:
        return (None,)
    return (c.unsqueeze(-1).unsqueeze(-1) * _h(OPS["linalg_inv"](A)),)


DERIVATIVES["linalg_det"] = _det
DERIVATIVES["linalg_slogdet"] = _slogdet


def _is_vector(A, B):
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def _solve(grad, out, A, _B, *, left=True, needs_input_grad=(True, True)):
    vec = _is_vector(A, _B)
    g = grad.unsqueeze(-1) if vec else grad
    x = out.unsqueeze(-1) if vec else out
    ah = _h(A)
    gb = OPS["linalg_solve"](ah, g, left=left)
    ga = None
    if needs_input_grad[0]:
        ga = -_mm(gb, _h(x)) if left else -_mm(_h(x), gb)
    gb = gb.squeeze(-1) if vec else gb
    return ga, (gb if needs_input_grad[1] else None)


DERIVATIVES["linalg_solve"] = _solve


def _pinv_truncated(A, *, atol=None, rtol=None, hermitian=False):
    """pinv through the SVD with small singular values dropped, in ember ops."""
    u, s, vh = OPS["linalg_svd"](A, False)
    if rtol is None:
        rtol = (
            0.0
            if atol is not None and atol > 0
            else float(np.finfo(s.dtype.np).eps) * max(A.shape[-2:])
        )
    smax = s.amax(-1, keepdim=True).detach()
    keep = (s > smax * rtol) & (s > (atol or 0.0))
    s_inv = where(keep, s.reciprocal(), zeros_like(s))
    return _mm(_h(vh) * s_inv.unsqueeze(-2).to(A.dtype), _h(u))


def _pinv(grad, out, A, *, atol=None, rtol=None, hermitian=False):
    if atol is not None or rtol is not None:  # truncated: differentiate the SVD form
        rule = composite(_pinv_truncated)
        return rule(
            grad, out, A, atol=atol, rtol=rtol, hermitian=hermitian, needs_input_grad=(True,)
        )
    P, m, n = out, A.shape[-2], A.shape[-1]
    ph, gh = _h(P), _h(grad)
    if m <= n:
        K = _mm(gh, P)
        kph = _mm(K, ph)
        g = -_h(_mm(P, K)) + kph - _mm(_mm(A, P), kph) + _mm(_mm(ph, P), gh - _mm(K, A))
    else:
        K = _mm(P, gh)
        phk = _mm(ph, K)
        g = -_h(_mm(K, P)) + _mm(_mm(gh - _mm(A, K), P), ph) + phk - _mm(_mm(phk, P), A)
    return (g,)


DERIVATIVES["linalg_pinv"] = _pinv


def _lstsq_decomposed(A, B, rcond=None, *, driver=None):
    vec = B.ndim == A.ndim - 1
    b = B.unsqueeze(-1) if vec else B
    x = _mm(OPS["linalg_pinv"](A), b)
    return (x.squeeze(-1) if vec else x,)


def _lstsq(grad, out, A, B, rcond=None, *, driver=None, needs_input_grad=(True, True)):
    rule = composite(_lstsq_decomposed)
    return rule((grad[0],), out, A, B, rcond, driver=driver, needs_input_grad=needs_input_grad)


_lstsq.differentiable_outputs = (0,)  # residuals, rank, singular values: as in PyTorch
DERIVATIVES["linalg_lstsq"] = _lstsq
DERIVATIVES["linalg_matrix_rank"] = NOT_DIFFERENTIABLE


def _matrix_power_decomposed(A, n):
    base = A if n > 0 else OPS["linalg_inv"](A)
    k, result = abs(n), None
    while k:
        if k & 1:
            result = base if result is None else _mm(result, base)
        k >>= 1
        if k:
            base = _mm(base, base)
    return result


def _matrix_power(grad, out, A, n, needs_input_grad=(True, False)):
    if n == 0:
        return (zeros_like(A), None)
    return composite(_matrix_power_decomposed)(grad, out, A, n, needs_input_grad=needs_input_grad)


DERIVATIVES["linalg_matrix_power"] = _matrix_power
