"""Matrix and tensor products: ``matmul`` and its BLAS-backed relatives, ``einsum``...

These are exported as ``ember.<name>`` through ``ember._ops.linalg.TOP_LEVEL``.
As in PyTorch, the matrix products do not promote: their operands must share a
dtype (``outer`` and ``kron``, which PyTorch builds from ``mul``, do promote).
"""

from __future__ import annotations

from ember import dtypes as _dt
from ember._ops import SAME, Op, wrap_dim

__all__: list = []  # exported through ember._ops.linalg (TOP_LEVEL and ember.linalg)

# Above this many operand elements, einsum's contraction-order search pays for itself.
_EINSUM_OPTIMIZE_SIZE = 16384


def dtype_name(x) -> str:
    """The ember name of an array's dtype, for error messages."""
    return _dt.from_numpy(x.dtype).name


def check_tensors(name, *arrays):
    """Every operand is an array (not a Python number) of one numeric, non-bool dtype."""
    for a in arrays:
        if not hasattr(a, "ndim"):
            raise TypeError(f"{name}: expected tensors, got {type(a).__name__}")
    first = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype != first:
            raise RuntimeError(
                f"{name}: expected all tensors to have the same dtype, but got "
                f"{', '.join(dtype_name(a) for a in arrays)}"
            )
    if first.kind == "b":
        raise RuntimeError(f"{name}: bool tensors are not supported (got {dtype_name(arrays[0])})")


def broadcast_batch(name, *shapes):
    """The broadcast of batch shapes (tuples), or a RuntimeError naming them."""
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(-ndim, 0):
        sizes = {s[i] for s in shapes if len(s) >= -i} - {1}
        if len(sizes) > 1:
            raise RuntimeError(
                f"{name}: batch dimensions {' and '.join(str(tuple(s)) for s in shapes)} "
                "cannot be broadcast together"
            )
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _same_dtype(xp, out, like):
    # NumPy multiplies low-precision floats (bfloat16) in float32; keep the operands' dtype.
    return out if out.dtype == like.dtype else xp.asarray(out).astype(like.dtype)


def _shapes_error(name, a, b, k, kb):
    return RuntimeError(
        f"{name}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied ({k} != {kb})"
    )


def _matmul(xp, input, other):
    """Matrix product of two tensors, with PyTorch's (and NumPy's) rules for 1-D and N-D.

    1-D @ 1-D is a dot product; a 1-D left (right) operand is a row (column) vector
    that is removed from the result; leading batch dimensions broadcast.

    >>> ember.matmul(ember.ones(2, 3), ember.ones(3))
    tensor([3., 3.])
    """
    a, b = input, other
    check_tensors("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1-D, but they are {a.ndim}-D and "
            f"{b.ndim}-D"
        )
    k, kb = a.shape[-1], b.shape[-2 if b.ndim > 1 else 0]
    if k != kb:
        raise _shapes_error("matmul", a, b, k, kb)
    if a.ndim > 2 or b.ndim > 2:
        broadcast_batch("matmul", a.shape[:-2], b.shape[:-2])
    return _same_dtype(xp, xp.matmul(a, b), a)


def _matrix_pair(name, a, b, ndim):
    check_tensors(name, a, b)
    if a.ndim != ndim or b.ndim != ndim:
        raise RuntimeError(f"{name}: expected {ndim}-D tensors, got {a.ndim}-D and {b.ndim}-D")
    if a.shape[-1] != b.shape[-2]:
        raise _shapes_error(name, a, b, a.shape[-1], b.shape[-2])


def _mm(xp, input, mat2):
    """Matrix product of two 2-D tensors (no broadcasting): ``(n, m) @ (m, p) -> (n, p)``."""
    a, b = input, mat2
    _matrix_pair("mm", a, b, 2)
    return _same_dtype(xp, xp.matmul(a, b), a)


