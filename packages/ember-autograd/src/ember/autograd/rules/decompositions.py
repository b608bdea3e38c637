"""Derivatives of ``ember/_ops/decompositions.py``: Cholesky, QR, SVD, eigen, matrix exp.

Formulas follow PyTorch's (Giles' matrix-derivative results); QR differentiates a
Gram-Schmidt form of the same factorization (signs matched to the computed one).
"""

# ruff: noqa: N803, N806 - PyTorch's argument names (A, B, UPLO) and matrix notation

from __future__ import annotations

import ember
from ember._ops import OPS
from ember.autograd.rules._util import composite, conj, real, where, zeros_like

DERIVATIVES: dict = {}


def _h(t):
    return conj(t.transpose(-1, -2))


def _mm(a, b):
    return OPS["matmul"](a, b)


def _eye_like(t, n):
    return ember.eye(n, dtype=ember.bool, device=t.device)


def _diag(t):
    return t.diagonal(0, -2, -1)


def _cholesky(grad, out, _A, *, upper=False):
    L, gL = (_h(out), _h(grad)) if upper else (out, grad)
    n = L.shape[-1]
    phi = _mm(_h(L), gL).tril()
    phi = phi - ember.diag_embed(_diag(phi) * 0.5)
    linv = OPS["linalg_inv"](L)
    ga = _mm(_mm(_h(linv), phi), linv)
    _ = n
    return ((ga + _h(ga)) * 0.5,)


DERIVATIVES["linalg_cholesky"] = _cholesky


def _diff_matrix(L):
    """``E[..., i, j] = L_j - L_i`` with ones on the diagonal (a safe divisor)."""
    e = L.unsqueeze(-2) - L.unsqueeze(-1)
    return where(_eye_like(L, L.shape[-1]), ember.ones_like(e), e)


def _eigh_backward(gL, gV, L, V):
    inner = None
    if gV is not None:
        vhgv = _mm(_h(V), gV)
        inner = ((vhgv - _h(vhgv)) * 0.5) / _diff_matrix(L).to(vhgv.dtype)
    if gL is not None:
        d = ember.diag_embed(gL.to(V.dtype))
        inner = d if inner is None else inner + d
    return _mm(_mm(V, inner), _h(V))


def _eigh(grad, out, _A, UPLO="L"):
    return (_eigh_backward(grad[0], grad[1], out[0], out[1]),)


def _eigvalsh(grad, _out, A, UPLO="L"):
    L, V = OPS["linalg_eigh"](A, UPLO)
    return (_eigh_backward(grad, None, L, V),)


DERIVATIVES["linalg_eigh"] = _eigh
DERIVATIVES["linalg_eigvalsh"] = _eigvalsh


def _eig_backward(gL, gV, L, V, real_input):
    inner = None
    if gV is not None:
        vhgv = _mm(_h(V), gV)
        norms = real(_diag(vhgv)).unsqueeze(-2).to(V.dtype)
        vhgv = vhgv - _mm(_h(V), V * norms)
        inner = vhgv / conj(_diff_matrix(L))
    if gL is not None:
        d = ember.diag_embed(gL.to(V.dtype))
        inner = d if inner is None else inner + d
    ga = OPS["linalg_solve"](_h(V), _mm(inner, _h(V)))
    return real(ga) if real_input else ga


def _eig(grad, out, A):
    return (_eig_backward(grad[0], grad[1], out[0], out[1], not A.is_complex()),)


def _eigvals(grad, _out, A):
    L, V = OPS["linalg_eig"](A)
    return (_eig_backward(grad, None, L, V, not A.is_complex()),)


DERIVATIVES["linalg_eig"] = _eig
DERIVATIVES["linalg_eigvals"] = _eigvals


def svd_backward(gU, gS, gVh, U, S, Vh):
    """The gradient of ``A = U diag(S) Vh`` (reduced), as PyTorch's ``svd_backward``."""
    m, n = U.shape[-2], Vh.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return None
        return _mm(U * gS.unsqueeze(-2).to(U.dtype), Vh)
    s = S.to(U.dtype)
    e = _diff_matrix(S * S).to(U.dtype)
    uhgu = _skew(_mm(_h(U), gU)) if gU is not None else None
    vhgv = _skew(_mm(Vh, _h(gVh))) if gVh is not None else None
    if uhgu is not None and vhgv is not None:
        ga = (uhgu * s.unsqueeze(-2) + s.unsqueeze(-1) * vhgv) / e
    elif uhgu is not None:
        ga = (uhgu / e) * s.unsqueeze(-2)
    else:
        ga = s.unsqueeze(-1) * (vhgv / e)
    if gS is not None:
        ga = ga + ember.diag_embed(gS.to(U.dtype))
    if U.is_complex() and uhgu is not None and vhgv is not None:
        ga = ga + ember.diag_embed(_diag(uhgu) / (2 * s))
    if m > n and gU is not None:
        gus = gU / s.unsqueeze(-2)
        ga = _mm(U, ga) + gus - _mm(U, _mm(_h(U), gus))
        return _mm(ga, Vh)
    if m < n and gVh is not None:
        gvs = gVh / s.unsqueeze(-1)
        ga = _mm(ga, Vh) + gvs - _mm(_mm(gvs, _h(Vh)), Vh)
        return _mm(U, ga)
    return _mm(U, _mm(ga, Vh))


def _skew(x):
    return x - _h(x)


