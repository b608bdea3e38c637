"""Sort-based reductions: stability, ties, nan, named tuples and errors."""

import math
import warnings

import numpy as np
import pytest

import ember

nan, inf = math.nan, math.inf


def t(data, dtype=None, device="cpu"):
    return ember.tensor(data, dtype=dtype, device=device)


def values(x):
    return np.asarray(x.cpu()._data).tolist()


def same(a, b):
    """Lists equal, nan equal to nan."""
    return len(a) == len(b) and all(x == y or (x != x and y != y) for x, y in zip(a, b))


# ---- sort ------------------------------------------------------------------------


def test_sort_is_stable_both_ways(device, rng):
    data = rng.integers(0, 4, 2000)
    x = t(data, device=device)
    up = sorted(range(len(data)), key=lambda i: data[i])
    down = sorted(range(len(data)), key=lambda i: data[i], reverse=True)  # stable too
    assert values(ember.argsort(x)) == up
    assert values(ember.sort(x, descending=True).indices) == down
    assert values(x.argsort(0, True, stable=True)) == down


def test_sort_puts_nan_last_ascending_and_first_descending(device):
    x = t([3.0, nan, 1.0, -inf, 1.0, inf, nan], device=device)
    out = ember.sort(x)
    assert out._fields == ("values", "indices") and type(out).__name__ == "sort"
    assert same(values(out.values), [-inf, 1.0, 1.0, 3.0, inf, nan, nan])
    assert values(out.indices) == [3, 2, 4, 0, 5, 1, 6]
    down = ember.sort(x, descending=True)
    assert values(down.indices) == [1, 6, 5, 0, 2, 4, 3]


def test_sort_leaves_its_input_alone(device):
    x = t([[3, 1, 2]], device=device)
    ember.sort(x, 1)
    ember.msort(x.reshape(3, 1))
    assert values(x) == [[3, 1, 2]]
    assert values(ember.msort(t([[3, 1], [1, 2]], device=device))) == [[1, 1], [3, 2]]


# ---- topk and kthvalue -----------------------------------------------------------


def test_topk_counts_nan_as_largest(device):
    x = t([1.0, 3.0, 3.0, nan, 2.0, 5.0], device=device)
    out = ember.topk(x, 3)
    assert out._fields == ("values", "indices")
    assert same(values(out.values), [nan, 5.0, 3.0]) and values(out.indices)[:2] == [3, 5]
    low = x.topk(2, largest=False)
    assert values(low.values) == [1.0, 2.0] and values(low.indices) == [0, 4]


def test_topk_along_a_dim(device):
    x = t([[1, 9, 4], [8, 2, 7]], device=device)
    out = ember.topk(x, 1, dim=0)
    assert values(out.values) == [[8, 9, 7]] and values(out.indices) == [[1, 0, 1]]
    assert ember.topk(x, 0).values.shape == (2, 0)


def test_kthvalue(device):
    x = t([[3.0, 1.0, 2.0], [nan, 5.0, 4.0]], device=device)
    out = ember.kthvalue(x, 2)
    assert out._fields == ("values", "indices")
    assert values(out.values) == [2.0, 5.0] and values(out.indices) == [2, 1]
    last = ember.kthvalue(x, 3, 1, True)
    assert last.values.shape == (2, 1) and math.isnan(values(last.values)[1][0])


def test_k_out_of_range(device):
    x = t([1, 2, 3], device=device)
    with pytest.raises(RuntimeError, match=r"^topk: selected index k out of range \(k=4"):
        ember.topk(x, 4)
    with pytest.raises(RuntimeError, match=r"^kthvalue: selected number k out of range"):
        ember.kthvalue(x, 0)
    with pytest.raises(IndexError, match=r"^kthvalue: Expected reduction dim 0 to have non-zero"):
        ember.kthvalue(ember.zeros(0, 2, device=device), 1, 0)
    with pytest.raises(IndexError, match=r"^topk: Dimension out of range"):
        ember.topk(x, 1, dim=1)


# ---- median and mode -------------------------------------------------------------


