"""Reductions and scans: what the OpInfo table cannot see (errors, ties, nan, dtypes...)."""

import math
import pickle
import warnings

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.testing import assert_close, load_opinfos, make_tensor
from ember.testing.opinfos.reduction import SPECIAL_SAMPLES

nan, inf = math.nan, math.inf
OPINFOS = load_opinfos()  # also registers the sorting family's special samples
SPECIAL = [(name, dtype) for name in SPECIAL_SAMPLES for dtype in OPINFOS[name].dtypes]


def t(data, dtype=None, device="cpu"):
    return ember.tensor(data, dtype=dtype, device=device)


def values(x):
    return np.asarray(x.cpu()._data).tolist()


def _numpy(v):
    if isinstance(v, ember.Tensor):
        return np.asarray(v.cpu()._data)
    return type(v)(map(_numpy, v)) if isinstance(v, (list, tuple)) else v


@pytest.mark.parametrize(("name", "dtype"), SPECIAL, ids=lambda v: getattr(v, "name", v))
def test_nan_and_tie_samples_match_the_reference(name, dtype, device):
    info, rng = OPINFOS[name], np.random.default_rng(0)

    def make(*shape, **kw):
        return make_tensor(*shape, device=device, rng=rng, **{"dtype": dtype, **kw})

    for sample in SPECIAL_SAMPLES[name](make):
        out = OPS[name](*sample.args, **sample.kwargs)
        if info.check is not None:
            info.check(out, sample)
        if info.ref is not None:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                expected = info.ref(*_numpy(sample.args), **_numpy(sample.kwargs))
            assert_close(out, expected, check_dtype=False, msg=f"{name}{sample}")


def _arrays(out):
    if isinstance(out, ember.Tensor):
        return [out._data]
    return [a for o in out for a in _arrays(o)] if isinstance(out, tuple) else []


@pytest.mark.parametrize(
    "name", [n for n, op in OPS.items() if op.family in ("reduction", "sorting") and n in OPINFOS]
)
def test_results_never_share_memory_with_the_input(name):
    info, rng = OPINFOS[name], np.random.default_rng(0)

    def make(*shape, **kw):
        return make_tensor(*shape, rng=rng, **{"dtype": info.dtypes[-1], **kw})

    for sample in info.samples(make):
        if not isinstance(sample.args[0], ember.Tensor):
            continue  # a Python number first (bucketize, isin): nothing to share
        x = sample.args[0]._data
        for a in _arrays(OPS[name](*sample.args, **sample.kwargs)):
            assert not np.may_share_memory(a, x), f"{name}{sample}"


# ---- dtypes ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [ember.bool, ember.uint8, ember.int8, ember.int32])
def test_integer_sums_and_products_give_int64(dtype, device):
    x = t([[1, 0], [1, 1]], dtype, device)
    for op in (ember.sum, ember.prod, ember.nansum):
        assert op(x).dtype is ember.int64
        assert op(x, 0).dtype is ember.int64
    assert ember.cumsum(x, 1).dtype is ember.int64
    assert ember.cumprod(x, 0).dtype is ember.int64


def test_dtype_argument_sets_the_accumulation_dtype(device):
    x = t([[1, 2], [3, 4]], ember.int32, device)
    assert ember.sum(x, dtype=ember.int32).dtype is ember.int32
    assert ember.sum(x, 1, dtype=ember.float64).dtype is ember.float64
    assert ember.cumsum(x, 0, dtype=ember.float32).dtype is ember.float32
    assert ember.mean(x, dtype=ember.float64).item() == 2.5
    assert ember.nanmean(t([1.0, nan], device=device), dtype=ember.float64).dtype is ember.float64


def test_index_results_are_int64_and_logical_results_bool(device):
    x = t([[1.0, 5.0], [7.0, 2.0]], device=device)
    assert ember.argmax(x).dtype is ember.int64
    assert ember.max(x, 1).indices.dtype is ember.int64
    assert ember.count_nonzero(x, 0).dtype is ember.int64
    assert ember.all(x).dtype is ember.bool
    assert ember.any(t([0, 3], ember.uint8, device)).dtype is ember.uint8  # as PyTorch


