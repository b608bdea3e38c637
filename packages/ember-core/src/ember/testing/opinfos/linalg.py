"""OpInfo rows for ``ember/_ops/linalg.py`` and ``ember/_ops/decompositions.py``.

Decompositions get well-conditioned inputs (``A @ A^H + n I`` for the Hermitian
positive-definite ones, diagonally dominant matrices for inverses and solvers)
and a ``check`` that their factors reconstruct the input.
"""

# ruff: noqa: N803, N806 - PyTorch's argument names (A, B, UPLO) and matrix notation

import numpy as np

import ember
from ember.testing.opinfo import OpInfo, SampleInput
from ember.testing.opinfos.products import FLOATING_AND_COMPLEX

INF = float("inf")


def like(t, arr):
    """A tensor with ``t``'s dtype, device and (non-)contiguity holding ``arr``."""
    arr = np.asarray(arr).astype(t.dtype.np)
    if not t.is_contiguous():
        wide = np.repeat(arr[..., None], 2, axis=-1)  # a strided view, as make_tensor does
        arr = wide[..., 0]
    out = ember.from_numpy(arr)
    return out if t.device.type == "cpu" else out.to(t.device)


def _conj_t(a):
    return np.conj(np.swapaxes(a, -1, -2))


def well_conditioned(make, *shape):
    """A (batch of) square matrices with entries in [-1, 1) plus ``n`` on the diagonal."""
    t = make(*shape, low=-1, high=1)
    return like(t, t.cpu().numpy() + shape[-1] * np.eye(shape[-1]))


def hermitian_pd(make, *shape):
    """A Hermitian positive-definite ``A @ A^H + n I`` (eigenvalues in about [n, 2n])."""
    t = make(*shape, low=-1, high=1)
    a = t.cpu().numpy()
    return like(t, a @ _conj_t(a) + shape[-1] * np.eye(shape[-1]))


def _close(a, b, tol=1e-4):
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    assert np.allclose(a, b, rtol=tol, atol=tol * scale), f"not reconstructed:\n{a}\nvs\n{b}"


def _np(t):
    return t.cpu().numpy()


# ---- norms --------------------------------------------------------------------------------


def _vector_norm_samples(make):
    yield SampleInput(make(3, 4))
    for ord in (1, INF, -INF, 0, 3.5, -2):
        yield SampleInput(make(3, 4), ord)
    yield SampleInput(make(3, 4), 2, 1, True)
    yield SampleInput(make(2, 3, 4), ord=1, dim=(0, 2))
    yield SampleInput(make(1).reshape(()))
    yield SampleInput(make(0, 3))


def _vector_norm_ref(x, ord=2, dim=None, keepdim=False):
    a = np.abs(x).astype(np.float64)
    axis = tuple(dim) if isinstance(dim, tuple) else dim
    if ord == INF:
        return a.max(axis=axis, keepdims=keepdim)
    if ord == -INF:
        return a.min(axis=axis, keepdims=keepdim)
    if ord == 0:
        return (a != 0).sum(axis=axis, keepdims=keepdim)
    return (a**ord).sum(axis=axis, keepdims=keepdim) ** (1 / ord)


def _matrix_norm_samples(make):
    for ord in ("fro", "nuc", 1, -1, 2, -2, INF, -INF):
        yield SampleInput(make(3, 4), ord)
    yield SampleInput(make(2, 3, 4), 2, dim=(0, 2), keepdim=True)
    yield SampleInput(make(2, 4, 3), "nuc", keepdim=True)
    yield SampleInput(make(4, 3), INF, (1, 0))


def _matrix_norm_ref(A, ord="fro", dim=(-2, -1), keepdim=False):
    return np.linalg.norm(A, ord, axis=dim, keepdims=keepdim)


# ---- inverses, determinants, solvers ------------------------------------------------------


def _square_samples(make):
    yield SampleInput(well_conditioned(make, 3, 3))
    yield SampleInput(well_conditioned(make, 2, 4, 4))
    yield SampleInput(well_conditioned(make, 1, 1))
    yield SampleInput(make(0, 0))


