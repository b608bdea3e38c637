"""Indexing ops: ``Tensor.__getitem__``/``__setitem__`` (the ops ``getitem`` and
``setitem``), masks, ``take``/``put``, ``nonzero``. Gathers, scatters and the
``index_*`` ops are in :mod:`ember._ops.scatter`.

Indices are checked before NumPy sees them, so a bad index names its dim and size.
PyTorch reads an index as NumPy does, but for one thing: integers select *before* the
advanced (tensor) indices apply, so ``x[0, :, [1, 2]]`` has shape ``(x.shape[1], 2)``
where NumPy gives ``(2, x.shape[1])``. ``getitem`` therefore indexes in two steps.
"""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from ember import dtypes as _dt
from ember._ops import OPS, Op, wrap_dim
from ember.dispatch import expect_no_internal_overlap

__all__ = [
    "masked_fill",
    "masked_select",
    "masked_scatter",
    "take",
    "take_along_dim",
    "put",
    "nonzero",
    "argwhere",
    "unravel_index",
]


# ---- checks shared with scatter.py ----------------------------------------------------


def dtype_name(np_dtype):
    return _dt.from_numpy(np_dtype).name


def check_index_dtype(name, index, what="index"):
    """``index`` must be an integer tensor (PyTorch takes int64 and int32)."""
    if not hasattr(index, "dtype") or isinstance(index, np.generic):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(index).__name__}")
    if index.dtype.kind not in "iu":
        raise RuntimeError(
            f"{name}: expected an integer tensor (int64 or int32) for {what}, "
            f"got {dtype_name(index.dtype)}"
        )


def check_bounds(name, index, size, dim, negative=True):
    """Raise IndexError naming the first item of ``index`` outside ``[-size, size)``
    (``[0, size)`` without ``negative``).
    """
    if index.size == 0:
        return
    lo, hi = int(index.min()), int(index.max())
    low = -size if negative else 0
    if lo < low or hi >= size:
        bad = lo if lo < low else hi
        raise IndexError(
            f"{name}: index {bad} is out of bounds for dimension {dim} with size {size}"
        )


def check_mask(name, mask, shape=None):
    """``mask`` must be a bool tensor, broadcastable with ``shape`` if given."""
    check = getattr(mask, "dtype", None)
    if check is None or isinstance(mask, np.generic):
        raise TypeError(f"{name}: mask must be a Tensor, got {type(mask).__name__}")
    if mask.dtype.kind != "b":
        raise RuntimeError(f"{name}: expected a bool mask, got {dtype_name(mask.dtype)}")
    if shape is not None:
        return broadcast_shape(name, shape, mask.shape)
    return None


