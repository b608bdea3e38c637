"""Shape ops that return new memory, as PyTorch's do: joining (``cat``, ``stack``...),
repeating, flipping, rolling, and triangular and diagonal matrices; and the composites
of shape ops (``atleast_1d``, ``meshgrid``, ``broadcast_tensors``, ``hstack``...).

The second module of the shape family; :mod:`ember._ops.shape` re-exports its names.
"""

from __future__ import annotations

import itertools
import operator

import numpy as np

from ember import dispatch as _dispatch
from ember import dtypes as _dt
from ember._ops import OPS, Op, wrap_dim
from ember._ops.creation import ones, tensor, zeros
from ember._ops.shape import diagonal_view, dim_list, expand, int_list, reshape
from ember.tensor import Size, Tensor

__all__ = [
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "row_stack",
    "dstack",
    "column_stack",
    "tile",
    "repeat_interleave",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "rot90",
    "diag",
    "diag_embed",
    "tril",
    "triu",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_shapes",
    "broadcast_tensors",
    "meshgrid",
    "block_diag",
    "cartesian_prod",
    "combinations",
    "vander",
]


def _arrays(name, tensors):
    """The arrays of a non-empty sequence of tensors (the dispatcher unwrapped them)."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: expected a sequence of Tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty list of Tensors")
    for i, a in enumerate(tensors):
        if not hasattr(a, "ndim") or isinstance(a, np.generic):
            raise TypeError(f"{name}: expected Tensor as element {i}, but got {type(a).__name__}")
    return tensors


def _common_dtype(arrays):
    """PyTorch's promotion across the arrays (most often, they share one dtype)."""
    first = arrays[0].dtype
    if all(a.dtype == first for a in arrays):
        return first
    return _dispatch.result_dtype(arrays).np


def _cat(xp, tensors, dim=0):
    """The tensors joined along an existing dim ``dim``; dtypes promote as in PyTorch.

    1-D empty tensors are skipped whatever their size elsewhere (PyTorch's legacy rule).
    """
    arrays = _arrays("cat", tensors)
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise RuntimeError(
                f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated"
            )
    dtype = _common_dtype(arrays)
    kept = [(i, a) for i, a in enumerate(arrays) if a.shape != (0,)] or list(enumerate(arrays))
    ref = kept[0][1]
    d = wrap_dim(operator.index(dim), ref.ndim, "cat")
    for i, a in kept:
        if a.ndim != ref.ndim:
            raise RuntimeError(
                f"cat: Tensors must have same number of dimensions: got {ref.ndim} and {a.ndim}"
            )
        for k in range(ref.ndim):
            if k != d and a.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"cat: Sizes of tensors must match except in dimension {d}. Expected "
                    f"size {ref.shape[k]} but got size {a.shape[k]} for tensor number {i} "
                    f"in the list."
                )
    return xp.concatenate([a for _, a in kept], axis=d, dtype=dtype)


def _stack(xp, tensors, dim=0):
    """The tensors (all of one shape) joined along a new dim ``dim``; dtypes promote."""
    arrays = _arrays("stack", tensors)
    ref = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != ref:
            raise RuntimeError(
                f"stack: stack expects each tensor to be equal size, but got {list(ref)} "
                f"at entry 0 and {list(a.shape)} at entry {i}"
            )
    d = wrap_dim(operator.index(dim), len(ref) + 1, "stack")
    return xp.stack(arrays, axis=d, dtype=_common_dtype(arrays))


def _tiled(xp, name, x, reps):
    """``x`` repeated ``reps[d]`` times along each dim (``len(reps) >= x.ndim``), in one copy."""
    for r in reps:
        if r < 0:
            raise RuntimeError(
                f"{name}: trying to create tensor with negative dimension {r}: {list(reps)}"
            )
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    out = xp.empty(tuple(r * s for r, s in zip(reps, shape)), dtype=x.dtype)
    # Write x once, broadcast over a (rep, size) pair of dims per original dim.
    pairs = tuple(n for r, s in zip(reps, shape) for n in (r, s))
    ones = tuple(n for s in shape for n in (1, s))
    out.reshape(pairs)[...] = x.reshape(ones)
    return out


