"""Gathers and scatters along a dim: ``gather``, ``scatter*``, ``index_*``, ``index_put``.

The second module of the indexing family; :mod:`ember._ops.indexing` re-exports its
names. Scatters write into a C-contiguous copy of ``input`` through flat positions,
which NumPy's ``ufunc.at`` handles several times faster than tuples of index arrays.
Each out-of-place op ``name`` also has the in-place method ``Tensor.name_``.
"""

from __future__ import annotations

import operator

import numpy as np

from ember._ops import Op, wrap_dim
from ember._ops.indexing import (
    check_bounds,
    check_index_dtype,
    keep_dtype,
    same_dtype_rule,
    scalar,
    write_index,
)
from ember._ops.shape import diagonal_view, slice_dim

__all__ = [
    "gather",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_select",
    "index_add",
    "index_copy",
    "index_fill",
    "index_put",
    "diagonal_scatter",
    "select_scatter",
    "slice_scatter",
]

# reduce -> (the ufunc whose .at accumulates, its identity for include_self=False)
_REDUCTIONS = {
    "sum": ("add", 0),
    "mean": ("add", 0),
    "prod": ("multiply", 1),
    "amax": ("maximum", None),
    "amin": ("minimum", None),
}


def _at_least_1d(a):
    return a.reshape(1) if a.ndim == 0 else a


def _positions(xp, shape, dim, index):
    """Flat positions, in a C-contiguous array of ``shape``, that a scatter along ``dim``
    writes: ``index`` along ``dim``, each item's own coordinate along the other dims.
    """
    strides = [1] * len(shape)
    for k in range(len(shape) - 2, -1, -1):
        strides[k] = strides[k + 1] * shape[k + 1]
    pos = index.astype(np.int64) * strides[dim]
    for k, n in enumerate(index.shape):
        if k != dim and n > 1:
            pos += (xp.arange(n, dtype=np.int64) * strides[k]).reshape(
                (n,) + (1,) * (pos.ndim - k - 1)
            )
    return pos


def _check_along(name, x, dim, index, src=None):
    """PyTorch's shape rules for gather/scatter: same ndim, and ``index`` no larger than
    ``input`` (except along ``dim``) nor than ``src``.
    """
    if index.ndim != x.ndim or (src is not None and src.ndim != x.ndim):
        raise RuntimeError(
            f"{name}: index tensor must have the same number of dimensions as input"
            f"{' and src' if src is not None else ''} tensor, got {index.ndim} and {x.ndim}"
        )
    for k, n in enumerate(index.shape):
        if (k != dim and n > x.shape[k]) or (src is not None and n > src.shape[k]):
            more = f" and to be no larger than src {list(src.shape)}" if src is not None else ""
            raise RuntimeError(
                f"{name}: expected index {list(index.shape)} to be no larger than self "
                f"{list(x.shape)} apart from dimension {dim}{more}"
            )
    check_bounds(name, index, x.shape[dim], dim, negative=False)


def _gather(xp, x, dim, index, *, sparse_grad=False):
    """Items of ``input`` along ``dim`` at ``index``: for a 2-D input and ``dim=1``,
    ``out[i][j] = input[i][index[i][j]]``. The result has ``index``'s shape.
    """
    d = wrap_dim(dim, x.ndim, "gather")
    check_index_dtype("gather", index)
    x1, i1 = _at_least_1d(x), _at_least_1d(index)
    _check_along("gather", x1, d, i1)
    src = x1[tuple(slice(None) if k == d else slice(0, n) for k, n in enumerate(i1.shape))]
    return xp.take_along_axis(src, i1, axis=d).reshape(index.shape)


def _scatter_setup(name, xp, x, dim, index, src):
    """(a contiguous copy of ``input``, flat positions, the values to write there)."""
    d = wrap_dim(dim, x.ndim, name)
    check_index_dtype(name, index)
    x1, i1 = _at_least_1d(x), _at_least_1d(index)
    is_tensor = hasattr(src, "dtype") and not isinstance(src, np.generic)
    s1 = _at_least_1d(src) if is_tensor else None
    _check_along(name, x1, d, i1, s1)
    out = x1.copy()
    pos = _positions(xp, out.shape, d, i1)
    if is_tensor:
        vals = s1[tuple(slice(0, n) for n in i1.shape)]
    else:
        vals = scalar(name, src, x.dtype)
    return out, pos, vals


def _scatter(xp, x, dim, index, src=None, value=None, *, reduce=None):
    """``input`` with ``src``'s items (or the number ``value``) written along ``dim`` at
    ``index``: for ``dim=0``, ``out[index[i][j]][j] = src[i][j]``. With repeated
    indices, which write wins is not defined. ``reduce`` ('add' or 'multiply') combines
    instead; prefer ``scatter_reduce``.
    """
    src = value if src is None else src
    if src is None:
        raise TypeError("scatter: expected src (a tensor) or value (a number)")
    out, pos, vals = _scatter_setup("scatter", xp, x, dim, index, src)
    if reduce is None:
        out.reshape(-1)[pos] = vals
    elif reduce in ("add", "multiply"):
        vals = vals.reshape(-1) if hasattr(vals, "ndim") and vals.ndim else vals
        getattr(xp, reduce).at(out.reshape(-1), pos.reshape(-1), vals)
    else:
        raise RuntimeError(f"scatter: reduce argument must be 'add' or 'multiply', got {reduce!r}")
    return out.reshape(x.shape)