def test_floating_results_keep_their_precision(device):
    x = t([[1.0, 2.0], [3.0, 4.0]], ember.float64, device)
    for op in (ember.mean, ember.std, ember.var, ember.norm, ember.nanmean):
        assert op(x).dtype is ember.float64
    assert ember.logsumexp(t([1, 2], device=device), 0).dtype is ember.float32
    assert ember.std(t([1 + 1j, 2 - 1j], ember.complex64, device)).dtype is ember.float32


# ---- dims ------------------------------------------------------------------------


def test_empty_dim_tuple_reduces_everything_but_for_all_and_any(device):
    x = t([[1.0, 0.0], [3.0, 4.0]], device=device)
    assert ember.sum(x, ()).item() == 8.0
    assert ember.amax(x, ()).item() == 4.0
    assert ember.count_nonzero(x, dim=()).item() == 3
    assert ember.all(x, ()).shape == (2, 2)  # PyTorch reduces no dim here


def test_bad_dims_raise_before_numpy(device):
    x = t([[1.0, 2.0]], device=device)
    with pytest.raises(IndexError, match=r"^sum: Dimension out of range .*got 2"):
        ember.sum(x, 2)
    with pytest.raises(IndexError, match=r"^max: Dimension out of range"):
        ember.max(x, -3)
    with pytest.raises(IndexError, match=r"^cumsum: Dimension out of range"):
        ember.cumsum(x, 5)
    with pytest.raises(RuntimeError, match=r"^amax: dim \(0, -2\) appears multiple times"):
        ember.amax(x, (0, -2))
    with pytest.raises(TypeError, match=r"^argmax: dim must be an int, got tuple"):
        ember.argmax(x, (0,))


def test_zero_dim_inputs_reduce_over_dim_0(device):
    x = t(3.0, device=device)
    assert ember.max(x, 0).values.shape == ()
    assert ember.max(x, 0, keepdim=True).indices.item() == 0
    assert ember.cumsum(x, -1).item() == 3.0
    assert ember.sum(x, 0, keepdim=True).shape == ()


# ---- empty inputs ----------------------------------------------------------------


def test_empty_reductions_give_their_identity(device):
    e = ember.zeros(0, 3, device=device)
    assert values(ember.sum(e, 0)) == [0.0, 0.0, 0.0]
    assert values(ember.prod(e, 0)) == [1.0, 1.0, 1.0]
    assert ember.logsumexp(e, 0).tolist() == [-inf] * 3
    assert ember.norm(e).item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy RuntimeWarning leaks out
        assert math.isnan(ember.mean(e).item())
        assert all(map(math.isnan, values(ember.var(e, 0))))
        assert math.isnan(ember.std_mean(e)[1].item())


def test_reductions_without_identity_refuse_empty_dims(device):
    e = ember.zeros(0, 3, device=device)
    with pytest.raises(RuntimeError, match=r"^max: Expected reduction dim to be specified"):
        ember.max(e)
    with pytest.raises(IndexError, match=r"^max: Expected reduction dim 0 to have non-zero size"):
        ember.max(e, 0)
    with pytest.raises(IndexError, match=r"^amin: Expected reduction dim 0"):
        ember.amin(e)
    with pytest.raises(RuntimeError, match=r"^argmax: Expected reduction dim to be specified"):
        ember.argmax(e)
    with pytest.raises(RuntimeError, match=r"^aminmax: cannot compute aminmax over an empty"):
        ember.aminmax(e)
    with pytest.raises(IndexError, match=r"^norm: Expected reduction dim 0"):
        ember.norm(e, inf)
    assert ember.max(e, 1).values.shape == (0,)  # the empty dim is not reduced


# ---- max, min and friends --------------------------------------------------------