def broadcast_shape(name, a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise RuntimeError(
            f"{name}: shapes {list(a)} and {list(b)} cannot be broadcast together"
        ) from None


def scalar(name, value, dtype):
    """``value`` (a Python number or 0-d array) as a NumPy scalar of ``dtype``.

    Values the dtype cannot hold are refused, as PyTorch refuses them.
    """
    if hasattr(value, "dtype") and not isinstance(value, np.generic):
        if value.ndim:
            raise RuntimeError(
                f"{name}: expected a number or a 0-dimensional value tensor, got a tensor "
                f"with {value.ndim} dimension(s)"
            )
        value = value.item()
    if not isinstance(value, (bool, int, float, complex, np.generic)):
        raise TypeError(f"{name}: expected a number as value, got {type(value).__name__}")
    is_complex = isinstance(value, (complex, np.complexfloating))
    if is_complex:
        bad = dtype.kind != "c"
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        bad = not math.isfinite(float(value)) or not info.min <= int(value) <= info.max
    else:
        bad = False
    if not bad:
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.asarray(value).astype(dtype)[()]
        # A finite number that overflows a float dtype (1e6 as float16) is refused too.
        if dtype.kind == "f" and not is_complex:
            bad = math.isfinite(float(value)) and not np.isfinite(out)
    if bad:
        raise RuntimeError(
            f"{name}: value {value} cannot be converted to type {dtype_name(dtype)} "
            f"without overflow"
        )
    return out


def same_dtype_rule(position, key):
    """A promotion rule for ops whose tensor argument ``key`` (at ``position``) must have
    ``self``'s dtype, as PyTorch requires of index_add, scatter... Nothing is cast.
    """

    def rule(op, vals, kwargs=None):
        other = vals[position] if len(vals) > position else (kwargs or {}).get(key)
        mine = getattr(vals[0], "dtype", None)
        theirs = getattr(other, "dtype", None)
        if isinstance(other, np.generic) or mine is None or theirs is None:
            return
        if mine != theirs:
            raise RuntimeError(
                f"{op.name}: expected self and {key} to have the same dtype, but got "
                f"{dtype_name(mine)} and {dtype_name(theirs)}"
            )

    return rule


def keep_dtype(op, vals, kwargs=None):
    """A promotion rule: the result has ``self``'s dtype; values are cast to it."""


# ---- reading an index -----------------------------------------------------------------


def _index_array(xp, item):
    """A list or array index as an integer or bool array on ``xp``."""
    a = xp.asarray(item)
    if a.dtype.kind == "f" and a.size == 0:
        a = a.astype(np.int64)  # [] is an empty integer index, not a float one
    if a.dtype.kind not in "biu":
        raise IndexError(
            f"tensors used as indices must be long, int, byte or bool tensors, got {a.dtype}"
        )
    if a.dtype == np.uint8:
        warnings.warn(
            "indexing with dtype uint8 is deprecated (it is read as a mask, as in PyTorch); "
            "use a bool tensor instead",
            UserWarning,
            stacklevel=8,  # the line of user code that indexed
        )
        a = a.astype(bool)
    return a


def _read_items(xp, name, index):
    """The items of ``index`` converted, and how many dims of the tensor they consume."""
    items = list(index) if type(index) is tuple else [index]
    used = 0
    for k, item in enumerate(items):
        if isinstance(item, np.bool_):
            items[k] = item = bool(item)
        if item is None or item is Ellipsis or type(item) is bool:
            continue
        if isinstance(item, slice):
            step = item.step
            if step is not None and operator.index(step) <= 0:
                raise ValueError(f"{name}: step must be greater than zero")
            used += 1
        elif isinstance(item, (list, np.ndarray)) or hasattr(item, "__cuda_array_interface__"):
            a = items[k] = _index_array(xp, item)
            if a.ndim == 0 and a.dtype.kind != "b":
                items[k] = int(a)  # a 0-d integer tensor selects, as an int does
            used += a.ndim if a.dtype.kind == "b" else 1
        else:
            try:
                items[k] = operator.index(item)
            except TypeError:
                raise IndexError(
                    f"{name}: only integers, slices (`:`), ellipsis (`...`), None and long "
                    f"or byte or bool tensors are valid indices (got {type(item).__name__})"
                ) from None
            used += 1
    if sum(item is Ellipsis for item in items) > 1:
        raise IndexError(f"{name}: an index can only have a single ellipsis ('...')")
    return items, used


def _check_items(name, shape, items, used):
    """Bounds of integer indices and shapes of masks, dim by dim."""
    ndim = len(shape)
    if used > ndim:
        if ndim == 0:
            raise IndexError(f"{name}: invalid index of a 0-dim tensor; use tensor.item()")
        raise IndexError(f"{name}: too many indices for tensor of dimension {ndim}")
    d = 0
    for item in items:
        if item is None or type(item) is bool:
            continue
        if item is Ellipsis:
            d += ndim - used
        elif isinstance(item, int):
            if not -shape[d] <= item < shape[d]:
                raise IndexError(
                    f"{name}: index {item} is out of bounds for dimension {d} with size {shape[d]}"
                )
            d += 1
        elif isinstance(item, slice):
            d += 1
        elif item.dtype.kind == "b":
            if item.shape != shape[d : d + item.ndim]:
                for j, n in enumerate(item.shape):
                    if n != shape[d + j]:
                        raise IndexError(
                            f"{name}: the shape of the mask {list(item.shape)} at index {j} "
                            f"does not match the shape of the indexed tensor {list(shape)} "
                            f"at index {d + j}"
                        )
            d += item.ndim
        else:
            check_bounds(name, item, shape[d], d)
            d += 1


def _simple_index(shape, index):
    """``index`` as a basic index if it holds only ints in range, slices with no step or
    a positive int one, None and one Ellipsis (the common case, checked quickly), else None.
    """
    items = index if type(index) is tuple else (index,)
    used = ellipses = 0
    for item in items:
        kind = type(item)
        if kind is int or kind is slice:
            used += 1
        elif item is Ellipsis:
            ellipses += 1
        elif item is not None:
            return None
    if used > len(shape) or ellipses > 1:
        return None
    d = 0
    for item in items:
        kind = type(item)
        if kind is int:
            if not -shape[d] <= item < shape[d]:
                return None
            d += 1
        elif kind is slice:
            step = item.step
            if step is not None and (type(step) is not int or step <= 0):
                return None
            d += 1
        elif item is Ellipsis:
            d += len(shape) - used
    # With an Ellipsis, a full integer index gives a 0-d view rather than a scalar.
    return items if ellipses else items + (Ellipsis,)


def parse_index(xp, name, shape, index):
    """``index`` read as PyTorch reads it, as ``(basic, advanced)``.

    ``x[basic]`` is a view (ints, slices, None, Ellipsis); ``advanced`` (None when there
    are no tensor indices) then applies to that view.
    """
    simple = _simple_index(shape, index)
    if simple is not None:
        return simple, None
    items, used = _read_items(xp, name, index)
    _check_items(name, shape, items, used)
    basic, advanced, selects = [], [], False
    for item in items:
        if isinstance(item, bool):  # a new dim, indexed by [0] (True) or [] (False)
            basic.append(None)
            advanced.append(xp.zeros(int(item), dtype=np.int64))
        elif item is None or isinstance(item, slice):
            basic.append(item)
            advanced.append(slice(None))
        elif item is Ellipsis:
            basic.append(item)
            advanced.append(item)
        elif isinstance(item, int):
            basic.append(item)
            selects = True
        else:
            basic.extend([slice(None)] * (item.ndim if item.dtype.kind == "b" else 1))
            advanced.append(item)
    if not any(item is Ellipsis for item in items):
        basic.append(Ellipsis)  # so that a full integer index gives a 0-d view, not a scalar
    if len(advanced) == sum(isinstance(a, slice) or a is Ellipsis for a in advanced):
        return tuple(basic), None
    if not selects and all(b is Ellipsis or b == slice(None) for b in basic):
        return None, tuple(advanced)
    return tuple(basic), tuple(advanced)


def _is_mask(a):
    return getattr(a, "dtype", None) is not None and a.dtype.kind == "b"


def advanced_shape(shape, advanced):
    """The shape of ``x[advanced]`` for an ``x`` of ``shape``, without indexing."""
    used = sum(a.ndim if _is_mask(a) else 1 for a in advanced if a is not Ellipsis)
    dims, index_shapes, at, d = [], [], [], 0
    for k, a in enumerate(advanced):
        if a is Ellipsis:
            n = len(shape) - used
            dims.extend(shape[d : d + n])
            d += n
        elif isinstance(a, slice):
            dims.append(len(range(*a.indices(shape[d]))))
            d += 1
        else:
            index_shapes.append((int(a.sum()),) if _is_mask(a) else a.shape)
            at.append((k, len(dims)))
            d += a.ndim if _is_mask(a) else 1
    dims.extend(shape[d:])
    try:
        middle = np.broadcast_shapes(*index_shapes)
    except ValueError:
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes "
            f"{', '.join(str(list(s)) for s in index_shapes)}"
        ) from None
    adjacent = [k for k, _ in at] == list(range(at[0][0], at[0][0] + len(at)))
    pos = at[0][1] if adjacent else 0  # separated advanced indices go first
    return tuple(dims[:pos]) + middle + tuple(dims[pos:])