def _bmm(xp, input, mat2):
    """Batched matrix product of 3-D tensors with equal batch size: ``(b, n, m) @ (b, m, p)``."""
    a, b = input, mat2
    _matrix_pair("bmm", a, b, 3)
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.shape[0]} and {b.shape[0]}")
    return _same_dtype(xp, xp.matmul(a, b), a)


def _check_mv(name, mat, vec):
    check_tensors(name, mat, vec)
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"{name}: expected a 2-D matrix and a 1-D vector, got {mat.ndim}-D and {vec.ndim}-D"
        )
    if mat.shape[1] != vec.shape[0]:
        raise _shapes_error(name, mat, vec, mat.shape[1], vec.shape[0])


def _mv(xp, input, vec):
    """Matrix-vector product: ``(n, m) @ (m,) -> (n,)``."""
    mat = input
    _check_mv("mv", mat, vec)
    return _same_dtype(xp, xp.matmul(mat, vec), mat)


def _check_vectors(name, a, b):
    check_tensors(name, a, b)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"{name}: 1-D tensors expected, but got {a.ndim}-D and {b.ndim}-D")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"{name}: inconsistent tensor sizes: {a.shape[0]} and {b.shape[0]} elements"
        )


def _dot(xp, input, tensor):
    """Dot product of two 1-D tensors of the same size and dtype (no conjugation)."""
    a, b = input, tensor
    _check_vectors("dot", a, b)
    return _same_dtype(xp, xp.asarray(xp.dot(a, b)), a)


def _vdot(xp, input, other):
    """Dot product of two 1-D tensors, conjugating the first: ``sum(conj(input) * other)``."""
    a, b = input, other
    _check_vectors("vdot", a, b)
    return _same_dtype(xp, xp.asarray(xp.vdot(a, b)), a)


def _inner(xp, input, other):
    """Inner product over the last dimension of each tensor (a product when one is 0-d).

    The result has shape ``input.shape[:-1] + other.shape[:-1]``.
    """
    a, b = input, other
    check_tensors("inner", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return xp.multiply(a, b)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(
            f"inner: the last dimension must match on both inputs, but got shapes "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    return _same_dtype(xp, xp.inner(a, b), a)


def _outer(xp, input, vec2):
    """Outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]`` (promotes)."""
    a, b = input, vec2
    for arg, x in (("input", a), ("vec2", b)):
        if getattr(x, "ndim", None) != 1:
            raise RuntimeError(f"outer: expected 1-D argument {arg}, but got {_ndim(x)}")
    return xp.multiply(a[:, None], b[None, :])


def _ndim(x):
    return f"{x.ndim}-D" if hasattr(x, "ndim") else type(x).__name__


def _check_scalars(name, dtype, **scalars):
    """``beta``/``alpha`` must not be of a higher category than the tensors."""
    for arg, s in scalars.items():
        if isinstance(s, complex) and dtype.kind != "c":
            raise RuntimeError(f"{name}: complex {arg}={s} needs complex tensors, got {dtype}")
        if isinstance(s, float) and dtype.kind in "iu":
            raise RuntimeError(
                f"{name}: for integer tensors, {arg} must be an integer, got {arg}={s}"
            )


def _scaled_sum(xp, name, inp, prod, beta, alpha):
    """``beta * input + alpha * prod``, written into the fresh array ``prod``.

    ``beta == 0`` ignores ``input`` entirely, so nan and inf in it do not propagate.
    """
    if not _expands_to(inp.shape, prod.shape):
        raise RuntimeError(
            f"{name}: input of shape {tuple(inp.shape)} cannot be broadcast to the "
            f"product's shape {tuple(prod.shape)}"
        )
    if alpha != 1:
        prod *= alpha
    if beta == 0:
        return prod
    if beta == 1:
        prod += inp
    else:
        prod += inp * beta
    return prod


def _expands_to(shape, target):
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))