def test_max_with_dim_is_a_named_tuple(device):
    x = t([[1, 3, 3], [2, 2, 0]], device=device)
    out = ember.max(x, 1)
    assert type(out).__name__ == "max" and out._fields == ("values", "indices")
    assert values(out.values) == [3, 2] and values(out.indices) == [1, 0]  # first maximum
    lo = x.min(dim=0, keepdim=True)
    assert lo.values.shape == (1, 3) and values(lo.indices) == [[0, 1, 1]]
    assert ember.aminmax(x, dim=1)._fields == ("min", "max")


def test_named_results_pickle(device):
    out = ember.max(t([[1.0, 4.0]], device=device), 1)
    back = pickle.loads(pickle.dumps(out))
    assert type(back) is type(out) and values(back.indices) == [1]


def test_max_propagates_nan_and_points_at_it(device):
    x = t([1.0, nan, 3.0, nan], device=device)
    assert math.isnan(ember.max(x).item()) and math.isnan(ember.amin(x).item())
    assert ember.max(x, 0).indices.item() == 1
    assert ember.argmin(x).item() == 1


def test_max_of_two_tensors_is_the_elementwise_maximum(device):
    a = t([[1, 5], [7, 2]], ember.int32, device)
    b = t([3.5, 4.0], device=device)
    assert values(ember.max(a, b)) == [[3.5, 5.0], [7.0, 4.0]]
    assert ember.max(a, b).dtype is ember.float32
    assert values(ember.min(a, other=b)) == [[1.0, 4.0], [3.5, 2.0]]
    assert values(a.max(b)) == values(ember.max(a, b))


def test_argmax_keepdim_without_dim_keeps_every_dim(device):
    x = t([[1.0, 9.0], [3.0, 4.0]], device=device)
    assert ember.argmax(x, keepdim=True).shape == (1, 1)
    assert ember.argmax(x).item() == 1


# ---- spread ----------------------------------------------------------------------


def test_std_forms_and_correction(device):
    x = t([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]], device=device)
    expected = np.std(values(x), axis=1, ddof=1)
    assert_close(ember.std(x, 1), expected)
    assert_close(ember.std(x, 1, True), expected)  # (dim, unbiased)
    assert_close(ember.std(x, dim=1, correction=0), np.std(values(x), axis=1))
    assert_close(ember.var(x, False), np.var(values(x)))  # (unbiased)
    assert_close(ember.var(x, 1, correction=0.5), np.var(values(x), axis=1, ddof=0.5))


def test_std_without_degrees_of_freedom_is_inf_or_nan_quietly(device):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ember.std(t([1.0, 2.0], device=device), correction=2).item() == inf
        assert math.isnan(ember.var(t([1.0], device=device)).item())


def test_std_rejects_integers_and_mixed_forms(device):
    with pytest.raises(RuntimeError, match=r"^std: std and var only support floating .*int64"):
        ember.std(t([1, 2], device=device))
    with pytest.raises(TypeError, match=r"^var: give either unbiased or correction"):
        ember.var(t([1.0, 2.0], device=device), 0, unbiased=True, correction=1)


def test_std_mean_and_var_mean_are_functions_only(device):
    x = t([[1.0, 2.0], [3.0, 5.0]], device=device)
    s, m = ember.std_mean(x, 0)
    assert_close(s, ember.std(x, 0))
    assert_close(m, ember.mean(x, 0))
    v, m = ember.var_mean(x, dim=1, correction=0, keepdim=True)
    assert v.shape == (2, 1) and values(m) == [[1.5], [4.0]]
    assert not hasattr(ember.Tensor, "std_mean")


def test_mean_rejects_integers(device):
    with pytest.raises(RuntimeError, match=r"^mean: could not infer output dtype.*Got: int64"):
        ember.mean(t([1, 2], device=device))
    with pytest.raises(RuntimeError, match=r"^mean: .*Optional dtype.*Got: int32"):
        ember.mean(t([1.0, 2.0], device=device), dtype=ember.int32)
    with pytest.raises(RuntimeError, match=r"^nanmean: could not infer output dtype"):
        ember.nanmean(t([1, 2], device=device))


