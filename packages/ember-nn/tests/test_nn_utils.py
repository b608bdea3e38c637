"""ember.nn.utils: clipping, parameter vectors, parametrize and its parametrizations, fusion."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck, no_grad
from ember.nn import utils
from ember.nn.utils import parametrizations as P
from ember.nn.utils import parametrize


def with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(ember.zeros(len(g), dtype=ember.float64))
        p.grad = ember.tensor(g, dtype=ember.float64)
        params.append(p)
    return params


def f64(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape))


# ---- clipping ----------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type,total", [(2.0, 13.0), (1, 19.0), (float("inf"), 12.0)])
def test_clip_grad_norm(norm_type, total):
    params = with_grads([3.0, 4.0], [12.0])
    out = utils.clip_grad_norm_(params, max_norm=6.5, norm_type=norm_type)
    assert out.item() == pytest.approx(total)
    coef = min(1.0, 6.5 / (total + 1e-6))
    np.testing.assert_allclose(params[0].grad.numpy(), [3 * coef, 4 * coef])


def test_clip_grad_norm_leaves_small_grads():
    params = with_grads([0.3, 0.4])
    assert utils.clip_grad_norm_(params, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(params[0].grad.numpy(), [0.3, 0.4])


def test_clip_grad_norm_nonfinite():
    params = with_grads([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped"):
        utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isnan(utils.clip_grad_norm_(params, 1.0).item())


def test_clip_grad_norm_edge_cases():
    with pytest.warns(UserWarning, match="empty generator"):
        assert utils.clip_grad_norm_((p for p in []), 1.0).item() == 0.0
    no_grad_param = nn.Parameter(ember.ones(2))
    assert utils.clip_grad_norm_(no_grad_param, 1.0).item() == 0.0
    with pytest.raises(RuntimeError, match="foreach=True"):
        utils.clip_grad_norm_(with_grads([1.0]), 1.0, foreach=True)
    with pytest.warns(FutureWarning, match="deprecated"):
        utils.clip_grad_norm(with_grads([1.0]), 1.0)


def test_total_norm_then_clip():
    params = with_grads([3.0, 4.0])
    total = utils.get_total_norm([p.grad for p in params])
    utils.clip_grads_with_norm_(params, 1.0, total)
    assert np.linalg.norm(params[0].grad.numpy()) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_value():
    params = with_grads([-3.0, 0.5, 2.0])
    utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.numpy(), [-1.0, 0.5, 1.0])


# ---- parameter vectors ------------------------------------------------------------------


def test_parameters_to_vector_and_back():
    layer = nn.Linear(3, 2)
    vec = utils.parameters_to_vector(layer.parameters())
    assert tuple(vec.shape) == (8,)
    np.testing.assert_array_equal(vec[:6].detach().numpy(), layer.weight.detach().numpy().ravel())
    new = ember.arange(8, dtype=ember.float32)
    utils.vector_to_parameters(new, layer.parameters())
    np.testing.assert_array_equal(layer.bias.detach().numpy(), [6.0, 7.0])
    assert tuple(layer.weight.shape) == (2, 3)


def test_parameters_to_vector_is_differentiable():
    a, b = f64(2, 2).requires_grad_(), f64(3, seed=1).requires_grad_()
    assert gradcheck(lambda x, y: utils.parameters_to_vector([x, y]) ** 2, (a, b))


def test_vector_to_parameters_errors():
    layer = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"expected ember\.Tensor"):
        utils.vector_to_parameters([1.0] * 8, layer.parameters())
    with pytest.raises(ValueError, match="vec has 4 elements"):
        utils.vector_to_parameters(ember.zeros(4), layer.parameters())


# ---- parametrize ----------------------------------------------------------------------------


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).mT

    def right_inverse(self, a):
        return a.triu()


class Double(nn.Module):
    def forward(self, x):
        return 2 * x


def test_register_parametrization_basics():
    layer = nn.Linear(3, 3).double()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    w = layer.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    assert type(layer).__name__ == "ParametrizedLinear"
    assert parametrize.type_before_parametrizations(layer) is nn.Linear
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert nn.Linear(3, 3).__class__ is nn.Linear  # other instances untouched


def test_assignment_goes_through_right_inverse():
    layer = nn.Linear(3, 3).double()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    target = f64(3, 3)
    target = target + target.mT
    layer.weight = target
    np.testing.assert_allclose(layer.weight.detach().numpy(), target.numpy())
    np.testing.assert_allclose(
        layer.parametrizations.weight.original.detach().numpy(), np.triu(target.numpy())
    )


def test_gradients_reach_the_original():
    layer = nn.Linear(3, 3).double()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    x = f64(4, 3)
    layer(x).sum().backward()
    g = np.ones((4, 3)).T @ x.numpy()  # d/dW of sum(x W^T)
    expected = np.triu(g) + np.triu(g.T, 1)
    np.testing.assert_allclose(layer.parametrizations.weight.original.grad.numpy(), expected)


def test_stacked_parametrizations_and_cached():
    layer = nn.Linear(3, 3).double()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    parametrize.register_parametrization(layer, "weight", Double())
    assert len(layer.parametrizations.weight) == 2
    orig = layer.parametrizations.weight.original.detach().numpy()
    sym = np.triu(orig) + np.triu(orig, 1).T
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * sym)
    assert layer.weight is not layer.weight
    with parametrize.cached():
        assert layer.weight is layer.weight
    assert layer.weight is not layer.weight


def test_parametrization_errors():
    class Grow(nn.Module):
        def forward(self, x):
            return ember.cat([x, x])

    layer = nn.Linear(3, 3)
    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(layer, "weight", Grow())
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        parametrize.register_parametrization(layer, "kernel", Symmetric())
    parametrize.register_parametrization(layer, "weight", Grow(), unsafe=True)
    assert tuple(layer.weight.shape) == (6, 3)
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        layer.weight = ember.zeros(6, 3)
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        parametrize.remove_parametrizations(layer, "bias")


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    layer = nn.Linear(3, 3).double()
    parametrize.register_parametrization(layer, "weight", Double())
    original = layer.parametrizations.weight.original.detach().numpy().copy()
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=leave)
    assert type(layer) is nn.Linear and not hasattr(layer, "parametrizations")
    assert isinstance(layer.weight, nn.Parameter)
    np.testing.assert_allclose(layer.weight.detach().numpy(), original * (2 if leave else 1))
    assert list(layer.state_dict()) == ["bias", "weight"]  # re-registered last, as in torch


def test_deepcopy_works_pickle_refuses():
    layer = nn.Linear(2, 2)
    parametrize.register_parametrization(layer, "weight", Double())
    clone = copy.deepcopy(layer)
    np.testing.assert_allclose(clone.weight.detach().numpy(), layer.weight.detach().numpy())
    assert clone.parametrizations.weight.original is not layer.parametrizations.weight.original
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(layer)


def test_transfer_parametrizations():
    src, dst = nn.Linear(2, 2), nn.Linear(2, 2)
    parametrize.register_parametrization(src, "weight", Double())
    parametrize.transfer_parametrizations_and_params(src, dst)
    np.testing.assert_allclose(dst.weight.detach().numpy(), src.weight.detach().numpy())


# ---- weight norm, spectral norm, orthogonal --------------------------------------------------


def test_weight_norm_keys_and_values():
    layer = P.weight_norm(nn.Linear(4, 3).double())
    sd = layer.state_dict()
    assert list(sd) == [
        "bias",
        "parametrizations.weight.original0",
        "parametrizations.weight.original1",
    ]
    g, v = sd["parametrizations.weight.original0"], sd["parametrizations.weight.original1"]
    assert tuple(g.shape) == (3, 1) and tuple(v.shape) == (3, 4)
    np.testing.assert_allclose(g.numpy().ravel(), np.linalg.norm(v.numpy(), axis=1))
    np.testing.assert_allclose(layer.weight.detach().numpy(), v.numpy())
    with no_grad():
        layer.parametrizations.weight.original0.mul_(2.0)
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * v.numpy())
    whole = P.weight_norm(nn.Linear(4, 3), dim=None)
    assert whole.parametrizations.weight.original0.shape == ()


def test_weight_norm_loads_old_style_keys():
    old = {
        "bias": ember.zeros(3, dtype=ember.float64),
        "weight_g": ember.ones(3, 1, dtype=ember.float64),
        "weight_v": f64(3, 4),
    }
    layer = P.weight_norm(nn.Linear(4, 3).double())
    layer.load_state_dict(old)
    v = old["weight_v"].numpy()
    np.testing.assert_allclose(
        layer.weight.detach().numpy(), v / np.linalg.norm(v, axis=1, keepdims=True)
    )


def test_weight_norm_gradcheck():
    wn = P._WeightNorm(0)
    g, v = f64(3, 1).requires_grad_(), f64(3, 4, seed=1).requires_grad_()
    assert gradcheck(wn, (g, v))


def test_spectral_norm_converges_to_unit_sigma():
    # Seeded: how fast power iteration converges depends on the weight's spectral gap.
    ember.manual_seed(0)
    layer = P.spectral_norm(nn.Linear(6, 4).double())
    keys = list(layer.state_dict())
    assert keys == ["bias", "parametrizations.weight.original", "parametrizations.weight.0._u",
                    "parametrizations.weight.0._v"]  # fmt: skip
    for _ in range(30):
        w = layer.weight
    assert np.linalg.svd(w.detach().numpy(), compute_uv=False)[0] == pytest.approx(1.0, rel=1e-6)
    layer.eval()
    u = layer.parametrizations.weight[0]._u.numpy().copy()
    layer.weight
    np.testing.assert_array_equal(layer.parametrizations.weight[0]._u.numpy(), u)


def test_spectral_norm_gradcheck_and_errors():
    sn = P._SpectralNorm(f64(4, 3), n_power_iterations=3).eval()
    assert gradcheck(sn, (f64(4, 3, seed=2).requires_grad_(),))
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        P.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        P.spectral_norm(nn.Linear(2, 2), dim=2)


@pytest.mark.parametrize("orth_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal(orth_map, shape):
    layer = P.orthogonal(nn.Linear(shape[1], shape[0]).double(), orthogonal_map=orth_map)
    q = layer.weight.detach().numpy()
    gram = q.T @ q if shape[0] >= shape[1] else q @ q.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-10)
    x = f64(2, shape[1])
    layer(x).sum().backward()
    assert layer.parametrizations.weight.original.grad is not None


def test_orthogonal_assignment_and_without_trivialization():
    layer = P.orthogonal(nn.Linear(4, 4).double())
    q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4)))
    layer.weight = ember.tensor(q)
    np.testing.assert_allclose(layer.weight.detach().numpy(), q, atol=1e-12)
    plain = P.orthogonal(
        nn.Linear(3, 5).double(), orthogonal_map="householder", use_trivialization=False
    )
    w = plain.weight.detach().numpy()
    np.testing.assert_allclose(w.T @ w, np.eye(3), atol=1e-10)
    assert "parametrizations.weight.0.base" not in plain.state_dict()


def test_orthogonal_gradcheck():
    orth = P._Orthogonal(f64(4, 3), P._OrthMaps.householder, use_trivialization=False)
    assert gradcheck(orth, (f64(4, 3).requires_grad_(),))


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices"):
        P.orthogonal(nn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp"'):
        P.orthogonal(nn.Linear(3, 3), orthogonal_map="qr")
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'kernel'"):
        P.orthogonal(nn.Linear(3, 3), "kernel")
    layer = P.orthogonal(nn.Linear(3, 3), orthogonal_map="cayley", use_trivialization=False)
    with pytest.raises(NotImplementedError, match="not possible to assign"):
        layer.weight = ember.eye(3)


# ---- fusion and re-exports ----------------------------------------------------------------


def _trained_bn(bn, channels):
    with no_grad():
        bn.running_mean.copy_(f64(channels, seed=3).float())
        bn.running_var.copy_(f64(channels, seed=4).float().abs() + 0.5)
        bn.weight.copy_(f64(channels, seed=5).float())
        bn.bias.copy_(f64(channels, seed=6).float())
    return bn.eval()


def test_fuse_conv_bn_eval():
    conv, bn = nn.Conv2d(3, 4, 3).eval(), _trained_bn(nn.BatchNorm2d(4), 4)
    fused = utils.fuse_conv_bn_eval(conv, bn)
    x = f64(2, 3, 6, 6).float()
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), atol=1e-5)
    with pytest.raises(RuntimeError, match="Fusion only for eval"):
        utils.fuse_conv_bn_eval(conv.train(), bn)


def test_fuse_conv_transpose_and_linear():
    deconv, bn = nn.ConvTranspose2d(3, 4, 2).eval(), _trained_bn(nn.BatchNorm2d(4), 4)
    fused = utils.fuse_conv_bn_eval(deconv, bn, transpose=True)
    x = f64(1, 3, 4, 4).float()
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(deconv(x)).detach().numpy(), atol=1e-5)
    linear, bn1 = nn.Linear(3, 4).eval(), _trained_bn(nn.BatchNorm1d(4), 4)
    fused = utils.fuse_linear_bn_eval(linear, bn1)
    x = f64(5, 3).float()
    np.testing.assert_allclose(
        fused(x).detach().numpy(), bn1(linear(x)).detach().numpy(), atol=1e-5
    )
    with pytest.raises(ValueError, match=r"linear\.out_features == bn\.num_features"):
        utils.fuse_linear_bn_eval(nn.Linear(3, 2).eval(), bn1)


def test_checkpoint_and_rnn_are_reexported():
    assert utils.checkpoint is ember.autograd.checkpoint
    assert hasattr(utils.rnn, "pack_padded_sequence")