def _addmm(xp, input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` for 2-D ``mat1``, ``mat2``.

    ``input`` broadcasts to the product's shape; with ``beta=0`` it is ignored (nan
    and inf in it do not propagate).
    """
    inp = input
    _matrix_pair("addmm", mat1, mat2, 2)
    check_tensors("addmm", inp, mat1)
    _check_scalars("addmm", inp.dtype, beta=beta, alpha=alpha)
    prod = _same_dtype(xp, xp.matmul(mat1, mat2), mat1)
    return _scaled_sum(xp, "addmm", inp, prod, beta, alpha)


def _linear(xp, input, weight, bias=None):
    """``input @ weight.T + bias``, the affine map of ``nn.Linear``.

    ``weight`` is ``(out_features, in_features)``, or 1-D for a single output whose dim
    is removed; ``input`` is ``(*, in_features)``, its leading dims folded into one GEMM.
    """
    x, w = input, weight
    check_tensors("linear", x, w)
    if w.ndim not in (1, 2):
        raise RuntimeError(
            f"linear: expected weight of 1 or 2 dims (out_features, in_features), got shape "
            f"{tuple(w.shape)}"
        )
    if x.ndim == 0 or x.shape[-1] != w.shape[-1]:
        raise RuntimeError(
            f"linear: input of shape {tuple(x.shape)} and weight of shape {tuple(w.shape)} "
            f"cannot be multiplied ({x.shape[-1] if x.ndim else 'scalar'} != {w.shape[-1]})"
        )
    rows = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
    out = _same_dtype(xp, xp.matmul(rows, w.T), x)
    if x.ndim != 2:
        out = out.reshape(x.shape[:-1] + w.shape[:-1])
    if bias is None:
        return out
    check_tensors("linear", x, bias)
    if not _expands_to(bias.shape, out.shape):
        raise RuntimeError(
            f"linear: bias of shape {tuple(bias.shape)} cannot be broadcast to the output's "
            f"shape {tuple(out.shape)}"
        )
    out += bias  # out is the product's fresh array
    return out


def _addmv(xp, input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)`` for a 2-D ``mat`` and a 1-D ``vec``."""
    inp = input
    _check_mv("addmv", mat, vec)
    check_tensors("addmv", inp, mat)
    _check_scalars("addmv", inp.dtype, beta=beta, alpha=alpha)
    prod = _same_dtype(xp, xp.matmul(mat, vec), mat)
    return _scaled_sum(xp, "addmv", inp, prod, beta, alpha)


def _addbmm(xp, input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])`` for 3-D batches.

    The sum over the batch is one matrix product of ``(n, b*m) @ (b*m, p)``.
    """
    inp = input
    _check_batches("addbmm", inp, batch1, batch2, beta, alpha)
    b, n, m = batch1.shape
    left = xp.swapaxes(batch1, 0, 1).reshape(n, b * m)
    prod = _same_dtype(xp, xp.matmul(left, batch2.reshape(b * m, batch2.shape[2])), batch1)
    return _scaled_sum(xp, "addbmm", inp, prod, beta, alpha)


def _baddbmm(xp, input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * (batch1 @ batch2)`` for 3-D batches of equal size."""
    inp = input
    _check_batches("baddbmm", inp, batch1, batch2, beta, alpha)
    prod = _same_dtype(xp, xp.matmul(batch1, batch2), batch1)
    return _scaled_sum(xp, "baddbmm", inp, prod, beta, alpha)


def _check_batches(name, inp, batch1, batch2, beta, alpha):
    _matrix_pair(name, batch1, batch2, 3)
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"{name}: batch sizes differ: {batch1.shape[0]} and {batch2.shape[0]}")
    check_tensors(name, inp, batch1)
    _check_scalars(name, inp.dtype, beta=beta, alpha=alpha)


def _einsum(xp, equation, *operands):
    """Sum of products of ``operands`` over the indices that ``equation`` contracts.

    ``equation`` is in Einstein notation (``"ij,jk->ik"``, with ``...`` for broadcast
    dims); the operands follow it, or come as one list: ``einsum("ij,jk", [a, b])``.
    NumPy's sublist form ``einsum(a, [0, 1], b, [1, 2])`` is accepted too.

    >>> ember.einsum("bij,bjk->bik", x, y)  # batched matmul
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):  # sublist form: operands and index lists interleaved
        check_tensors("einsum", equation, *operands[1::2])
        return xp.einsum(equation, *operands)
    if not operands:
        raise RuntimeError("einsum: must provide at least one operand")
    check_tensors("einsum", *operands)
    _check_subscripts(equation, operands)
    big = sum(a.size for a in operands) > _EINSUM_OPTIMIZE_SIZE
    return xp.einsum(equation, *operands, optimize=len(operands) > 2 or big)


def _check_subscripts(equation, operands):
    """The equation's terms match the operands' count, ranks and sizes, as PyTorch checks."""
    terms = equation.replace(" ", "").split("->")[0].split(",")
    if len(terms) != len(operands):
        raise RuntimeError(
            f"einsum: the equation {equation!r} has {len(terms)} operand(s), "
            f"but {len(operands)} were given"
        )
    sizes = {}
    for i, (term, a) in enumerate(zip(terms, operands)):
        head, ellipsis, tail = term.partition("...")
        if len(head) + len(tail) > a.ndim or (not ellipsis and len(head) != a.ndim):
            raise RuntimeError(
                f"einsum: subscripts {term!r} of operand {i} do not match its {a.ndim} dimension(s)"
            )
        # The sizes of the named dims: those before the ellipsis and those after it.
        dims = a.shape[: len(head)] + a.shape[a.ndim - len(tail) :]
        for c, n in zip(head + tail, dims):
            seen = sizes.setdefault(c, n)
            if n != seen and 1 not in (n, seen):
                raise RuntimeError(
                    f"einsum: subscript {c} has size {n} for operand {i}, which does not "
                    f"broadcast with previously seen size {seen}"
                )
            sizes[c] = max(seen, n)


def _tensordot(xp, a, b, dims=2):
    """Contraction of ``a`` and ``b`` over several dims.

    ``dims`` is an int ``d`` (the last ``d`` dims of ``a`` with the first ``d`` of
    ``b``) or a pair of lists of dims ``([dims of a], [dims of b])``.
    """
    check_tensors("tensordot", a, b)
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot: expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(
                f"tensordot: dims={dims} is larger than the inputs' ranks {a.ndim} and {b.ndim}"
            )
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(f"tensordot: both dim lists should have same length, got {dims}")
    da = [wrap_dim(d, a.ndim, "tensordot") for d in da]
    db = [wrap_dim(d, b.ndim, "tensordot") for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(
                f"tensordot: contracted dimensions need to match, but first has size "
                f"{a.shape[i]} in dim {i} and second has size {b.shape[j]} in dim {j}"
            )
    return _same_dtype(xp, xp.tensordot(a, b, axes=(da, db)), a)


def _kron(xp, input, other):
    """Kronecker product; the operand of lower rank is padded with leading 1-dims."""
    a, b = input, other
    for x in (a, b):
        if not hasattr(x, "ndim"):
            raise TypeError(f"kron: expected tensors, got {type(x).__name__}")
    return xp.kron(a, b)


def _cross(xp, input, other, dim=None):
    """Cross product of 3-vectors along ``dim`` of two broadcast tensors.

    ``dim=None`` takes the first dim of size 3, as ``torch.cross`` does (unlike
    PyTorch, without a deprecation warning); ``ember.linalg.cross`` defaults to -1.
    """
    a, b = input, other
    check_tensors("cross", a, b)
    if a.ndim != b.ndim:
        raise RuntimeError(
            f"cross: inputs must have the same number of dimensions, got {a.ndim} and {b.ndim}"
        )
    shape = broadcast_batch("cross", a.shape, b.shape)
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {shape}")
    d = wrap_dim(dim, len(shape), "cross")
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(
            f"cross: inputs dimension {dim} must have length 3, got {a.shape[d]} and {b.shape[d]}"
        )
    return xp.cross(a, b, axis=d)


def _multi_dot(xp, tensors):
    """Product of two or more matrices, multiplied in the cheapest order.

    The first tensor may be 1-D (a row vector) and the last 1-D (a column vector);
    all others must be 2-D.
    """
    if not isinstance(tensors, (list, tuple)) or len(tensors) < 2:
        n = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise RuntimeError(f"linalg_multi_dot: expected at least 2 tensors but got {n}")
    check_tensors("linalg_multi_dot", *tensors)
    mats = [t[None, :] if i == 0 and t.ndim == 1 else t for i, t in enumerate(tensors)]
    mats[-1] = mats[-1][:, None] if tensors[-1].ndim == 1 else mats[-1]
    for i, m in enumerate(mats):
        if m.ndim != 2:
            raise RuntimeError(
                f"linalg_multi_dot: tensor {i} must be 2-D (1-D allowed for the first and "
                f"last), got {tensors[i].ndim}-D"
            )
        if i and mats[i - 1].shape[1] != m.shape[0]:
            raise RuntimeError(
                f"linalg_multi_dot: tensors {i - 1} and {i} with shapes "
                f"{tuple(tensors[i - 1].shape)} and {tuple(tensors[i].shape)} cannot be multiplied"
            )
    out = _chain(xp, mats, _chain_order(mats), 0, len(mats) - 1)
    # Remove the row/column dims that stood in for 1-D ends.
    keep = [s for ax, s in enumerate(out.shape) if tensors[-ax].ndim == 2]
    return _same_dtype(xp, out.reshape(keep), mats[0])


def _chain_order(mats):
    """The optimal parenthesisation of a matrix chain (textbook dynamic programme)."""
    dims = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    n = len(mats)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(xp, mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return xp.matmul(_chain(xp, mats, split, i, k), _chain(xp, mats, split, k + 1, j))


def _vecdot(xp, x, y, *, dim=-1):
    """Dot product of vectors along ``dim``, conjugating ``x``: ``sum(conj(x) * y, dim)``.

    ``x`` and ``y`` broadcast; floating and complex dtypes only.
    """
    check_tensors("linalg_vecdot", x, y)
    if x.dtype.kind not in "fc":
        raise RuntimeError(
            f"linalg_vecdot: expected a floating point or complex tensor as input, got "
            f"{dtype_name(x)}"
        )
    shape = broadcast_batch("linalg_vecdot", x.shape, y.shape)
    d = wrap_dim(dim, len(shape), "linalg_vecdot") - len(shape)
    if x.dtype.kind == "c":
        x = xp.conj(x)
    return xp.sum(xp.multiply(x, y), axis=d)


matmul = Op("matmul", _matmul)
mm = Op("mm", _mm)
bmm = Op("bmm", _bmm)
mv = Op("mv", _mv)
dot = Op("dot", _dot)
vdot = Op("vdot", _vdot)
inner = Op("inner", _inner)
outer = Op("outer", _outer, nin=2, promote=SAME)
addmm = Op("addmm", _addmm)
linear = Op("linear", _linear, method=False)
addmv = Op("addmv", _addmv)
addbmm = Op("addbmm", _addbmm)
baddbmm = Op("baddbmm", _baddbmm)
einsum = Op("einsum", _einsum, method=False)
tensordot = Op("tensordot", _tensordot, method=False)
kron = Op("kron", _kron, nin=2, promote=SAME)
cross = Op("cross", _cross)
linalg_multi_dot = Op("linalg_multi_dot", _multi_dot, method=False)
linalg_vecdot = Op("linalg_vecdot", _vecdot, method=False)
ger = outer  # PyTorch's older name, the same op
