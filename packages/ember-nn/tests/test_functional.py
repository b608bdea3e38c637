"""``ember.nn.functional``'s layer functions: the composites against NumPy and by gradcheck,
and the re-exports' presence with ``torch.nn.functional``'s names."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck
from ember.nn.functional import _layers

RNG = np.random.default_rng(0)


def f64(*shape, grad=True):
    return ember.tensor(RNG.standard_normal(shape), requires_grad=grad)


NAMES = [
    "linear",
    "bilinear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "unfold",
    "fold",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "batch_norm",
    "instance_norm",
    "layer_norm",
    "group_norm",
    "rms_norm",
    "local_response_norm",
    "normalize",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "embedding",
    "embedding_bag",
    "one_hot",
    "pad",
    "interpolate",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "grid_sample",
    "affine_grid",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "cosine_similarity",
    "pairwise_distance",
    "pdist",
    "threshold",
    "threshold_",
    "relu",
    "relu_",
    "relu6",
    "hardtanh",
    "hardtanh_",
    "hardswish",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "leaky_relu",
    "leaky_relu_",
    "prelu",
    "rrelu",
    "rrelu_",
    "glu",
    "gelu",
    "logsigmoid",
    "hardshrink",
    "tanhshrink",
    "softsign",
    "softplus",
    "softmin",
    "softmax",
    "softshrink",
    "gumbel_softmax",
    "log_softmax",
    "tanh",
    "sigmoid",
    "hardsigmoid",
    "silu",
    "mish",
]


@pytest.mark.parametrize("name", NAMES)
def test_torch_names_are_exported(name):
    assert name in _layers.__all__ and callable(getattr(F, name))


# ---- linear / bilinear --------------------------------------------------------------


def test_linear_shapes_and_values():
    x, w, b = f64(2, 3, 4), f64(5, 4), f64(5)
    expected = x.detach().numpy() @ w.detach().numpy().T + b.detach().numpy()
    np.testing.assert_allclose(F.linear(x, w, b).detach().numpy(), expected, rtol=1e-12)
    x2 = f64(3, 4)
    expected2 = x2.detach().numpy() @ w.detach().numpy().T + b.detach().numpy()
    np.testing.assert_allclose(F.linear(x2, w, b).detach().numpy(), expected2, rtol=1e-12)
    assert tuple(F.linear(x2, w).shape) == (3, 5)
    v = f64(4)
    np.testing.assert_allclose(
        F.linear(x2, v).detach().numpy(), x2.detach().numpy() @ v.detach().numpy()
    )
    assert gradcheck(F.linear, (x2, w, b)) and gradcheck(F.linear, (x, w, b))
    with pytest.raises(RuntimeError, match=r"linear: input of shape \(3, 4\) and weight of shape"):
        F.linear(x2, f64(5, 3))
    with pytest.raises(RuntimeError, match="expected weight of 1 or 2 dims"):
        F.linear(x2, f64(2, 5, 4))


def test_bilinear():
    a, b, w, bias = f64(3, 2), f64(3, 4), f64(5, 2, 4), f64(5)
    expected = np.einsum(
        "ni,kij,nj->nk", a.detach().numpy(), w.detach().numpy(), b.detach().numpy()
    )
    out = F.bilinear(a, b, w, bias).detach().numpy()
    np.testing.assert_allclose(out, expected + bias.detach().numpy(), rtol=1e-10)
    assert gradcheck(F.bilinear, (f64(2, 1, 2), f64(2, 1, 3), f64(2, 2, 3), f64(2)))
    with pytest.raises(RuntimeError, match="must have the same batch dimensions"):
        F.bilinear(f64(3, 2), f64(2, 4), w)
    with pytest.raises(RuntimeError, match=r"expected input1 \(\*, 2\) and input2 \(\*, 4\)"):
        F.bilinear(f64(3, 3), b, w)


# ---- embedding_bag ------------------------------------------------------------------


def _bags(weight, input, offsets, mode, psw=None, pad=None):
    """Per-bag NumPy reference."""
    ends = list(offsets[1:]) + [len(input)]
    out = []
    for lo, hi in zip(offsets, ends):
        rows = [(weight[i] * (1 if psw is None else psw[k])) for k, i in enumerate(input)
                if lo <= k < hi and i != pad]  # fmt: skip
        if not rows:
            out.append(np.zeros(weight.shape[1]))
        elif mode == "sum":
            out.append(np.sum(rows, 0))
        elif mode == "mean":
            out.append(np.mean(rows, 0))
        else:
            out.append(np.max(rows, 0))
    return np.array(out)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_modes_with_offsets(mode):
    w = f64(6, 3)
    idx, offsets = [1, 4, 4, 0, 5, 2, 3], [0, 3, 3, 5]
    out = F.embedding_bag(ember.tensor(idx), w, ember.tensor(offsets), mode=mode)
    expected = _bags(w.detach().numpy(), idx, offsets, mode)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda w: F.embedding_bag(ember.tensor(idx), w, ember.tensor(offsets),
                                               mode=mode), (w,))  # fmt: skip


def test_embedding_bag_padding_weights_and_last_offset():
    w = f64(5, 2)
    idx, offsets = [0, 2, 0, 3, 4], [0, 2, 5]
    psw = f64(5)
    out = F.embedding_bag(
        ember.tensor(idx),
        w,
        ember.tensor(offsets),
        mode="sum",
        per_sample_weights=psw,
        include_last_offset=True,
        padding_idx=0,
    )
    expected = _bags(w.detach().numpy(), idx, offsets[:-1], "sum", psw.detach().numpy(), pad=0)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    fn = lambda w, p: F.embedding_bag(ember.tensor(idx), w, ember.tensor([0, 2]), mode="sum",
                                      per_sample_weights=p, padding_idx=0)  # fmt: skip
    assert gradcheck(fn, (w, psw))
    mean = F.embedding_bag(ember.tensor([[0, 1, 0]]), w, padding_idx=0)
    np.testing.assert_allclose(mean.detach().numpy(), w.detach().numpy()[[1]])


def test_embedding_bag_errors():
    w = f64(4, 2)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(ember.tensor([[0, 1]]), w, ember.tensor([0]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(ember.tensor([0, 1]), w)
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(ember.tensor([[0, 1]]), w, per_sample_weights=f64(1, 2))
    with pytest.raises(ValueError, match="offsets must start at 0"):
        F.embedding_bag(ember.tensor([0, 1]), w, ember.tensor([1]))
    with pytest.raises(ValueError, match="mode has to be one of"):
        F.embedding_bag(ember.tensor([[0]]), w, mode="min")


def test_embedding_max_norm_on_a_leaf_that_requires_grad():
    w = ember.tensor(np.full((3, 2), 3.0), requires_grad=True)
    out = F.embedding(ember.tensor([1]), w, max_norm=1.0)
    out.sum().backward()
    np.testing.assert_allclose(np.linalg.norm(w.detach().numpy()[1]), 1.0)
    np.testing.assert_allclose(w.detach().numpy()[0], [3.0, 3.0])
    assert w.grad.numpy()[1].tolist() == [1.0, 1.0]


# ---- vision helpers -----------------------------------------------------------------


def test_channel_shuffle():
    x = f64(2, 6, 3)
    expected = x.detach().numpy().reshape(2, 2, 3, 3).transpose(0, 2, 1, 3).reshape(2, 6, 3)
    np.testing.assert_array_equal(F.channel_shuffle(x, 2).detach().numpy(), expected)
    assert gradcheck(lambda x: F.channel_shuffle(x, 3), (x,))
    with pytest.raises(ValueError, match=r"number of channels \(6\) must be divisible by groups"):
        F.channel_shuffle(x, 4)
    with pytest.raises(ValueError, match="3 or more dims"):
        F.channel_shuffle(f64(2, 6), 2)


def test_fold_of_unfold_counts_overlaps():
    x = f64(1, 2, 4, 5)
    cols = F.unfold(x, (2, 3), padding=1, stride=(1, 2))
    assert tuple(cols.shape) == (1, 2 * 6, 5 * 3)
    back = F.fold(cols, (4, 5), (2, 3), padding=1, stride=(1, 2))
    count = F.fold(F.unfold(ember.ones(1, 2, 4, 5, dtype=ember.float64), (2, 3), padding=1,
                            stride=(1, 2)), (4, 5), (2, 3), padding=1, stride=(1, 2))  # fmt: skip
    np.testing.assert_allclose(back.detach().numpy(), x.detach().numpy() * count.numpy())
    assert gradcheck(lambda x: F.unfold(x, 2, stride=2), (f64(1, 1, 4, 4),))


def test_upsample_helpers():
    x = f64(1, 1, 2, 2, grad=False)
    near = F.upsample_nearest(x, scale_factor=2).numpy()
    np.testing.assert_array_equal(near, x.numpy().repeat(2, -1).repeat(2, -2))
    bil = F.upsample_bilinear(x, size=3).numpy()
    np.testing.assert_allclose(bil[0, 0, 1, 1], x.numpy().mean())  # align_corners=True centre
    np.testing.assert_allclose(bil[0, 0, 0, 0], x.numpy()[0, 0, 0, 0])


def test_gumbel_softmax_soft_and_hard():
    logits = f64(4, 5)
    soft = F.gumbel_softmax(logits, tau=0.5, generator=ember.Generator().manual_seed(0))
    again = F.gumbel_softmax(logits, tau=0.5, generator=ember.Generator().manual_seed(0))
    np.testing.assert_allclose(soft.detach().numpy(), again.detach().numpy())
    np.testing.assert_allclose(soft.detach().numpy().sum(-1), 1.0)
    hard = F.gumbel_softmax(logits, hard=True, dim=0)
    values = hard.detach().numpy()
    assert set(np.unique(values)) <= {0.0, 1.0} and (values.sum(0) == 1).all()
    (hard * f64(4, 5, grad=False)).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0
    # Large logit gaps make the sample follow the argmax.
    peaked = ember.tensor([[0.0, 50.0, 0.0]])
    assert F.gumbel_softmax(peaked, hard=True).tolist() == [[0.0, 1.0, 0.0]]


def test_reexports_are_the_core_functions():
    assert F.conv2d is ember.conv2d and F.softmax is ember.softmax and F.pad is ember.pad
    x = f64(2, 3, grad=False)
    np.testing.assert_allclose(
        F.normalize(x, dim=1).numpy(), x.numpy() / np.linalg.norm(x.numpy(), axis=1)[:, None]
    )
    assert F.one_hot(ember.tensor([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
