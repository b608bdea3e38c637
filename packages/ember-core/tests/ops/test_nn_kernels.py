"""Activations, softmax, dropout, embedding, normalization, attention and resampling:
numerics at the extremes, in-place variants, running statistics, randomness and bad input.
"""

import warnings

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.testing import assert_close
from ember.testing.opinfos.pooling import pad_ref, upsample_ref


def _t(*shape, seed=0, dtype=np.float64, low=-3.0, high=3.0):
    rng = np.random.default_rng(seed)
    return ember.tensor(rng.uniform(low, high, shape).astype(dtype))


def _dot(a, b):
    return float(np.sum(a.numpy() * b.numpy()))


# ---- activations -----------------------------------------------------------------------


def test_activations_are_finite_and_exact_at_the_extremes():
    x = ember.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings from unselected branches
        assert ember.softplus(x).tolist()[3:] == [50.0, 1000.0]
        assert ember.logsigmoid(x).tolist()[:2] == [-1000.0, -50.0]
        assert ember.silu(x).tolist() == [-0.0, pytest.approx(-50 * np.exp(-50)), 0.0, 50.0, 1000.0]
        assert ember.elu(x).tolist()[0] == -1.0
        assert ember.mish(x).tolist()[4] == 1000.0
        assert ember.gelu(x).tolist() == [-0.0, -0.0, 0.0, 50.0, 1000.0]
    tiny = ember.tensor([1e-10])
    assert ember.elu(-tiny).item() == pytest.approx(-1e-10, rel=1e-9)  # expm1, not exp - 1


def test_half_inputs_keep_their_dtype():
    x = _t(3, 4).to(ember.float16)
    for fn in (ember.gelu, ember.silu, ember.softplus, ember.mish, ember.logsigmoid):
        out = fn(x)
        assert out.dtype is ember.float16
        assert_close(out, fn(x.to(ember.float32)).numpy(), rtol=2e-3, atol=2e-3, check_dtype=False)


def test_inplace_variants_write_into_the_input():
    x = _t(3, 4)
    before = x._version
    out = ember.relu(x, inplace=True)
    assert out is x and x._version > before and float(x.numpy().min()) >= 0
    y = _t(3, 4)
    assert ember.leaky_relu(y, 0.5, True) is y and ember.hardtanh(y, -0.5, 0.5, True) is y
    assert float(y.numpy().max()) <= 0.5


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: ember.gelu(ember.tensor([1, 2])),
            TypeError,
            r"gelu: expected a floating point input, got ember.int64",
        ),
        (
            lambda: ember.gelu(_t(2), approximate="fast"),
            ValueError,
            r"gelu: approximate must be 'none' or 'tanh', got 'fast'",
        ),
        (
            lambda: ember.hardtanh(_t(2), 2.0, 1.0),
            ValueError,
            r"hardtanh: min_val \(2.0\) cannot be greater than max_val \(1.0\)",
        ),
        (
            lambda: ember.glu(_t(3, 5)),
            RuntimeError,
            r"glu: halving dimension must be even, but dimension -1 is size 5",
        ),
        (
            lambda: ember.prelu(_t(2, 3, 4), _t(4)),
            RuntimeError,
            r"prelu: weight must hold 1 or 3 \(the input's channels\) values",
        ),
        (
            lambda: ember.softmax(ember.tensor([1, 2]), 0),
            TypeError,
            r"softmax: expected a floating point input \(or dtype=\), got ember.int64",
        ),
        (lambda: ember.softmax(_t(2, 3), 2), IndexError, r"softmax: Dimension out of range"),
    ],
)
def test_activation_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_threshold_backward_drops_exactly_where_the_input_is_at_or_below(dtype):
    # As in PyTorch: a dropped inf or nan gradient gives 0 (not nan), a nan input keeps it.
    nan, inf = float("nan"), float("inf")
    dt = getattr(ember, dtype)
    g = ember.tensor([inf, nan, -inf, 2.0, 3.0, -0.5], dtype=dt)
    x = ember.tensor([-1.0, 0.0, 0.5, nan, 0.5, 0.7], dtype=dt)
    out = OPS["threshold_backward"](g, x, 0.5)
    assert out.dtype is dt
    assert out.to(ember.float64).tolist() == [0.0, 0.0, 0.0, 2.0, 0.0, -0.5]
    strided = OPS["threshold_backward"](g[::2], x[::2], 0.0)  # non-contiguous operands
    assert strided.to(ember.float64).tolist() == [0.0, -inf, 3.0]


