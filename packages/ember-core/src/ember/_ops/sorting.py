"""Sort-based reductions: sort, topk, kthvalue, median, mode, quantile, unique, the
histograms (bincount, histc, histogram, histogramdd), and searches in sorted sequences
(searchsorted, bucketize, isin).

nan sorts as the largest value throughout, as in PyTorch. Where PyTorch fixes a tie rule
it is followed (sort and argsort are stable; mode reports the last occurrence); where it
does not (median, kthvalue, topk) the index of any equal element may come back.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from ember import dtypes as _dt
from ember._ops import Op
from ember._ops.reduction import (
    _return_type,
    along,
    check_nonempty,
    finish,
    is_floating,
    return_types,
)

__all__ = [
    "sort",
    "argsort",
    "msort",
    "topk",
    "kthvalue",
    "median",
    "nanmedian",
    "mode",
    "quantile",
    "nanquantile",
    "unique",
    "unique_consecutive",
    "bincount",
    "histc",
    "histogram",
    "histogramdd",
    "searchsorted",
    "bucketize",
    "isin",
]


def _part(a, axis, start, stop=None):
    """``a[start:stop]`` along ``axis``, keeping the dim."""
    return a[(slice(None),) * axis + (slice(start, stop),)]


def _argsort(xp, x, axis):
    """A stable ascending sort order along ``axis``; nan sorts last."""
    # NumPy's default sort is not stable; CuPy's always is (and takes no ``kind``).
    return xp.argsort(x, axis=axis, kind="stable") if xp is np else xp.argsort(x, axis=axis)


def _sort_order(xp, x, axis, descending):
    """Stable sort order; descending keeps equal elements in input order and nan first."""
    if not descending:
        return _argsort(xp, x, axis)
    # An ascending stable sort of the reversed input, reversed, is a stable descending sort.
    order = _argsort(xp, xp.flip(x, axis=axis), axis)
    return (x.shape[axis] - 1) - xp.flip(order, axis=axis)


def _nan_aware(x):
    return x.dtype.kind in "fV"


# ---- sorting ---------------------------------------------------------------------


def _sort(xp, x, dim=-1, descending=False, *, stable=False):
    """``input`` sorted along ``dim``, with the index each value came from.

    The sort is always stable (``stable`` is accepted for PyTorch's signature): equal
    values keep their input order, descending too. nan sorts as the largest value.

    Returns:
        a named tuple ``(values, indices)``.
    """
    y, axis = along(x, dim, "sort")
    order = _sort_order(xp, y, axis, descending)
    return xp.take_along_axis(y, order, axis=axis).reshape(x.shape), order.reshape(x.shape)


def _argsort_kernel(xp, x, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (always a stable sort)."""
    y, axis = along(x, dim, "argsort")
    return _sort_order(xp, y, axis, descending).reshape(x.shape)


def _msort(xp, x):
    """``input`` sorted along its first dim (the values of ``sort(input, dim=0)``)."""
    y, axis = along(x, 0, "msort")
    return xp.sort(y, axis=axis).reshape(x.shape)


def _topk(xp, x, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or, with ``largest=False``, smallest) elements along ``dim``.

    nan counts as the largest value. The result is always sorted, best first.

    Returns:
        a named tuple ``(values, indices)``.
    """
    k = operator.index(k)
    y, axis = along(x, dim, "topk")
    n = y.shape[axis]
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k={k}, dim {axis} has {n})")
    if x.ndim == 0:  # PyTorch gives the element for k=0 as well as k=1
        return x.copy(), xp.zeros((), dtype=np.int64)
    picked = None
    if 0 < k < n:  # a linear-time partition, then a sort of the k picked only
        kth = n - k if largest else k - 1
        part = xp.argpartition(y, kth, axis=axis)
        picked = _part(part, axis, n - k) if largest else _part(part, axis, 0, k)
        y = xp.take_along_axis(y, picked, axis=axis)
    order = _part(_sort_order(xp, y, axis, largest), axis, 0, k)
    index = order if picked is None else xp.take_along_axis(picked, order, axis=axis)
    return xp.take_along_axis(y, order, axis=axis), index


def _kthvalue(xp, x, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element (1-based) of each slice along ``dim``, and its index.

    Returns:
        a named tuple ``(values, indices)``.
    """
    k = operator.index(k)
    y, axis = along(x, dim, "kthvalue")
    check_nonempty("kthvalue", y, (axis,))
    n = y.shape[axis]
    if not 1 <= k <= n:
        raise RuntimeError(
            f"kthvalue: selected number k out of range for dimension {axis} (k={k}, size {n})"
        )
    index = _part(xp.argpartition(y, k - 1, axis=axis), axis, k - 1, k)
    values = xp.take_along_axis(y, index, axis=axis)
    return finish(values, axis, keepdim, x), finish(index, axis, keepdim, x)


# ---- medians and modes -----------------------------------------------------------


def _median_all(xp, name, x, skip_nan):
    flat = x.reshape(-1)
    if skip_nan and _nan_aware(x):
        flat = flat[~xp.isnan(flat)]
    if flat.size == 0:
        if not is_floating(x):
            raise RuntimeError(f"{name}: cannot take the median of an empty integer tensor")
        return xp.full((), np.nan, dtype=x.dtype)
    k = (flat.size - 1) // 2
    part = xp.partition(flat, k)
    if skip_nan or not _nan_aware(x):
        return part[k]
    top = xp.max(part[k:])  # nan sorts last, so any nan lies above the median
    return xp.where(xp.isnan(top), top, part[k])


def _median_dim(xp, name, x, dim, keepdim):
    y, axis = along(x, dim, name)
    check_nonempty(name, y, (axis,))
    nan = xp.isnan(y) if _nan_aware(y) else None
    if nan is not None and name == "nanmedian" and bool(nan.any()):
        # the k-th valid value differs by slice: a full sort (nan last) instead of a partition
        order = xp.argsort(y, axis=axis)
        valid = y.shape[axis] - xp.sum(nan, axis=axis, keepdims=True)
        index = xp.take_along_axis(order, xp.maximum(valid - 1, 0) // 2, axis=axis)
    else:
        k = (y.shape[axis] - 1) // 2
        index = _part(xp.argpartition(y, k, axis=axis), axis, k, k + 1)
        if nan is not None and name == "median":  # a slice holding nan: its first nan
            first = xp.argmax(nan, axis=axis, keepdims=True)
            index = xp.where(xp.any(nan, axis=axis, keepdims=True), first, index)
    values = xp.take_along_axis(y, index, axis=axis)
    return finish(values, axis, keepdim, x), finish(index, axis, keepdim, x)


def _median(xp, x, dim=None, keepdim=False):
    """The lower median of ``input`` (nan if it holds nan).

    With ``dim``: the median of each slice along it and an index where it occurs.

    Returns:
        a tensor (no dim), or a named tuple ``(values, indices)``.
    """
    if dim is None:
        return _median_all(xp, "median", x, skip_nan=False)
    return _median_dim(xp, "median", x, dim, keepdim)


def _nanmedian(xp, x, dim=None, keepdim=False):
    """:func:`median` ignoring nan; nan only where a slice has nothing else."""
    if dim is None:
        return _median_all(xp, "nanmedian", x, skip_nan=True)
    return _median_dim(xp, "nanmedian", x, dim, keepdim)


def _mode(xp, x, dim=-1, keepdim=False):
    """The most frequent value of each slice along ``dim`` and its last index.

    Among equally frequent values the smallest wins. nan never equals nan, so each nan
    counts once (a slice of nan alone gives nan); PyTorch's answer there is arbitrary.

    Returns:
        a named tuple ``(values, indices)``.
    """
    y, axis = along(x, dim, "mode")
    check_nonempty("mode", y, (axis,))
    n = y.shape[axis]
    rows = xp.moveaxis(y, axis, -1).reshape(-1, n)
    ranked = xp.sort(rows, axis=-1)
    starts = xp.ones(ranked.shape, dtype=bool)
    starts[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
    run = xp.cumsum(starts.reshape(-1)) - 1  # run number of each element, over all rows
    length = xp.bincount(run)[run].reshape(ranked.shape)
    # The longest run wins, then the earliest (smallest value): one argmax of a key.
    best = xp.argmax(length * (n + 1) - xp.arange(n), axis=-1, keepdims=True)
    value = xp.take_along_axis(ranked, best, axis=-1)
    hit = rows == value
    if _nan_aware(rows):
        hit |= xp.isnan(rows) & xp.isnan(value)
    last = (n - 1) - xp.argmax(hit[:, ::-1], axis=-1, keepdims=True)
    shape = y.shape[:axis] + y.shape[axis + 1 :] + (1,)
    values = xp.moveaxis(value.reshape(shape), -1, axis)
    index = xp.moveaxis(last.reshape(shape), -1, axis)
    return finish(values, axis, keepdim, x), finish(index, axis, keepdim, x)


# ---- quantiles -------------------------------------------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_q(xp, name, x, q, interpolation):
    """Check the arguments; ``q`` as a 1-D array of ``input``'s dtype, and if it was 1-D."""
    if x.dtype not in (np.float32, np.float64):
        raise RuntimeError(
            f"{name}: input tensor must be either float or double dtype, "
            f"got {_dt.from_numpy(x.dtype).name}"
        )
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}: interpolation must be one of {', '.join(_INTERPOLATIONS)}, "
            f"but got {interpolation!r}"
        )
    if x.size == 0:
        raise RuntimeError(f"{name}: input tensor must be non-empty")
    if not isinstance(q, xp.ndarray):
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}: q must be in the range [0, 1] but got {q}")
        return xp.asarray([q], dtype=x.dtype), False
    if q.ndim > 1:
        raise RuntimeError(f"{name}: q must be a scalar or 1D tensor, got shape {q.shape}")
    if q.dtype != x.dtype:
        raise RuntimeError(
            f"{name}: q tensor must be same dtype as the input tensor, got "
            f"{_dt.from_numpy(q.dtype).name} and {_dt.from_numpy(x.dtype).name}"
        )
    if not bool(xp.all((q >= 0) & (q <= 1))):
        raise RuntimeError(f"{name}: q values must be in the range [0, 1]")
    return q.reshape(-1), q.ndim == 1