def check_value_shape(name, value_shape, target):
    """A value must broadcast to the indexed shape (leading 1s may be dropped)."""
    shape = tuple(value_shape)
    while len(shape) > len(target) and shape[0] == 1:
        shape = shape[1:]
    ok = len(shape) <= len(target) and all(v in (1, t) for v, t in zip(shape[::-1], target[::-1]))
    if not ok:
        raise RuntimeError(
            f"{name}: shape mismatch: value tensor of shape {list(value_shape)} cannot be "
            f"broadcast to indexing result of shape {list(target)}"
        )
    return shape


# ---- the ops --------------------------------------------------------------------------


def _getitem(xp, x, index):
    """``input[index]`` (``Tensor.__getitem__``): ints, slices (positive steps), None,
    Ellipsis, bool masks and integer tensors or lists, read as PyTorch reads them.

    Basic indices give a view; tensor (advanced) indices give a copy.
    """
    basic, advanced = parse_index(xp, "getitem", x.shape, index)
    out = x if basic is None else x[basic]
    if advanced is None:
        return out
    if sum(hasattr(a, "dtype") for a in advanced) > 1:
        advanced_shape(out.shape, advanced)  # index tensors must broadcast together
    return out[advanced]


def _accumulate(xp, out, advanced, values):
    """``out[advanced] += values``, with repeated indices adding up."""
    if len(advanced) == 1 and advanced[0].dtype.kind in "iu" and out.flags.c_contiguous:
        # Whole rows: one flat ufunc.at over their items, the fast path of ufunc.at.
        idx, n = advanced[0], out.shape[0]
        row = out.size // n if n else 0
        vals = xp.broadcast_to(values, idx.shape + out.shape[1:])
        idx = xp.where(idx < 0, idx + n, idx).reshape(-1, 1)
        pos = idx * row + xp.arange(row, dtype=np.int64)
        xp.add.at(out.reshape(-1), pos.reshape(-1), vals.reshape(-1))
        return
    items = []
    for a in advanced:
        items.extend(xp.nonzero(a) if _is_mask(a) else (a,))
    xp.add.at(out, tuple(items), values)