def test_hardtanh_backward_drops_at_and_outside_the_limits():
    nan, inf = float("nan"), float("inf")
    g = ember.tensor([inf, 1.0, 2.0, nan, 3.0])
    x = ember.tensor([-1.0, nan, 0.5, 1.0, 0.9])
    out = OPS["hardtanh_backward"](g, x, -1.0, 1.0)
    assert out.tolist() == [0.0, 1.0, 2.0, 0.0, 3.0]  # as torch.ops.aten.hardtanh_backward


def test_shrink_and_hardsigmoid_backward_match_torch_at_nan_and_inf():
    nan, inf = float("nan"), float("inf")
    g = ember.tensor([inf, 1.0, 2.0, 3.0, inf])
    x = ember.tensor([-5.0, nan, 0.2, 1.0, 4.0])
    # the values torch.ops.aten gives for these inputs
    assert OPS["hardshrink_backward"](g, x, 0.5).tolist()[:4] == [inf, 1.0, 0.0, 3.0]
    assert OPS["softshrink_backward"](g, x, 0.5).tolist()[:4] == [inf, 1.0, 0.0, 3.0]
    assert_close(OPS["hardsigmoid_backward"](g, x), [0.0, 0.0, 2 / 6, 0.5, 0.0])


def test_shrinks_keep_nan_inputs():
    x = ember.tensor([float("nan"), 0.2, 1.0])
    for out in (ember.hardshrink(x), ember.softshrink(x)):
        assert np.isnan(out[0].item()) and out[1].item() == 0.0


def test_threshold_keeps_nan_inputs():
    out = ember.threshold(ember.tensor([float("nan"), 0.5, 1.0]), 0.5, 7.0)
    assert np.isnan(out[0].item()) and out[1:].tolist() == [7.0, 1.0]


# ---- softmax -----------------------------------------------------------------------------