def test_nan_aware_means_and_sums(device):
    x = t([[1.0, nan], [nan, nan]], device=device)
    assert values(ember.nansum(x, 1)) == [1.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = values(ember.nanmean(x, 1))
    assert out[0] == 1.0 and math.isnan(out[1])


# ---- norms and log-sum-exp -------------------------------------------------------


def test_norm_orders(device):
    x = t([[3.0, -4.0], [0.0, 12.0]], device=device)
    assert ember.norm(x).item() == 13.0
    assert values(ember.norm(x, 1, dim=1)) == [7.0, 12.0]
    assert ember.norm(x, inf).item() == 12.0 and ember.norm(x, -inf).item() == 0.0
    assert ember.norm(x, 0).item() == 3.0
    assert_close(ember.norm(x, "nuc"), np.linalg.norm(values(x), "nuc"))
    assert ember.norm(t([3 + 4j], ember.complex64, device)).dtype is ember.float32


def test_norm_rejects_bad_input(device):
    x = t([[1.0, 2.0], [3.0, 4.0]], device=device)
    with pytest.raises(RuntimeError, match=r"^norm: Expected a floating point .*Got int64"):
        ember.norm(t([1, 2], device=device))
    with pytest.raises(RuntimeError, match=r"^norm: Order 'bad' not supported"):
        ember.norm(x, "bad")
    with pytest.raises(RuntimeError, match=r"^norm: 'nuc' needs a 2-D input or two dims"):
        ember.norm(ember.ones(2, 2, 2, device=device), "nuc")
    with pytest.raises(RuntimeError, match=r"^norm: 'fro' takes at most two dims"):
        ember.norm(ember.ones(2, 2, 2, device=device), "fro", (0, 1, 2))


def test_logsumexp_is_stable(device):
    x = t([[1000.0, 1000.0], [-inf, -inf], [inf, 1.0], [nan, 1.0]], device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = values(ember.logsumexp(x, 1))
    assert_close(out[0], 1000.0 + math.log(2.0))
    assert out[1] == -inf and out[2] == inf and math.isnan(out[3])


def test_logsumexp_needs_a_dim(device):
    with pytest.raises(TypeError, match=r"^logsumexp: .*dim"):
        ember.logsumexp(t([1.0], device=device))


# ---- scans -----------------------------------------------------------------------


def test_cummax_moves_to_the_last_tie_and_to_nan(device):
    out = ember.cummax(t([1, 3, 3, 2, 3, 5], device=device), 0)
    assert out._fields == ("values", "indices")
    assert values(out.values) == [1, 3, 3, 3, 3, 5] and values(out.indices) == [0, 1, 2, 2, 4, 5]
    low = ember.cummin(t([1.0, nan, 3.0, nan, -5.0], device=device), 0)
    assert values(low.indices) == [0, 1, 1, 3, 3]
    assert math.isnan(values(low.values)[-1])


def test_logcumsumexp_is_stable_and_takes_integers(device):
    x = t([-inf, -inf, 1000.0, inf, 2.0], device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = values(ember.logcumsumexp(x, 0))
    assert out[:2] == [-inf, -inf] and out[2] == 1000.0 and out[3:] == [inf, inf]
    assert ember.logcumsumexp(t([1, 2], device=device), 0).dtype is ember.float32


def test_cumsum_in_place_keeps_the_dtype(device):
    x = t([1, 2, 3], ember.int32, device)
    assert x.cumsum_(0) is x
    assert values(x) == [1, 3, 6] and x.dtype is ember.int32


def test_prod_takes_a_tuple_of_dims(device):
    x = t([[1, 2], [3, 4]], device=device)
    assert ember.prod(x, (0, 1)).item() == 24


def test_trace_sums_the_diagonal_of_a_matrix():
    assert ember.trace(t([[1, 2, 3], [4, 5, 6]])).item() == 6
    assert ember.trace(t([[1, 2], [3, 4]], ember.int32)).dtype is ember.int64
    assert t([[1.5, 0.0], [0.0, 2.0]]).trace().item() == 3.5
    with pytest.raises(RuntimeError, match=r"^trace: expected a matrix, but got tensor with dim 3"):
        ember.trace(ember.ones(2, 2, 2))
    with pytest.raises(TypeError, match="bool"):
        ember.trace(t([[True]]))


# ---- composites: diff, trapezoid, cov, corrcoef, renorm ----------------------------


def _arr(seed, *shape):
    return np.random.default_rng(seed).uniform(-3, 3, shape)


def test_diff_matches_numpy_with_order_dim_and_edges():
    a = _arr(0, 3, 5)
    assert_close(ember.diff(t(a)), np.diff(a))
    assert_close(t(a).diff(2, 0), np.diff(a, 2, 0))
    pre, app = _arr(1, 3, 2), _arr(2, 3, 1)
    assert_close(ember.diff(t(a), 1, -1, t(pre), t(app)), np.diff(a, prepend=pre, append=app))
    assert ember.diff(t(a), n=9).shape == (3, 0)  # more differences than elements
    assert values(ember.diff(t([True, False, False]))) == [True, False]  # xor, as torch
    assert values(ember.diff(t([1, 2], dtype=ember.uint8))) == [1]
    assert values(ember.diff(t([1, 4, 9]), n=0)) == [1, 4, 9]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: ember.diff(t(3.0)), RuntimeError, "at least one-dimensional"),
        (lambda: ember.diff(t([1.0]), n=-1), RuntimeError, "order must be non-negative"),
        (lambda: ember.diff(t([1.0]), prepend=0), TypeError, "'prepend' must be Tensor"),
        (lambda: ember.diff(ember.ones(2, 3), 1, 0, ember.ones(3)), RuntimeError, "same dim"),
        (lambda: ember.diff(ember.ones(2, 3), 1, 0, ember.ones(1, 2)), RuntimeError, "size"),
        (lambda: ember.diff(t([1.0]), dim=2), IndexError, "out of range"),
    ],
)
def test_diff_errors(call, error, match):
    with pytest.raises(error, match=f"^diff: .*{match}"):
        call()