def _check_inverse(out, sample):
    a = _np(sample.args[0])
    if a.size:
        _close(a @ _np(out), np.broadcast_to(np.eye(a.shape[-1]), a.shape))


def _inv_ex_ref(A):
    return np.linalg.inv(A), np.zeros(A.shape[:-2], dtype=np.int32)


def _solve_samples(make):
    yield SampleInput(well_conditioned(make, 3, 3), make(3, 2))
    yield SampleInput(well_conditioned(make, 3, 3), make(3))  # a vector
    yield SampleInput(well_conditioned(make, 2, 3, 3), make(3, 2))  # broadcast batch
    yield SampleInput(well_conditioned(make, 2, 3, 3), make(2, 3))  # a batch of vectors
    yield SampleInput(well_conditioned(make, 3, 3), make(2, 3), left=False)


def _solve_ref(A, B, left=True):
    if not left:
        return np.swapaxes(np.linalg.solve(np.swapaxes(A, -1, -2), np.swapaxes(B, -1, -2)), -1, -2)
    if B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1]):
        return np.linalg.solve(A, B[..., None])[..., 0]
    return np.linalg.solve(A, B)


def _lstsq_samples(make):
    yield SampleInput(make(5, 3), make(5, 2))
    yield SampleInput(make(5, 3), make(5, 2), driver="gelsd")
    yield SampleInput(make(2, 5, 3), make(2, 5, 2), driver="gels")
    yield SampleInput(make(3, 5), make(3, 2), driver="gelss")  # under-determined
    yield SampleInput(make(4, 2), make(4), None, driver="gelsd")  # a vector


def _lstsq_ref(A, B, rcond=None, driver=None):
    vector = B.ndim == 1 or B.ndim == A.ndim - 1
    b = B[..., None] if vector else B
    x = np.linalg.pinv(A) @ b
    s = np.linalg.svd(A, compute_uv=False)
    m, n = A.shape[-2:]
    res = np.zeros((0,))
    if m > n and driver not in (None, "gelsy"):
        res = (np.abs(A @ x - b) ** 2).sum(-2)
    rank = np.zeros((0,)) if driver == "gels" else np.full(A.shape[:-2], min(m, n))
    sv = s if driver in ("gelsd", "gelss") else np.zeros((0,))
    return (x[..., 0] if vector else x), res, rank, sv


def _pinv_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(make(2, 4, 3))
    yield SampleInput(hermitian_pd(make, 3, 3), hermitian=True)
    yield SampleInput(make(4, 3), atol=1.0)
    yield SampleInput(make(4, 3), rtol=0.5)


def _cutoff(s, atol=None, rtol=None, n=1):
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(s.dtype).eps * n
    return np.maximum(atol or 0.0, rtol * s.max(-1, keepdims=True, initial=0.0))


def _pinv_ref(A, atol=None, rtol=None, hermitian=False):
    u, s, vh = np.linalg.svd(A, full_matrices=False)
    keep = s > _cutoff(s, atol, rtol, max(A.shape[-2:]))
    s_inv = np.where(keep, 1 / np.where(keep, s, 1), 0)
    return (_conj_t(vh) * s_inv[..., None, :]) @ _conj_t(u)


def _rank_samples(make):
    yield SampleInput(make(3, 4))
    low = make(2, 4, 2)
    yield SampleInput(like(low, _np(low) @ np.swapaxes(_np(low), -1, -2)))  # rank 2 of 4
    yield SampleInput(hermitian_pd(make, 3, 3), hermitian=True)
    yield SampleInput(make(4, 4), atol=5.0, rtol=0.0)


def _rank_ref(A, atol=None, rtol=None, hermitian=False):
    s = np.linalg.svd(A, compute_uv=False)
    return (s > _cutoff(s, atol, rtol, max(A.shape[-2:]))).sum(-1)


def _power_samples(make):
    for n in (0, 1, 2, 3, -1, -2):
        yield SampleInput(well_conditioned(make, 3, 3), n)
    yield SampleInput(well_conditioned(make, 2, 3, 3), 5)