def _identity(reduce, dtype):
    ufunc, start = _REDUCTIONS[reduce]
    if start is not None:
        return start
    high = ufunc == "minimum"
    if dtype.kind == "b":
        return high
    if dtype.kind in "iu":
        return np.iinfo(dtype).max if high else np.iinfo(dtype).min
    return np.inf if high else -np.inf


def _reduce_into(name, xp, x, dim, index, src, reduce, include_self):
    if reduce not in _REDUCTIONS:
        raise RuntimeError(
            f"{name}: reduce argument must be either sum, prod, mean, amax or amin, got {reduce!r}"
        )
    if not hasattr(src, "dtype"):
        raise TypeError(f"{name}: src must be a Tensor, got {type(src).__name__}")
    out, pos, vals = _scatter_setup(name, xp, x, dim, index, src)
    flat, pos, vals = out.reshape(-1), pos.reshape(-1), vals.reshape(-1)
    if not include_self:
        flat[pos] = _identity(reduce, out.dtype)
    getattr(xp, _REDUCTIONS[reduce][0]).at(flat, pos, vals)
    if reduce == "mean":
        count = xp.bincount(pos, minlength=flat.size) + int(include_self)
        count = xp.maximum(count, 1)
        # Integer means round down, as PyTorch's do.
        divide = xp.floor_divide if out.dtype.kind in "iu" else xp.true_divide
        divide(flat, count, out=flat, casting="unsafe")
    return out.reshape(x.shape)


def _scatter_reduce(xp, x, dim, index, src, reduce, *, include_self=True):
    """``input`` with ``src``'s items reduced into it along ``dim`` at ``index``, by
    ``reduce`` ('sum', 'prod', 'mean', 'amax' or 'amin'); with ``include_self=False``
    the items of ``input`` that receive values are left out of the reduction.

    >>> ember.scatter_reduce(ember.zeros(2), 0, ember.tensor([0, 0, 1]),
    ...                      ember.tensor([1., 2., 5.]), "amax", include_self=False)
    tensor([2., 5.])
    """
    return _reduce_into("scatter_reduce", xp, x, dim, index, src, reduce, include_self)


def _scatter_add(xp, x, dim, index, src):
    """``input`` with ``src``'s items added along ``dim`` at ``index`` (repeated indices
    add up): for ``dim=0``, ``out[index[i][j]][j] += src[i][j]``.
    """
    return _reduce_into("scatter_add", xp, x, dim, index, src, "sum", True)


def _index_vector(name, x, dim, index, source=None, negative=False):
    """Checks for the index_* ops; returns (dim, ``input`` and ``index`` as >= 1-D)."""
    d = wrap_dim(dim, x.ndim, name)
    check_index_dtype(name, index)
    if index.ndim > 1:
        raise IndexError(f"{name}: index is supposed to be a vector, got {index.ndim}-D")
    x1, i1 = _at_least_1d(x), index.reshape(-1)
    if source is not None:
        s1 = _at_least_1d(source)
        if s1.ndim != x1.ndim or any(
            a != b for k, (a, b) in enumerate(zip(x1.shape, s1.shape)) if k != d
        ):
            raise RuntimeError(
                f"{name}: source tensor shape must match self tensor shape, excluding the "
                f"specified dimension. Got self.shape = {list(x.shape)} source.shape = "
                f"{list(source.shape)}"
            )
        if s1.shape[d] != i1.size:
            raise RuntimeError(
                f"{name}: number of indices ({i1.size}) should be equal to "
                f"source.size(dim) ({s1.shape[d]})"
            )
    check_bounds(name, i1, x1.shape[d], d, negative=negative)
    return d, x1, i1


def _index_select(xp, x, dim, index):
    """The slices of ``input`` along ``dim`` at the 1-D ``index``, in its order."""
    d, x1, i1 = _index_vector("index_select", x, dim, index)
    out = xp.take(x1, i1, axis=d)
    return out.reshape(x.shape) if x.ndim == 0 else out