def write_index(xp, name, out, index, value, accumulate=False):
    """``out[index] = value`` (or ``+=`` with repeated indices adding up), in place,
    with ``value`` a number or an array broadcast to the indexed shape.
    """
    basic, advanced = parse_index(xp, name, out.shape, index)
    target = out if basic is None else out[basic]
    if hasattr(value, "dtype") and not isinstance(value, np.generic):
        shape = target.shape if advanced is None else advanced_shape(target.shape, advanced)
        value = value.reshape(check_value_shape(name, value.shape, shape))
        value = value.astype(out.dtype, copy=False)
    else:
        value = scalar(name, value, out.dtype)
    if advanced is None:
        # As in PyTorch: a basic-indexed target where several elements share one memory
        # location (a slice of an expanded tensor) is refused; advanced indexing is not.
        expect_no_internal_overlap(name, target)
        if accumulate:
            target += value
        else:
            target[...] = value
    elif accumulate:
        _accumulate(xp, target, advanced, value)
    else:
        target[advanced] = value


def _setitem(xp, x, index, value):
    """``input[index] = value`` in place (``Tensor.__setitem__``); ``value`` is a number
    or a tensor broadcast to the indexed shape and cast to ``input``'s dtype.
    """
    write_index(xp, "setitem", x, index, value)
    return x


def _masked_fill(xp, x, mask, value):
    """``input`` with ``value`` (a number or 0-d tensor, cast to ``input``'s dtype) where
    the bool ``mask`` (broadcast) is True.
    """
    check_mask("masked_fill", mask, x.shape)
    fill = xp.asarray(scalar("masked_fill", value, x.dtype))
    return xp.where(mask, fill, x)


def _masked_select(xp, x, mask):
    """The items of ``input`` where the bool ``mask`` (broadcast) is True, as a 1-D tensor."""
    shape = check_mask("masked_select", mask, x.shape)
    if x.shape != shape or mask.shape != shape:
        x, mask = xp.broadcast_to(x, shape), xp.broadcast_to(mask, shape)
    return x[mask]


def _masked_scatter(xp, x, mask, source):
    """``input`` with the first items of ``source``, in order, written where ``mask`` is
    True (``source`` needs at least as many items as ``mask`` has True values).
    """
    shape = check_mask("masked_scatter", mask, x.shape)
    out = xp.array(xp.broadcast_to(x, shape))
    where = xp.broadcast_to(mask, shape)
    count = int(where.sum())
    if source.size < count:
        raise RuntimeError(
            f"masked_scatter: source has {source.size} elements, fewer than the "
            f"{count} True values of mask"
        )
    out[where] = source.reshape(-1)[:count]
    return out


def _flat_bounds(name, index, n):
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < -n or hi >= n:
            raise IndexError(
                f"{name}: out of range: tried to access index {lo if lo < -n else hi} on a "
                f"tensor of {n} elements"
            )


def _take(xp, x, index):
    """Items of ``input`` read as 1-D at ``index`` (negative counts from the end); the
    result has ``index``'s shape.
    """
    check_index_dtype("take", index)
    _flat_bounds("take", index, x.size)
    return xp.take(x.reshape(-1), index)