def _lerp(xp, low, high, weight):
    # PyTorch's lerp: from the nearer end, so that infinite ends stay infinite.
    with np.errstate(invalid="ignore"):  # inf - inf in the branch not taken
        diff = high - low
        return xp.where(weight < 0.5, low + weight * diff, high - diff * (1 - weight))


def _quantile(xp, name, x, q, dim, keepdim, interpolation):
    qs, vector = _quantile_q(xp, name, x, q, interpolation)
    if dim is None:
        rows, shape = x.reshape(1, -1), (1,) * x.ndim if keepdim else ()
    else:
        y, axis = along(x, dim, name)
        rows = xp.moveaxis(y, axis, -1).reshape(-1, y.shape[axis])
        shape = tuple(1 if i == axis else s for i, s in enumerate(x.shape))
        shape = shape if keepdim else shape[:axis] + shape[axis + 1 :]
    ranked = xp.sort(rows, axis=-1)  # nan last
    n = ranked.shape[-1]
    if name == "nanquantile":
        valid = xp.sum(~xp.isnan(ranked), axis=-1).astype(x.dtype)
        rank = xp.maximum(qs[:, None] * (valid - 1), 0)  # all nan: rank 0, a nan
    else:  # a slice holding nan gives nan: point at its last element
        rank = xp.where(xp.isnan(ranked[:, -1]), n - 1, qs[:, None] * (n - 1)).astype(x.dtype)
    low = xp.floor(rank)
    row = xp.arange(ranked.shape[0])[None, :]
    if interpolation in ("lower", "higher", "nearest"):
        pick = {"lower": low, "higher": xp.ceil(rank), "nearest": xp.round(rank)}[interpolation]
        out = ranked[row, pick.astype(np.int64)]
    else:
        weight = xp.asarray(0.5, x.dtype) if interpolation == "midpoint" else rank - low
        below = ranked[row, low.astype(np.int64)]
        out = _lerp(xp, below, ranked[row, xp.ceil(rank).astype(np.int64)], weight)
    return out.reshape((qs.shape[0],) + shape if vector else shape)


