"""OpInfo rows for ``ember/_ops/sorting.py``.

Where PyTorch leaves the index of tied values open (topk, kthvalue, median), the rows
have a ``check`` instead of a ``ref``: the values must match the reference and the
indices must point at them.
"""

import math

import numpy as np

import ember
from ember.testing.compare import assert_close
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput
from ember.testing.opinfos.reduction import rows_of, scalar, slices, special, tied, with_nan


def _numpy(t):
    return np.asarray(t.cpu()._data)


# ---- references ------------------------------------------------------------------


def sort_key(v):
    return (True, 0) if v != v else (False, v)


def sorted_slice(row, descending=False):
    """(values, indices) of a stable sort of one slice; nan is the largest value."""
    values = row.tolist()
    order = sorted(range(len(values)), key=lambda i: sort_key(values[i]), reverse=descending)
    return [values[i] for i in order], order


def sort_ref(x, dim=-1, descending=False, *, stable=False):
    a = x.reshape(1) if x.ndim == 0 else x
    d = dim % a.ndim
    moved = np.moveaxis(a, d, -1)
    pairs = [sorted_slice(r, descending) for r in rows_of(moved)]
    values = np.array([p[0] for p in pairs], dtype=x.dtype).reshape(moved.shape)
    indices = np.array([p[1] for p in pairs], dtype=np.int64).reshape(moved.shape)
    return tuple(np.moveaxis(o, -1, d).reshape(x.shape) for o in (values, indices))


def selection_check(values_of):
    """``values_of(x, *args, **kwargs) -> (values, dim, keepdim)``, or values alone."""

    def check(out, sample):
        x = _numpy(sample.args[0])
        expected = values_of(x, *sample.args[1:], **sample.kwargs)
        if isinstance(out, ember.Tensor):
            assert_close(out, expected, msg=str(sample))
            return
        (values, dim, keepdim), (got, indices) = expected, out
        assert_close(got, values, msg=str(sample))
        index = _numpy(indices)
        assert index.dtype == np.int64, f"{sample}: indices are {index.dtype}"
        if x.ndim == 0:
            assert index == 0, str(sample)
            return
        d = dim % x.ndim
        index = index if keepdim or index.ndim == x.ndim else np.expand_dims(index, d)
        picked = np.take_along_axis(x, index, axis=d)
        assert_close(picked.reshape(values.shape), values, msg=f"{sample} indices")

    return check


def topk_values(x, k, dim=-1, largest=True, sorted=True):
    values, _ = sort_ref(x, dim, descending=largest)
    d = dim % max(x.ndim, 1)
    return (values if x.ndim == 0 else np.take(values, range(k), axis=d)), dim, True


def kthvalue_values(x, k, dim=-1, keepdim=False):
    values, _ = sort_ref(x, dim)
    if x.ndim == 0:
        return values, dim, keepdim
    picked = np.take(values, [k - 1], axis=dim % x.ndim)
    return (picked if keepdim else picked.squeeze(dim % x.ndim)), dim, keepdim


