"""Matrix decompositions of ``torch.linalg``: cholesky, qr, svd, eigh, eig, and matrix_exp.

Exported through ``ember._ops.linalg`` (``ember.linalg``). Also home to the
checks and the ``LinAlgError`` that every linalg op shares.
"""

# ruff: noqa: N803, N806 - PyTorch's argument names (A, B, UPLO) and matrix notation

from __future__ import annotations

import contextlib
from collections import namedtuple

import numpy as np

from ember import dtypes as _dt
from ember._ops import Op

__all__: list = []  # exported through ember._ops.linalg

_LAPACK_DTYPES = tuple(np.dtype(t) for t in ("float32", "float64", "complex64", "complex128"))


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (singular, not positive-definite...).

    A ``RuntimeError``, as ``torch.linalg.LinAlgError`` is.
    """


def named(typename, fields):
    """A named-tuple type for an op's several outputs, as ``torch.return_types``."""
    return namedtuple(typename, fields)


def as_np_dtype(dtype):
    return _dt.as_dtype(dtype).np


def check_float(name, A):
    """``A`` is a tensor of a dtype LAPACK handles: float32/64 or complex64/128."""
    if not hasattr(A, "ndim"):
        raise TypeError(f"{name}: expected a tensor, got {type(A).__name__}")
    if A.dtype not in _LAPACK_DTYPES:
        raise RuntimeError(
            f"{name}: expected a float32, float64, complex64 or complex128 tensor as input, "
            f"got {_dt.from_numpy(A.dtype).name}"
        )


def matrices(name, A):
    if A.ndim < 2:
        raise RuntimeError(
            f"{name}: the input tensor A must have at least 2 dimensions, got {A.ndim}-D"
        )


def check_square(name, A):
    """``A`` is a floating (batch of) square matrices."""
    check_float(name, A)
    matrices(name, A)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )


def lapack_errors(xp):
    """A context in which failed factorizations raise ``numpy.linalg.LinAlgError``.

    NumPy always checks; CuPy skips the check (a device sync) unless asked, and
    would return nan instead of raising as PyTorch does on CUDA.
    """
    if xp is np:
        return contextlib.nullcontext()
    import cupyx

    return cupyx.errstate(linalg="raise")


def conj_t(xp, x):
    """The conjugate transpose of the last two dims (a view for real dtypes)."""
    x = xp.swapaxes(x, -1, -2)
    return xp.conj(x) if x.dtype.kind == "c" else x


def svdvals_of(xp, A):
    return xp.linalg.svd(A, compute_uv=False)


# ---- error reports: which matrix failed, and where (host-side, on the error path only) ----


def _host(A):
    return A.get() if hasattr(A, "get") else np.asarray(A)


def _lu_zero_pivot(a):
    """1-based index of LU's first zero pivot (LAPACK getrf's ``info``), or 0."""
    a = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    for k in range(a.shape[0]):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        if a[p, k] == 0:
            return k + 1
        a[[k, p]] = a[[p, k]]
        a[k + 1 :, k + 1 :] -= np.outer(a[k + 1 :, k] / a[k, k], a[k, k + 1 :])
    return 0


def zero_pivots(xp, A):
    """``info`` per matrix of a batch: the first zero pivot (1-based), 0 if invertible."""
    host = _host(A)
    flat = host.reshape((-1,) + host.shape[-2:])
    info = np.zeros(flat.shape[0], dtype=np.int32)
    for i, a in enumerate(flat):
        try:
            np.linalg.inv(a)
        except np.linalg.LinAlgError:
            info[i] = _lu_zero_pivot(a) or a.shape[-1]
    return xp.asarray(info.reshape(host.shape[:-2]))


def host_zero_pivot(A):
    """(flat batch index, zero pivot or None) of the first singular matrix in ``A``."""
    flat = _host(A).reshape((-1,) + A.shape[-2:])
    for i, a in enumerate(flat):
        pivot = _lu_zero_pivot(a)
        if pivot:
            return i, pivot
    return 0, None


def _not_positive_definite(A):
    """LinAlgError naming the first failing matrix and its leading minor, as LAPACK potrf."""
    flat = _host(A).reshape((-1,) + A.shape[-2:])
    for i, a in enumerate(flat):
        try:
            np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            lo, hi = 1, a.shape[-1]  # the smallest failing leading minor, by bisection
            while lo < hi:
                mid = (lo + hi) // 2
                try:
                    np.linalg.cholesky(a[:mid, :mid])
                    lo = mid + 1
                except np.linalg.LinAlgError:
                    hi = mid
            where = f"(Batch element {i}): " if A.ndim > 2 else ""
            return LinAlgError(
                f"linalg_cholesky: {where}The factorization could not be completed because the "
                f"input is not positive-definite (the leading minor of order {lo} is not "
                "positive-definite)."
            )
    return LinAlgError("linalg_cholesky: the input is not positive-definite")


