"""Pooling: max, average, adaptive and Lp pooling against loop references over kernel,
stride, padding, dilation and ceil_mode; the backward primitives as adjoints; bad input.
"""

import itertools

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.testing import assert_close
from ember.testing.opinfos.pooling import adaptive_ref, avg_pool_ref, max_pool_ref


def _t(*shape, seed=0, dtype=np.float64):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def _dot(a, b):
    return float(np.sum(np.asarray(a.numpy(), np.float64) * np.asarray(b.numpy(), np.float64)))


POOL_GRID = [
    (k, s, p, d, c)
    for k, s, p, d, c in itertools.product([2, 3], [1, 2, None], [0, 1], [1, 2], [False, True])
    if 2 * p <= d * (k - 1) + 1
]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("k, s, p, d, ceil_mode", POOL_GRID)
def test_max_pool_matches_the_loop_reference(nd, k, s, p, d, ceil_mode):
    x = _t(2, 2, *(9, 7, 6)[:nd]) if nd < 3 else _t(1, 2, 6, 5, 6)
    fn = (ember.max_pool1d, ember.max_pool2d, ember.max_pool3d)[nd - 1]
    values, indices = fn(x, k, s, p, d, ceil_mode, return_indices=True)
    tup = [(v,) * nd for v in (k, k if s is None else s, p, d)]
    ref_values, ref_indices = max_pool_ref(x.numpy(), *tup, ceil_mode)
    assert_close(values, ref_values)
    assert indices.dtype is ember.int64
    assert_close(indices, ref_indices)


@pytest.mark.parametrize("k, s, p, d, ceil_mode", [g for g in POOL_GRID if g[3] == 1])
def test_avg_pool_matches_the_loop_reference_and_its_backward_is_the_adjoint(k, s, p, d, ceil_mode):
    x = _t(2, 3, 7, 6)
    for include, divisor in [(True, None), (False, None), (True, 3)]:
        out = ember.avg_pool2d(x, k, s, p, ceil_mode, include, divisor)
        expected = avg_pool_ref(
            x.numpy(), (k, k), s and (s, s), (p, p), ceil_mode, include, divisor
        )
        assert_close(out, expected)
        g = _t(*out.shape, seed=1)
        args = ((k, k), (k, k) if s is None else (s, s), (p, p), ceil_mode, include, divisor)
        back = OPS["avg_pool_backward"](g, tuple(x.shape), *args)
        assert np.isclose(_dot(out, g), _dot(x, back))


def test_max_pool_backward_scatters_into_the_argmax_and_sums_overlaps():
    x = ember.tensor([[[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0], [7.0, 1.0, 0.0]]]])
    values, indices = ember.max_pool2d(x, 2, 1, return_indices=True)
    assert indices.tolist() == [[[[1, 1], [6, 5]]]]
    grad = OPS["max_pool_backward"](ember.ones_like(values), indices, tuple(x.shape))
    assert grad.tolist() == [[[[0, 2, 0], [0, 0, 1], [1, 0, 0]]]]


def test_max_pool_propagates_nan_and_points_at_it():
    x = ember.tensor([[[1.0, float("nan"), 3.0, 2.0]]])
    values, indices = ember.max_pool1d(x, 2, return_indices=True)
    assert np.isnan(values[0, 0, 0].item()) and values[0, 0, 1].item() == 3.0
    assert indices.tolist() == [[[1, 2]]]


def test_max_pool_keeps_integer_dtypes_and_unbatched_shapes():
    x = ember.tensor(np.arange(24, dtype=np.int32).reshape(2, 3, 4))
    assert ember.max_pool2d(x, 2).dtype is ember.int32
    assert ember.max_pool2d(x, 2).tolist() == [[[5, 7]], [[17, 19]]]
    assert ember.avg_pool1d(_t(3, 8), 2).shape == (3, 4)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("size", [1, 2, 3, 5, None])