def test_softmax_is_stable_and_log_softmax_does_not_underflow():
    x = ember.tensor([[1000.0, 0.0, -1000.0], [float("-inf"), 0.0, 0.0]])
    assert_close(ember.softmax(x, 1), [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    assert_close(
        ember.log_softmax(x, 1), [[0.0, -1000.0, -2000.0], [float("-inf"), -np.log(2), -np.log(2)]]
    )
    assert ember.softmax(ember.tensor([1, 2]), 0, dtype=ember.float64).dtype is ember.float64
    assert_close(ember.softmin(x[0:1], 1), [[0.0, 0.0, 1.0]])


def test_softmax_backward_kernels_take_zero_probabilities():
    x = ember.tensor([[0.0, float("-inf"), 1.0]])
    g = ember.tensor([[1.0, 2.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exp(-inf) is a plain 0
        got = OPS["log_softmax_backward"](g, ember.log_softmax(x, 1), 1)
        p = ember.softmax(x, 1)
        got_soft = OPS["softmax_backward"](g, p, 1)
    e = np.exp(1.0)
    p0, p2 = 1 / (1 + e), e / (1 + e)
    assert_close(got, [[1 - 6 * p0, 2.0, 3 - 6 * p2]])
    mean = p0 * 1 + p2 * 3
    assert_close(got_soft, [[p0 * (1 - mean), 0.0, p2 * (3 - mean)]])


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = ember.softmax(_t(2, 3))
    assert_close(out.sum(1), np.ones(2))


# ---- dropout -----------------------------------------------------------------------------


def test_dropout_scales_kept_elements_and_is_reproducible():
    x = ember.ones(200, 50)
    out = ember.dropout(x, 0.25, generator=ember.Generator().manual_seed(3))
    again = ember.dropout(x, 0.25, generator=ember.Generator().manual_seed(3))
    kept = out.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.02
    assert_close(out.numpy()[kept], np.full(kept.sum(), 1 / 0.75))
    assert_close(out, again)
    assert ember.dropout(x, 0.5, training=False) is x
    assert float(ember.dropout(x, 1.0).numpy().max()) == 0.0
    channels = ember.dropout2d(ember.ones(8, 64, 3, 3), 0.5).numpy()
    assert np.all(channels.min(axis=(2, 3)) == channels.max(axis=(2, 3)))  # whole channels


def test_dropout_errors_and_the_3d_dropout2d_warning():
    with pytest.raises(ValueError, match=r"dropout: dropout probability has to be between 0 and 1"):
        ember.dropout(_t(3), 1.5)
    with pytest.raises(RuntimeError, match=r"dropout3d: expected a 4-d \(unbatched\) or 5-d"):
        ember.dropout3d(_t(3, 4), 0.5)
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
        ember.dropout2d(_t(2, 3, 4), 0.5)


# ---- embedding and one_hot ---------------------------------------------------------------


def test_embedding_max_norm_renormalises_used_rows_in_place():
    w = ember.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    before = w._version
    out = ember.embedding(ember.tensor([0, 1]), w, max_norm=1.0)
    assert_close(out, [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    assert w.tolist()[2] == [6.0, 8.0] and w._version > before  # row 2 unused: untouched


def test_embedding_backward_skips_padding_and_scales_by_frequency():
    grad, idx = ember.ones(4, 2), ember.tensor([1, 1, 2, 0])
    out = OPS["embedding_backward"](grad, idx, 3, 2, True)
    assert out.tolist() == [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: ember.embedding(ember.tensor([5]), _t(5, 2)),
            IndexError,
            r"embedding: index out of range: indices span \[5, 5\] for 5 rows",
        ),
        (
            lambda: ember.embedding(_t(2), _t(5, 2)),
            TypeError,
            r"embedding: expected integer indices, got ember.float64",
        ),
        (
            lambda: ember.embedding(ember.tensor([1]), _t(5, 2), padding_idx=7),
            ValueError,
            r"embedding: padding_idx 7 must be within num_embeddings 5",
        ),
        (
            lambda: ember.one_hot(ember.tensor([1, -1])),
            RuntimeError,
            r"one_hot: class values must be non-negative",
        ),
        (
            lambda: ember.one_hot(ember.tensor([1, 4]), 3),
            RuntimeError,
            r"one_hot: class values must be smaller than num_classes=3, got 4",
        ),
        (
            lambda: ember.one_hot(ember.tensor([1.0])),
            TypeError,
            r"one_hot: expected an integer \(index\) tensor, got ember.float32",
        ),
        (
            lambda: ember.one_hot(ember.zeros(0, dtype=ember.int64)),
            RuntimeError,
            r"one_hot: can not infer the number of classes from an empty tensor",
        ),
    ],
)
def test_embedding_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---- normalization -----------------------------------------------------------------------


def test_batch_norm_updates_running_statistics_in_place():
    x = _t(8, 3, 5)
    mean, var = ember.zeros(3), ember.ones(3)
    ember.batch_norm(x, mean, var, training=True, momentum=0.1)
    data = x.numpy().transpose(1, 0, 2).reshape(3, -1)
    assert_close(mean, 0.1 * data.mean(1))
    assert_close(var, 0.9 + 0.1 * data.var(1, ddof=1))  # the unbiased variance, as torch
    mean2, var2 = ember.zeros(3), ember.ones(3)
    ember.batch_norm(x, mean2, var2, training=True, momentum=None, num_batches_tracked=1)
    assert_close(mean2, data.mean(1))  # a cumulative average after one batch: the batch's


def test_normalizations_normalize():
    x = _t(4, 6, 5)
    y = ember.layer_norm(x, (6, 5)).numpy()
    assert np.allclose(y.mean((1, 2)), 0) and np.allclose(y.var((1, 2)), 1, atol=1e-4)
    g = ember.group_norm(x, 3).numpy().reshape(4, 3, -1)
    assert np.allclose(g.mean(-1), 0) and np.allclose(g.var(-1), 1, atol=1e-4)
    i = ember.instance_norm(x).numpy()
    assert np.allclose(i.mean(-1), 0)
    r = ember.rms_norm(x, (5,)).numpy()
    assert np.allclose((r * r).mean(-1), 1, atol=1e-6)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: ember.batch_norm(_t(1, 3), ember.zeros(3), ember.ones(3), training=True),
            ValueError,
            r"batch_norm: expected more than 1 value per channel when training",
        ),
        (
            lambda: ember.batch_norm(_t(2, 3), None, None),
            RuntimeError,
            r"batch_norm: running_mean and running_var must be given when not training",
        ),
        (
            lambda: ember.batch_norm(_t(2, 3), ember.zeros(4), ember.ones(4)),
            RuntimeError,
            r"batch_norm: expected running_mean of shape \(3,\), got \(4,\)",
        ),
        (
            lambda: ember.batch_norm(_t(2, 3), None, None, training=True, momentum=None),
            TypeError,
            r"batch_norm: momentum=None \(a cumulative average\) needs num_batches",
        ),
        (
            lambda: ember.layer_norm(_t(2, 3), (4,)),
            RuntimeError,
            r"layer_norm: given normalized_shape=\[4\], expected input with shape \[\*, 4\], "
            r"but got input of size \[2, 3\]",
        ),
        (
            lambda: ember.group_norm(_t(2, 6, 3), 4),
            RuntimeError,
            r"group_norm: expected the number of channels in input \(6\) to be divisible by "
            r"num_groups=4",
        ),
        (
            lambda: ember.instance_norm(_t(2, 3, 1)),
            ValueError,
            r"instance_norm: expected an input \(N, C, \*\) with more than 1 spatial element",
        ),
        (
            lambda: ember.local_response_norm(_t(2, 3), 2),
            ValueError,
            r"local_response_norm: expected 3 or more dims",
        ),
    ],
)
def test_normalization_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---- attention ---------------------------------------------------------------------------


def test_attention_masks_and_errors():
    q, k, v = _t(1, 2, 3, 4), _t(1, 2, 5, 4, seed=1), _t(1, 2, 5, 6, seed=2)
    keep = ember.tensor(np.array([[True] * 5, [False] * 5, [True, False] * 2 + [True]]))
    out = ember.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    assert out[:, :, 1].numpy().tolist() == np.zeros((1, 2, 6)).tolist()  # nothing to attend to
    causal = ember.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert_close(causal[:, :, 0], v[:, :, 0])  # the first query sees the first key only
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: pass either attn_mask"):
        ember.scaled_dot_product_attention(q, k, v, attn_mask=keep, is_causal=True)
    with pytest.raises(RuntimeError, match=r"query heads \(2\) must be a multiple of key heads"):
        ember.scaled_dot_product_attention(
            _t(1, 2, 3, 4), _t(1, 3, 5, 4), _t(1, 3, 5, 4), enable_gqa=True
        )


def test_distances():
    x, y = _t(4, 5), _t(4, 5, seed=1)
    cos = ember.cosine_similarity(x, y).numpy()
    assert np.all(np.abs(cos) <= 1)
    assert_close(ember.cosine_similarity(x, x, dim=1), np.ones(4))
    assert_close(
        ember.pdist(x),
        [np.linalg.norm(x.numpy()[i] - x.numpy()[j]) for i in range(4) for j in range(i + 1, 4)],
    )
    with pytest.raises(RuntimeError, match=r"pdist: expected a 2-d input \(N, M\), got shape"):
        ember.pdist(_t(2, 3, 4))


@pytest.mark.parametrize("p", [0.0, 1.0, 1.5, 2.0, np.inf])
def test_cdist_matches_pairwise_norms(p):
    x1, x2 = _t(2, 4, 3), _t(2, 5, 3, seed=1)
    a, b = x1.numpy(), x2.numpy()
    diff = np.abs(a[:, :, None, :] - b[:, None, :, :])
    if p == 0:
        expected = (diff != 0).sum(-1).astype(float)
    elif p == np.inf:
        expected = diff.max(-1)
    else:
        expected = (diff**p).sum(-1) ** (1 / p)
    for mode in ("use_mm_for_euclid_dist_if_necessary", "donot_use_mm_for_euclid_dist"):
        assert_close(ember.cdist(x1, x2, p, mode), expected)


def test_cdist_broadcasts_batches_and_handles_empty_inputs():
    out = ember.cdist(_t(2, 1, 3, 2), _t(5, 4, 2))
    assert out.shape == (2, 5, 3, 4)
    assert ember.cdist(_t(0, 2), _t(4, 2)).shape == (0, 4)
    assert ember.cdist(_t(3, 0), _t(4, 0), p=np.inf).tolist() == [[0.0] * 4] * 3


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((_t(3, 2), _t(4, 2), -1.0), RuntimeError, "non-negative p values"),
        ((_t(2), _t(4, 2)), RuntimeError, "at least 2D tensors, X1 got: 1D"),
        ((_t(3, 2), _t(4, 3)), RuntimeError, "same number of columns. X1: 2 X2: 3"),
        ((ember.ones(3, 2, dtype=ember.int64), _t(4, 2)), RuntimeError, "floating-point"),
        ((_t(3, 2, dtype=np.float32), _t(4, 2)), RuntimeError, "same dtype"),
        ((_t(3, 2), _t(4, 2), 2.0, "fast"), ValueError, "fast is not a valid value"),
    ],
)
def test_cdist_errors(args, error, match):
    with pytest.raises(error, match=f"^cdist: .*{match}"):
        ember.cdist(*args)


