"""``torch.linalg``: norms, inverses, determinants and solvers, batched over leading dims.

Decompositions (cholesky, qr, svd, eigh, eig...) live in ``decompositions.py``
and products (matmul, einsum...) in ``products.py``; this module gathers the
public names: ``__all__`` is what ``ember.linalg`` exports and ``TOP_LEVEL`` what
``ember`` exports. As in PyTorch, these functions take float32, float64,
complex64 and complex128 tensors and raise for integer ones.
"""

# ruff: noqa: N803, N806 - PyTorch's argument names (A, B, UPLO) and matrix notation

from __future__ import annotations

import numpy as np

from ember import dtypes as _dt
from ember._ops import OPS, Op, wrap_dim, wrap_dims
from ember._ops import creation as _creation
from ember._ops import decompositions as _dec
from ember._ops import products as _prod
from ember._ops import shape as _shape
from ember._ops.decompositions import (
    LinAlgError,
    check_float,
    check_square,
    host_zero_pivot,
    lapack_errors,
    matrices,
    svdvals_of,
)
from ember.tensor import Tensor

__all__ = [
    "LinAlgError",
    "norm",
    "vector_norm",
    "matrix_norm",
    "inv",
    "inv_ex",
    "det",
    "slogdet",
    "solve",
    "cholesky",
    "qr",
    "svd",
    "svdvals",
    "eigh",
    "eigvalsh",
    "eig",
    "eigvals",
    "lu_factor",
    "lu_factor_ex",
    "lstsq",
    "pinv",
    "matrix_rank",
    "matrix_power",
    "matrix_exp",
    "diagonal",
    "vecdot",
    "multi_dot",
    "cross",
    "matmul",
]