def test_adaptive_pooling_uses_torchs_windows(nd, size):
    x = _t(2, 2, *(7, 5, 6)[:nd], seed=nd)
    out_size = (size,) * nd
    avg = (ember.adaptive_avg_pool1d, ember.adaptive_avg_pool2d, ember.adaptive_avg_pool3d)
    mx = (ember.adaptive_max_pool1d, ember.adaptive_max_pool2d, ember.adaptive_max_pool3d)
    assert_close(avg[nd - 1](x, out_size), adaptive_ref(x.numpy(), out_size, "mean"))
    values, indices = mx[nd - 1](x, out_size, True)
    ref_values, ref_indices = adaptive_ref(x.numpy(), out_size, "max")
    assert_close(values, ref_values)
    assert_close(indices, ref_indices)
    out = avg[nd - 1](x, out_size)
    g = _t(*out.shape, seed=7)
    back = OPS["adaptive_avg_pool_backward"](g, tuple(x.shape))
    assert np.isclose(_dot(out, g), _dot(x, back))


def test_global_max_pooling_takes_one_argmax():
    x = _t(2, 3, 16, 16)
    values, indices = ember.adaptive_max_pool2d(x, 1, return_indices=True)
    flat = x.numpy().reshape(2, 3, -1)
    assert_close(values, flat.max(-1)[..., None, None])
    assert_close(indices, flat.argmax(-1)[..., None, None])


def test_max_unpool_puts_the_maxima_back():
    x = _t(2, 3, 6, 4)
    values, indices = ember.max_pool2d(x, 2, return_indices=True)
    out = ember.max_unpool2d(values, indices, 2)
    mask = out.numpy() != 0
    assert mask.sum() == values.numel()
    assert_close(out.numpy()[mask], x.numpy()[mask])
    assert ember.max_unpool2d(values, indices, 2, output_size=(7, 5)).shape == (2, 3, 7, 5)


def test_lp_pool_is_sum_pooling_at_p1_and_a_root_of_squares_at_p2():
    x = _t(1, 2, 6, 6).abs()
    assert_close(ember.lp_pool2d(x, 1, 2), ember.avg_pool2d(x, 2) * 4)
    assert_close(ember.lp_pool2d(x, 2, 3, 3), (ember.avg_pool2d(x * x, 3) * 9).sqrt())


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: ember.max_pool2d(_t(3, 8), 2),
            RuntimeError,
            r"max_pool2d: expected a 4-d input \(N, C, H, W\) or 3-d without the batch dim",
        ),
        (
            lambda: ember.max_pool2d(_t(1, 1, 4, 4), 3, padding=2),
            ValueError,
            r"max_pool2d: pad should be at most half of effective kernel size",
        ),
        (
            lambda: ember.max_pool2d(_t(1, 1, 2, 2), 3),
            RuntimeError,
            r"max_pool2d: input spatial size \(2, 2\) is too small for kernel_size \(3, 3\)",
        ),
        (
            lambda: ember.avg_pool2d(_t(1, 1, 4, 4), (2, 2, 2)),
            TypeError,
            r"avg_pool2d: expected kernel_size to be an int or a tuple of 2 ints",
        ),
        (
            lambda: ember.avg_pool2d(_t(1, 1, 4, 4), 2, divisor_override=0),
            ValueError,
            r"avg_pool: divisor_override must be a non-zero int",
        ),
        (
            lambda: ember.adaptive_avg_pool2d(_t(1, 1, 4, 4), (2, 2, 2)),
            ValueError,
            r"adaptive_avg_pool2d: expected output_size of 2 ints",
        ),
        (
            lambda: ember.adaptive_avg_pool1d(_t(1, 4, 0), 2),
            RuntimeError,
            r"adaptive_avg_pool1d: expected a 3-d input \(N, C, L\)",
        ),
        (
            lambda: ember.max_unpool2d(_t(1, 1, 2, 2), ember.tensor([[[[0, 1], [17, 2]]]]), 2),
            IndexError,
            r"max_unpool: found an invalid max index 17",
        ),
        (
            lambda: ember.max_unpool2d(
                _t(1, 1, 2, 2), ember.zeros(1, 1, 2, 2, dtype=ember.int64), 2, output_size=(9, 9)
            ),
            ValueError,
            r"max_unpool2d: invalid output_size \(9, 9\)",
        ),
        (
            lambda: OPS["max_pool_backward"](
                _t(1, 2, 2), ember.zeros(1, 2, 3, dtype=ember.int64), (1, 2, 4)
            ),
            RuntimeError,
            r"max_pool_backward: expected grad and indices of one shape",
        ),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