def test_dist_is_the_norm_of_the_difference():
    x, y = _t(3, 4), _t(4, seed=1)
    d = (x.numpy() - y.numpy()).ravel()
    assert_close(ember.dist(x, y), np.linalg.norm(d))
    assert_close(x.dist(y, 3), (np.abs(d) ** 3).sum() ** (1 / 3))
    assert_close(ember.dist(x, y, np.inf), np.abs(d).max())
    assert ember.dist(x, x, 0).item() == 0.0
    with pytest.raises(RuntimeError, match=r"^dist: input should be a floating point"):
        ember.dist(ember.ones(2, dtype=ember.int64), x)


# ---- resampling --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_and_its_backward_is_the_adjoint(mode):
    x, pad = _t(2, 3, 4, 5), (2, 1, 3, 0)
    out = ember.pad(x, pad, mode)
    assert_close(out, pad_ref(x.numpy(), pad, mode))
    g = _t(*out.shape, seed=1)
    assert np.isclose(_dot(out, g), _dot(x, OPS["pad_backward"](g, tuple(x.shape), pad, mode)))


@pytest.mark.parametrize(
    "mode, size, align",
    [
        ("nearest", (7, 3), False),
        ("nearest-exact", (5, 9), False),
        ("linear", (7, 8), True),
        ("linear", (3, 9), False),
        ("cubic", (6, 7), False),
        ("cubic", (9, 4), True),
    ],
)
def test_upsample_backward_is_the_adjoint(mode, size, align):
    x = _t(1, 2, 4, 5)
    out = OPS["upsample"](x, size, mode, align)
    assert_close(out, upsample_ref(x.numpy(), size, mode, align))
    g = _t(*out.shape, seed=1)
    back = OPS["upsample_backward"](g, tuple(x.shape), mode, align)
    assert np.isclose(_dot(out, g), _dot(x, back))


