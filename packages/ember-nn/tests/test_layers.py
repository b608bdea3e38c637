"""Layers: a module table checked against NumPy references and by gradcheck (float64),
then each layer's own behaviour (running statistics, padding rows, lazy shapes...) and
its errors on bad input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view as windows

import ember
import ember.nn as nn
from ember.autograd import gradcheck

# ---- NumPy references ---------------------------------------------------------------


def np_conv(x, w, b, stride, pad, dil, groups, mode="constant"):
    """N-d cross-correlation of (N, C, *) with (O, C/g, *k); ``pad`` per dim, symmetric."""
    nd = w.ndim - 2
    x = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad], mode=mode)
    k = [dil[i] * (w.shape[2 + i] - 1) + 1 for i in range(nd)]
    win = windows(x, k, axis=tuple(range(2, 2 + nd)))
    win = win[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)]
    win = win[(Ellipsis,) + tuple(slice(None, None, d) for d in dil)]
    cin, cout = x.shape[1] // groups, w.shape[0] // groups
    outs = []
    for g in range(groups):
        xs = win[:, g * cin : (g + 1) * cin]
        ws = w[g * cout : (g + 1) * cout]
        axes = [1] + [2 + nd + i for i in range(nd)]
        outs.append(np.moveaxis(np.tensordot(xs, ws, (axes, [1] + list(range(2, 2 + nd)))), -1, 1))
    out = np.concatenate(outs, 1)
    return out if b is None else out + b.reshape((1, -1) + (1,) * nd)


def np_conv_transpose2d(x, w, b, stride, pad, out_pad, groups=1):
    n, cin, h, wd = x.shape
    kh, kw = w.shape[2:]
    cout_g = w.shape[1]
    oh = (h - 1) * stride[0] - 2 * pad[0] + kh + out_pad[0]
    ow = (wd - 1) * stride[1] - 2 * pad[1] + kw + out_pad[1]
    full = np.zeros((n, cout_g * groups, oh + 2 * pad[0], ow + 2 * pad[1]))
    cin_g = cin // groups
    for g in range(groups):
        for i in range(h):
            for j in range(wd):
                xs = x[:, g * cin_g : (g + 1) * cin_g, i, j]
                contrib = np.einsum("nc,cokl->nokl", xs, w[g * cin_g : (g + 1) * cin_g])
                r, c = i * stride[0], j * stride[1]
                full[:, g * cout_g : (g + 1) * cout_g, r : r + kh, c : c + kw] += contrib
    out = full[:, :, pad[0] : pad[0] + oh, pad[1] : pad[1] + ow]
    return out + b.reshape(1, -1, 1, 1)


def np_pool2d(x, k, s, p, op, fill):
    x = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)], constant_values=fill)
    return op(windows(x, (k, k), axis=(2, 3))[:, :, ::s, ::s], axis=(-2, -1))


def np_adaptive_avg(x, out):
    rows = []
    for i in range(out):
        lo, hi = (i * x.shape[-1]) // out, math.ceil((i + 1) * x.shape[-1] / out)
        rows.append(x[..., lo:hi].mean(-1))
    return np.stack(rows, -1)


def np_norm(x, axes, eps):
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


def _p(m, name):
    t = getattr(m, name)
    return None if t is None else t.detach().numpy()


def _bshape(v, nd):
    return v.reshape((1, -1) + (1,) * nd)


# ---- the module table ---------------------------------------------------------------


@dataclass
class ModuleInfo:
    """A layer, its float64 inputs (shapes, or callables making arrays) and a reference."""

    name: str
    make: object
    inputs: list
    ref: object = None
    gradcheck: bool = True
    train: bool = True
    extra: dict = field(default_factory=dict)


def ints(high, *shape):
    return lambda rng: rng.integers(0, high, shape)


MODULES = [
    ModuleInfo(
        "Linear",
        lambda: nn.Linear(3, 2),
        [(2, 4, 3)],
        lambda m, x: x @ _p(m, "weight").T + _p(m, "bias"),
    ),
    ModuleInfo(
        "Bilinear",
        lambda: nn.Bilinear(2, 3, 2),
        [(4, 2), (4, 3)],
        lambda m, a, b: np.einsum("ni,kij,nj->nk", a, _p(m, "weight"), b) + _p(m, "bias"),
    ),
    ModuleInfo("Identity", lambda: nn.Identity(), [(2, 3)], lambda m, x: x),
    ModuleInfo("Flatten", lambda: nn.Flatten(0, 1), [(2, 3, 2)], lambda m, x: x.reshape(6, 2)),
    ModuleInfo(
        "Unflatten", lambda: nn.Unflatten(-1, (2, -1)), [(3, 4)], lambda m, x: x.reshape(3, 2, 2)
    ),
    ModuleInfo(
        "Conv1d",
        lambda: nn.Conv1d(4, 2, 3, stride=2, padding=1, groups=2),
        [(2, 4, 7)],
        lambda m, x: np_conv(x, _p(m, "weight"), _p(m, "bias"), (2,), (1,), (1,), 2),
    ),
    ModuleInfo(
        "Conv2d",
        lambda: nn.Conv2d(2, 3, (2, 3), dilation=(2, 1), padding=1),
        [(1, 2, 5, 4)],
        lambda m, x: np_conv(x, _p(m, "weight"), _p(m, "bias"), (1, 1), (1, 1), (2, 1), 1),
    ),
    ModuleInfo(
        "Conv2d-reflect",
        lambda: nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"),
        [(1, 1, 4, 4)],
        lambda m, x: np_conv(
            x, _p(m, "weight"), _p(m, "bias"), (1, 1), (1, 1), (1, 1), 1, "reflect"
        ),
    ),
    ModuleInfo(
        "Conv2d-circular",
        lambda: nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular"),
        [(1, 1, 3, 4)],
        lambda m, x: np_conv(x, _p(m, "weight"), _p(m, "bias"), (1, 1), (1, 1), (1, 1), 1, "wrap"),
    ),
    ModuleInfo(
        "Conv3d",
        lambda: nn.Conv3d(1, 2, 2),
        [(1, 1, 3, 3, 3)],
        lambda m, x: np_conv(x, _p(m, "weight"), _p(m, "bias"), (1,) * 3, (0,) * 3, (1,) * 3, 1),
    ),
    ModuleInfo(
        "ConvTranspose2d",
        lambda: nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2),
        [(1, 2, 3, 2)],
        lambda m, x: np_conv_transpose2d(
            x, _p(m, "weight"), _p(m, "bias"), (2, 2), (1, 1), (1, 1), 2
        ),
    ),
    ModuleInfo(
        "MaxPool2d",
        lambda: nn.MaxPool2d(3, 2, padding=1),
        [(2, 2, 5, 5)],
        lambda m, x: np_pool2d(x, 3, 2, 1, np.max, -np.inf),
    ),
    ModuleInfo(
        "AvgPool2d",
        lambda: nn.AvgPool2d(2),
        [(2, 2, 4, 6)],
        lambda m, x: np_pool2d(x, 2, 2, 0, np.mean, 0.0),
    ),
    ModuleInfo(
        "AvgPool1d",
        lambda: nn.AvgPool1d(2),
        [(2, 2, 6)],
        lambda m, x: x.reshape(2, 2, 3, 2).mean(-1),
    ),
    ModuleInfo(
        "AdaptiveAvgPool1d",
        lambda: nn.AdaptiveAvgPool1d(3),
        [(2, 2, 7)],
        lambda m, x: np_adaptive_avg(x, 3),
    ),
    ModuleInfo(
        "AdaptiveAvgPool2d",
        lambda: nn.AdaptiveAvgPool2d(1),
        [(2, 3, 4, 5)],
        lambda m, x: x.mean((2, 3), keepdims=True),
    ),
    ModuleInfo(
        "AdaptiveMaxPool2d",
        lambda: nn.AdaptiveMaxPool2d((1, 2)),
        [(2, 3, 4, 4)],
        lambda m, x: x.reshape(2, 3, 4, 2, 2).max((2, 4))[:, :, None],
    ),
    ModuleInfo(
        "LPPool2d",
        lambda: nn.LPPool2d(2, 2),
        [lambda r: r.uniform(0.5, 2, (1, 2, 4, 4))],
        lambda m, x: np.sqrt((x**2).reshape(1, 2, 2, 2, 2, 2).sum((3, 5))),
    ),
    ModuleInfo(
        "BatchNorm1d",
        lambda: nn.BatchNorm1d(3),
        [(5, 3)],
        lambda m, x: np_norm(x, (0,), 1e-5) * _p(m, "weight") + _p(m, "bias"),
    ),
    ModuleInfo(
        "BatchNorm2d",
        lambda: nn.BatchNorm2d(2, eps=1e-3),
        [(3, 2, 2, 3)],
        lambda m, x: (
            np_norm(x, (0, 2, 3), 1e-3) * _bshape(_p(m, "weight"), 2) + _bshape(_p(m, "bias"), 2)
        ),
    ),
    ModuleInfo(
        "BatchNorm2d-eval",
        lambda: nn.BatchNorm2d(2),
        [(3, 2, 2, 2)],
        lambda m, x: (
            (x - _bshape(_p(m, "running_mean"), 2))
            / np.sqrt(_bshape(_p(m, "running_var"), 2) + 1e-5)
        ),
        train=False,
    ),
    ModuleInfo(
        "LayerNorm",
        lambda: nn.LayerNorm((2, 3)),
        [(4, 2, 3)],
        lambda m, x: np_norm(x, (1, 2), 1e-5) * _p(m, "weight") + _p(m, "bias"),
    ),
    ModuleInfo(
        "GroupNorm",
        lambda: nn.GroupNorm(2, 4),
        [(2, 4, 3)],
        lambda m, x: (
            np_norm(x.reshape(2, 2, 6), (2,), 1e-5).reshape(2, 4, 3) * _bshape(_p(m, "weight"), 1)
            + _bshape(_p(m, "bias"), 1)
        ),
    ),
    ModuleInfo(
        "InstanceNorm1d",
        lambda: nn.InstanceNorm1d(2),
        [(3, 2, 5)],
        lambda m, x: np_norm(x, (2,), 1e-5),
    ),
    ModuleInfo(
        "RMSNorm",
        lambda: nn.RMSNorm(4, eps=1e-6),
        [(3, 4)],
        lambda m, x: x / np.sqrt((x**2).mean(-1, keepdims=True) + 1e-6) * _p(m, "weight"),
    ),
    ModuleInfo(
        "LocalResponseNorm",
        lambda: nn.LocalResponseNorm(2, alpha=0.5, k=2.0),
        [(2, 3, 2)],
        lambda m, x: (
            x / (2.0 + 0.5 * (x**2 + np.pad(x**2, [(0, 0), (1, 0), (0, 0)])[:, :3]) / 2) ** 0.75
        ),
    ),
    ModuleInfo(
        "Embedding", lambda: nn.Embedding(5, 3), [ints(5, 2, 4)], lambda m, i: _p(m, "weight")[i]
    ),
    ModuleInfo(
        "EmbeddingBag",
        lambda: nn.EmbeddingBag(5, 3, mode="max"),
        [ints(5, 3, 2)],
        lambda m, i: _p(m, "weight")[i].max(1),
    ),
    ModuleInfo(
        "Upsample",
        lambda: nn.Upsample(scale_factor=2),
        [(1, 2, 2, 3)],
        lambda m, x: x.repeat(2, -1).repeat(2, -2),
    ),
    ModuleInfo(
        "PixelShuffle",
        lambda: nn.PixelShuffle(2),
        [(1, 8, 2, 3)],
        lambda m, x: x.reshape(1, 2, 2, 2, 2, 3).transpose(0, 1, 4, 2, 5, 3).reshape(1, 2, 4, 6),
    ),
    ModuleInfo(
        "PixelUnshuffle",
        lambda: nn.PixelUnshuffle(2),
        [(1, 2, 4, 6)],
        lambda m, x: x.reshape(1, 2, 2, 2, 3, 2).transpose(0, 1, 3, 5, 2, 4).reshape(1, 8, 2, 3),
    ),
    ModuleInfo(
        "ChannelShuffle", lambda: nn.ChannelShuffle(2), [(1, 4, 3)], lambda m, x: x[:, [0, 2, 1, 3]]
    ),
    ModuleInfo(
        "ReflectionPad2d",
        lambda: nn.ReflectionPad2d((1, 2, 0, 1)),
        [(1, 2, 3, 4)],
        lambda m, x: np.pad(x, [(0, 0), (0, 0), (0, 1), (1, 2)], mode="reflect"),
    ),
    ModuleInfo(
        "ReplicationPad1d",
        lambda: nn.ReplicationPad1d(2),
        [(2, 3)],
        lambda m, x: np.pad(x, [(0, 0), (2, 2)], mode="edge"),
    ),
    ModuleInfo(
        "CircularPad2d",
        lambda: nn.CircularPad2d(1),
        [(1, 1, 3, 3)],
        lambda m, x: np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)], mode="wrap"),
    ),
    ModuleInfo(
        "ConstantPad3d",
        lambda: nn.ConstantPad3d((1, 0, 0, 1, 1, 0), -1.5),
        [(1, 2, 2, 2)],
        lambda m, x: np.pad(x, [(0, 0), (1, 0), (0, 1), (1, 0)], constant_values=-1.5),
    ),
    ModuleInfo(
        "Unfold",
        lambda: nn.Unfold(2),
        [(1, 2, 3, 3)],
        lambda m, x: windows(x, (2, 2), axis=(2, 3)).transpose(0, 1, 4, 5, 2, 3).reshape(1, 8, 4),
    ),
    ModuleInfo(
        "CosineSimilarity",
        lambda: nn.CosineSimilarity(dim=-1),
        [(3, 4), (3, 4)],
        lambda m, a, b: (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1),
    ),
    ModuleInfo(
        "PairwiseDistance",
        lambda: nn.PairwiseDistance(p=1.0),
        [(3, 4), (3, 4)],
        lambda m, a, b: np.abs(a - b + 1e-6).sum(-1),
    ),
    ModuleInfo(
        "Sequential",
        lambda: nn.Sequential(nn.Linear(2, 3), nn.Tanh()),
        [(4, 2)],
        lambda m, x: np.tanh(x @ _p(m[0], "weight").T + _p(m[0], "bias")),
    ),
]


def _arrays(info, rng):
    return [np.asarray(s(rng)) if callable(s) else rng.standard_normal(s) for s in info.inputs]


def _module(info):
    ember.manual_seed(0)
    return info.make().double().train(info.train)


@pytest.mark.parametrize("info", MODULES, ids=[m.name for m in MODULES])
def test_forward_matches_numpy(info):
    m = _module(info)
    arrays = _arrays(info, np.random.default_rng(1))
    if info.ref is None:
        pytest.skip("no reference")
    expected = info.ref(m, *arrays)  # before the call: running statistics are still fresh
    out = m(*[ember.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("info", MODULES, ids=[m.name for m in MODULES])
def test_gradcheck_inputs_and_parameters(info):
    m = _module(info)
    arrays = _arrays(info, np.random.default_rng(2))
    inputs = [ember.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    params = list(m.parameters())
    n = len(inputs)
    # Parameters are gradcheck inputs too: it perturbs them in place, and the module reads them.
    assert gradcheck(lambda *args: m(*args[:n]), (*inputs, *params), atol=1e-6)


# ---- layer behaviour ----------------------------------------------------------------


def test_linear_and_conv_default_init_ranges():
    lin = nn.Linear(16, 8)
    bound = 1 / math.sqrt(16)
    for p in (lin.weight, lin.bias):
        v = p.detach().numpy()
        assert v.min() >= -bound and v.max() <= bound
    conv = nn.Conv2d(2, 4, 3, groups=2)
    assert tuple(conv.weight.shape) == (4, 1, 3, 3)
    assert np.abs(conv.bias.detach().numpy()).max() <= 1 / 3
    assert tuple(nn.ConvTranspose2d(4, 6, 3, groups=2).weight.shape) == (4, 3, 3, 3)
    lin = nn.Linear(3, 2, dtype=ember.float64)
    assert lin.weight.dtype == ember.float64 and lin.bias.dtype == ember.float64


def test_batchnorm_running_statistics():
    bn = nn.BatchNorm1d(2, momentum=0.5).double()
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]])
    bn(ember.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * x.mean(0))
    np.testing.assert_allclose(bn.running_var.numpy(), 0.5 + 0.5 * x.var(0, ddof=1))
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    y = bn(ember.tensor(x)).detach().numpy()
    rm, rv = bn.running_mean.numpy(), bn.running_var.numpy()
    np.testing.assert_allclose(y, (x - rm) / np.sqrt(rv + 1e-5))
    assert bn.num_batches_tracked.item() == 1  # eval does not count


def test_batchnorm_cumulative_average_with_momentum_none():
    bn = nn.BatchNorm1d(1, momentum=None).double()
    batches = [np.array([[1.0], [3.0]]), np.array([[5.0], [9.0]]), np.array([[0.0], [2.0]])]
    for b in batches:
        bn(ember.tensor(b))
    np.testing.assert_allclose(bn.running_mean.numpy(), [np.mean([b.mean() for b in batches])])


def test_batchnorm_without_running_stats_uses_batch_in_eval():
    bn = nn.BatchNorm2d(2, track_running_stats=False, affine=False).eval()
    assert bn.running_mean is None and list(bn.state_dict()) == []
    x = ember.randn(3, 2, 2, 2, dtype=ember.float64)
    np.testing.assert_allclose(
        bn(x).numpy(), np_norm(x.numpy(), (0, 2, 3), 1e-5), rtol=1e-6, atol=1e-9
    )
    bn.reset_parameters()  # nothing to reset


def test_instance_norm_running_stats_and_unbatched():
    norm = nn.InstanceNorm1d(2, track_running_stats=True, momentum=1.0).double()
    x = np.random.default_rng(0).standard_normal((3, 2, 5))
    norm(ember.tensor(x))
    np.testing.assert_allclose(norm.running_mean.numpy(), x.mean(2).mean(0))
    single = norm.train()(ember.tensor(x[0]))
    np.testing.assert_allclose(single.numpy(), np_norm(x[0], (1,), 1e-5), atol=1e-9)
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(ember.randn(2, 2, 4))


def test_embedding_padding_idx():
    emb = nn.Embedding(5, 3, padding_idx=-1)
    assert emb.padding_idx == 4 and not emb.weight[4].detach().numpy().any()
    out = emb(ember.tensor([[4, 1], [4, 4]]))
    (out * 2).sum().backward()
    grad = emb.weight.grad.numpy()
    assert not grad[4].any() and (grad[1] == 2).all() and not grad[0].any()


def test_embedding_max_norm_renormalizes_used_rows_in_place():
    emb = nn.Embedding(4, 3, max_norm=1.0)
    with ember.autograd.no_grad():
        emb.weight.fill_(2.0)
    out = emb(ember.tensor([0, 2]))
    norms = np.linalg.norm(emb.weight.detach().numpy(), axis=1)
    np.testing.assert_allclose(norms[[0, 2]], 1.0, rtol=1e-5)
    np.testing.assert_allclose(norms[[1, 3]], math.sqrt(12))
    np.testing.assert_allclose(np.linalg.norm(out.detach().numpy(), axis=1), 1.0, rtol=1e-5)
    assert emb.weight.is_leaf


def test_embedding_from_pretrained_and_bag_offsets():
    w = ember.arange(12.0).reshape(4, 3)
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad and emb(ember.tensor([2])).tolist() == [[6.0, 7.0, 8.0]]
    bag = nn.EmbeddingBag.from_pretrained(w, mode="sum", freeze=False)
    assert bag.weight.requires_grad
    out = bag(ember.tensor([0, 1, 3, 2]), ember.tensor([0, 3, 3]))
    assert out.tolist() == [[12.0, 15.0, 18.0], [0.0, 0.0, 0.0], [6.0, 7.0, 8.0]]
    mean = nn.EmbeddingBag.from_pretrained(w, padding_idx=0)
    assert mean(ember.tensor([[0, 1, 3]])).tolist() == [[6.0, 7.0, 8.0]]  # padding not counted
    weights = ember.tensor([1.0, 0.5, 2.0, 1.0])
    out = bag(ember.tensor([0, 1, 3, 2]), ember.tensor([0, 2]), per_sample_weights=weights)
    assert out.tolist() == [[1.5, 3.0, 4.5], [24.0, 27.0, 30.0]]


def test_maxpool_indices_and_unpool_roundtrip():
    x = ember.tensor(np.random.default_rng(3).standard_normal((1, 2, 4, 5)))
    out, idx = nn.MaxPool2d(2, return_indices=True, ceil_mode=True)(x)
    assert tuple(out.shape) == (1, 2, 2, 3) and idx.dtype == ember.int64
    flat = x.numpy().reshape(1, 2, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.numpy().reshape(1, 2, -1), 2),
                                  out.numpy().reshape(1, 2, -1))  # fmt: skip
    back = nn.MaxUnpool2d(2)(out, idx, output_size=x.shape)
    assert tuple(back.shape) == (1, 2, 4, 5)
    assert np.count_nonzero(back.numpy()) == 12 and np.isin(out.numpy(), back.numpy()).all()


def test_conv_transpose_output_size():
    m = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    x = ember.randn(1, 1, 4, 4)
    assert tuple(m(x).shape) == (1, 1, 7, 7)
    assert tuple(m(x, output_size=[8, 8]).shape) == (1, 1, 8, 8)
    assert tuple(m(x, output_size=(1, 1, 8, 7)).shape) == (1, 1, 8, 7)
    with pytest.raises(ValueError, match=r"requested an output size of \[9, 9\], but valid sizes"):
        m(x, output_size=(9, 9))
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        m(x, output_size=(8,))


def test_dropout_train_and_eval():
    x = ember.ones(200, 100)
    d = nn.Dropout(0.25)
    y = d(x).numpy()
    assert abs((y == 0).mean() - 0.25) < 0.02 and np.allclose(y[y != 0], 1 / 0.75)
    assert d.eval()(x) is x or np.array_equal(d(x).numpy(), x.numpy())
    y = nn.Dropout2d(0.5)(ember.ones(8, 50, 3, 3)).numpy()
    per_channel = y.reshape(8, 50, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    y = nn.AlphaDropout(0.2)(ember.randn(10000))
    assert abs(y.numpy().mean()) < 0.05 and abs(y.numpy().std() - 1) < 0.05
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(1.5)


def test_prelu_per_channel():
    m = nn.PReLU(2, init=0.5)
    y = m(ember.tensor([[[-2.0], [4.0]], [[3.0], [-1.0]]]))
    assert y.detach().flatten().tolist() == [-1.0, 4.0, 3.0, -0.5]


# ---- bad input ----------------------------------------------------------------------

BAD_INPUTS = [
    (lambda: nn.Linear(4, 2), (2, 3),
     r"Linear: expected input with last dimension 4 \(in_features\), got shape \(2, 3\)"),
    (lambda: nn.Conv2d(3, 4, 3), (2, 4, 5, 5),
     r"Conv2d: expected input with 3 channels \(in_channels\) in dim -3, got shape \(2, 4, 5, 5\)"),
    (lambda: nn.Conv2d(3, 4, 3), (3, 5),
     r"Conv2d: expected 3D or 4D input \(N, C, H, W\) or \(C, H, W\), got 2D input of shape"),
    (lambda: nn.Conv1d(2, 2, 3), (1, 1, 2, 5), r"Conv1d: expected 2D or 3D input"),
    (lambda: nn.ConvTranspose2d(2, 3, 3), (1, 3, 4, 4), r"ConvTranspose2d: expected input with 2"),
    (lambda: nn.MaxPool2d(2), (4, 4), r"MaxPool2d: expected 3D or 4D input"),
    (lambda: nn.AvgPool1d(2), (4,), r"AvgPool1d: expected 2D or 3D input"),
    (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 4, 5, 6), r"AdaptiveAvgPool2d: expected 3D or 4D"),
    (lambda: nn.BatchNorm2d(3), (2, 3, 4), r"BatchNorm2d: expected 4D input \(N, C, H, W\)"),
    (lambda: nn.BatchNorm1d(3), (2, 4),
     r"BatchNorm1d: expected input with 3 channels \(num_features\) in dim 1, got shape \(2, 4\)"),
    (lambda: nn.LayerNorm(4), (2, 3),
     r"LayerNorm: expected input with trailing dimensions \(4,\) \(normalized_shape\)"),
    (lambda: nn.GroupNorm(2, 4), (2, 6, 3), r"GroupNorm: expected input with 4 channels"),
    (lambda: nn.InstanceNorm2d(3, affine=True), (2, 4, 3, 3), r"InstanceNorm2d: expected input"),
    (lambda: nn.RMSNorm([2, 3]), (3, 2), r"RMSNorm: expected input with trailing dimensions"),
    (lambda: nn.PReLU(3), (2, 4), r"PReLU: expected input with 3 channels"),
    (lambda: nn.Softmax2d(), (2, 3), r"Softmax2d: expected 3D or 4D input"),
    (lambda: nn.Dropout2d(), (3,), r"Dropout2d: expected 3D or 4D input"),
    (lambda: nn.ReflectionPad2d(1), (3,), r"ReflectionPad2d: expected 3D or 4D input"),
    (lambda: nn.PixelShuffle(2), (1, 3, 2, 2), r"PixelShuffle: expected input with channels"),
    (lambda: nn.Unfold(2), (2, 3), r"Unfold: expected 3D or 4D input"),
    (lambda: nn.Upsample(scale_factor=2), (4,), r"Upsample: expected 3D or more input"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "shape", "match"), BAD_INPUTS)
def test_bad_input_shapes_name_the_layer(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make()(ember.randn(*shape))


def test_bad_index_inputs_and_constructor_arguments():
    with pytest.raises(TypeError, match="Embedding: expected an integer \\(index\\) tensor"):
        nn.Embedding(3, 2)(ember.ones(2))
    with pytest.raises(ValueError, match="padding_idx \\(5\\) must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=5)
    with pytest.raises(ValueError, match="EmbeddingBag: mode has to be one of sum, mean or max"):
        nn.EmbeddingBag(3, 2, mode="median")
    with pytest.raises(ValueError, match="in_channels \\(3\\) must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 3, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 3, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported'):
        nn.ConvTranspose2d(3, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="num_channels \\(5\\) must be divisible by num_groups"):
        nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match="GELU: approximate must be"):
        nn.GELU("erf")
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints"):
        nn.Unflatten(1, 6)
    with pytest.raises(ValueError, match="Linear: in_features must be a non-negative int"):
        nn.Linear(-1, 2)
    with pytest.raises(ValueError, match="Bilinear: expected input with last dimension 3"):
        nn.Bilinear(2, 3, 1)(ember.randn(2, 2), ember.randn(2, 2))