def _repeat(xp, x, *sizes):
    """``input`` repeated ``sizes[d]`` times along each dim (``Tensor.repeat``; a copy).

    ``sizes`` may be longer than ``input.ndim`` (new leading dims), never shorter.

    >>> ember.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    reps = int_list("repeat", sizes, "repeats")
    if len(reps) < x.ndim:
        raise RuntimeError(
            f"repeat: Number of dimensions of repeat dims ({len(reps)}) can not be smaller "
            f"than number of dimensions of tensor ({x.ndim})"
        )
    return _tiled(xp, "repeat", x, reps)


def _tile(xp, x, *dims):
    """``input`` repeated ``dims[d]`` times along each dim; a short ``dims`` is padded
    with leading ones (so ``tile`` accepts fewer dims than ``repeat``).
    """
    reps = int_list("tile", dims, "dims")
    return _tiled(xp, "tile", x, (1,) * (x.ndim - len(reps)) + reps)


def _repeat_counts(name, repeats, size):
    """``repeats`` (an int or an integer array of 1 or ``size`` items), checked."""
    if hasattr(repeats, "dtype"):
        if repeats.dtype.kind not in "iu":
            raise TypeError(f"{name}: repeats must be an integer tensor, got {repeats.dtype}")
        if repeats.ndim > 1:
            raise RuntimeError(f"{name}: repeats must be 0-D or 1-D, got {repeats.ndim}-D")
        if repeats.size == 1:
            repeats = int(repeats.reshape(()))
        elif repeats.size != size:
            raise RuntimeError(
                f"{name}: repeats must have the same size as input along dim, but got "
                f"repeats.size(0) = {repeats.size} and input.size(dim) = {size}"
            )
        elif repeats.size and int(repeats.min()) < 0:
            raise RuntimeError(f"{name}: repeats must be non-negative")
        else:
            return repeats if isinstance(repeats, np.ndarray) else repeats.tolist()
    repeats = operator.index(repeats)
    if repeats < 0:
        raise RuntimeError(f"{name}: repeats must be non-negative, got {repeats}")
    return repeats


def _repeat_interleave(xp, x, repeats=None, dim=None, *, output_size=None):
    """Each item of ``input`` repeated ``repeats`` times (an int, or one count per item
    along ``dim``); ``dim=None`` works on the flattened input. With ``input`` alone,
    it is the repeat counts, and the result is ``arange(len(input))`` repeated by them.

    >>> ember.repeat_interleave(ember.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    """
    if repeats is None:
        if not hasattr(x, "dtype") or x.ndim > 1:
            raise RuntimeError("repeat_interleave: repeats must be a 0-D or 1-D tensor")
        repeats, x, dim = x, xp.arange(x.size), 0
    if dim is None:
        x, d = x.reshape(-1), 0
    else:
        d = wrap_dim(dim, x.ndim, "repeat_interleave")
    size = x.shape[d] if x.ndim else 1
    counts = _repeat_counts("repeat_interleave", repeats, size)
    if output_size is not None:
        total = counts * size if isinstance(counts, int) else int(sum(counts))
        if total != output_size:
            raise RuntimeError(
                f"repeat_interleave: output_size ({output_size}) does not match the "
                f"total of repeats ({total})"
            )
    return xp.repeat(x.reshape(1) if x.ndim == 0 else x, counts, axis=d)


def _flip(xp, x, *dims):
    """A copy of ``input`` with the order of items reversed along ``dims``."""
    axes = dim_list("flip", int_list("flip", dims, "dims"), x.ndim)
    if x.ndim == 0:
        return x.copy()
    return xp.flip(x, axis=axes).copy()


def _fliplr(xp, x):
    """A copy of ``input`` with its columns (dim 1) reversed; needs >= 2 dims."""
    if x.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got {x.ndim}-d")
    return x[:, ::-1].copy()


def _flipud(xp, x):
    """A copy of ``input`` with its rows (dim 0) reversed; needs >= 1 dim."""
    if x.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d, got 0-d")
    return x[::-1].copy()


def _roll(xp, x, shifts, dims=None):
    """``input`` rolled by ``shifts`` along ``dims`` (items leaving one end come back at
    the other); with no ``dims``, the flattened tensor is rolled, then reshaped back.
    """
    shifts = int_list("roll", (shifts,), "shifts")
    dims = () if dims is None else int_list("roll", (dims,), "dims")
    if len(shifts) != max(len(dims), 1):
        raise RuntimeError(
            f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}"
        )
    if not dims:
        return xp.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
    return xp.roll(x, shifts, axis=tuple(wrap_dim(d, x.ndim, "roll") for d in dims))


def _rot90(xp, x, k=1, dims=(0, 1)):
    """A copy of ``input`` rotated by 90 degrees ``k`` times, from ``dims[0]`` toward
    ``dims[1]``.
    """
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = (wrap_dim(d, x.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(
            f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    return xp.rot90(x, operator.index(k), axes=(d0, d1)).copy()


def _diag(xp, x, diagonal=0):
    """From a 1-D ``input``, a square matrix with it on diagonal ``diagonal``; from a
    2-D ``input``, a copy of that diagonal.
    """
    k = operator.index(diagonal)
    if x.ndim == 1:
        return xp.diag(x, k)
    if x.ndim == 2:
        return diagonal_view(xp, x, k, 0, 1).copy()
    raise RuntimeError(f"diag: Supports 1D or 2D tensors. Got {x.ndim}D")


def _diag_embed(xp, x, offset=0, dim1=-2, dim2=-1):
    """Matrices with the last dim of ``input`` on their diagonal ``offset``, placed in
    the output's dims ``dim1`` and ``dim2`` (one more dim than ``input``).
    """
    n = x.ndim + 1
    d1, d2 = wrap_dim(dim1, n, "diag_embed"), wrap_dim(dim2, n, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = operator.index(offset)
    m = x.shape[-1] + abs(offset)
    out = xp.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
    diagonal_view(xp, out, offset, n - 2, n - 1)[...] = x
    return xp.moveaxis(out, (-2, -1), (d1, d2))


def _triangle(name, fn):
    def kernel(xp, x, diagonal=0):
        if x.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return fn(xp)(x, operator.index(diagonal))

    return kernel


cat = Op("cat", _cat, method=False)
stack = Op("stack", _stack, method=False)
repeat = Op("repeat", _repeat)  # a method only, as in PyTorch
tile = Op("tile", _tile)
repeat_interleave = Op("repeat_interleave", _repeat_interleave)
flip = Op("flip", _flip)
fliplr = Op("fliplr", _fliplr)
flipud = Op("flipud", _flipud)
roll = Op("roll", _roll)
rot90 = Op("rot90", _rot90)
diag = Op("diag", _diag)
diag_embed = Op("diag_embed", _diag_embed)
tril = Op(
    "tril",
    _triangle("tril", lambda xp: xp.tril),
    doc="The lower triangle of the last two dims of ``input`` (on and below diagonal "
    "``diagonal``), the rest zeroed.",
)
triu = Op(
    "triu",
    _triangle("triu", lambda xp: xp.triu),
    doc="The upper triangle of the last two dims of ``input`` (on and above diagonal "
    "``diagonal``), the rest zeroed.",
)

concat = concatenate = cat  # PyTorch's aliases


# ---- composites: built from the ops above, so every other rule table gets them free ----


def _tensor_list(name, tensors):
    """``tensors`` given as varargs or as one list/tuple, checked to be tensors."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: expected Tensor as element {i}, but got {type(t).__name__}")
    return tuple(tensors)