def _quantile_kernel(xp, x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-th quantiles of ``input`` (flattened when ``dim`` is None).

    Args:
        q: a number or a 1-D tensor in [0, 1]; a tensor adds a leading dim to the result.
        interpolation: between the two nearest values: 'linear', 'lower', 'higher',
            'midpoint' or 'nearest' (ties to even).

    A slice holding nan gives nan.
    """
    return _quantile(xp, "quantile", x, q, dim, keepdim, interpolation)


def _nanquantile(xp, x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """:func:`quantile` ignoring nan; nan only where a slice has nothing else."""
    return _quantile(xp, "nanquantile", x, q, dim, keepdim, interpolation)


# ---- unique values ---------------------------------------------------------------


def _collapse(xp, ranked, order, return_inverse, return_counts, inverse_shape):
    """Unique rows of ``ranked`` (equal rows adjacent), plus inverse and counts if asked."""
    starts = xp.ones(ranked.shape[0], dtype=bool)
    differ = ranked[1:] != ranked[:-1]  # nan != nan: each nan stands alone, as in PyTorch
    starts[1:] = differ.any(axis=tuple(range(1, ranked.ndim))) if ranked.ndim > 1 else differ
    out = [ranked[starts]]
    if return_inverse:
        group = xp.cumsum(starts) - 1
        if order is not None:
            inverse = xp.empty_like(group)
            inverse[order] = group
            group = inverse
        out.append(group.reshape(inverse_shape))
    if return_counts:
        first = xp.flatnonzero(starts)
        out.append(xp.diff(xp.concatenate([first, xp.asarray([ranked.shape[0]])])))
    return out


def _unique_impl(xp, name, x, ordered, return_inverse, return_counts, dim):
    if dim is None:
        flat = x.reshape(-1)
        # any sort order serves: equal values are interchangeable, and so is the inverse
        order = xp.argsort(flat) if ordered and return_inverse else None
        ranked = flat[order] if order is not None else xp.sort(flat) if ordered else flat
        out = _collapse(xp, ranked, order, return_inverse, return_counts, x.shape)
    else:
        y, axis = along(x, dim, name)
        slices = xp.moveaxis(y, axis, 0)
        m = slices.shape[0]
        rows = slices.reshape(m, math.prod(slices.shape[1:]))
        if m and rows.shape[1] == 0:
            raise RuntimeError(
                f"{name}: There are 0 sized dimensions, and they aren't selected, "
                f"so {name} cannot be applied"
            )
        order = None
        if ordered and m:  # rows in lexicographic order: the first column is the primary key
            order = xp.lexsort(rows.T[::-1])
        ranked = rows if order is None else rows[order]
        out = _collapse(xp, ranked, order, return_inverse, return_counts, (m,))
        out[0] = xp.moveaxis(out[0].reshape(out[0].shape[:1] + slices.shape[1:]), 0, axis)
    return out[0] if len(out) == 1 else tuple(out)


def _unique(xp, x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The unique elements of ``input`` (or unique slices along ``dim``), sorted.

    Args:
        sorted: accepted for PyTorch's signature; the result is always sorted.
        return_inverse: also return where each element went in the result.
        return_counts: also return how often each unique value occurs.

    Returns:
        the values, or a tuple ``(values[, inverse][, counts])``.
    """
    return _unique_impl(xp, "unique", x, True, return_inverse, return_counts, dim)


def _unique_consecutive(xp, x, return_inverse=False, return_counts=False, dim=None):
    """``input`` with each run of equal consecutive elements (or slices) reduced to one.

    Returns:
        the values, or a tuple ``(values[, inverse][, counts])``.
    """
    return _unique_impl(xp, "unique_consecutive", x, False, return_inverse, return_counts, dim)


# ---- histograms ------------------------------------------------------------------


def _bincount(xp, x, weights=None, minlength=0):
    """How often each value occurs in a 1-D tensor of non-negative integers.

    Args:
        weights: count ``weights[i]`` for ``input[i]`` instead of 1; float32 weights give
            float32, others float64 (as in PyTorch).
        minlength: the least length of the result.
    """
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise RuntimeError(
            f"bincount: only supports 1-d non-negative integral inputs, got a {x.ndim}-D "
            f"{_dt.from_numpy(x.dtype).name} tensor"
        )
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != x.shape[0]):
        raise RuntimeError(
            f"bincount: weights should be 1-d and have the same length as input, got "
            f"shape {tuple(weights.shape)} for an input of length {x.shape[0]}"
        )
    if x.size and int(x.min()) < 0:
        raise RuntimeError(f"bincount: input must be non-negative, got {int(x.min())}")
    out = xp.bincount(x, weights=weights, minlength=minlength)
    if weights is None:
        return out.astype(np.int64, copy=False)
    return out.astype(np.float32 if weights.dtype == np.float32 else np.float64, copy=False)