def _take_along_dim(xp, x, indices, dim=None):
    """Items of ``input`` at ``indices`` along ``dim`` (``input`` and ``indices``
    broadcast in the other dims); with ``dim=None``, of the flattened input.

    Negative indices count from the end, in both forms (PyTorch refuses them in the
    flattened form only).
    """
    check_index_dtype("take_along_dim", indices, "indices")
    if dim is None or x.ndim == 0:
        _flat_bounds("take_along_dim", indices, x.size)
        out = xp.take_along_axis(x.reshape(-1), indices.reshape(-1), 0)
        return out if dim is None else out.reshape(indices.shape)
    d = wrap_dim(dim, x.ndim, "take_along_dim")
    if x.ndim != indices.ndim:
        raise RuntimeError(
            f"take_along_dim: input and indices should have the same number of dimensions, "
            f"but got {x.ndim} dimensions for input, and {indices.ndim} for indices"
        )
    # Broadcast every dim but ``dim``, where the sizes are the input's and the indices'.
    ones = [(*s[:d], 1, *s[d + 1 :]) for s in (x.shape, indices.shape)]
    shape = list(broadcast_shape("take_along_dim", *ones))
    check_bounds("take_along_dim", indices, x.shape[d], d)
    shape[d] = x.shape[d]
    xb = xp.broadcast_to(x, shape)
    shape[d] = indices.shape[d]
    return xp.take_along_axis(xb, xp.broadcast_to(indices, shape), d)


def _put(xp, x, index, source, accumulate=False):
    """``input`` with ``source``'s items written at ``index`` of ``input`` read as 1-D
    (added there with ``accumulate``, so repeated indices add up).
    """
    check_index_dtype("put", index)
    if index.size != source.size:
        raise RuntimeError(
            f"put: expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.size}, index.numel() = {index.size}"
        )
    out = x.copy()
    flat, pos = out.reshape(-1), index.reshape(-1)
    _flat_bounds("put", pos, flat.size)
    if accumulate:
        pos = xp.where(pos < 0, pos + flat.size, pos)
        xp.add.at(flat, pos, source.reshape(-1))
    else:
        flat[pos] = source.reshape(-1)
    return out


def _nonzero(xp, x, *, as_tuple=False):
    """Indices of the nonzero items of ``input``: an ``(n, ndim)`` int64 tensor, or with
    ``as_tuple`` one 1-D tensor per dim (as ``input[result]`` takes them).
    """
    flat = x.reshape(1) if x.ndim == 0 else x
    if as_tuple:
        return tuple(xp.nonzero(flat))
    if x.ndim == 0:
        return xp.zeros((int(bool(x)), 0), dtype=np.int64)
    return xp.argwhere(x)


getitem = Op("getitem", _getitem, view=True, method=False)
setitem = Op("setitem", _setitem, inplace=True, method=False)
masked_fill = Op("masked_fill", _masked_fill, promote=keep_dtype)
masked_select = Op("masked_select", _masked_select)
masked_scatter = Op("masked_scatter", _masked_scatter, promote=same_dtype_rule(2, "source"))
take = Op("take", _take)
take_along_dim = Op("take_along_dim", _take_along_dim)
put = Op("put", _put, promote=same_dtype_rule(2, "source"))
nonzero = Op("nonzero", _nonzero)
argwhere = nonzero  # PyTorch's alias (without as_tuple)


def _unravel_shape(shape):
    """``shape`` (an int or a sequence of ints) checked as PyTorch checks it."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(
                f"unravel_index: expected 'shape' sequence to only contain ints, but got "
                f"{type(s).__name__}"
            )
    if any(s < 0 for s in shape):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got {shape}")
    return tuple(int(s) for s in shape)


def unravel_index(indices, shape):
    """The coordinates, in a tensor of ``shape``, of the flat (C-order) ``indices``: a
    tuple of one int64 tensor per dim, each of ``indices``' shape.

    As in PyTorch, indices are not checked against ``shape``: each coordinate is taken
    modulo its dim's size (so -1 is the last item).

    >>> ember.unravel_index(ember.tensor([4, 5]), (3, 2))
    (tensor([2, 2]), tensor([0, 1]))
    """
    from ember.tensor import Tensor

    if not isinstance(indices, Tensor):
        raise TypeError(
            f"unravel_index: expected 'indices' to be a Tensor, got {type(indices).__name__}"
        )
    if indices.dtype.category != _dt.INTEGRAL:
        raise TypeError(
            f"unravel_index: expected 'indices' to be integer dtype, but got {indices.dtype.name}"
        )
    shape = _unravel_shape(shape)
    if 0 in shape and indices.numel():
        raise ValueError(f"unravel_index: cannot unravel indices into the empty shape {shape}")
    flat = indices.to(_dt.int64)
    coords, step = [], 1
    for size in reversed(shape):
        coords.append(OPS["remainder"](OPS["floor_divide"](flat, step), max(size, 1)))
        step *= size
    return tuple(reversed(coords))


# The family's second module (gather, scatter, index_*); its names are the family's.
from ember._ops import scatter as _scatter  # noqa: E402
from ember._ops.scatter import *  # noqa: E402, F403

__all__ += _scatter.__all__