def _atleast(name, tensors, ndim):
    ts = _tensor_list(name, tensors)
    out = []
    for t in ts:
        shape = tuple(t.shape)
        if len(shape) < ndim:
            if (
                ndim == 3 and len(shape) >= 1
            ):  # NumPy's rule: (N,) -> (1, N, 1), (M, N) -> (M, N, 1)
                shape = ((1,) if len(shape) == 1 else ()) + shape + (1,)
            shape = (1,) * (ndim - len(shape)) + shape
            t = reshape(t, shape)
        out.append(t)
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    """Each tensor viewed with at least 1 dim; one tensor gives a tensor, several a tuple."""
    return _atleast("atleast_1d", tensors, 1)


def atleast_2d(*tensors):
    """Each tensor viewed with at least 2 dims (a 1-D one becomes a row)."""
    return _atleast("atleast_2d", tensors, 2)


def atleast_3d(*tensors):
    """Each tensor viewed with at least 3 dims: ``(N,)`` -> ``(1, N, 1)``,
    ``(M, N)`` -> ``(M, N, 1)``.
    """
    return _atleast("atleast_3d", tensors, 3)


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to, without making any tensor.

    >>> ember.broadcast_shapes((2, 1), (3,))
    ember.Size([2, 3])
    """
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(
            f"broadcast_shapes: shape mismatch: shapes {shapes} cannot be broadcast to a "
            f"single shape"
        ) from None


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views)."""
    ts = _tensor_list("broadcast_tensors", tensors)
    shape = broadcast_shapes(*(t.shape for t in ts))
    return tuple(expand(t, shape) for t in ts)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 0-D or 1-D tensors, as views: ``indexing='ij'`` gives
    output ``i`` the size of tensor ``i`` along dim ``i``; ``'xy'`` swaps the first two
    dims (Cartesian indexing).

    >>> xs, ys = ember.meshgrid(ember.arange(3), ember.arange(2), indexing="xy")
    >>> xs.shape
    ember.Size([2, 3])
    """
    ts = _tensor_list("meshgrid", tensors)
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", got {indexing!r}')
    if not ts:
        raise RuntimeError("meshgrid: expects a non-empty list of tensors")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expects 0-D or 1-D tensors, got {t.ndim}-D")
        if t.dtype is not ts[0].dtype or t.device is not ts[0].device:
            raise RuntimeError("meshgrid: expects all tensors to have the same dtype and device")
    pos = list(range(len(ts)))
    if indexing == "xy" and len(ts) > 1:
        pos[0], pos[1] = 1, 0
    shape = [0] * len(ts)
    for p, t in zip(pos, ts):
        shape[p] = t.numel()
    out = []
    for p, t in zip(pos, ts):
        view_shape = [1] * len(ts)
        view_shape[p] = -1
        out.append(expand(reshape(t, view_shape), shape))
    return tuple(out)


def hstack(tensors):
    """The tensors joined along dim 1 (dim 0 for 1-D ones), after ``atleast_1d``."""
    ts = atleast_1d(tensors)
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors):
    """The tensors joined along dim 0, after ``atleast_2d`` (1-D ones become rows)."""
    return cat(atleast_2d(tensors), 0)


row_stack = vstack


def dstack(tensors):
    """The tensors joined along dim 2, after ``atleast_3d``."""
    return cat(atleast_3d(tensors), 2)


def column_stack(tensors):
    """The tensors joined as columns: 0-D and 1-D ones become columns, then ``hstack``."""
    _arrays("column_stack", tensors)
    return cat([reshape(t, t.numel(), 1) if t.ndim <= 1 else t for t in tensors], 1)


def block_diag(*tensors):
    """A block-diagonal matrix with the tensors (0-D, 1-D as one row, or 2-D) on its
    diagonal and zeros elsewhere; dtypes promote. No tensors give a ``(1, 0)`` matrix.

    >>> ember.block_diag(ember.tensor([[1, 2]]), ember.tensor(3))
    tensor([[1, 2, 0],
            [0, 0, 3]])
    """
    ts = _tensor_list("block_diag", tensors)
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise RuntimeError(
                f"block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                f"{t.ndim} dimensions"
            )
    if not ts:
        return zeros(1, 0)
    blocks = [reshape(t, (1, t.numel())) if t.ndim < 2 else t for t in ts]
    dtype = _dispatch.result_dtype([t._data for t in ts])
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:  # each block row: zeros, the block, zeros (cat is differentiable)
        n, m = b.shape
        pad = [zeros(n, left, dtype=dtype, device=b.device), b]
        pad.append(zeros(n, width - left - m, dtype=dtype, device=b.device))
        rows.append(cat(pad, 1))
        left += m
    return cat(rows, 0)


def _check_vector(name, t):
    if t.ndim != 1:
        raise RuntimeError(f"{name}: Expect a 1D vector, but got shape {list(t.shape)}")


def cartesian_prod(*tensors):
    """Every combination of one item from each 1-D tensor, as the rows of an ``(N, k)``
    tensor in lexicographic order (``itertools.product``); one tensor is returned as is.

    >>> ember.cartesian_prod(ember.tensor([1, 2]), ember.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    ts = _tensor_list("cartesian_prod", tensors)
    if not ts:
        raise RuntimeError("cartesian_prod: expects a non-empty list of tensors")
    for t in ts:
        _check_vector("cartesian_prod", t)
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of the items of a 1-D ``input``, as the rows of an
    ``(N, r)`` tensor in ``itertools.combinations`` order (``with_replacement``: as
    ``itertools.combinations_with_replacement``). ``r=0`` gives an empty 1-D tensor.

    >>> ember.combinations(ember.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    _check_vector("combinations", input)
    r = operator.index(r)
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    found = list(pick(range(input.shape[0]), r)) if r else []
    index = np.array(found, dtype=np.int64).reshape(-1)
    # Picking the items by position keeps the result differentiable w.r.t. input.
    picked = OPS["index_select"](input, 0, tensor(index, device=input.device))
    return reshape(picked, (-1, r)) if r else picked


def vander(x, N=None, increasing=False):  # noqa: N803 - PyTorch's name
    """The Vandermonde matrix of a 1-D ``x``: column ``j`` is ``x ** (N - 1 - j)``
    (``x ** j`` with ``increasing``); ``N`` defaults to ``len(x)``. Integer and bool
    inputs give int64.

    >>> ember.vander(ember.tensor([1, 2, 3]))
    tensor([[1, 1, 1],
            [4, 2, 1],
            [9, 3, 1]])
    """
    if x.ndim != 1:
        raise RuntimeError("vander: x must be a one-dimensional tensor.")
    n = x.shape[0]
    cols = n if N is None else operator.index(N)
    if cols < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {cols}")
    dtype = _dt.promote_types(x.dtype, _dt.int64)
    first = ones(n, min(cols, 1), dtype=dtype, device=x.device)
    if cols > 1:  # powers as running products (no 0 ** 0 or log in the gradient)
        powers = OPS["cumprod"](expand(reshape(x.to(dtype), (n, 1)), (n, cols - 1)), 1)
        first = cat([first, powers], 1)
    return first if increasing else flip(first, 1)