def _histc_range(x, low, high):
    low, high = float(low), float(high)
    if low == high and x.size:  # no range given: the data's
        low, high = float(x.min()), float(x.max())
    if low == high:
        low, high = low - 1, high + 1
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"histc: range of [{low}, {high}] is not finite")
    if low > high:
        raise RuntimeError(f"histc: max must be larger than min, got min={low}, max={high}")
    return low, high


def _bin_edges(xp, low, high, bins, dtype):
    # PyTorch's linspace in the input's dtype (from both ends), so values on an edge land
    # in the bin PyTorch puts them in.
    start, end = xp.asarray(low, dtype), xp.asarray(high, dtype)
    step = (end - start) / xp.asarray(bins, dtype)
    i = xp.arange(bins + 1)
    up, down = i.astype(dtype), (bins - i).astype(dtype)
    return xp.where(i < (bins + 1) // 2, start + step * up, end - step * down)


def _histc(xp, x, bins=100, min=0, max=0):
    """A histogram of ``input`` in ``bins`` equal bins spanning ``[min, max]``.

    When ``min == max`` the data's own range is used. Elements outside the range, and
    nan, are not counted. Floating inputs only; the result has the input's dtype.
    """
    if x.dtype.kind not in "fV":
        raise RuntimeError(
            f"histc: expected a floating point input, got {_dt.from_numpy(x.dtype).name}"
        )
    bins = operator.index(bins)
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, but got {bins}")
    edges = _bin_edges(xp, *_histc_range(x, min, max), bins, x.dtype)
    flat = x.reshape(-1)
    inside = flat[(flat >= edges[0]) & (flat <= edges[-1])]  # nan is outside too
    # PyTorch's bin formula, then a step to either side where rounding crossed an edge;
    # the right edge belongs to the last bin.
    where = ((inside - edges[0]) * bins / (edges[-1] - edges[0])).astype(np.int64)
    where = xp.clip(where, 0, bins - 1)
    where -= inside < edges[where]
    where += (inside >= edges[where + 1]) & (where < bins - 1)
    return xp.bincount(where, minlength=bins).astype(x.dtype)


# PyTorch's field names; the namespace is the family's (``ember.return_types``).
return_types.histogram = _return_type("histogram", ("hist", "bin_edges"))
return_types.histogramdd = _return_type("histogramdd", ("hist", "bin_edges"))


def _dtype_name(a):
    return _dt.from_numpy(a.dtype).name


def _outer_edges(name, columns, range):
    """``(low, high)`` of each dim (column): ``range``'s, else the data's; an empty range
    widens by 0.5 either way, as in NumPy and PyTorch."""
    d = columns.shape[1]
    if range is not None:
        range = [float(v) for v in range]
        if len(range) != 2 * d:
            raise RuntimeError(
                f"{name}: for a {d}-dimensional histogram range should have {2 * d} "
                f"elements, but got {len(range)}"
            )
        pairs = list(zip(range[::2], range[1::2]))
    elif columns.shape[0]:
        pairs = list(zip(columns.min(axis=0).tolist(), columns.max(axis=0).tolist()))
    else:  # no data and no range: [0, 1]
        pairs = [(0.0, 1.0)] * d
    for dim, (low, high) in enumerate(pairs):
        if not (math.isfinite(low) and math.isfinite(high)):
            raise RuntimeError(f"{name}: dimension {dim}'s range [{low}, {high}] is not finite")
        if low > high:
            raise RuntimeError(
                f"{name}: min should not exceed max, but got min {low} max {high} "
                f"for dimension {dim}"
            )
    return [(low - 0.5, high + 0.5) if low == high else (low, high) for low, high in pairs]


def _given_edges(xp, name, dim, edges, dtype):
    """A tensor of bin edges, checked as PyTorch does (not for being sorted)."""
    if edges.ndim != 1:
        raise RuntimeError(
            f"{name}: bins tensor should have one dimension, but got {edges.ndim} "
            f"dimensions in the bins tensor for dimension {dim}"
        )
    if edges.dtype != dtype:
        raise RuntimeError(
            f"{name}: input tensor and bins tensors should have the same dtype, but got "
            f"input with dtype {_dt.from_numpy(dtype).name} and bins for dimension {dim} "
            f"with dtype {_dtype_name(edges)}"
        )
    if edges.shape[0] < 2:
        raise RuntimeError(f"{name}: bins must be > 0, but got 0 for dimension {dim}")
    return xp.array(edges)  # a copy: the result must not alias the argument


def _bin_count(name, dim, bins):
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
        raise TypeError(
            f"{name}: bins must be an int or 1-D tensors of bin edges, got {type(bins).__name__}"
        )
    if bins <= 0:
        raise RuntimeError(f"{name}: bins must be > 0, but got {bins} for dimension {dim}")
    return int(bins)


def _histogram_edges(xp, name, columns, bins, range):
    """The bin edges of each dim: ``bins`` is a list, an int count or an edges array per dim."""
    # a tensor after an int in a list reaches here unwrapped: it still counts as edges
    arrays = [hasattr(b, "shape") for b in bins]
    if any(arrays):
        if not all(arrays):
            raise TypeError(f"{name}: bins must be all ints or all tensors of bin edges")
        if range is not None:
            raise TypeError(f"{name}: range cannot be given with tensors of bin edges")
        return [_given_edges(xp, name, d, b, columns.dtype) for d, b in enumerate(bins)]
    counts = [_bin_count(name, d, b) for d, b in enumerate(bins)]
    outer = _outer_edges(name, columns, range)
    return [_bin_edges(xp, low, high, n, columns.dtype) for (low, high), n in zip(outer, counts)]


def _bin_of(xp, column, edges):
    """The bin of each value along one dim, and whether it lies in ``[edges[0], edges[-1]]``
    (nan does not). The right edge belongs to the last bin."""
    inside = (column >= edges[0]) & (column <= edges[-1])
    where = xp.searchsorted(edges, column, side="right") - 1
    return xp.clip(where, 0, edges.shape[0] - 2), inside


def _count_bins(xp, columns, edges, weight, density):
    """The (weighted) count of rows of ``columns`` in each cell of the grid ``edges``."""
    shape = tuple(e.shape[0] - 1 for e in edges)
    keep = xp.ones(columns.shape[0], dtype=bool)
    cell = xp.zeros(columns.shape[0], dtype=np.int64)
    for dim, e in enumerate(edges):  # row-major cell number, one dim at a time
        where, inside = _bin_of(xp, columns[:, dim], e)
        cell = cell * shape[dim] + where
        keep &= inside
    w = None if weight is None else weight[keep]
    hist = xp.bincount(cell[keep], weights=w, minlength=math.prod(shape))
    hist = hist.reshape(shape).astype(columns.dtype)
    if not density:
        return hist
    # PyTorch's order: divide by the total, then by each dim's bin widths. An empty
    # histogram or a zero-width bin gives nan, as there.
    with np.errstate(divide="ignore", invalid="ignore"):
        hist = hist / hist.sum()
        for dim, e in enumerate(edges):
            hist = hist / xp.diff(e).reshape((-1,) + (1,) * (len(shape) - dim - 1))
    return hist


def _check_histogram_args(name, x, weight):
    if x.dtype not in (np.float32, np.float64):
        raise NotImplementedError(
            f"{name}: not implemented for {_dtype_name(x)} inputs (float32 or float64 only)"
        )
    if weight is None:
        return
    if not hasattr(weight, "dtype"):
        raise TypeError(f"{name}: weight must be a tensor, got {type(weight).__name__}")
    if weight.dtype != x.dtype:
        raise RuntimeError(
            f"{name}: if weight tensor is provided, input tensor and weight tensor should "
            f"have the same dtype, but got input({_dtype_name(x)}), and "
            f"weight({_dtype_name(weight)})"
        )


def _histogram(xp, x, bins, *, range=None, weight=None, density=False):
    """A histogram of the values of ``input`` (float32 or float64, flattened).

    Args:
        bins: the number of equal-width bins, or a 1-D tensor of increasing bin edges
            (rightmost edge included) of ``input``'s dtype.
        range: ``(min, max)`` of the equal-width bins; by default the data's (a single
            value ``v`` gives ``[v - 0.5, v + 0.5]``). Not with a tensor of edges.
        weight: a tensor of ``input``'s dtype and size: each element counts its weight.
        density: divide each count by the total and by its bin's width.

    Each bin holds ``edges[i] <= x < edges[i+1]``, and the last its right edge too;
    values outside the edges, and nan, are not counted.

    Returns:
        a named tuple ``(hist, bin_edges)``, both of ``input``'s dtype.

    >>> ember.histogram(ember.tensor([1., 2., 1.]), bins=2)
    histogram(hist=tensor([2., 1.]), bin_edges=tensor([1.0000, 1.5000, 2.0000]))
    """
    _check_histogram_args("histogram", x, weight)
    if weight is not None and weight.size != x.size:
        raise RuntimeError(
            f"histogram: weight should have as many elements as input, but got input with "
            f"shape {list(x.shape)} and weight with shape {list(weight.shape)}"
        )
    columns = x.reshape(-1, 1)
    edges = _histogram_edges(xp, "histogram", columns, [bins], range)
    w = None if weight is None else weight.reshape(-1)
    return _count_bins(xp, columns, edges, w, density), edges[0]


def _histogramdd_bins(name, bins, d):
    """``bins`` as one entry per dim: an int applies to every dim."""
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        return [bins] * d
    if not isinstance(bins, (list, tuple)):
        raise TypeError(
            f"{name}: bins must be an int, a sequence of ints or a sequence of 1-D tensors, "
            f"got {type(bins).__name__}"
        )
    if len(bins) != d:
        raise RuntimeError(
            f"{name}: expected {d} bin counts or sequences of bin edges for a "
            f"{d}-dimensional histogram, but got {len(bins)}"
        )
    return list(bins)


def _histogramdd(xp, x, bins, *, range=None, weight=None, density=False):
    """The kernel of :func:`histogramdd`: a flat ``(hist, *bin_edges)``."""
    name = "histogramdd"
    _check_histogram_args(name, x, weight)
    if x.ndim < 2 or x.shape[-1] == 0:
        raise RuntimeError(
            f"{name}: input tensor should have at least 2 dimensions and a non-empty last "
            f"one, but got shape {list(x.shape)}"
        )
    if weight is not None and weight.shape != x.shape[:-1]:
        raise RuntimeError(
            f"{name}: if weight tensor is provided it should have the same shape as the "
            f"input tensor excluding its innermost dimension, but got input with shape "
            f"{list(x.shape)} and weight with shape {list(weight.shape)}"
        )
    columns = x.reshape(-1, x.shape[-1])
    edges = _histogramdd_bins(name, bins, columns.shape[1])
    edges = _histogram_edges(xp, name, columns, edges, range)
    w = None if weight is None else weight.reshape(-1)
    return (_count_bins(xp, columns, edges, w, density), *edges)


def _histogramdd_result(hist, *bin_edges):
    """The kernel's flat ``(hist, *edges)`` as PyTorch's ``(hist, bin_edges)``."""
    return return_types.histogramdd(hist, bin_edges)


# ---- searching sorted sequences --------------------------------------------------


def _side(right, side):
    """PyTorch's ``right``/``side`` pair as NumPy's ``side``."""
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise RuntimeError(f"searchsorted: side can only be 'left' or 'right' but got {side!r}")
    if right and side == "left":
        raise RuntimeError(
            "searchsorted: side and right can't be set to opposites, got side of left "
            "while right was True"
        )
    return side


def _check_search_shapes(seq, values, scalar):
    if scalar and seq.ndim != 1:
        raise RuntimeError(
            "searchsorted: input value can be a scalar only when boundaries tensor dimension "
            f"is 1, but got boundaries tensor dim({seq.ndim})"
        )
    if seq.ndim == 0 or (seq.ndim > 1 and seq.shape[:-1] != values.shape[:-1]):
        raise RuntimeError(
            "searchsorted: boundaries tensor should be 1 dimension or the first N-1 dimensions "
            "of boundaries tensor and input value tensor must match, but got boundaries tensor "
            f"{list(seq.shape)} and input value tensor {list(values.shape)}"
        )


def _apply_sorter(xp, seq, sorter):
    """``seq`` put in order by ``sorter`` (int64 indices along its last dim)."""
    if sorter.dtype != np.int64:
        raise RuntimeError(
            f"searchsorted: sorter must be a tensor of long dtype but got dtype "
            f"{_dt.from_numpy(sorter.dtype).name}"
        )
    if sorter.shape != seq.shape:
        raise RuntimeError(
            f"searchsorted: boundary and sorter must have the same size, but got boundary "
            f"tensor {list(seq.shape)} and sorter tensor {list(sorter.shape)}"
        )
    if sorter.size and (int(sorter.min()) < 0 or int(sorter.max()) >= seq.shape[-1]):
        raise RuntimeError("searchsorted: sorter index out of range")
    return xp.take_along_axis(seq, sorter, axis=-1)


def _searchsorted(xp, seq, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each of ``input`` would be inserted in ``sorted_sequence`` to keep it sorted.

    Args:
        sorted_sequence: sorted along its last dim; 1-D, or with the leading dims of
            ``input`` (each row of ``input`` then searches its own row).
        input: a tensor or a Python number (then ``sorted_sequence`` must be 1-D).
        right: the index after equal values (``side='right'``), not before them.
        sorter: int64 indices that sort ``sorted_sequence`` when it is not sorted.
        out_int32: int32 indices instead of int64.

    >>> ember.searchsorted(ember.tensor([1, 3, 5]), ember.tensor([3, 6]))
    tensor([1, 3])
    """
    side = _side(right, side)
    scalar = not isinstance(values, xp.ndarray)
    values = xp.asarray(values)
    _check_search_shapes(seq, values, scalar)
    if sorter is not None:
        seq = _apply_sorter(xp, seq, sorter)
    dtype = np.int32 if out_int32 else np.int64
    if seq.ndim == 1:
        return xp.searchsorted(seq, values, side=side).astype(dtype)
    rows, n = seq.reshape(-1, seq.shape[-1]), values.shape[-1]
    flat = values.reshape(rows.shape[0], n)
    out = xp.empty(flat.shape, dtype=dtype)
    for i in range(rows.shape[0]):  # NumPy searches one sorted row at a time
        out[i] = xp.searchsorted(rows[i], flat[i], side=side)
    return out.reshape(values.shape)


def _bucketize(xp, values, boundaries, *, out_int32=False, right=False):
    """The bucket of each element of ``input`` given sorted 1-D ``boundaries``.

    Bucket ``i`` holds ``boundaries[i-1] < x <= boundaries[i]`` (``right=False``) or
    ``boundaries[i-1] <= x < boundaries[i]`` (``right=True``); ``input`` may be a number.

    >>> ember.bucketize(ember.tensor([1, 5, 9]), ember.tensor([2, 5, 8]))
    tensor([0, 1, 3])
    """
    if boundaries.ndim != 1:
        raise RuntimeError(
            f"bucketize: boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})"
        )
    return _searchsorted(xp, boundaries, values, out_int32=out_int32, right=right)


def _isin(xp, elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of ``elements`` occurs in ``test_elements`` (bool, its shape).

    Either argument may be a Python number; nan is in nothing. ``invert`` gives the
    opposite, ``assume_unique`` lets both be taken as holding no repeats (faster).
    """
    for name, a in (("elements", elements), ("test_elements", test_elements)):
        if isinstance(a, (bool, np.bool_)) or getattr(a, "dtype", None) == np.bool_:
            raise RuntimeError(f"isin: Unsupported input type encountered for {name}: bool")
    elements, test = xp.asarray(elements), xp.asarray(test_elements)
    return xp.isin(elements, test, assume_unique=assume_unique, invert=invert)


sort = Op("sort", _sort, returns=return_types.sort)
argsort = Op("argsort", _argsort_kernel)
msort = Op("msort", _msort)
topk = Op("topk", _topk, returns=return_types.topk)
kthvalue = Op("kthvalue", _kthvalue, returns=return_types.kthvalue)
median = Op("median", _median, returns=return_types.median)
nanmedian = Op("nanmedian", _nanmedian, returns=return_types.nanmedian)
mode = Op("mode", _mode, returns=return_types.mode)
quantile = Op("quantile", _quantile_kernel)
nanquantile = Op("nanquantile", _nanquantile)
unique = Op("unique", _unique)
unique_consecutive = Op("unique_consecutive", _unique_consecutive)
bincount = Op("bincount", _bincount)
histc = Op("histc", _histc)
histogram = Op("histogram", _histogram, returns=return_types.histogram)
# The kernel returns a flat (hist, *edges): the dispatcher wraps flat tuples only.
_histogramdd_op = Op("histogramdd", _histogramdd, returns=_histogramdd_result, method=False)


def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """A ``D``-dimensional histogram of the points in the last dim of ``input``.

    ``input`` of shape ``(..., D)`` holds points of ``D`` coordinates (float32 or float64).

    Args:
        bins: an int (bins per dim), ``D`` ints, or ``D`` 1-D tensors of bin edges.
        range: ``[min_0, max_0, min_1, max_1, ...]``; by default the data's.
        weight: a tensor of shape ``input.shape[:-1]``: each point counts its weight.
        density: divide each count by the total and by its cell's volume.

    Returns:
        a named tuple ``(hist, bin_edges)``: ``hist`` of shape ``(bins_0, ..., bins_D-1)``
        and a tuple of ``D`` edge tensors.

    >>> ember.histogramdd(ember.tensor([[0., 1.], [1., 0.]]), bins=2).hist
    tensor([[0., 1.],
            [1., 0.]])
    """
    # bins goes in positionally: the dispatcher unwraps a list of tensors there only.
    return _histogramdd_op(input, bins, range=range, weight=weight, density=density)


searchsorted = Op("searchsorted", _searchsorted, method=False)
bucketize = Op("bucketize", _bucketize, method=False)
isin = Op("isin", _isin, method=False)