def _expm_ref(A):
    """Scaled Taylor series in double precision: an independent reference."""
    a = A.astype(np.complex128 if A.dtype.kind == "c" else np.float64)
    norm = np.abs(a).sum(-2).max(initial=0.0)
    s = max(0, int(np.ceil(np.log2(max(norm, 1e-300) / 0.25))))
    a = a / 2**s
    term = out = np.broadcast_to(np.eye(a.shape[-1]), a.shape).astype(a.dtype)
    for k in range(1, 30):
        term = term @ a / k
        out = out + term
    for _ in range(s):
        out = out @ out
    return out


def _expm_samples(make):
    yield SampleInput(make(3, 3, low=-0.5, high=0.5))
    yield SampleInput(make(2, 3, 3, low=-2, high=2))  # needs scaling and squaring
    yield SampleInput(make(4, 4))
    yield SampleInput(make(0, 0))


# ---- decompositions -----------------------------------------------------------------------


def _hpd_samples(make):
    yield SampleInput(hermitian_pd(make, 3, 3))
    yield SampleInput(hermitian_pd(make, 2, 4, 4))
    yield SampleInput(hermitian_pd(make, 3, 3), upper=True)


def _cholesky_ref(A, upper=False):
    L = np.linalg.cholesky(A)
    return _conj_t(L) if upper else L


def _check_cholesky(out, sample):
    f = _np(out)
    a = f.conj().swapaxes(-1, -2) @ f if sample.kwargs.get("upper") else f @ _conj_t(f)
    _close(a, _np(sample.args[0]))


def _rect_samples(make):
    yield SampleInput(make(4, 3))
    yield SampleInput(make(3, 4))
    yield SampleInput(make(2, 4, 3))


def _qr_samples(make):
    yield from _rect_samples(make)
    yield SampleInput(make(4, 3), mode="complete")
    yield SampleInput(make(4, 3), "r")


def _qr_ref(A, mode="reduced"):
    if mode == "r":
        return np.zeros((0,)), np.linalg.qr(A, mode="r")
    return tuple(np.linalg.qr(A, mode=mode))


def _check_qr(out, sample):
    if sample.kwargs.get("mode", sample.args[1] if len(sample.args) > 1 else "") != "r":
        _close(_np(out.Q) @ _np(out.R), _np(sample.args[0]))


def _svd_samples(make):
    yield from _rect_samples(make)
    yield SampleInput(make(4, 3), full_matrices=False)
    yield SampleInput(make(2, 3, 5), False)


def _check_svd(out, sample):
    u, s, vh = (_np(t) for t in out)
    k = s.shape[-1]
    _close((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], _np(sample.args[0]))


def _lu_samples(make):
    yield from _rect_samples(make)
    yield SampleInput(make(3, 5))
    yield SampleInput(make(2, 4, 4), pivot=True)
    yield SampleInput(make(0, 0))


def _check_lu(out, sample):
    """``P @ L @ U`` rebuilt in NumPy from the packed factors equals the input."""
    lu, piv, info = (_np(t) for t in out)
    a = _np(sample.args[0])
    m, n = a.shape[-2:]
    k = min(m, n)
    assert piv.dtype == np.int32 and info.dtype == np.int32 and not info.any()
    L = np.tril(lu[..., :k], -1) + np.eye(m, k)
    pa = a.copy()  # replay the row swaps on A: then L @ U == P^T A
    for idx in np.ndindex(*a.shape[:-2]):
        for j, p in enumerate(piv[idx] - 1):
            pa[idx][[j, p]] = pa[idx][[p, j]]
    _close(L @ np.triu(lu[..., :k, :]), pa)


def _eigh_samples(make):
    yield SampleInput(hermitian_pd(make, 3, 3))
    yield SampleInput(hermitian_pd(make, 2, 4, 4))
    yield SampleInput(hermitian_pd(make, 3, 3), UPLO="U")


def _check_eig(out, sample):
    w, v = _np(out[0]), _np(out[1])
    _close(_np(sample.args[0]) @ v, v * w[..., None, :])


def _eig_samples(make):
    yield SampleInput(make(3, 3))
    yield SampleInput(make(2, 4, 4))


