"""Convolution: the N-d primitive against a direct loop reference over stride, padding,
dilation and groups; the gradient helpers as adjoints; padding='same'; bad input.
"""

import itertools

import numpy as np
import pytest

import ember
from ember._ops.conv import (
    convolution,
    convolution_input_grad,
    convolution_weight_grad,
    fold,
    unfold,
)
from ember.testing import assert_close
from ember.testing.opinfos.conv import conv_ref


def _t(*shape, seed=0, dtype=np.float64):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


GRID = list(
    itertools.product([1, 2], [0, 1, 2], [1, 2], [1, 2])
)  # stride, padding, dilation, groups


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("stride, padding, dilation, groups", GRID)
def test_convolution_matches_the_loop_reference(nd, stride, padding, dilation, groups):
    size = (7, 6, 5)[:nd] if nd < 3 else (5, 4, 5)
    x = _t(2, 2 * groups, *size)
    w = _t(2 * groups, 2, *(3, 2, 2)[:nd], seed=1)
    b = _t(2 * groups, seed=2)
    args = ((stride,) * nd, (padding,) * nd, (dilation,) * nd)
    out = convolution(x, w, b, *args, False, (0,) * nd, groups)
    expected = conv_ref(x.numpy(), w.numpy(), b.numpy(), *args, False, 0, groups)
    assert_close(out, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("stride, padding, dilation, groups", GRID)
def test_transposed_convolution_matches_the_loop_reference(nd, stride, padding, dilation, groups):
    x = _t(2, 2 * groups, *(5, 4, 4)[:nd])
    w = _t(2 * groups, 3, *(3, 2, 2)[:nd], seed=1)
    op = (max(stride, dilation) - 1,) * nd
    args = ((stride,) * nd, (padding,) * nd, (dilation,) * nd)
    out = convolution(x, w, None, *args, True, op, groups)
    expected = conv_ref(x.numpy(), w.numpy(), None, *args, True, op, groups)
    assert_close(out, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("stride, padding, dilation, groups", GRID)
def test_gradient_helpers_are_the_adjoints_of_the_convolution(stride, padding, dilation, groups):
    # <conv(x, w), g> = <x, input_grad(g, w)> = <w, weight_grad(x, g)> for every x, w, g.
    x, w = _t(2, 2 * groups, 8, 7), _t(4, 2, 3, 2, seed=1)
    args = ((stride,) * 2, (padding,) * 2, (dilation,) * 2)
    y = convolution(x, w, None, *args, False, (0, 0), groups)
    g = _t(*y.shape, seed=2)
    dx = convolution_input_grad(g, w, x.shape, *args, groups)
    dw = convolution_weight_grad(x, g, w.shape, *args, groups)
    total = np.sum(y.numpy() * g.numpy())
    assert dx.shape == x.shape and dw.shape == w.shape
    assert np.isclose(np.sum(x.numpy() * dx.numpy()), total)
    assert np.isclose(np.sum(w.numpy() * dw.numpy()), total)


def test_weight_grad_of_a_transposed_convolution_swaps_the_roles():
    x, w = _t(2, 4, 3, 4), _t(4, 3, 3, 3, seed=1)  # transposed: (C_in, C_out / groups, k...)
    y = convolution(x, w, None, (2, 2), (1, 1), (1, 1), True, (1, 0), 1)
    g = _t(*y.shape, seed=2)
    dw = convolution_weight_grad(g, x, w.shape, (2, 2), (1, 1), (1, 1), 1)
    assert np.isclose(np.sum(w.numpy() * dw.numpy()), np.sum(y.numpy() * g.numpy()))


@pytest.mark.parametrize("k, d", [(3, 1), (4, 1), (2, 3), (4, 2)])
def test_same_padding_keeps_the_size_and_pads_extra_on_the_right(k, d):
    x, w = _t(1, 2, 9, 8), _t(3, 2, k, k, seed=1)
    out = ember.conv2d(x, w, padding="same", dilation=d)
    total = d * (k - 1)
    side = (total // 2, total - total // 2)
    xp = np.pad(x.numpy(), ((0, 0), (0, 0), side, side))
    expected = conv_ref(xp[:, :, :, :], w.numpy(), None, 1, 0, d, False, 0, 1)
    assert out.shape[2:] == x.shape[2:]
    assert_close(out, expected, rtol=1e-10, atol=1e-10)
    assert_close(
        ember.conv2d(x, w, padding="valid"),
        conv_ref(x.numpy(), w.numpy(), None, 1, 0, 1, False, 0, 1),
    )


def test_the_column_buffer_is_not_shared_between_results():
    x, w = _t(2, 3, 6, 6), _t(4, 3, 3, 3, seed=1)
    first = ember.conv2d(x, w)
    kept = first.numpy().copy()
    ember.conv2d(_t(2, 3, 6, 6, seed=5), w)  # reuses the column buffer
    assert_close(first, kept)


def test_half_and_integer_inputs_keep_their_dtype():
    x, w = _t(1, 2, 5, 5), _t(3, 2, 3, 3, seed=1)
    half = ember.conv2d(x.to(ember.float16), w.to(ember.float16), padding=1)
    assert half.dtype is ember.float16
    assert_close(
        half, ember.conv2d(x, w, padding=1).numpy(), rtol=1e-2, atol=2e-2, check_dtype=False
    )
    xi, wi = (
        ember.tensor(np.arange(50).reshape(1, 2, 5, 5)),
        ember.tensor(np.ones((1, 2, 2, 2), int)),
    )
    assert ember.conv2d(xi, wi).dtype is ember.int64
    assert ember.conv2d(xi, wi)[0, 0, 0, 0].item() == 0 + 1 + 5 + 6 + 25 + 26 + 30 + 31


def test_unfold_and_fold_are_adjoint():
    x = _t(2, 3, 6, 7)
    cols = unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    g = _t(*cols.shape, seed=1)
    back = fold(g, (6, 7), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    assert np.isclose(np.sum(cols.numpy() * g.numpy()), np.sum(x.numpy() * back.numpy()))


# ---- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: ember.conv2d(_t(3, 32), _t(4, 3, 3, 3)),
            RuntimeError,
            r"conv2d: expected input with 4 dims \(N, C, H, W\) or 3 \(C, H, W\), "
            r"got shape \(3, 32\)",
        ),
        (
            lambda: ember.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), groups=2),
            RuntimeError,
            r"conv2d: input has 3 channels but weight expects 6 "
            r"\(groups=2, weight.shape=\(4, 3, 3, 3\)\)",
        ),
        (
            lambda: ember.conv2d(_t(1, 4, 8, 8), _t(3, 2, 3, 3), groups=2),
            RuntimeError,
            r"conv2d: out_channels \(weight.shape\[0\]=3\) must be divisible by groups=2",
        ),
        (
            lambda: ember.conv1d(_t(1, 3, 8), _t(4, 3, 3, 3)),
            RuntimeError,
            r"conv1d: expected weight with 3 dims",
        ),
        (
            lambda: ember.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), _t(3)),
            RuntimeError,
            r"conv2d: expected bias of shape \(4,\), got \(3,\)",
        ),
        (
            lambda: ember.conv2d(_t(1, 3, 2, 2), _t(4, 3, 3, 3)),
            RuntimeError,
            r"conv2d: input spatial size \(2, 2\) \(padded \(2, 2\)\) is smaller than the dilated",
        ),
        (
            lambda: ember.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), stride=2, padding="same"),
            ValueError,
            r"conv2d: padding='same' is not supported for strided convolutions",
        ),
        (
            lambda: ember.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), padding="full"),
            ValueError,
            r"conv2d: expected padding to be 'valid', 'same', an int or a tuple, got 'full'",
        ),
        (
            lambda: ember.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), stride=(1, 2, 3)),
            TypeError,
            r"conv2d: expected stride to be an int or a tuple of 2 ints, got \(1, 2, 3\)",
        ),
        (
            lambda: ember.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), stride=0),
            ValueError,
            r"conv2d: expected stride to be >= 1, got 0",
        ),
        (
            lambda: ember.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3, dtype=np.float32)),
            RuntimeError,
            r"conv2d: expected weight of dtype float64 like the input, got float32",
        ),
        (
            lambda: ember.conv_transpose2d(_t(1, 3, 4, 4), _t(4, 2, 3, 3)),
            RuntimeError,
            r"conv_transpose2d: input has 3 channels but weight expects 4",
        ),
        (
            lambda: ember.conv_transpose2d(
                _t(1, 4, 4, 4), _t(4, 2, 3, 3), stride=2, output_padding=2
            ),
            ValueError,
            r"convolution: output_padding \(2, 2\) must be smaller than either stride",
        ),
        (lambda: unfold(_t(3, 4), 2), RuntimeError, r"im2col: expected input with 4 dims"),
        (
            lambda: fold(_t(1, 12, 5), (3, 4), (2, 2)),
            RuntimeError,
            r"col2im: expected input of shape \(N, C \* 4, 6\)",
        ),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