def median_of(row, skip_nan):
    values = [v for v in row.tolist() if v == v] if skip_nan else row.tolist()
    if not values or any(v != v for v in values):
        return (math.nan,)
    return (sorted(values)[(len(values) - 1) // 2],)


def median_values(skip_nan):
    def ref(x, dim=None, keepdim=False):
        if dim is None:
            return np.asarray(median_of(x.reshape(-1), skip_nan)[0], dtype=x.dtype)
        values = slices(x, dim, keepdim, lambda r: median_of(r, skip_nan), nout=1)[0]
        return values.astype(x.dtype), dim, keepdim

    return ref


def mode_of(row):
    """(value, last index) of the most frequent value; ties: the smallest; nan counts once."""
    groups = {}  # key -> (count, last index); each nan is a group of its own
    for i, v in enumerate(row.tolist()):
        key = ("nan", i) if v != v else v
        groups[key] = (groups.get(key, (0, i))[0] + 1, i)

    def rank(key):  # most frequent, then smallest; among lone nans the last
        value = math.nan if isinstance(key, tuple) else key
        return -groups[key][0], sort_key(value), -groups[key][1]

    best = min(groups, key=rank)
    return (math.nan if isinstance(best, tuple) else best), groups[best][1]


def mode_ref(x, dim=-1, keepdim=False):
    values, indices = slices(x, dim, keepdim, mode_of)
    return values.astype(x.dtype), indices.astype(np.int64)


def quantile_ref(skip_nan):
    def ref(x, q, dim=None, keepdim=False, *, interpolation="linear"):
        fn = np.nanquantile if skip_nan else np.quantile
        return fn(x, q, axis=dim, keepdims=keepdim, method=interpolation)

    return ref


def unique_ref(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    values, inverse, counts = np.unique(
        x, return_inverse=True, return_counts=True, axis=dim, equal_nan=False
    )
    out = (values, inverse.reshape(x.shape if dim is None else -1), counts)
    picked = [out[0]] + [o for o, want in zip(out[1:], (return_inverse, return_counts)) if want]
    return picked[0] if len(picked) == 1 else tuple(picked)


def unique_consecutive_ref(x, return_inverse=False, return_counts=False, dim=None):
    a = x.reshape(-1) if dim is None else np.moveaxis(x, dim, 0)
    n = a.shape[0]
    starts = [i for i in range(n) if i == 0 or np.any(a[i] != a[i - 1])]
    values = a[starts] if dim is None else np.moveaxis(a[starts], 0, dim)
    out = [values]
    if return_inverse:
        inverse = np.cumsum(np.isin(np.arange(n), starts)) - 1
        out.append(inverse.reshape(x.shape if dim is None else -1))
    if return_counts:
        out.append(np.diff(np.array(starts + [n])))
    return out[0] if len(out) == 1 else tuple(out)


def bincount_ref(x, weights=None, minlength=0):
    return np.bincount(x, weights=weights, minlength=minlength)


def histc_ref(x, bins=100, min=0, max=0):
    low, high = (float(min), float(max))
    if low == high and x.size:
        low, high = float(np.min(x)), float(np.max(x))
    if low == high:
        low, high = low - 1, high + 1
    return np.histogram(x, bins=bins, range=(low, high))[0]


def histogram_ref(x, bins, *, range=None, weight=None, density=False):
    weights = None if weight is None else weight.reshape(x.shape)
    return np.histogram(x, bins=bins, range=range, weights=weights, density=density)


def histogramdd_ref(x, bins, *, range=None, weight=None, density=False):
    points = x.reshape(-1, x.shape[-1])
    pairs = None if range is None else list(zip(range[::2], range[1::2]))
    weights = None if weight is None else weight.reshape(-1)
    hist, edges = np.histogramdd(points, bins=bins, range=pairs, weights=weights, density=density)
    return hist, tuple(edges)


# ---- rows ------------------------------------------------------------------------


def _sort_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(make(3, 4), 0)
    yield SampleInput(make(2, 3, 4), dim=1)
    yield SampleInput(scalar(make), -1)
    yield SampleInput(make(0, 3), 0)
    yield SampleInput(make(3, 0))
    yield SampleInput(make(3, 5), 1, True)


@special("msort")
def _msort_special(make):
    yield SampleInput(tied(make, 6, 3))
    yield SampleInput(with_nan(make, 5, 2))


@special("sort", "argsort")
def _sort_special(make):
    yield SampleInput(tied(make, 4, 6), descending=True)
    yield SampleInput(tied(make, 4, 6), dim=0, stable=True)
    yield SampleInput(with_nan(make, 3, 7), -1, True)
    yield SampleInput(with_nan(make, 3, 7), 0)


OpInfo("sort", sort_ref, _sort_samples, ALL_NUMERIC, grad_order=2)
OpInfo("argsort", lambda *a, **k: sort_ref(*a, **k)[1], _sort_samples, ALL_NUMERIC, grad_order=0)
OpInfo(
    "msort",
    lambda x, **k: sort_ref(x, 0)[0],
    lambda make: [SampleInput(make(3, 4)), SampleInput(scalar(make)), SampleInput(make(0, 3))],
    ALL_NUMERIC,
    grad_order=2,
)


def _topk_samples(make):
    yield SampleInput(make(3, 6), 2)
    yield SampleInput(make(3, 6), 3, 0, False)
    yield SampleInput(make(3, 6), k=6, dim=1, largest=False)
    yield SampleInput(make(3, 6), 0)
    yield SampleInput(scalar(make), 1)
    yield SampleInput(make(0, 3), 2)


@special("topk")
def _topk_special(make):
    yield SampleInput(tied(make, 3, 6), 3, 0, False)
    yield SampleInput(with_nan(make, 4, 6), 3)
    yield SampleInput(with_nan(make, 4, 6), 2, largest=False, sorted=False)


OpInfo("topk", None, _topk_samples, ALL_NUMERIC, grad_order=2, check=selection_check(topk_values))


def _kthvalue_samples(make):
    yield SampleInput(make(3, 5), 2)
    yield SampleInput(make(3, 5), 1, 0, True)
    yield SampleInput(make(5), 5)
    yield SampleInput(scalar(make), 1)
    yield SampleInput(make(3, 0), 1, 0)


@special("kthvalue")
def _kthvalue_special(make):
    yield SampleInput(tied(make, 3, 5), 1, 0, True)
    yield SampleInput(with_nan(make, 4, 5), 4, dim=1, keepdim=False)


OpInfo(
    "kthvalue",
    None,
    _kthvalue_samples,
    ALL_NUMERIC,
    grad_order=2,
    check=selection_check(kthvalue_values),
)


def _median_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(make(3, 5), 1)
    yield SampleInput(make(4, 6), 0, True)
    yield SampleInput(scalar(make), 0)
    yield SampleInput(make(0, 3), 1)


@special("median", "nanmedian")
def _median_special(make):
    yield SampleInput(tied(make, 5))
    yield SampleInput(tied(make, 4, 6), 0, True)
    yield SampleInput(with_nan(make, 3, 4))
    yield SampleInput(with_nan(make, 4, 5), dim=-1)
    yield SampleInput(with_nan(make, 3, 1), 1)  # a slice of nan alone


for _name in ("median", "nanmedian"):
    OpInfo(
        _name,
        None,
        _median_samples,
        ALL_NUMERIC,
        grad_order=2,
        check=selection_check(median_values(_name == "nanmedian")),
    )


def _mode_samples(make):  # integer samples hold ties, floating ones are told apart
    yield SampleInput(make(4, 7))
    yield SampleInput(make(4, 7), 0, True)
    yield SampleInput(make(2, 3, 4), dim=1)
    yield SampleInput(scalar(make))
    yield SampleInput(make(0, 3), 1)
    yield SampleInput(make(3, 0), 0)


@special("mode")
def _mode_special(make):
    yield SampleInput(tied(make, 4, 7))
    yield SampleInput(tied(make, 2, 3, 4), dim=1, keepdim=True)
    yield SampleInput(with_nan(lambda *s: tied(make, *s), 3, 7), 1)


OpInfo("mode", mode_ref, _mode_samples, ALL_NUMERIC, grad_order=2)


def _quantile_samples(make):
    yield SampleInput(make(3, 4), 0.3)
    yield SampleInput(make(3, 4), make(5, low=0, high=1), 1, True)
    yield SampleInput(make(2, 3, 4), make(2, low=0, high=1), dim=-1)
    yield SampleInput(make(3, 4), 1.0, None, True)
    for how in ("lower", "higher", "midpoint", "nearest"):
        yield SampleInput(make(4, 5), make(3, low=0, high=1), 0, interpolation=how)
    yield SampleInput(scalar(make), 0.5)


@special("quantile", "nanquantile")
def _quantile_special(make):
    yield SampleInput(with_nan(make, 3, 4), 0.5, 1)
    yield SampleInput(with_nan(make, 3, 1), 0.25, 1)  # a slice of nan alone
    yield SampleInput(tied(make, 4, 5), make(3, low=0, high=1), interpolation="nearest")


for _name in ("quantile", "nanquantile"):
    OpInfo(_name, quantile_ref(_name == "nanquantile"), _quantile_samples, grad_order=2)


def _unique_samples(make):
    yield SampleInput(tied(make, 3, 4))
    yield SampleInput(tied(make, 3, 4), return_inverse=True, return_counts=True)
    yield SampleInput(tied(make, 5, 2), True, False, True, 0)
    yield SampleInput(tied(make, 2, 5), return_inverse=True, dim=-1)
    yield SampleInput(with_nan(make, 7), return_counts=True)
    yield SampleInput(scalar(make), return_inverse=True)
    yield SampleInput(make(0, 3), return_inverse=True, return_counts=True)
    yield SampleInput(make(0, 3), dim=0, return_counts=True)


OpInfo("unique", unique_ref, _unique_samples, ALL_NUMERIC, grad_order=0)


def _unique_consecutive_samples(make):
    yield SampleInput(tied(make, 12))
    yield SampleInput(tied(make, 3, 4), return_inverse=True, return_counts=True)
    yield SampleInput(tied(make, 6, 1).reshape(3, 2), True, True, 0)
    yield SampleInput(make(0), return_inverse=True, return_counts=True)
    yield SampleInput(scalar(make), return_counts=True)


OpInfo(
    "unique_consecutive",
    unique_consecutive_ref,
    _unique_consecutive_samples,
    ALL_NUMERIC,
    grad_order=0,
)


def _bincount_samples(make):
    yield SampleInput(make(10, low=0, high=6))
    yield SampleInput(make(10, low=0, high=6), minlength=9)
    yield SampleInput(make(6, low=0, high=4), make(6))
    yield SampleInput(make(6, low=0, high=4), weights=make(6, dtype=ember.float32))
    yield SampleInput(make(0, low=0), minlength=3)


OpInfo("bincount", bincount_ref, _bincount_samples, ALL_NUMERIC[:5], grad_order=0)


def _histc_samples(make):
    yield SampleInput(make(20), bins=4)
    yield SampleInput(make(3, 4), 5, -5, 5)
    yield SampleInput(with_nan(make, 30), bins=6, min=-9, max=9)
    yield SampleInput(tied(make, 8) * 0 + 2, bins=3)  # one value: its range widens by 1
    yield SampleInput(make(0), bins=3)


OpInfo("histc", histc_ref, _histc_samples, grad_order=0)


def _histogram_samples(make):
    yield SampleInput(make(20), 4)
    yield SampleInput(make(3, 4), 5, range=(-5.0, 5.0))
    yield SampleInput(make(4, 5), _sorted(make, 5))  # a tensor of edges
    yield SampleInput(make(20), 3, weight=make(20, low=0), density=True)
    yield SampleInput(make(4, 5), 6, weight=make(20), range=(-4.0, 6.0))  # weight by size
    yield SampleInput(make(12), _sorted(make, 4), density=True)
    yield SampleInput(with_nan(make, 30), 6, range=(-9.0, 9.0))  # nan is not counted
    yield SampleInput(tied(make, 8) * 0 + 2, 3)  # one value: its range widens by 0.5
    yield SampleInput(scalar(make), 2)
    yield SampleInput(make(0), 3)


def _histogramdd_samples(make):
    yield SampleInput(make(10, 2), 3)
    yield SampleInput(make(10, 3), [2, 3, 4], weight=make(10, low=0), density=True)
    yield SampleInput(make(4, 5, 2), (3, 2), range=[-5.0, 5.0, -9.0, 9.0])
    yield SampleInput(make(3, 4, 2), 2, weight=make(3, 4))
    yield SampleInput(make(10, 2), [_sorted(make, 4), _sorted(make, 3)])
    yield SampleInput(make(12, 1), 4, density=True)
    yield SampleInput(make(0, 2), 2)


OpInfo("histogram", histogram_ref, _histogram_samples, grad_order=0)
OpInfo("histogramdd", histogramdd_ref, _histogramdd_samples, grad_order=0)


# ---- searching sorted sequences --------------------------------------------------


def _count_below(seq, values, inclusive):
    """How many of each row of ``seq`` lie below each value (at or below if inclusive):
    the insertion point, counted rather than searched."""
    values = np.asarray(values)
    if seq.ndim == 1:
        below = seq <= values[..., None] if inclusive else seq < values[..., None]
    else:
        pairs = (seq[..., None, :], values[..., :, None])
        below = pairs[0] <= pairs[1] if inclusive else pairs[0] < pairs[1]
    return below.sum(-1).astype(np.int64)


def searchsorted_ref(seq, values, *, out_int32=False, right=False, side=None, sorter=None):
    if sorter is not None:  # keyword tensors reach the reference unconverted
        sorter = _numpy(sorter) if isinstance(sorter, ember.Tensor) else sorter
        seq = np.take_along_axis(seq, sorter, axis=-1)
    out = _count_below(seq, values, right or side == "right")
    return out.astype(np.int32) if out_int32 else out


def bucketize_ref(values, boundaries, *, out_int32=False, right=False):
    out = _count_below(boundaries, values, right)
    return out.astype(np.int32) if out_int32 else out


def isin_ref(elements, test_elements, *, assume_unique=False, invert=False):
    found = (np.asarray(elements)[..., None] == np.asarray(test_elements).reshape(-1)).any(-1)
    return ~found if invert else found


def _sorted(make, *shape):
    return make(*shape).sort(-1).values


def _searchsorted_samples(make):
    seq = _sorted(make, 7)
    yield SampleInput(seq, make(3, 4))
    yield SampleInput(seq, make(5), right=True)
    yield SampleInput(seq, make(5), side="right", out_int32=True)
    yield SampleInput(_sorted(make, 2, 3, 6), make(2, 3, 4))  # batched: a row per row
    yield SampleInput(_sorted(make, 4, 5), make(4, 2), side="left")
    yield SampleInput(seq, 3)
    yield SampleInput(seq, scalar(make))
    unsorted = make(6)
    yield SampleInput(unsorted, make(4), sorter=unsorted.argsort())
    yield SampleInput(make(0), make(3))
    yield SampleInput(seq, make(0, 2))


def _bucketize_samples(make):
    edges = _sorted(make, 5)
    yield SampleInput(make(3, 4), edges)
    yield SampleInput(make(6), edges, right=True)
    yield SampleInput(make(2, 3), edges, out_int32=True, right=False)
    yield SampleInput(2, edges)
    yield SampleInput(make(0, 3), edges)


def _isin_samples(make):
    yield SampleInput(make(3, 4), make(6))
    yield SampleInput(make(5), make(2, 3), invert=True)
    yield SampleInput(make(4, 2), make(8), assume_unique=False)
    yield SampleInput(make(6), 3)
    yield SampleInput(2, make(7))
    yield SampleInput(make(0, 2), make(3))
    yield SampleInput(make(4), make(0), invert=True)


OpInfo("searchsorted", searchsorted_ref, _searchsorted_samples, ALL_NUMERIC, grad_order=0)
OpInfo("bucketize", bucketize_ref, _bucketize_samples, ALL_NUMERIC, grad_order=0)
OpInfo("isin", isin_ref, _isin_samples, ALL_NUMERIC, grad_order=0)