def _svd(grad, out, _A, full_matrices=True, *, driver=None):
    U, S, Vh = out
    gU, gS, gVh = grad
    k = S.shape[-1]
    if full_matrices:
        U, Vh = U.narrow(-1, 0, k), Vh.narrow(-2, 0, k)
        gU = gU.narrow(-1, 0, k) if gU is not None else None
        gVh = gVh.narrow(-2, 0, k) if gVh is not None else None
    return (svd_backward(gU, gS, gVh, U, S, Vh),)


def _svdvals(grad, _out, A, *, driver=None):
    U, S, Vh = OPS["linalg_svd"](A, False)
    return (svd_backward(None, grad, None, U, S, Vh),)


DERIVATIVES["linalg_svd"] = _svd
DERIVATIVES["linalg_svdvals"] = _svdvals


def _gram_schmidt(A):
    """Reduced QR of ``A`` (m >= n) by modified Gram-Schmidt, in ember ops."""
    n = A.shape[-1]
    qs, rs = [], []
    for j in range(n):
        v = A.narrow(-1, j, 1)
        col = []
        for q in qs:
            r = (conj(q) * v).sum(-2, keepdim=True)
            v = v - q * r
            col.append(r)
        norm = (real(conj(v) * v).sum(-2, keepdim=True)).sqrt().to(A.dtype)
        q = v / norm
        qs.append(q)
        col.append(norm)
        rs.append(col)
    Q = ember.cat(qs, -1)
    rows = []
    zero = zeros_like(rs[0][0])
    for i in range(n):
        rows.append(ember.cat([rs[j][i] if i <= j else zero for j in range(n)], -1))
    return Q, ember.cat(rows, -2)


def _qr_decomposed(A, mode="reduced", *, signs=None):
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    Q, R1 = _gram_schmidt(A.narrow(-1, 0, k))
    # The computed factorization may differ by a unit phase per column: A = (Q p*)(p R).
    Q, R1 = Q * conj(signs).unsqueeze(-2), R1 * signs.unsqueeze(-1)
    R = R1 if n == k else ember.cat([R1, _mm(_h(Q), A.narrow(-1, k, n - k))], -1)
    return Q, R


def _qr(grad, out, A, mode="reduced"):
    if mode == "r":
        raise NotImplementedError(
            "linalg_qr: the derivative of mode='r' is not implemented (Q is not computed)"
        )
    if mode == "complete" and A.shape[-2] > A.shape[-1]:
        raise NotImplementedError(
            "linalg_qr: the derivative of mode='complete' with more rows than columns is not "
            "implemented"
        )
    R = out[1]
    k = min(A.shape[-2], A.shape[-1])
    d = _diag(R.narrow(-2, 0, k).narrow(-1, 0, k)).detach()
    size = d.abs().to(d.dtype)
    signs = where(size == 0, ember.ones_like(d), d / where(size == 0, ember.ones_like(d), size))
    rule = composite(lambda a, mode: _qr_decomposed(a, mode, signs=signs))
    return rule(grad, out, A, mode, needs_input_grad=(True, False))[:1]


DERIVATIVES["linalg_qr"] = _qr


def _lu_factor_ex(grad, out, A, *, pivot=True, check_errors=False):
    # PyTorch's lu_factor_ex_backward: with A = P L U, the packed gradient splits into
    # the strictly-lower part (L's) and the upper part (U's); square, wide and tall
    # inputs differ in which factor has the extra rows or columns.
    if grad[0] is None:
        return (None,)
    P, L, U = ember.lu_unpack(out[0], out[1])
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    gL = grad[0].narrow(-1, 0, k).tril(-1)
    gU = grad[0].narrow(-2, 0, k).triu()
    if m == n:
        ga = _mm(_h(L), gL).tril(-1) + _mm(gU, _h(U)).triu()
        ga = _solve(_h(L), _solve(_h(U), ga, left=False))
    elif m < n:
        ga = _solve(_h(U.narrow(-1, 0, k)), (_mm(_h(L), gL) - _mm(gU, _h(U))).tril(-1), left=False)
        ga = ember.cat([ga + gU.narrow(-1, 0, k), gU.narrow(-1, k, n - k)], -1)
        ga = _solve(_h(L), ga)
    else:
        ga = _solve(_h(L.narrow(-2, 0, k)), (_mm(gU, _h(U)) - _mm(_h(L), gL)).triu())
        ga = ember.cat([ga + gL.narrow(-2, 0, k), gL.narrow(-2, k, m - k)], -2)
        ga = _solve(_h(U), ga, left=False)
    return (_mm(P, ga),)


def _solve(T, B, left=True):
    """``T^-1 B`` (``B T^-1`` when not ``left``) for the triangular factors of LU."""
    return OPS["linalg_solve"](T, B, left=left)


_lu_factor_ex.differentiable_outputs = (0,)  # pivots and info are integers
DERIVATIVES["linalg_lu_factor_ex"] = _lu_factor_ex


def _matrix_exp(grad, _out, A):
    # The Frechet derivative's adjoint: the top-right block of exp([[A^H, G], [0, A^H]]).
    n = A.shape[-1]
    ah = _h(A)
    top = ember.cat([ah, grad], -1)
    bottom = ember.cat([zeros_like(ah), ah], -1)
    big = OPS["linalg_matrix_exp"](ember.cat([top, bottom], -2))
    return (big.narrow(-2, 0, n).narrow(-1, n, n),)


DERIVATIVES["linalg_matrix_exp"] = _matrix_exp