def test_trapezoid_matches_numpy():
    y, x = _arr(0, 3, 5), np.sort(_arr(1, 5))
    assert_close(ember.trapezoid(t(y)), np.trapezoid(y))
    assert_close(ember.trapezoid(t(y), dx=0.5, dim=0), np.trapezoid(y, dx=0.5, axis=0))
    assert_close(ember.trapezoid(t(y), t(x)), np.trapezoid(y, x))
    xs = _arr(2, 3, 5)  # sample points per row, as y's shape
    assert_close(ember.trapezoid(t(y), t(xs)), np.trapezoid(y, xs))
    assert ember.trapezoid(t([1, 2, 4])).dtype == ember.float32  # integers: default float
    assert values(ember.trapezoid(ember.zeros(2, 0))) == [0.0, 0.0]


def test_cumulative_trapezoid_matches_running_trapezoids():
    y, x = _arr(0, 2, 6), np.sort(_arr(1, 6))
    expected = np.stack([np.trapezoid(y[:, : k + 1], x[: k + 1]) for k in range(1, 6)], -1)
    assert_close(ember.cumulative_trapezoid(t(y), t(x)), expected)
    steps = np.cumsum(y[:, 1:] + y[:, :-1], -1)  # each interval's (y0 + y1) * dx / 2
    assert_close(ember.cumulative_trapezoid(t(y), dx=2.0), steps)
    assert ember.cumulative_trapezoid(ember.zeros(2, 1)).shape == (2, 0)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda f: f(t(3.0)), IndexError, "no dimensions"),
        (lambda f: f(t([True, False])), RuntimeError, "bool is not supported"),
        (lambda f: f(t([1.0, 2.0]), t([1.0, 2.0, 3.0])), RuntimeError, "one `x` value for each"),
        (lambda f: f(t([1.0, 2.0]), t([1.0, 2.0]), dx=1.0), TypeError, "not both"),
        (lambda f: f(t([1.0, 2.0]), dx=1j), RuntimeError, "dx as a real number"),
    ],
)
@pytest.mark.parametrize("fn", [ember.trapezoid, ember.cumulative_trapezoid])
def test_trapezoid_errors(fn, call, error, match):
    with pytest.raises(error, match=f"^{fn.__name__}: .*{match}"):
        call(fn)