def _index_add(xp, x, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source`` added to its slices along ``dim`` at ``index``
    (``source.size(dim) == len(index)``; repeated indices add up).
    """
    d, x1, i1 = _index_vector("index_add", x, dim, index, source)
    if x.dtype.kind in "biu" and isinstance(alpha, float):
        raise RuntimeError("index_add: for integral input tensors, alpha must not be a float")
    s1 = _at_least_1d(source)
    if alpha != 1:
        s1 = s1 * alpha
    out = x1.copy()
    along = xp.broadcast_to(i1.reshape([-1 if k == d else 1 for k in range(s1.ndim)]), s1.shape)
    xp.add.at(out.reshape(-1), _positions(xp, out.shape, d, along).reshape(-1), s1.reshape(-1))
    return out.reshape(x.shape)


def _index_copy(xp, x, dim, index, source):
    """``input`` with its slices along ``dim`` at ``index`` replaced by ``source``'s."""
    d, x1, i1 = _index_vector("index_copy", x, dim, index, source)
    out = x1.copy()
    out[(slice(None),) * d + (i1,)] = _at_least_1d(source)
    return out.reshape(x.shape)


def _index_fill(xp, x, dim, index, value):
    """``input`` with its slices along ``dim`` at ``index`` (negative counts from the
    end) set to ``value``, a number or a 0-d tensor.
    """
    d, x1, i1 = _index_vector("index_fill", x, dim, index, negative=True)
    out = x1.copy()
    out[(slice(None),) * d + (i1,)] = scalar("index_fill", value, x.dtype)
    return out.reshape(x.shape)


def _index_put(xp, x, indices, values, accumulate=False):
    """``input`` with ``values`` written at ``input[indices]`` (a tuple of integer or
    bool tensors), or added there with ``accumulate`` (repeated indices add up).
    """
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of Tensors, got {type(indices)}")
    for i, a in enumerate(indices):
        if not hasattr(a, "dtype") or isinstance(a, np.generic):
            raise TypeError(
                f"index_put: expected Tensor as element {i} in indices, got {type(a).__name__}"
            )
    out = x.copy()
    write_index(xp, "index_put", out, tuple(indices), values, accumulate)
    return out


# ---- the *_scatter ops: input with a view of it replaced by src (out of place) ----------


def _embed(name, x, src, region):
    """A copy of ``input`` with ``region(copy)`` (a view) overwritten by ``src``."""
    if not hasattr(src, "dtype") or isinstance(src, np.generic):
        raise TypeError(f"{name}: src must be a Tensor, got {type(src).__name__}")
    if src.dtype.kind == "c" and x.dtype.kind != "c":
        raise RuntimeError(f"{name}: cannot write a complex src into a real input")
    out = x.copy()
    view = region(out)
    if view.shape != src.shape:
        raise RuntimeError(
            f"{name}: expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(view.shape)}"
        )
    view[...] = src  # cast to input's dtype, as PyTorch's copy_ does
    return out


def _diagonal_scatter(xp, x, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` on its diagonal ``offset`` over dims ``dim1`` and
    ``dim2`` (``src`` has the shape ``input.diagonal(offset, dim1, dim2)`` has).

    >>> ember.diagonal_scatter(ember.zeros(2, 2), ember.ones(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    d1 = wrap_dim(dim1, x.ndim, "diagonal_scatter")
    d2 = wrap_dim(dim2, x.ndim, "diagonal_scatter")
    if d1 == d2:
        raise RuntimeError(
            f"diagonal_scatter: diagonal dimensions cannot be identical {dim1}, {dim2}"
        )
    offset = operator.index(offset)
    return _embed("diagonal_scatter", x, src, lambda out: diagonal_view(xp, out, offset, d1, d2))


def _select_scatter(xp, x, src, dim, index):
    """A copy of ``input`` with ``src`` as its slice ``index`` along ``dim`` (``src``
    has ``input``'s shape without ``dim``).
    """
    if x.ndim == 0:
        raise IndexError("select_scatter: select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, x.ndim, "select_scatter")
    index, size = operator.index(index), x.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select_scatter: index {index} out of range for tensor of size {list(x.shape)} "
            f"at dimension {d}"
        )
    return _embed("select_scatter", x, src, lambda out: out[(slice(None),) * d + (index, ...)])


def _slice_scatter(xp, x, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``src`` written into ``input[..., start:end:step, ...]``
    (the slice along ``dim``; bounds are clamped as Python's slices are).

    >>> ember.slice_scatter(ember.zeros(4), ember.ones(2), 0, 0, None, 2)
    tensor([1., 0., 1., 0.])
    """
    if x.ndim == 0:
        raise IndexError("slice_scatter: slice() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, x.ndim, "slice_scatter")
    step = operator.index(step)
    if step <= 0:
        raise RuntimeError(f"slice_scatter: slice step must be positive, got {step}")
    start = None if start is None else operator.index(start)
    end = None if end is None else operator.index(end)
    return _embed("slice_scatter", x, src, lambda out: slice_dim(out, d, start, end, step))


_SOURCE = same_dtype_rule(3, "source")

gather = Op("gather", _gather)
scatter = Op("scatter", _scatter, promote=same_dtype_rule(3, "src"))
scatter_add = Op("scatter_add", _scatter_add, promote=same_dtype_rule(3, "src"))
scatter_reduce = Op("scatter_reduce", _scatter_reduce, promote=same_dtype_rule(3, "src"))
index_select = Op("index_select", _index_select)
index_add = Op("index_add", _index_add, promote=_SOURCE)
index_copy = Op("index_copy", _index_copy, promote=_SOURCE)
index_fill = Op("index_fill", _index_fill, promote=keep_dtype)
index_put = Op("index_put", _index_put, promote=same_dtype_rule(2, "values"))
diagonal_scatter = Op("diagonal_scatter", _diagonal_scatter)
select_scatter = Op("select_scatter", _select_scatter)
slice_scatter = Op("slice_scatter", _slice_scatter)