# ---- the decompositions -----------------------------------------------------------------


def _cholesky(xp, A, *, upper=False):
    """Cholesky factor ``L`` of a Hermitian positive-definite ``A = L @ L^H``.

    Only the lower triangle of ``A`` is read. With ``upper=True`` returns
    ``U = L^H`` (``A = U^H @ U``). Raises LinAlgError naming the leading minor that
    is not positive-definite.
    """
    check_square("linalg_cholesky", A)
    try:
        with lapack_errors(xp):
            L = xp.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        raise _not_positive_definite(A) from None
    return conj_t(xp, L) if upper else L


def _qr(xp, A, mode="reduced"):
    """QR decomposition ``A = Q @ R`` with orthonormal ``Q`` and upper-triangular ``R``.

    ``mode``: ``'reduced'`` (``Q`` is ``m x k``, ``k = min(m, n)``), ``'complete'``
    (``Q`` is ``m x m``) or ``'r'`` (only ``R``; ``Q`` is empty).

    Returns:
        a named tuple ``(Q, R)``.
    """
    check_float("linalg_qr", A)
    matrices("linalg_qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"linalg_qr: unrecognized mode {mode!r}; expected 'reduced', 'complete' or 'r'"
        )
    if mode == "r":
        return xp.empty((0,), dtype=A.dtype), xp.linalg.qr(A, mode="r")
    Q, R = xp.linalg.qr(A, mode=mode)
    return Q, R


def _svd(xp, A, full_matrices=True, *, driver=None):
    """Singular value decomposition ``A = U @ diag(S) @ Vh``.

    ``S`` is real and sorted in descending order. ``driver`` selects a cuSOLVER
    routine in PyTorch; it is accepted and ignored here.

    Returns:
        a named tuple ``(U, S, Vh)``.
    """
    check_float("linalg_svd", A)
    matrices("linalg_svd", A)
    U, S, Vh = xp.linalg.svd(A, full_matrices=bool(full_matrices))
    return U, S, Vh


def _svdvals(xp, A, *, driver=None):
    """The singular values of ``A``, real and in descending order."""
    check_float("linalg_svdvals", A)
    matrices("linalg_svdvals", A)
    return svdvals_of(xp, A)