def test_median_is_the_lower_median_and_nan_wins(device):
    x = t([[4.0, 1.0, 3.0, 2.0], [nan, 1.0, 2.0, nan]], device=device)
    assert ember.median(x.unbind(0)[0]).item() == 2.0
    assert math.isnan(ember.median(x).item())
    out = ember.median(x, 1)
    assert type(out).__name__ == "median" and out._fields == ("values", "indices")
    assert values(out.values)[0] == 2.0 and values(out.indices) == [3, 0]  # the first nan
    assert math.isnan(values(out.values)[1])


def test_nanmedian_skips_nan(device):
    x = t([[nan, 3.0, nan, 1.0, 2.0, 2.0], [nan, nan, nan, nan, nan, nan]], device=device)
    out = ember.nanmedian(x, 1)
    assert values(out.values)[0] == 2.0 and values(out.indices)[0] in (4, 5)  # ties: either
    assert math.isnan(values(out.values)[1])
    assert ember.nanmedian(x).item() == 2.0
    assert math.isnan(ember.nanmedian(t([nan, nan], device=device)).item())


def test_median_of_empty(device):
    assert math.isnan(ember.median(ember.zeros(0, device=device)).item())
    with pytest.raises(RuntimeError, match=r"^median: cannot take the median of an empty int"):
        ember.median(t([], ember.int64, device))
    with pytest.raises(IndexError, match=r"^median: Expected reduction dim 1 to have non-zero"):
        ember.median(ember.zeros(2, 0, device=device), 1)


def test_mode_picks_the_smallest_most_frequent_and_its_last_index(device):
    out = ember.mode(t([3, 1, 3, 1, 2, 1, 3], device=device))
    assert type(out).__name__ == "mode" and out._fields == ("values", "indices")
    assert out.values.item() == 1 and out.indices.item() == 5
    cols = ember.mode(t([[3, 3, 2, 1], [2, 2, 1, 1]], device=device), 0, keepdim=True)
    assert values(cols.values) == [[2, 2, 1, 1]] and values(cols.indices) == [[1, 1, 1, 1]]
    lone = ember.mode(t([[nan, 2.0, nan], [nan, nan, nan]], device=device), 1)
    assert values(lone.values)[0] == 2.0 and values(lone.indices) == [1, 2]


# ---- quantiles -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("linear", [0.3, 1.5, 2.7]),
        ("lower", [0.0, 1.0, 2.0]),
        ("higher", [1.0, 2.0, 3.0]),
        ("midpoint", [0.5, 1.5, 2.5]),
        ("nearest", [0.0, 2.0, 3.0]),
    ],
)
def test_quantile_interpolations(device, how, expected):
    x = t([0.0, 1.0, 2.0, 3.0], device=device)
    q = t([0.1, 0.5, 0.9], device=device)
    assert np.allclose(values(ember.quantile(x, q, interpolation=how)), expected)