def _vector_norm(xp, x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """Vector ``ord``-norm of ``x`` over ``dim`` (all dims when None).

    ``ord`` is any real number, ``inf`` (max of ``|x|``) or ``-inf`` (min); ``0``
    counts the non-zero entries. Complex inputs give real results.
    """
    if not hasattr(x, "dtype") or _dt.from_numpy(x.dtype).category < _dt.FLOATING:
        name = _dt.from_numpy(x.dtype).name if hasattr(x, "dtype") else type(x).__name__
        raise RuntimeError(
            f"linalg_vector_norm: expected a floating point or complex tensor as input, got {name}"
        )
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm: ord must be a number, got {ord!r}")
    if dtype is not None:
        x = x.astype(_dec.as_np_dtype(dtype))
    if x.dtype.itemsize == 2:  # float16, bfloat16: accumulate in float32, as PyTorch does
        return _vector_norm(xp, x.astype(np.float32), ord, dim, keepdim).astype(x.dtype)
    axes = wrap_dims(dim, x.ndim, "linalg_vector_norm")
    reduced = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
    if reduced == 0 and (ord < 0 or ord == float("inf")):
        raise RuntimeError(
            f"linalg_vector_norm: cannot compute the {ord} norm on an empty tensor "
            "because the operation does not have an identity"
        )
    return _pnorm(xp, x, ord, axes, keepdim)


def _pnorm(xp, x, ord, axes, keepdim):
    if ord == 2:  # the common case: no abs and no pow for real inputs
        sq = x.real * x.real + x.imag * x.imag if x.dtype.kind == "c" else x * x
        return xp.sqrt(xp.sum(sq, axis=axes, keepdims=keepdim))
    a = xp.abs(x)
    if ord == float("inf"):
        return xp.max(a, axis=axes, keepdims=keepdim)
    if ord == float("-inf"):
        return xp.min(a, axis=axes, keepdims=keepdim)
    if ord == 0:
        return xp.sum(a != 0, axis=axes, keepdims=keepdim).astype(a.dtype)
    if ord == 1:
        return xp.sum(a, axis=axes, keepdims=keepdim)
    return xp.sum(a**ord, axis=axes, keepdims=keepdim) ** (1.0 / ord)


_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf"))


def _matrix_norm(xp, A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matrix norm of ``A`` over the two dims ``dim``.

    ``ord``: ``'fro'`` (Frobenius), ``'nuc'`` (sum of singular values), ``2``/``-2``
    (largest/smallest singular value), ``1``/``-1`` (max/min column abs-sum),
    ``inf``/``-inf`` (max/min row abs-sum).
    """
    check_float("linalg_matrix_norm", A)
    matrices("linalg_matrix_norm", A)
    if ord not in _MATRIX_ORDS or isinstance(ord, bool):
        raise RuntimeError(f"linalg_matrix_norm: order {ord!r} not supported")
    if len(dim) != 2:
        raise RuntimeError(f"linalg_matrix_norm: dim must be a 2-tuple, got {dim}")
    d0, d1 = (wrap_dim(d, A.ndim, "linalg_matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg_matrix_norm: dims must be different, got {tuple(dim)}")
    if dtype is not None:
        A = A.astype(_dec.as_np_dtype(dtype))
    if ord == "fro":
        return _pnorm(xp, A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals_of(xp, xp.moveaxis(A, (d0, d1), (-2, -1)))
        out = xp.sum(s, axis=-1) if ord == "nuc" else (xp.max if ord == 2 else xp.min)(s, axis=-1)
        return xp.expand_dims(out, (min(d0, d1), max(d0, d1))) if keepdim else out
    if abs(ord) != 1:  # inf norms sum the rows; 1-norms the columns
        d0, d1 = d1, d0
    reduce = xp.max if ord > 0 else xp.min
    out = reduce(xp.sum(xp.abs(A), axis=d0, keepdims=True), axis=d1, keepdims=True)
    return out if keepdim else xp.squeeze(out, axis=(d0, d1))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """Vector or matrix norm of ``A``, as ``torch.linalg.norm`` chooses.

    With ``dim`` an int (or None and ``ord`` None) it is :func:`vector_norm` (2-norm
    by default, over the flattened input); with ``dim`` a 2-tuple, or ``ord`` a
    string, or ``ord`` given for a 2-D input, it is :func:`matrix_norm`.
    """
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_norm: expected a tensor, got {type(A).__name__}")
    if isinstance(dim, int):
        dim = (dim,)
    if (dim is not None and len(dim) == 2) or isinstance(ord, str):
        ord = "fro" if ord is None else ord
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if ord is not None and dim is None:
        if A.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        if A.ndim != 1:
            raise RuntimeError(
                f"linalg_norm: if dim is not given but ord is, the input must be 1-D or 2-D, "
                f"got {A.ndim}-D"
            )
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def _singular(name, A, what):
    """The error for a singular matrix, naming the first zero pivot as LAPACK does."""
    batch, pivot = host_zero_pivot(A)
    where = f"(Batch element {batch}): " if A.ndim > 2 else ""
    if pivot is None:
        return LinAlgError(f"{name}: {where}the input matrix is singular, {what}")
    return LinAlgError(
        f"{name}: {where}The diagonal element {pivot} is zero, {what} because the input "
        "matrix is singular."
    )


def _inv(xp, A):
    """Inverse of a square matrix (or of each matrix in a batch).

    Raises :class:`ember.linalg.LinAlgError` (a RuntimeError) if a matrix is singular.
    """
    check_square("linalg_inv", A)
    try:
        with lapack_errors(xp):
            return xp.linalg.inv(A)
    except np.linalg.LinAlgError:
        raise _singular("linalg_inv", A, "the inversion could not be completed") from None


def _inv_ex(xp, A, *, check_errors=False):
    """Inverse and ``info`` (int32: 0, or the 1-based index of a zero pivot) without raising.

    Singular matrices give an inverse of nan; ``check_errors=True`` raises instead.
    """
    check_square("linalg_inv_ex", A)
    try:
        with lapack_errors(xp):
            return xp.linalg.inv(A), xp.zeros(A.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        if check_errors:
            raise _singular("linalg_inv_ex", A, "the inversion could not be completed") from None
    info = _dec.zero_pivots(xp, A)
    out = xp.full(A.shape, np.nan, dtype=A.dtype)
    ok = info == 0
    if ok.any():
        out[ok] = xp.linalg.inv(A[ok])
    return out, info


def _det(xp, A):
    """Determinant of a square matrix (or of each matrix in a batch)."""
    check_square("linalg_det", A)
    return xp.linalg.det(A)


def _slogdet(xp, A):
    """Sign (``det / |det|``, 0 for singular) and ``log|det|`` of square matrices.

    Returns:
        a named tuple ``(sign, logabsdet)``; ``sign`` has the input's dtype and
        ``logabsdet`` its real dtype.
    """
    check_square("linalg_slogdet", A)
    sign, logabsdet = xp.linalg.slogdet(A)
    return sign, logabsdet


def _solve(xp, A, B, *, left=True):
    """Solution ``X`` of ``A @ X = B`` (or ``X @ A = B`` with ``left=False``).

    ``B`` is a vector (or a batch of vectors) when it is 1-D or has shape
    ``A.shape[:-1]``; batch dims broadcast. Raises LinAlgError if ``A`` is singular.
    """
    check_square("linalg_solve", A)
    _prod.check_tensors("linalg_solve", A, B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if vector and not left:
        raise RuntimeError(
            "linalg_solve: vector broadcasting of the left hand side is not supported for "
            "left=False; in this case solve is B / A.squeeze(-1)"
        )
    Bm = B[..., None] if vector else B
    if not left:  # X A = B  <=>  A^T X^T = B^T
        A, Bm = xp.swapaxes(A, -1, -2), xp.swapaxes(Bm, -1, -2)
    if Bm.ndim < 2 or Bm.shape[-2] != A.shape[-1]:
        raise RuntimeError(
            f"linalg_solve: incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'}: {tuple(A.shape)} and {tuple(B.shape)}"
        )
    batch = _prod.broadcast_batch("linalg_solve", A.shape[:-2], Bm.shape[:-2])
    A = xp.broadcast_to(A, batch + A.shape[-2:])
    Bm = xp.broadcast_to(Bm, batch + Bm.shape[-2:])
    try:
        with lapack_errors(xp):
            X = xp.linalg.solve(A, Bm)
    except np.linalg.LinAlgError:
        raise LinAlgError(
            "linalg_solve: The solver failed because the input matrix is singular."
        ) from None
    if not left:
        X = xp.swapaxes(X, -1, -2)
    return X[..., 0] if vector else X


_DRIVERS = (None, "gels", "gelsy", "gelsd", "gelss")


def _lstsq(xp, A, B, rcond=None, *, driver=None):
    """Least-squares solution of ``A @ X = B`` (minimum norm when ``A`` is rank deficient).

    Returns the named tuple ``(solution, residuals, rank, singular_values)``, filled
    per ``driver`` as PyTorch's CPU drivers fill it: ``residuals`` (squared, per
    column) when ``m > n`` and ``A`` has full rank, except for ``gelsy`` (the
    default); ``rank`` except for ``gels``; ``singular_values`` for ``gelsd`` and
    ``gelss``. Computed through the SVD for every driver.
    """
    matrices("linalg_lstsq", A)
    _prod.check_tensors("linalg_lstsq", A, B)
    check_float("linalg_lstsq", A)
    if driver not in _DRIVERS:
        raise RuntimeError(
            f"linalg_lstsq: driver should be one of (gels, gelsy, gelsd, gelss), got {driver!r}"
        )
    driver = driver or "gelsy"  # PyTorch's default on the CPU
    vector = B.ndim == 1 or B.ndim == A.ndim - 1
    Bm = B[..., None] if vector else B
    m, n = A.shape[-2:]
    if Bm.shape[-2] != m:
        raise RuntimeError(
            f"linalg_lstsq: A and B must have the same number of rows, got shapes "
            f"{tuple(A.shape)} and {tuple(B.shape)}"
        )
    batch = _prod.broadcast_batch("linalg_lstsq", A.shape[:-2], Bm.shape[:-2])
    A = xp.broadcast_to(A, batch + A.shape[-2:])
    u, s, vh = xp.linalg.svd(A, full_matrices=False)
    if rcond is None:
        rcond = np.finfo(s.dtype).eps * max(m, n)
    keep = s > rcond * s[..., :1]
    s_inv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(s.dtype)
    uhb = xp.matmul(_dec.conj_t(xp, u), Bm)
    X = xp.matmul(_dec.conj_t(xp, vh), s_inv[..., None] * uhb)
    rank = xp.sum(keep, axis=-1).astype(np.int64)
    empty = xp.empty((0,), dtype=s.dtype)
    res = empty
    if m > n and driver != "gelsy" and (driver == "gels" or bool((rank == n).all())):
        r = xp.matmul(A, X) - Bm
        # Per column of B; a vector B keeps its one column, as in PyTorch.
        res = xp.sum((r * r.conj()).real if r.dtype.kind == "c" else r * r, axis=-2)
    sv = s if driver in ("gelsd", "gelss") else empty
    rank = xp.empty((0,), dtype=np.int64) if driver == "gels" else rank
    return (X[..., 0] if vector else X), res, rank, sv


def _cutoff(xp, s, n_max, atol, rtol):
    """PyTorch's rank tolerance ``max(atol, rtol * s_max)`` for singular values ``s``."""
    if rtol is None:
        rtol = 0.0 if _positive(atol) else np.finfo(s.dtype).eps * n_max
    s_max = xp.max(s, axis=-1, keepdims=True) if s.shape[-1] else xp.zeros_like(s[..., :1])
    tol = rtol[..., None] * s_max if hasattr(rtol, "ndim") else rtol * s_max
    if atol is not None:
        tol = xp.maximum(atol[..., None] if hasattr(atol, "ndim") else atol, tol)
    return tol


def _positive(atol):
    if atol is None:
        return False
    return bool((atol > 0).all()) if hasattr(atol, "ndim") else atol > 0


def _pinv(xp, A, *, atol=None, rtol=None, hermitian=False):
    """Moore-Penrose pseudo-inverse, through the SVD (``eigh`` when ``hermitian``).

    Singular values ``<= max(atol, rtol * s_max)`` are treated as zero; ``rtol``
    defaults to ``eps * max(m, n)`` when ``atol`` is not positive, else to 0.
    """
    matrices("linalg_pinv", A)
    check_float("linalg_pinv", A)
    m, n = A.shape[-2:]
    if hermitian:
        w, v = xp.linalg.eigh(A)
        s, left, right = xp.abs(w), v * xp.sign(w)[..., None, :], _dec.conj_t(xp, v)
    else:
        left, s, right = xp.linalg.svd(A, full_matrices=False)
    keep = s > _cutoff(xp, s, max(m, n), atol, rtol)
    s_inv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(s.dtype)
    return xp.matmul(_dec.conj_t(xp, right) * s_inv[..., None, :], _dec.conj_t(xp, left))


def _matrix_rank(xp, A, *, atol=None, rtol=None, hermitian=False):
    """Numerical rank: the number of singular values ``> max(atol, rtol * s_max)`` (int64)."""
    matrices("linalg_matrix_rank", A)
    check_float("linalg_matrix_rank", A)
    s = xp.abs(xp.linalg.eigvalsh(A)) if hermitian else svdvals_of(xp, A)
    tol = _cutoff(xp, s, max(A.shape[-2:]), atol, rtol)
    return xp.sum(s > tol, axis=-1).astype(np.int64)


def _matrix_power(xp, A, n):
    """``A`` to the integer power ``n``; negative powers invert ``A`` first.

    Integer matrices are allowed for ``n >= 0``; ``n = 0`` gives identity matrices.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power: n must be an int, got {type(n).__name__}")
    _prod.check_tensors("linalg_matrix_power", A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg_matrix_power: A must be batches of square matrices, got shape {tuple(A.shape)}"
        )
    if n < 0:
        check_float("linalg_matrix_power", A)
    try:
        with lapack_errors(xp):
            return xp.linalg.matrix_power(A, int(n))
    except np.linalg.LinAlgError:
        raise _singular("linalg_matrix_power", A, "the inversion could not be completed") from None


vector_norm = Op("linalg_vector_norm", _vector_norm, method=False)
matrix_norm = Op("linalg_matrix_norm", _matrix_norm, method=False)
inv = Op("linalg_inv", _inv, method=False)
inv_ex = Op(
    "linalg_inv_ex", _inv_ex, method=False, returns=_dec.named("linalg_inv_ex", "inverse info")
)
det = Op("linalg_det", _det, method=False)
slogdet = Op(
    "linalg_slogdet", _slogdet, method=False, returns=_dec.named("linalg_slogdet", "sign logabsdet")
)
solve = Op("linalg_solve", _solve, method=False)
lstsq = Op(
    "linalg_lstsq",
    _lstsq,
    method=False,
    returns=_dec.named("linalg_lstsq", "solution residuals rank singular_values"),
)
pinv = Op("linalg_pinv", _pinv, method=False)
matrix_rank = Op("linalg_matrix_rank", _matrix_rank, method=False)
matrix_power = Op("linalg_matrix_power", _matrix_power, method=False)

cholesky, qr, svd, svdvals = _dec.cholesky, _dec.qr, _dec.svd, _dec.svdvals
eigh, eigvalsh, eig, eigvals = _dec.eigh, _dec.eigvalsh, _dec.eig, _dec.eigvals
matrix_exp = _dec.matrix_exp
lu_factor_ex = _dec.lu_factor_ex
_LU_FACTOR = _dec.named("linalg_lu_factor", "LU pivots")


def lu_factor(A, *, pivot=True):
    """The packed LU factorization ``(LU, pivots)`` of ``A = P @ L @ U`` (batched,
    rectangular allowed), as LAPACK's getrf packs it; a zero pivot raises, since
    solving with it would divide by zero (``lu_factor_ex`` reports it instead).

    >>> LU, pivots = ember.linalg.lu_factor(A)
    >>> P, L, U = ember.lu_unpack(LU, pivots)
    """
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot, check_errors=True)
    return _LU_FACTOR(LU, pivots)


multi_dot, vecdot, matmul = _prod.linalg_multi_dot, _prod.linalg_vecdot, _prod.matmul


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """A view of the diagonals of ``A`` over ``dim1``, ``dim2`` (by default the last two).

    :func:`ember.diagonal` with matrix-friendly defaults; ``offset > 0`` takes a
    diagonal above the main one, ``< 0`` below.
    """
    return _shape.diagonal(A, offset, dim1, dim2)


def cross(input, other, *, dim=-1):
    """Cross product of 3-vectors along ``dim`` (default the last), broadcasting batch dims."""
    return _prod.cross(input, other, dim)


def chain_matmul(*matrices):
    """Product of two or more 2-D matrices in the cheapest order (PyTorch's deprecated name).

    Prefer :func:`ember.linalg.multi_dot`, which takes a list.
    """
    for i, m in enumerate(matrices):
        if getattr(m, "ndim", None) != 2:
            raise RuntimeError(f"chain_matmul: expected 2-D matrices, but argument {i} is {m!r}")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(list(matrices))


def logdet(input):
    """``log(det(A))`` of square matrices (batched): nan where the determinant is
    negative, ``-inf`` where it is 0. From :func:`slogdet`, as PyTorch computes it.

    >>> ember.logdet(ember.eye(3) * 2)
    tensor(2.0794)
    """
    _square_float("logdet", input)
    sign, logabsdet = slogdet(input)
    if input.dtype.is_complex:
        return OPS["log"](sign) + logabsdet
    return OPS["where"](sign == -1, float("nan"), logabsdet)


def pinverse(input, rcond=1e-15):
    """The pseudo-inverse of ``input`` (batched), PyTorch's older name for :func:`pinv`:
    singular values below ``rcond`` times the largest are treated as zero."""
    return pinv(input, rtol=rcond)


def cholesky_factor(input, upper=False):
    """``torch.cholesky``: the Cholesky factor of positive-definite matrices, lower
    triangular (``L @ L.mH == A``) or, with ``upper``, upper (``U.mH @ U == A``).

    Prefer :func:`ember.linalg.cholesky`, which this calls.
    """
    return cholesky(input, upper=upper)


# ---- PyTorch's legacy solvers and factorizations, as composites of the ops above -------------
# Each is built from differentiable ops (solve, the decompositions, tril/triu, matmul),
# so gradients flow without a rule of its own.

_TRIANGULAR_SOLVE = _dec.named("triangular_solve", "solution cloned_coefficient")
_LU_WITH_INFO = _dec.named("_lu_with_info", "LU pivots info")
_LU_UNPACK = _dec.named("lu_unpack", "P L U")
_QR = _dec.named("qr", "Q R")
_SVD = _dec.named("svd", "U S V")


def _triangle(A, upper, unitriangular=False):
    """The triangle of ``A`` that a triangular solver reads; the rest is taken as zero
    (and the diagonal as ones when ``unitriangular``), so it gets no gradient."""
    if not unitriangular:
        return A.triu() if upper else A.tril()
    strict = A.triu(1) if upper else A.tril(-1)
    return strict + _creation.eye(A.shape[-1], dtype=A.dtype, device=A.device)


def _tri_solve(name, T, B, left=True):
    """``solve(T, B)`` for a triangular ``T`` and ``B`` of ``T``'s rank (never a vector),
    with a zero on ``T``'s diagonal reported under ``name``."""
    try:
        return solve(T, B, left=left)
    except LinAlgError:
        raise LinAlgError(
            f"{name}: the triangular matrix is singular (a zero on its diagonal)"
        ) from None


def _solve_operands(name, B, A, b_name="b"):
    """``(B, A)`` checked as PyTorch's legacy solvers check them and broadcast to one batch.

    ``A`` is a (batch of) square float matrices and ``B`` a matrix of as many rows;
    broadcasting here also keeps :func:`solve` from reading ``B`` as a batch of vectors.
    """
    _square_float(name, A)
    if not isinstance(B, Tensor):
        raise TypeError(f"{name}: expected {b_name} to be a tensor, got {type(B).__name__}")
    if B.ndim < 2:
        raise RuntimeError(
            f"{name}: expected {b_name} to have at least 2 dimensions, but it has {B.ndim}"
        )
    if B.dtype != A.dtype:
        raise RuntimeError(
            f"{name}: expected {b_name} and A to have the same dtype, but found {b_name} of "
            f"type {B.dtype.name} and A of type {A.dtype.name}"
        )
    n = A.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(
            f"{name}: incompatible matrix sizes: each A matrix is {n} by {n} but each "
            f"{b_name} matrix is {B.shape[-2]} by {B.shape[-1]}"
        )
    batch = _prod.broadcast_batch(name, tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    return B.expand(*batch, *B.shape[-2:]), A.expand(*batch, n, n)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """Solution ``X`` of ``A @ X = b`` for a triangular ``A`` (``A.mT @ X = b`` with
    ``transpose``), reading only the ``upper`` (or lower) triangle of ``A``, and its
    diagonal as ones when ``unitriangular``. Batch dims broadcast.

    Returns:
        a named tuple ``(solution, cloned_coefficient)``, the second a copy of ``A``
        broadcast to the batch.

    >>> ember.triangular_solve(ember.ones(2, 1), ember.tensor([[2.0, 1.0], [0.0, 1.0]]))
    torch.return_types.triangular_solve(solution=tensor([[0.], [1.]]), ...)
    """
    b, A = _solve_operands("triangular_solve", b, A)
    T = _triangle(A, upper, unitriangular)
    X = _tri_solve("triangular_solve", T.mT if transpose else T, b)
    return _TRIANGULAR_SOLVE(X, A.clone())


def cholesky_solve(B, L, upper=False):
    """Solution ``X`` of ``A @ X = B`` given the Cholesky factor of ``A``: ``A = L @ L.mH``
    with ``L`` lower triangular, or ``A = U.mH @ U`` with ``upper``. Only that triangle
    of ``L`` is read; batch dims broadcast.

    >>> L = ember.linalg.cholesky(A)
    >>> ember.cholesky_solve(B, L)  # == ember.linalg.solve(A, B)
    """
    B, L = _solve_operands("cholesky_solve", B, L, b_name="B")
    T = _triangle(L, upper)
    first, second = (T.mH, T) if upper else (T, T.mH)
    return _tri_solve("cholesky_solve", second, _tri_solve("cholesky_solve", first, B))


def cholesky_inverse(L, upper=False):
    """Inverse of ``A`` given its Cholesky factor: ``A = L @ L.mH`` (lower ``L``) or
    ``A = U.mH @ U`` with ``upper``. Only that triangle of ``L`` is read; batched.

    >>> ember.cholesky_inverse(ember.linalg.cholesky(A))  # == ember.linalg.inv(A)
    """
    _square_float("cholesky_inverse", L)
    T = _triangle(L, upper)
    eye = _creation.eye(T.shape[-1], dtype=T.dtype, device=T.device).expand(*T.shape)
    T_inv = _tri_solve("cholesky_inverse", T, eye)
    # A^-1 = L^-H L^-1 (lower) or U^-1 U^-H (upper): Hermitian by construction.
    return T_inv @ T_inv.mH if upper else T_inv.mH @ T_inv


def _check_pivots(name, pivots, m):
    if not isinstance(pivots, Tensor) or pivots.dtype != _dt.int32:
        got = pivots.dtype.name if isinstance(pivots, Tensor) else type(pivots).__name__
        raise RuntimeError(
            f"{name}: pivots must be an int32 tensor, as lu_factor gives them, got {got}"
        )
    if pivots.ndim < 1 or bool(((pivots < 1) | (pivots > m)).any()):
        raise RuntimeError(
            f"{name}: pivots must be a tensor of at least 1 dimension with values between 1 "
            f"and {m} (the rows of LU); did you pass the pivots of lu_factor?"
        )


def _permutation(pivots, m, dtype):
    """The permutation matrix ``P`` of LAPACK pivots (``A = P @ L @ U``), batched.

    Row ``j`` was swapped with row ``pivots[j]`` in turn; the swaps are replayed on
    the row order ``perm`` (``LU[i]`` came from ``A[perm[i]]``), then
    ``P[perm[i], i] = 1``.
    """
    idx = _creation.arange(m, device=pivots.device)
    perm = idx.expand(*pivots.shape[:-1], m)
    swaps = pivots.long() - 1
    for j in range(pivots.shape[-1]):
        other = swaps.narrow(-1, j, 1)
        mine, theirs = perm.narrow(-1, j, 1), perm.gather(-1, other)
        perm = OPS["where"](idx == j, theirs, OPS["where"](idx == other, mine, perm))
    return (idx.unsqueeze(-1) == perm.unsqueeze(-2)).to(dtype)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """``(P, L, U)`` with ``A = P @ L @ U`` from the packed LU and pivots of
    :func:`ember.lu` (or ``lu_factor``). ``L`` is unit lower triangular ``m x k`` and
    ``U`` upper ``k x n`` (``k = min(m, n)``); the parts not asked for are empty.

    Returns:
        a named tuple ``(P, L, U)``.
    """
    _float_matrices("lu_unpack", LU_data)
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    empty = _creation.empty(0, dtype=LU_data.dtype, device=LU_data.device)
    P = L = U = empty
    if unpack_pivots:
        _check_pivots("lu_unpack", LU_pivots, m)
        if LU_pivots.shape[-1] != k:
            raise RuntimeError(
                f"lu_unpack: expected {k} pivots per matrix of LU, got {LU_pivots.shape[-1]}"
            )
        P = _permutation(LU_pivots, m, LU_data.dtype)
    if unpack_data:
        eye = _creation.eye(m, k, dtype=LU_data.dtype, device=LU_data.device)
        L = LU_data.narrow(-1, 0, k).tril(-1) + eye
        U = LU_data.narrow(-2, 0, k).triu()
    return _LU_UNPACK(P, L, U)


def lu_solve_legacy(b, LU_data, LU_pivots):
    """``torch.lu_solve``: solution ``X`` of ``A @ X = b`` from the LU factorization of
    ``A`` given by :func:`ember.lu` (packed ``LU_data`` and int32 ``LU_pivots``).
    Batch dims broadcast.

    >>> LU, pivots = ember.lu(A)
    >>> ember.lu_solve(b, LU, pivots)  # == ember.linalg.solve(A, b)
    """
    b, LU = _solve_operands("lu_solve", b, LU_data)
    n = LU.shape[-1]
    _check_pivots("lu_solve", LU_pivots, n)
    if LU_pivots.shape[-1] != n:
        raise RuntimeError(
            f"lu_solve: expected {n} pivots per matrix (the size of LU), got {LU_pivots.shape[-1]}"
        )
    pivots = LU_pivots.expand(*LU.shape[:-1])
    Pt_b = _permutation(pivots, n, LU.dtype).mT @ b
    y = _tri_solve("lu_solve", _triangle(LU, False, unitriangular=True), Pt_b)
    return _tri_solve("lu_solve", _triangle(LU, True), y)


def lu_legacy(A, pivot=True, get_infos=False):
    """``torch.lu``: the packed LU factorization ``(A_LU, pivots)`` of ``A`` (batched,
    rectangular allowed), with the ``infos`` (0, or the first zero pivot) as a third
    element when ``get_infos``. Singular inputs do not raise.

    >>> A_LU, pivots = ember.lu(A)
    >>> P, L, U = ember.lu_unpack(A_LU, pivots)  # A == P @ L @ U
    """
    LU, pivots, infos = _dec.lu_factor_ex(A, pivot=pivot)
    return _LU_WITH_INFO(LU, pivots, infos) if get_infos else (LU, pivots)


def qr_legacy(input, some=True):
    """``torch.qr``: :func:`ember.linalg.qr` in mode ``'reduced'`` (``some``) or
    ``'complete'``. Returns a named tuple ``(Q, R)``."""
    Q, R = qr(input, "reduced" if some else "complete")
    return _QR(Q, R)


def svd_legacy(input, some=True, compute_uv=True):
    """``torch.svd``: ``A = U @ diag(S) @ V.mH`` (``V``, not ``Vh`` as in
    :func:`ember.linalg.svd`), reduced when ``some``. With ``compute_uv=False`` only
    ``S`` is computed and ``U``, ``V`` are zero-filled ``m x m`` and ``n x n`` matrices.

    Returns:
        a named tuple ``(U, S, V)``.
    """
    if not compute_uv:
        _float_matrices("svd", input)
        m, n = input.shape[-2:]
        U = _creation.zeros(*input.shape[:-2], m, m, dtype=input.dtype, device=input.device)
        V = _creation.zeros(*input.shape[:-2], n, n, dtype=input.dtype, device=input.device)
        return _SVD(U, svdvals(input), V)
    U, S, Vh = svd(input, full_matrices=not some)
    return _SVD(U, S, Vh.mH)


def _float_matrices(name, A):
    """``A`` is a tensor of (batches of) floating or complex matrices."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}: expected a tensor, got {type(A).__name__}")
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {A.dtype.name}"
        )
    if A.ndim < 2:
        raise RuntimeError(f"{name}: the input must have at least 2 dimensions, got {A.ndim}-D")


def _square_float(name, A):
    _float_matrices(name, A)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, got shape {tuple(A.shape)}"
        )


TOP_LEVEL: dict = {
    name: getattr(_prod, name)
    for name in [
        *("matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger"),
        *("addmm", "addmv", "addbmm", "baddbmm", "einsum", "tensordot", "kron", "cross"),
    ]
}
# PyTorch's top-level names for linalg functions of the same meaning.
TOP_LEVEL.update(
    chain_matmul=chain_matmul,
    det=det,
    slogdet=slogdet,
    inverse=inv,
    matrix_power=matrix_power,
    matrix_exp=matrix_exp,
    logdet=logdet,
    pinverse=pinverse,
    cholesky=cholesky_factor,
    cholesky_solve=cholesky_solve,
    cholesky_inverse=cholesky_inverse,
    triangular_solve=triangular_solve,
    lu=lu_legacy,
    lu_solve=lu_solve_legacy,
    lu_unpack=lu_unpack,
    qr=qr_legacy,
    svd=svd_legacy,
)
_METHODS = ("logdet", "pinverse", "cholesky", "cholesky_solve", "cholesky_inverse")
_METHODS += ("triangular_solve", "lu", "lu_solve", "qr", "svd")
for _name in _METHODS:  # Tensor methods too, as in PyTorch (not lu_unpack)
    setattr(Tensor, _name, TOP_LEVEL[_name])