def _uplo(name, UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{name}: expected UPLO argument to be 'L' or 'U', but got {UPLO!r}")


def _eigh(xp, A, UPLO="L"):
    """Eigenvalues (ascending, real) and orthonormal eigenvectors of a Hermitian ``A``.

    Only the triangle ``UPLO`` (``'L'`` or ``'U'``) of ``A`` is read.

    Returns:
        a named tuple ``(eigenvalues, eigenvectors)``.
    """
    check_square("linalg_eigh", A)
    _uplo("linalg_eigh", UPLO)
    w, v = xp.linalg.eigh(A, UPLO=UPLO)
    return w, v


def _eigvalsh(xp, A, UPLO="L"):
    """Eigenvalues (ascending, real) of a Hermitian ``A``, reading the triangle ``UPLO``."""
    check_square("linalg_eigvalsh", A)
    _uplo("linalg_eigvalsh", UPLO)
    return xp.linalg.eigvalsh(A, UPLO=UPLO)


def _general_eig(xp, A, vectors):
    # CuPy has no general eig before v14; PyTorch runs it on the CPU for CUDA tensors too.
    lib = xp.linalg if hasattr(xp.linalg, "eig") else np.linalg
    data = A if lib is xp.linalg else _host(A)
    out = lib.eig(data) if vectors else lib.eigvals(data)
    ctype = np.result_type(A.dtype, np.complex64)
    out = tuple(xp.asarray(o).astype(ctype, copy=False) for o in (out if vectors else (out,)))
    return out if vectors else out[0]


def _eig(xp, A):
    """Eigenvalues and eigenvectors of a square ``A``, always complex.

    Eigenvectors have unit norm; each is unique only up to a complex phase.

    Returns:
        a named tuple ``(eigenvalues, eigenvectors)``.
    """
    check_square("linalg_eig", A)
    return _general_eig(xp, A, True)


def _eigvals(xp, A):
    """Eigenvalues of a square ``A``, always complex."""
    check_square("linalg_eigvals", A)
    return _general_eig(xp, A, False)


def _lu_factor_ex(xp, A, *, pivot=True, check_errors=False):
    """LU factorization with partial pivoting ``A = P @ L @ U``, packed as LAPACK getrf.

    ``LU`` holds ``U`` on and above the diagonal and the unit-lower ``L`` below it;
    ``pivots`` (int32, 1-based, one per row of the ``min(m, n)`` first) says that
    row ``i`` was swapped with row ``pivots[i]``; ``info`` is 0, or the 1-based index
    of the first zero pivot (the factorization is still completed). Rectangular and
    batched inputs are accepted.

    Returns:
        a named tuple ``(LU, pivots, info)``.
    """
    check_float("linalg_lu_factor_ex", A)
    matrices("linalg_lu_factor_ex", A)
    if not pivot:
        raise RuntimeError("linalg_lu_factor_ex: LU without pivoting is not implemented on the CPU")
    batch, (m, n) = A.shape[:-2], A.shape[-2:]
    size = int(np.prod(batch))  # not reshape(-1, ...): that fails for empty inputs
    a = A.reshape((size, m, n)).copy()
    rows = xp.arange(size)
    k = min(m, n)
    piv = xp.zeros((size, k), dtype=np.int32)
    info = xp.zeros(size, dtype=np.int32)
    for j in range(k):
        col = a[:, j:, j]
        # LAPACK's idamax/izamax: the first largest |re| + |im|, not the modulus.
        mag = xp.abs(col.real) + xp.abs(col.imag) if col.dtype.kind == "c" else xp.abs(col)
        p = xp.argmax(mag, axis=-1) + j
        piv[:, j] = p + 1
        row_j = a[:, j].copy()
        a[:, j] = a[rows, p]
        a[rows, p] = row_j
        head = a[:, j, j]
        zero = head == 0
        info = xp.where((info == 0) & zero, j + 1, info).astype(np.int32)
        # A zero pivot has a zero column below it: nothing to eliminate, as in getrf.
        a[:, j + 1 :, j] /= xp.where(zero, 1, head)[:, None]
        a[:, j + 1 :, j + 1 :] -= a[:, j + 1 :, j, None] * a[:, j, None, j + 1 :]
    info = info.reshape(batch)
    if check_errors and bool((info > 0).any()):
        raise _lu_singular(info)
    return a.reshape(A.shape), piv.reshape(batch + (k,)), info


def _lu_singular(info):
    flat = _host(info).reshape(-1)
    i = int(np.argmax(flat > 0))
    where = f"(Batch element {i}): " if info.ndim else ""
    j = int(flat[i])
    return LinAlgError(
        f"linalg_lu_factor_ex: {where}U[{j},{j}] is zero and using it on lu_solve would "
        "result in a division by zero."
    )


# Padé(13) coefficients and the scaling threshold of Higham (2005), "The scaling and
# squaring method for the matrix exponential revisited", as scipy and PyTorch use them.
_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152


def _matrix_exp(xp, A):
    """Matrix exponential ``sum_k A^k / k!`` by scaling and squaring with a Padé(13) step."""
    check_square("linalg_matrix_exp", A)
    if A.size == 0:
        return A.copy()
    norm1 = xp.max(xp.sum(xp.abs(A), axis=-2), axis=-1)  # the 1-norm of each matrix
    norm1 = xp.where(xp.isfinite(norm1), norm1, _THETA13)
    s = xp.ceil(xp.log2(xp.maximum(norm1, _THETA13) / _THETA13)).astype(np.int64)
    X = A / (2.0 ** s[..., None, None]).astype(A.dtype)
    R = _pade13(xp, X)
    for i in range(int(s.max())):  # squarings: a handful, not one per element
        R = xp.where((s > i)[..., None, None], xp.matmul(R, R), R)
    return R


def _pade13(xp, A):
    b = _PADE13
    eye = xp.eye(A.shape[-1], dtype=A.dtype)
    A2 = xp.matmul(A, A)
    A4 = xp.matmul(A2, A2)
    A6 = xp.matmul(A4, A2)
    U = xp.matmul(A6, b[13] * A6 + b[11] * A4 + b[9] * A2)
    U = xp.matmul(A, U + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye)
    V = xp.matmul(A6, b[12] * A6 + b[10] * A4 + b[8] * A2)
    V = V + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye
    return xp.linalg.solve(V - U, V + U)


cholesky = Op("linalg_cholesky", _cholesky, method=False)
qr = Op("linalg_qr", _qr, method=False, returns=named("linalg_qr", "Q R"))
svd = Op("linalg_svd", _svd, method=False, returns=named("linalg_svd", "U S Vh"))
svdvals = Op("linalg_svdvals", _svdvals, method=False)
_EIG = named("linalg_eig", "eigenvalues eigenvectors")
eigh = Op("linalg_eigh", _eigh, method=False, returns=named("linalg_eigh", _EIG._fields))
eigvalsh = Op("linalg_eigvalsh", _eigvalsh, method=False)
eig = Op("linalg_eig", _eig, method=False, returns=_EIG)
eigvals = Op("linalg_eigvals", _eigvals, method=False)
matrix_exp = Op("linalg_matrix_exp", _matrix_exp, method=False)
lu_factor_ex = Op(
    "linalg_lu_factor_ex",
    _lu_factor_ex,
    method=False,
    returns=named("linalg_lu_factor_ex", "LU pivots info"),
)