def test_quantile_shapes_and_nan(device):
    x = t([[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, nan, 7.0]], device=device)
    q = t([0.25, 0.5], device=device)
    assert ember.quantile(x, q, dim=1, keepdim=True).shape == (2, 2, 1)
    assert ember.quantile(x, 0.5, keepdim=True).shape == (1, 1)
    assert same(values(ember.quantile(x, 0.5, dim=1)), [1.5, nan])
    assert values(ember.nanquantile(x, 0.5, dim=1)) == [1.5, 5.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(ember.nanquantile(t([nan, nan], device=device), 0.5).item())


def test_quantile_rejects_bad_arguments(device):
    x = t([1.0, 2.0], device=device)
    with pytest.raises(RuntimeError, match=r"^quantile: q must be in the range \[0, 1\]"):
        ember.quantile(x, 1.5)
    with pytest.raises(RuntimeError, match=r"^quantile: input tensor must be either float"):
        ember.quantile(t([1, 2], device=device), 0.5)
    with pytest.raises(RuntimeError, match=r"^quantile: q tensor must be same dtype"):
        ember.quantile(x, t([0.5], ember.float64, device))
    with pytest.raises(RuntimeError, match=r"^quantile: q must be a scalar or 1D tensor"):
        ember.quantile(x, t([[0.5]], device=device))
    with pytest.raises(RuntimeError, match=r"^nanquantile: interpolation must be one of"):
        ember.nanquantile(x, 0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match=r"^quantile: input tensor must be non-empty"):
        ember.quantile(ember.zeros(0, device=device), 0.5)


# ---- unique ----------------------------------------------------------------------


def test_unique_returns_inverse_and_counts(device):
    x = t([[2, 1, 2], [3, 1, 2]], device=device)
    assert values(ember.unique(x)) == [1, 2, 3]
    vals, inverse, counts = x.unique(return_inverse=True, return_counts=True)
    assert values(inverse) == [[1, 0, 1], [2, 0, 1]] and values(counts) == [2, 3, 1]
    vals, counts = ember.unique(x, dim=1, return_counts=True)
    assert values(vals) == [[1, 2, 2], [1, 2, 3]] and values(counts) == [1, 1, 1]


def test_unique_keeps_every_nan_apart(device):
    vals, counts = ember.unique(t([nan, 1.0, nan], device=device), return_counts=True)
    assert same(values(vals), [1.0, nan, nan]) and values(counts) == [1, 1, 1]


def test_unique_consecutive(device):
    x = t([1, 1, 2, 2, 3, 1, 1, 2], device=device)
    vals, inverse, counts = ember.unique_consecutive(x, return_inverse=True, return_counts=True)
    assert values(vals) == [1, 2, 3, 1, 2]
    assert values(inverse) == [0, 0, 1, 1, 2, 3, 3, 4] and values(counts) == [2, 2, 1, 2, 1]
    rows = ember.unique_consecutive(t([[1, 1], [1, 1], [2, 3]], device=device), dim=0)
    assert values(rows) == [[1, 1], [2, 3]]


def test_unique_errors(device):
    with pytest.raises(IndexError, match=r"^unique: Dimension out of range"):
        ember.unique(t([[1, 2]], device=device), dim=2)
    with pytest.raises(RuntimeError, match=r"^unique: There are 0 sized dimensions"):
        ember.unique(ember.zeros(2, 0, device=device), dim=0)


# ---- histograms ------------------------------------------------------------------


def test_bincount(device):
    x = t([1, 1, 3], device=device)
    assert values(ember.bincount(x)) == [0, 2, 0, 1]
    assert values(x.bincount(minlength=6)) == [0, 2, 0, 1, 0, 0]
    w = ember.bincount(x, t([0.5, 1.0, 2.0], device=device))
    assert w.dtype is ember.float32 and values(w) == [0.0, 1.5, 0.0, 2.0]
    assert ember.bincount(x, weights=t([1, 1, 2], device=device)).dtype is ember.float64


def test_bincount_errors(device):
    with pytest.raises(RuntimeError, match=r"^bincount: only supports 1-d non-negative .*2-D"):
        ember.bincount(t([[1, 2]], device=device))
    with pytest.raises(RuntimeError, match=r"^bincount: only supports .*float32"):
        ember.bincount(t([1.0], device=device))
    with pytest.raises(RuntimeError, match=r"^bincount: input must be non-negative, got -1"):
        ember.bincount(t([-1, 1], device=device))
    with pytest.raises(RuntimeError, match=r"^bincount: weights should be 1-d and have the same"):
        ember.bincount(t([1, 2], device=device), t([1.0], device=device))
    with pytest.raises(RuntimeError, match=r"^bincount: minlength should be >= 0"):
        ember.bincount(t([1], device=device), minlength=-1)


def test_histc(device):
    x = t([1.0, 2.0, 1.0, 4.0, 2.5, nan, -1.0, 3.0], device=device)
    assert values(ember.histc(x, bins=4, min=0, max=3)) == [0.0, 2.0, 1.0, 2.0]  # 3 is in
    assert values(ember.histc(t([2.0, 2.0], device=device), bins=4)) == [0.0, 0.0, 2.0, 0.0]
    edges = t([0.1, 0.2, 0.3, 0.7, 0.9, 1.0], device=device)
    assert values(ember.histc(edges, 10, 0, 1)) == [0, 1, 1, 1, 0, 0, 0, 1, 0, 2]
    assert ember.histc(t([1.0], ember.float64, device)).dtype is ember.float64


def test_histc_errors(device):
    x = t([1.0, 2.0], device=device)
    with pytest.raises(RuntimeError, match=r"^histc: expected a floating point input"):
        ember.histc(t([1, 2], device=device))
    with pytest.raises(RuntimeError, match=r"^histc: bins must be > 0"):
        ember.histc(x, bins=0)
    with pytest.raises(RuntimeError, match=r"^histc: max must be larger than min"):
        ember.histc(x, 4, 3, 1)
    with pytest.raises(RuntimeError, match=r"^histc: range of \[nan, nan\] is not finite"):
        ember.histc(t([nan, 1.0], device=device))


def test_histogram_counts_and_edges(device):
    x = t([1.0, 2.0, 1.0, 4.0, 2.5, 0.5, -1.0, 3.0], device=device)
    hist, edges = ember.histogram(x, 4)  # the data's range, [-1, 4]
    assert values(hist) == [1.0, 3.0, 2.0, 2.0]
    assert values(edges) == [-1.0, 0.25, 1.5, 2.75, 4.0]
    out = x.histogram(4, range=(0.0, 3.0))  # -1 and 4 fall outside; 3 is in the last bin
    assert out._fields == ("hist", "bin_edges") and values(out.hist) == [1.0, 2.0, 1.0, 2.0]
    out = ember.histogram(x, t([0.0, 1.0, 3.0], device=device))
    assert values(out.hist) == [1.0, 5.0] and values(out.bin_edges) == [0.0, 1.0, 3.0]
    on_edges = t([0.1, 0.2, 0.3, 0.7, 0.9, 1.0], device=device)
    assert values(ember.histogram(on_edges, 10, range=(0.0, 1.0)).hist) == (
        [0, 1, 1, 1, 0, 0, 0, 1, 0, 2]
    )


def test_histogram_ranges_of_one_value_and_no_data(device):
    out = ember.histogram(t([2.0, 2.0], ember.float64, device), 2)
    assert values(out.bin_edges) == [1.5, 2.0, 2.5] and out.hist.dtype is ember.float64
    assert values(ember.histogram(t([1.0], device=device), 2, range=(1, 1)).bin_edges) == [
        0.5,
        1.0,
        1.5,
    ]
    empty = ember.histogram(t([], device=device), 4)
    assert values(empty.hist) == [0.0] * 4 and values(empty.bin_edges)[::4] == [0.0, 1.0]


@pytest.mark.parametrize("bins", [5, [-9.0, -2.0, 0.0, 0.5, 7.0]])
@pytest.mark.parametrize("density", [False, True])
def test_histogram_weighted_matches_numpy(rng, bins, density):
    data, weight = rng.normal(0, 3, (6, 7)), rng.uniform(0, 2, (6, 7))
    hist, edges = ember.histogram(
        t(data),
        bins if isinstance(bins, int) else t(bins, ember.float64),
        weight=t(weight),
        density=density,
    )
    ref, ref_edges = np.histogram(data, bins, weights=weight, density=density)
    np.testing.assert_allclose(values(hist), ref, rtol=1e-12)
    np.testing.assert_allclose(values(edges), ref_edges, rtol=1e-12)


def test_histogram_skips_nan_and_values_outside_the_edges():
    x = t([nan, 0.5, 1.5, -3.0, inf, 2.0])
    assert values(ember.histogram(x, t([0.0, 1.0, 2.0])).hist) == [1.0, 2.0]
    density = ember.histogram(t([5.0]), t([0.0, 1.0]), density=True).hist  # 0 / 0
    assert math.isnan(density.item())


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (([1, 2], 2), {}, NotImplementedError, "not implemented for int64"),
        (([1.0, 2.0], 0), {}, RuntimeError, r"bins must be > 0, but got 0"),
        (([1.0, 2.0], 2.5), {}, TypeError, "bins must be an int or 1-D tensors"),
        (([1.0, nan], 2), {}, RuntimeError, r"range \[nan, nan\] is not finite"),
        (([1.0, 2.0], 2), {"range": (1.0, inf)}, RuntimeError, "is not finite"),
        (([1.0, 2.0], 2), {"range": (3.0, 1.0)}, RuntimeError, "min should not exceed max"),
        (([1.0, 2.0], 2), {"range": (0.0,)}, RuntimeError, "range should have 2 elements"),
        (([1.0, 2.0], [0.0, 1.0]), {"range": (0.0, 1.0)}, TypeError, "range cannot be given"),
        (([1.0, 2.0], [[0.0, 1.0]]), {}, RuntimeError, "bins tensor should have one dim"),
        (([1.0, 2.0], [0.0]), {}, RuntimeError, r"bins must be > 0, but got 0"),
        (([1.0, 2.0], 2), {"weight": [1.0]}, RuntimeError, "as many elements as input"),
        (([1.0, 2.0], 2), {"weight": 1.0}, TypeError, "weight must be a tensor"),
    ],
)
def test_histogram_errors(args, kwargs, error, match):
    data, bins = args
    bins = t(bins) if isinstance(bins, list) else bins
    kwargs = {k: t(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    with pytest.raises(error, match=r"^histogram: .*" + match):
        ember.histogram(t(data), bins, **kwargs)


def test_histogram_dtypes_must_agree():
    with pytest.raises(RuntimeError, match=r"^histogram: .*bins .* with dtype float64"):
        ember.histogram(t([1.0]), t([0.0, 2.0], ember.float64))
    with pytest.raises(RuntimeError, match=r"^histogram: .*weight\(float64\)"):
        ember.histogram(t([1.0]), 2, weight=t([1.0], ember.float64))


def test_histogramdd_matches_numpy(rng):
    points, weight = rng.normal(0, 2, (4, 5, 3)), rng.uniform(0, 1, (4, 5))
    bins = [2, t([-6.0, -1.0, 0.0, 5.0], ember.float64), 4]
    with pytest.raises(TypeError, match=r"^histogramdd: bins must be all ints or all tensors"):
        ember.histogramdd(t(points), bins)
    bins[::2] = [t(np.linspace(-7, 7, 3)), t(np.linspace(-5, 5, 5))]
    out = ember.histogramdd(t(points), bins, weight=t(weight), density=True)
    ref, ref_edges = np.histogramdd(
        points.reshape(-1, 3), [values(b) for b in bins], weights=weight.reshape(-1), density=True
    )
    assert out._fields == ("hist", "bin_edges") and isinstance(out.bin_edges, tuple)
    np.testing.assert_allclose(values(out.hist), ref, rtol=1e-12)
    for edges, ref in zip(out.bin_edges, ref_edges):
        assert values(edges) == ref.tolist()


def test_histogramdd_counts_with_ranges(device):
    x = t([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]], device=device)
    out = ember.histogramdd(x, bins=[3, 3], weight=t([1.0, 2.0, 4.0, 8.0], device=device))
    assert values(out.hist) == [[0.0, 1.0, 0.0], [2.0, 0.0, 0.0], [4.0, 0.0, 8.0]]
    out = ember.histogramdd(x, 2, range=(0.0, 1.0, 0.0, 1.0))  # only the first two count
    assert values(out.hist) == [[0.0, 1.0], [1.0, 0.0]]
    assert [values(e) for e in out.bin_edges] == [[0.0, 0.5, 1.0]] * 2
    assert ember.histogramdd(t([[1.0], [2.0]]), 3).hist.shape == (3,)
    assert values(ember.histogramdd(t([]).reshape(0, 2), 1).hist) == [[0.0]]


@pytest.mark.parametrize(
    ("shape", "bins", "kwargs", "error", "match"),
    [
        ((3,), 2, {}, RuntimeError, "should have at least 2 dimensions"),
        ((3, 0), 2, {}, RuntimeError, "non-empty last one"),
        ((3, 2), [2, 2, 2], {}, RuntimeError, "expected 2 bin counts or sequences"),
        ((3, 2), 2.0, {}, TypeError, "bins must be an int, a sequence"),
        ((3, 2), 2, {"range": (0.0, 1.0)}, RuntimeError, "range should have 4 elements"),
        ((3, 2), 2, {"weight": (3, 2)}, RuntimeError, "excluding its innermost dimension"),
    ],
)
def test_histogramdd_errors(shape, bins, kwargs, error, match):
    if "weight" in kwargs:
        kwargs = {"weight": ember.ones(kwargs["weight"])}
    with pytest.raises(error, match=r"^histogramdd: .*" + match):
        ember.histogramdd(ember.zeros(shape), bins, **kwargs)


# ---- searchsorted, bucketize, isin -----------------------------------------------


def test_searchsorted_sides_dtypes_and_scalars():
    seq = t([1.0, 3.0, 3.0, 5.0])
    assert values(ember.searchsorted(seq, t([3.0, 0.0, 9.0]))) == [1, 0, 4]
    assert values(ember.searchsorted(seq, t([3.0]), right=True)) == [3]
    assert values(ember.searchsorted(seq, t([3.0]), side="right")) == [3]
    assert ember.searchsorted(seq, t([3.0])).dtype == ember.int64
    assert ember.searchsorted(seq, t([3.0]), out_int32=True).dtype == ember.int32
    out = ember.searchsorted(seq, 4)  # a Python number gives a 0-d result
    assert out.shape == () and out.item() == 3
    assert values(ember.searchsorted(t([1, 2, 3]), t([1.5, 2.0]))) == [1, 1]  # mixed dtypes


def test_searchsorted_batched_rows_and_sorter():
    seq = t([[1, 3, 5], [10, 20, 30]])
    assert values(ember.searchsorted(seq, t([[4, 0], [25, 31]]))) == [[2, 0], [2, 3]]
    unsorted = t([5.0, 1.0, 3.0])
    out = ember.searchsorted(unsorted, t([2.0, 4.0, 6.0]), sorter=unsorted.argsort())
    assert values(out) == [1, 2, 3]
    assert ember.searchsorted(t([]), t([1.0, 2.0])).tolist() == [0, 0]


@pytest.mark.parametrize(
    ("seq", "vals", "kw", "match"),
    [
        ([1.0, 2.0], [1.0], {"side": "left", "right": True}, "side and right can't be set"),
        ([1.0, 2.0], [1.0], {"side": "middle"}, "side can only be 'left' or 'right'"),
        ([[1.0, 2.0]], 1.0, {}, "input value can be a scalar only when"),
        ([[1.0, 2.0], [3.0, 4.0]], [[1.0], [2.0], [3.0]], {}, "first N-1 dimensions"),
        ([1.0, 2.0], [1.0], {"sorter": [0]}, "boundary and sorter must have the same size"),
        ([1.0, 2.0], [1.0], {"sorter": [0, 2]}, "sorter index out of range"),
    ],
)
def test_searchsorted_errors(seq, vals, kw, match):
    if "sorter" in kw:
        kw = {"sorter": t(kw["sorter"], dtype=ember.int64)}
    vals = t(vals) if isinstance(vals, list) else vals
    with pytest.raises(RuntimeError, match=f"^searchsorted: .*{match}"):
        ember.searchsorted(t(seq), vals, **kw)
    with pytest.raises(RuntimeError, match="sorter must be a tensor of long dtype"):
        ember.searchsorted(t([1.0, 2.0]), t([1.0]), sorter=t([0, 1], dtype=ember.int32))


def test_bucketize_edges_belong_to_the_lower_bucket_unless_right():
    edges = t([1, 3, 5])
    assert values(ember.bucketize(t([0, 1, 2, 3, 6]), edges)) == [0, 0, 1, 1, 3]
    assert values(ember.bucketize(t([0, 1, 2, 3, 6]), edges, right=True)) == [0, 1, 1, 2, 3]
    assert ember.bucketize(3, edges, out_int32=True).dtype == ember.int32
    with pytest.raises(RuntimeError, match=r"^bucketize: boundaries tensor must be 1 dimension"):
        ember.bucketize(t([1]), t([[1, 2]]))


def test_isin_values_invert_scalars_and_nan():
    x = t([[1, 2], [3, 4]])
    assert values(ember.isin(x, t([2.0, 3.5, 4.0]))) == [[False, True], [False, True]]
    assert values(ember.isin(x, t([2, 4]), invert=True)) == [[True, False], [True, False]]
    assert values(ember.isin(x, 3)) == [[False, False], [True, False]]
    assert ember.isin(2, t([1, 2])).item() is True
    assert values(ember.isin(t([1.0, nan]), t([nan, 1.0]))) == [True, False]  # nan is in nothing
    assert values(ember.isin(t([1, 2, 3]), t([3, 1]), assume_unique=True)) == [True, False, True]
    with pytest.raises(RuntimeError, match=r"^isin: Unsupported input type"):
        ember.isin(t([1.0]), t([True]))