def test_cov_and_corrcoef_match_numpy():
    a = _arr(0, 3, 7)
    assert_close(ember.cov(t(a)), np.cov(a))
    assert_close(t(a).cov(correction=0), np.cov(a, ddof=0))
    fw, aw = np.array([1, 2, 0, 3, 1, 1, 2]), np.random.default_rng(3).uniform(0.1, 2, 7)
    assert_close(
        ember.cov(t(a), fweights=t(fw), aweights=t(aw)), np.cov(a, fweights=fw, aweights=aw)
    )
    assert_close(ember.cov(t(a[0])), np.cov(a[0]))  # one variable: a 0-d variance
    assert_close(t(a).corrcoef(), np.corrcoef(a))
    assert ember.cov(t([1, 2, 4])).dtype == ember.float32
    assert math.isnan(ember.corrcoef(t([2.0, 2.0])).item())


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"fweights": t([1.0, 2.0, 3.0])}, "fweights to have integral dtype"),
        ({"fweights": t([1, 2])}, "fweights to have the same numel"),
        ({"fweights": t([1, -2, 3])}, "fweights cannot be negative"),
        ({"aweights": t([1, 2, 3])}, "aweights to have floating point dtype"),
        ({"aweights": t([[1.0, 2.0, 3.0]])}, "aweights to have one or fewer dimensions"),
        ({"fweights": t([0, 0, 0])}, "weights sum to zero"),
    ],
)
def test_cov_weight_errors(kw, match):
    with pytest.raises(RuntimeError, match=f"^cov: .*{match}"):
        ember.cov(t([[1.0, 2.0, 4.0]]), **kw)


def test_cov_input_errors_and_no_degrees_of_freedom():
    with pytest.raises(RuntimeError, match=r"^cov: expected input to have two or fewer"):
        ember.cov(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match=r"^corrcoef: expected input to have two or fewer"):
        ember.corrcoef(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match=r"^cov: bool dtype"):
        ember.cov(t([True, False]))
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        out = ember.cov(t([1.0, 2.0]), correction=2)
    assert math.isinf(out.item())


def test_renorm_caps_each_slice_norm():
    a = _arr(0, 3, 4)
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    expected = np.where(norms > 2.0, a * 2.0 / (norms + 1e-7), a)
    assert_close(ember.renorm(t(a), 2, 0, 2.0), expected)
    one = np.abs(a).sum(0, keepdims=True)
    assert_close(t(a).renorm(1, 1, 3.0), np.where(one > 3.0, a * 3.0 / (one + 1e-7), a))
    for args, match in [((0, 0, 1.0), "non-positive-norm"), ((2, 0, -1.0), "maxnorm to be >= 0")]:
        with pytest.raises(RuntimeError, match=f"^renorm: .*{match}"):
            ember.renorm(t(a), *args)
    with pytest.raises(RuntimeError, match=r"^renorm: input needs at least 2 dimensions"):
        ember.renorm(t([1.0]), 2, 0, 1.0)
    with pytest.raises(RuntimeError, match=r"^renorm: expected a floating point input"):
        ember.renorm(t([[1, 2]]), 2, 0, 1.0)