def test_the_identity_affine_grid_samples_the_input_back():
    x = _t(2, 3, 4, 5)
    theta = ember.tensor(np.tile(np.eye(2, 3), (2, 1, 1)))
    for align in (False, True):
        grid = ember.affine_grid(theta, (2, 3, 4, 5), align)
        assert_close(ember.grid_sample(x, grid, align_corners=align), x, rtol=1e-12, atol=1e-12)
    y = ember.pixel_shuffle(_t(2, 12, 3, 2), 2)
    assert_close(ember.pixel_unshuffle(y, 2), _t(2, 12, 3, 2))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ember.pad(_t(2, 3), (1,)), ValueError, r"pad: padding length must be even"),
        (
            lambda: ember.pad(_t(2, 3), (3, 0), "reflect"),
            RuntimeError,
            r"pad: padding \(3, 0\) at dim 1 must be at most 2 in reflect mode",
        ),
        (
            lambda: ember.pad(_t(2, 3), (1, 1), "wrap"),
            NotImplementedError,
            r"pad: unsupported mode 'wrap'",
        ),
        (
            lambda: ember.pad(ember.tensor([1], dtype=ember.uint8), (1, 1), value=-1),
            RuntimeError,
            r"pad: value -1 cannot be converted to uint8 without overflow",
        ),
        (
            lambda: ember.interpolate(_t(1, 2, 4), size=3, scale_factor=2),
            ValueError,
            r"interpolate: only one of size or scale_factor should be defined",
        ),
        (
            lambda: ember.interpolate(_t(1, 2, 4)),
            ValueError,
            r"interpolate: either size or scale_factor should be defined",
        ),
        (
            lambda: ember.interpolate(_t(1, 2, 4), 3, align_corners=True),
            ValueError,
            r"interpolate: align_corners option can only be set with the interpolating modes",
        ),
        (
            lambda: ember.interpolate(_t(1, 2, 4, 4), 3, mode="linear"),
            NotImplementedError,
            r"interpolate: mode 'linear' supports inputs of \[3\] dims, got 4-d input",
        ),
        (
            lambda: ember.interpolate(_t(1, 2, 4, 4), (3, 3, 3)),
            ValueError,
            r"interpolate: expected size of 2 ints",
        ),
        (
            lambda: ember.grid_sample(_t(1, 2, 4, 4), _t(1, 3, 3, 3)),
            RuntimeError,
            r"grid_sampler: expected input \(N, C, H, W\) with grid \(N, H_out, W_out, 2\)",
        ),
        (
            lambda: ember.grid_sample(_t(1, 2, 4, 4), _t(1, 3, 3, 2), "bicubic"),
            ValueError,
            r"grid_sampler: mode must be 'bilinear' or 'nearest', got 'bicubic'",
        ),
        (
            lambda: ember.affine_grid(_t(2, 2, 3), (2, 3, 4)),
            ValueError,
            r"affine_grid: expected theta of shape",
        ),
        (
            lambda: ember.pixel_shuffle(_t(1, 5, 2, 2), 2),
            RuntimeError,
            r"pixel_shuffle: expected input \(\*, C \* 4, H, W\) with channels divisible",
        ),
    ],
)
def test_resampling_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