def _eig_ref(A):
    w, v = np.linalg.eig(A)
    return w.astype(np.complex128), v.astype(np.complex128)


LAPACK = FLOATING_AND_COMPLEX
OpInfo(
    "linalg_vector_norm",
    _vector_norm_ref,
    _vector_norm_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.vector_norm",
    rtol=1e-5,
)
OpInfo(
    "linalg_matrix_norm",
    _matrix_norm_ref,
    _matrix_norm_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.matrix_norm",
    rtol=1e-5,
)
OpInfo(
    "linalg_inv",
    np.linalg.inv,
    _square_samples,
    LAPACK,
    grad_order=2,
    torch="torch.linalg.inv",
    check=_check_inverse,
)
OpInfo(
    "linalg_inv_ex",
    _inv_ex_ref,
    _square_samples,
    LAPACK,
    grad_order=2,
    torch="torch.linalg.inv_ex",
)
OpInfo("linalg_det", np.linalg.det, _square_samples, LAPACK, grad_order=2, torch="torch.linalg.det")
OpInfo(
    "linalg_slogdet",
    lambda A: tuple(np.linalg.slogdet(A)),
    _square_samples,
    LAPACK,
    grad_order=2,
    torch="torch.linalg.slogdet",
)
OpInfo("linalg_solve", _solve_ref, _solve_samples, LAPACK, grad_order=2, torch="torch.linalg.solve")
OpInfo(
    "linalg_lstsq",
    _lstsq_ref,
    _lstsq_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.lstsq",
    rtol=1e-4,
    atol=1e-4,
)
OpInfo(
    "linalg_pinv",
    _pinv_ref,
    _pinv_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.pinv",
    rtol=1e-4,
    atol=1e-5,
)
OpInfo(
    "linalg_matrix_rank",
    _rank_ref,
    _rank_samples,
    LAPACK,
    grad_order=0,
    torch="torch.linalg.matrix_rank",
)
OpInfo(
    "linalg_matrix_power",
    np.linalg.matrix_power,
    _power_samples,
    LAPACK,
    grad_order=2,
    torch="torch.linalg.matrix_power",
    rtol=1e-5,
)
OpInfo(
    "linalg_matrix_exp",
    _expm_ref,
    _expm_samples,
    LAPACK,
    grad_order=2,
    torch="torch.linalg.matrix_exp",
    rtol=1e-4,
    atol=1e-4,
)
OpInfo(
    "linalg_cholesky",
    _cholesky_ref,
    _hpd_samples,
    LAPACK,
    grad_order=2,
    torch="torch.linalg.cholesky",
    check=_check_cholesky,
)
OpInfo(
    "linalg_qr",
    _qr_ref,
    _qr_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.qr",
    check=_check_qr,
)
OpInfo(
    "linalg_svd",
    lambda A, full_matrices=True: tuple(np.linalg.svd(A, full_matrices)),
    _svd_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.svd",
    check=_check_svd,
)
OpInfo(
    "linalg_svdvals",
    lambda A: np.linalg.svd(A, compute_uv=False),
    _rect_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.svdvals",
)
OpInfo(
    "linalg_eigh",
    lambda A, UPLO="L": tuple(np.linalg.eigh(A, UPLO)),
    _eigh_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.eigh",
    check=_check_eig,
)
OpInfo(
    "linalg_eigvalsh",
    lambda A, UPLO="L": np.linalg.eigvalsh(A, UPLO),
    _eigh_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.eigvalsh",
)
OpInfo(
    "linalg_eig",
    _eig_ref,
    _eig_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.eig",
    check=_check_eig,
)
OpInfo(
    "linalg_eigvals",
    lambda A: np.linalg.eigvals(A).astype(np.complex128),
    _eig_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.eigvals",
)
OpInfo(
    "linalg_lu_factor_ex",
    None,  # LAPACK's getrf has no NumPy form: checked by rebuilding A, and against torch
    _lu_samples,
    LAPACK,
    grad_order=1,
    torch="torch.linalg.lu_factor_ex",
    check=_check_lu,
)
