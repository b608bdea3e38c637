"""The hook-based ``weight_norm`` / ``spectral_norm`` (and their ``remove_*``), checked against
hand-derived values and NumPy."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck, gradgradcheck, no_grad
from ember.nn import utils
from ember.nn.utils.spectral_norm import SpectralNorm


def f64(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape))


def linear(in_f, out_f, seed=0):
    layer = nn.Linear(in_f, out_f).double()
    with no_grad():
        layer.weight.copy_(f64(out_f, in_f, seed=seed))
        layer.bias.copy_(f64(out_f, seed=seed + 100))
    return layer


def npy(t):
    return t.detach().numpy()


# ---- weight norm ------------------------------------------------------------------------------


def test_weight_norm_keys_and_initial_split():
    layer = linear(4, 3)
    w = npy(layer.weight).copy()
    utils.weight_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert isinstance(layer.weight_g, nn.Parameter) and isinstance(layer.weight_v, nn.Parameter)
    assert "weight" not in layer._parameters  # recomputed, so not state
    assert tuple(layer.weight_g.shape) == (3, 1)
    np.testing.assert_allclose(npy(layer.weight_g).ravel(), np.linalg.norm(w, axis=1))
    np.testing.assert_array_equal(npy(layer.weight_v), w)
    np.testing.assert_allclose(npy(layer.weight), w, rtol=1e-14)


def test_weight_norm_hand_values_per_row():
    layer = utils.weight_norm(nn.Linear(2, 2).double())
    with no_grad():
        layer.weight_v.copy_(ember.tensor([[3.0, 4.0], [6.0, -8.0]], dtype=ember.float64))
        layer.weight_g.copy_(ember.tensor([[1.0], [2.0]], dtype=ember.float64))
        layer.bias.zero_()
    x = ember.tensor([[1.0, 1.0]], dtype=ember.float64)
    out = layer(x)  # the pre-hook rebuilds weight = g * v / ||v|| (row norms 5 and 10)
    np.testing.assert_allclose(npy(layer.weight), [[0.6, 0.8], [1.2, -1.6]], rtol=1e-15)
    np.testing.assert_allclose(npy(out), [[1.4, -0.4]], rtol=1e-14)


@pytest.mark.parametrize(
    "dim,g_shape,axes",
    [(0, (3, 1), (1,)), (1, (1, 4), (0,)), (-2, (3, 1), (1,)), (None, (), (0, 1))],
)
def test_weight_norm_dims(dim, g_shape, axes):
    layer = utils.weight_norm(linear(4, 3), dim=dim)
    assert tuple(layer.weight_g.shape) == g_shape
    with no_grad():
        layer.weight_g.mul_(ember.tensor(2.5, dtype=ember.float64))
    layer(f64(1, 4))
    v = npy(layer.weight_v)
    g = npy(layer.weight_g)
    expected = g * v / np.sqrt((v * v).sum(axis=axes, keepdims=True))
    np.testing.assert_allclose(npy(layer.weight), expected, rtol=1e-14)


def test_weight_norm_minus_one_means_whole_tensor():
    # PyTorch's convention (dim=-1 is the same as None), not "the last dim".
    layer = utils.weight_norm(linear(4, 3), dim=-1)
    assert layer.weight_g.shape == ()
    np.testing.assert_allclose(layer.weight_g.item(), np.linalg.norm(npy(layer.weight_v)))


def test_weight_norm_conv_norms_each_output_channel():
    conv = nn.Conv2d(2, 3, 3).double()
    utils.weight_norm(conv)
    assert tuple(conv.weight_g.shape) == (3, 1, 1, 1)
    with no_grad():
        conv.weight_g.copy_(ember.ones(3, 1, 1, 1, dtype=ember.float64))
    conv(f64(1, 2, 5, 5))
    w = npy(conv.weight).reshape(3, -1)
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), np.ones(3), rtol=1e-14)


def test_weight_norm_gradcheck_through_linear():
    layer = utils.weight_norm(linear(4, 3))
    x = f64(2, 4, seed=5).requires_grad_()
    inputs = (x, layer.weight_g, layer.weight_v, layer.bias)
    assert gradcheck(lambda x, *params: layer(x), inputs)
    assert gradgradcheck(lambda x, *params: layer(x), inputs)


def test_weight_norm_grads_reach_g_and_v_only():
    layer = utils.weight_norm(linear(4, 3))
    (layer(f64(2, 4)) ** 2).sum().backward()
    assert layer.weight_g.grad is not None and layer.weight_v.grad is not None
    names = [n for n, _ in layer.named_parameters()]
    assert names == ["bias", "weight_g", "weight_v"]


def test_remove_weight_norm_restores_plain_parameter():
    layer = utils.weight_norm(linear(4, 3))
    with no_grad():
        layer.weight_g.mul_(ember.tensor(3.0, dtype=ember.float64))
    layer(f64(1, 4))
    expected = npy(layer.weight).copy()
    assert utils.remove_weight_norm(layer) is layer
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad
    assert list(layer.state_dict()) == ["bias", "weight"]
    assert not layer._forward_pre_hooks
    np.testing.assert_array_equal(npy(layer.weight), expected)
    x = f64(2, 4, seed=3)
    np.testing.assert_allclose(npy(layer(x)), npy(x) @ expected.T + npy(layer.bias), rtol=1e-14)


def test_weight_norm_state_dict_round_trip():
    src = utils.weight_norm(linear(4, 3, seed=1))
    dst = utils.weight_norm(linear(4, 3, seed=2))
    dst.load_state_dict(src.state_dict())
    x = f64(2, 4)
    np.testing.assert_array_equal(npy(dst(x)), npy(src(x)))


def test_weight_norm_errors():
    layer = utils.weight_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        utils.weight_norm(layer)
    utils.weight_norm(layer, name="bias")  # another name is fine
    with pytest.raises(ValueError, match=r"weight_norm of 'other' not found in Linear\("):
        utils.remove_weight_norm(layer, "other")
    with pytest.raises(ValueError, match="no parameter with name 'missing'"):
        utils.weight_norm(nn.Linear(3, 2), name="missing")
    with pytest.raises(ValueError, match="uninitialized parameters"):
        utils.weight_norm(nn.LazyLinear(2))
    plain = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"weight_norm of 'weight' not found in Linear\("):
        utils.remove_weight_norm(plain)


# ---- spectral norm ----------------------------------------------------------------------------


def sigma_of(layer):
    """The sigma the hook divided by: ``weight_orig / weight`` is constant."""
    ratio = npy(layer.weight_orig) / npy(layer.weight)
    np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-12)
    return ratio.flat[0]


def test_spectral_norm_keys_and_buffers():
    layer = utils.spectral_norm(linear(6, 4))
    assert list(layer.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert tuple(layer.weight_u.shape) == (4,) and tuple(layer.weight_v.shape) == (6,)
    assert [n for n, _ in layer.named_parameters()] == ["bias", "weight_orig"]
    for b in (layer.weight_u, layer.weight_v):
        assert np.linalg.norm(npy(b)) == pytest.approx(1.0)
        assert not b.requires_grad
    # Until the first call the attribute is the raw weight, as in PyTorch.
    np.testing.assert_array_equal(npy(layer.weight), npy(layer.weight_orig))


def test_spectral_norm_one_training_step_by_hand():
    layer = utils.spectral_norm(linear(3, 4))
    w = npy(layer.weight_orig)
    u0, v0 = npy(layer.weight_u).copy(), npy(layer.weight_v).copy()
    u_buf = layer.weight_u
    layer(f64(1, 3))
    v1 = w.T @ u0
    v1 /= np.linalg.norm(v1)
    u1 = w @ v1
    u1 /= np.linalg.norm(u1)
    assert layer.weight_u is u_buf  # updated in place: the buffer keeps its identity
    np.testing.assert_allclose(npy(layer.weight_u), u1, rtol=1e-13)
    np.testing.assert_allclose(npy(layer.weight_v), v1, rtol=1e-13)
    np.testing.assert_allclose(npy(layer.weight), w / (u1 @ w @ v1), rtol=1e-13)
    assert not np.allclose(v1, v0)


def test_spectral_norm_sigma_converges_to_largest_singular_value():
    layer = utils.spectral_norm(linear(6, 4), n_power_iterations=5)
    w = npy(layer.weight_orig)
    for _ in range(20):
        layer(f64(1, 6))
    left, s, right = np.linalg.svd(w)
    assert sigma_of(layer) == pytest.approx(s[0], rel=1e-10)
    assert np.linalg.svd(npy(layer.weight), compute_uv=False)[0] == pytest.approx(1.0, rel=1e-10)
    assert abs(npy(layer.weight_u) @ left[:, 0]) == pytest.approx(1.0, rel=1e-10)
    assert abs(npy(layer.weight_v) @ right[0]) == pytest.approx(1.0, rel=1e-10)


def test_spectral_norm_eval_uses_stored_vectors():
    layer = utils.spectral_norm(linear(5, 3))
    layer(f64(1, 5))
    layer.eval()
    u, v = npy(layer.weight_u).copy(), npy(layer.weight_v).copy()
    x = f64(2, 5, seed=4)
    out = layer(x)
    np.testing.assert_array_equal(npy(layer.weight_u), u)
    np.testing.assert_array_equal(npy(layer.weight_v), v)
    w = npy(layer.weight_orig)
    expected = npy(x) @ (w / (u @ w @ v)).T + npy(layer.bias)
    np.testing.assert_allclose(npy(out), expected, rtol=1e-13)


def test_spectral_norm_dims():
    conv = utils.spectral_norm(nn.Conv2d(2, 3, 3))
    assert tuple(conv.weight_u.shape) == (3,) and tuple(conv.weight_v.shape) == (18,)
    convt = utils.spectral_norm(nn.ConvTranspose2d(2, 3, 3))  # weight (2, 3, 3, 3): dim 1
    assert tuple(convt.weight_u.shape) == (3,) and tuple(convt.weight_v.shape) == (18,)
    lin = utils.spectral_norm(nn.Linear(4, 3), dim=1)
    assert tuple(lin.weight_u.shape) == (4,) and tuple(lin.weight_v.shape) == (3,)


def test_spectral_norm_conv_transpose_sigma():
    convt = nn.ConvTranspose2d(2, 3, 2).double()
    utils.spectral_norm(convt, n_power_iterations=10)
    for _ in range(10):
        convt(f64(1, 2, 4, 4))
    w = npy(convt.weight_orig)
    mat = np.moveaxis(w, 1, 0).reshape(3, -1)
    assert sigma_of(convt) == pytest.approx(np.linalg.svd(mat, compute_uv=False)[0], rel=1e-10)


def test_spectral_norm_of_a_vector_is_its_norm():
    # A 1-d weight is an (n, 1) matrix, whose only singular value is its 2-norm.
    layer = utils.spectral_norm(linear(3, 4), name="bias")
    b = npy(layer.bias_orig)
    layer(f64(1, 3))
    np.testing.assert_allclose(npy(layer.bias), b / np.linalg.norm(b), rtol=1e-13)


def test_spectral_norm_gradcheck_in_eval():
    layer = utils.spectral_norm(linear(4, 3))
    layer(f64(1, 4))
    layer.eval()  # fixed u and v: sigma = u . W v is then a smooth function of W
    x = f64(2, 4, seed=6).requires_grad_()
    inputs = (x, layer.weight_orig, layer.bias)
    assert gradcheck(lambda x, *params: layer(x), inputs)
    assert gradgradcheck(lambda x, *params: layer(x), inputs)


def test_spectral_norm_training_grads_see_the_vectors_of_their_call():
    layer = utils.spectral_norm(linear(4, 3))
    out = layer(f64(2, 4))
    u, v = npy(layer.weight_u).copy(), npy(layer.weight_v).copy()
    layer(f64(2, 4))  # moves the buffers in place before the first backward runs
    out.sum().backward()
    w = npy(layer.weight_orig)
    sigma = u @ w @ v
    x = npy(f64(2, 4))
    gw = np.ones((2, 3)).T @ x  # d(sum(x W^T))/dW_normalized
    expected = gw / sigma - (gw * w).sum() / sigma**2 * np.outer(u, v)
    np.testing.assert_allclose(layer.weight_orig.grad.numpy(), expected, rtol=1e-12)


def test_remove_spectral_norm_restores_plain_parameter():
    layer = utils.spectral_norm(linear(5, 3))
    for _ in range(3):
        layer(f64(1, 5))
    w, u, v = npy(layer.weight_orig), npy(layer.weight_u), npy(layer.weight_v)
    assert utils.remove_spectral_norm(layer) is layer
    assert isinstance(layer.weight, nn.Parameter)
    assert list(layer.state_dict()) == ["bias", "weight"]
    assert not (layer._forward_pre_hooks or layer._state_dict_hooks)
    assert not layer._load_state_dict_pre_hooks
    np.testing.assert_allclose(npy(layer.weight), w / (u @ w @ v), rtol=1e-14)


def test_spectral_norm_errors():
    layer = utils.spectral_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        utils.spectral_norm(layer)
    with pytest.raises(ValueError, match=r"spectral_norm of 'bias' not found in Linear\("):
        utils.remove_spectral_norm(layer, "bias")
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        utils.spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        utils.spectral_norm(nn.Linear(3, 2), dim=2)
    with pytest.raises(ValueError, match="uninitialized parameters"):
        utils.spectral_norm(nn.LazyLinear(2))


def test_spectral_norm_state_dict_records_version():
    layer = utils.spectral_norm(linear(3, 2))
    sd = layer.state_dict()
    assert sd._metadata[""]["spectral_norm"] == {"weight.version": SpectralNorm._version}
    seq = nn.Sequential(nn.ReLU(), utils.spectral_norm(linear(3, 2)))
    assert seq.state_dict()._metadata["1"]["spectral_norm"] == {"weight.version": 1}


def test_spectral_norm_state_dict_round_trip():
    src = utils.spectral_norm(linear(4, 3, seed=1))
    for _ in range(3):
        src(f64(1, 4))
    dst = utils.spectral_norm(linear(4, 3, seed=2))
    dst.load_state_dict(src.state_dict())
    src.eval(), dst.eval()
    x = f64(2, 4)
    np.testing.assert_array_equal(npy(dst(x)), npy(src(x)))


def version0_state(layer):
    """What PyTorch before version 1 saved: the normalized weight, and no ``weight_v``."""
    sd = layer.state_dict()
    del sd["weight_v"]
    sd["weight"] = layer.weight.detach()
    return sd


@pytest.mark.parametrize("with_metadata", [False, True])
def test_spectral_norm_loads_version0_state(with_metadata):
    src = utils.spectral_norm(linear(4, 6, seed=1))
    for _ in range(5):
        src(f64(1, 4))
    sd = version0_state(src)
    if with_metadata:
        sd._metadata[""]["spectral_norm"]["weight.version"] = 0
    else:
        del sd._metadata
    dst = utils.spectral_norm(linear(4, 6, seed=2)).eval()
    dst.load_state_dict(sd)
    assert "weight" in sd  # the caller's dict is left alone
    dst(f64(1, 4))
    # v is rebuilt so that the stored u and the saved weight are reproduced exactly.
    np.testing.assert_allclose(npy(dst.weight), npy(src.weight), rtol=1e-10)
    np.testing.assert_array_equal(npy(dst.weight_u), npy(src.weight_u))
    w, v = npy(dst.weight_orig), npy(dst.weight_v)
    u = w @ v
    np.testing.assert_allclose(u / np.linalg.norm(u), npy(dst.weight_u), rtol=1e-10)


def test_spectral_norm_version1_metadata_skips_conversion():
    src = utils.spectral_norm(linear(4, 3))
    sd = version0_state(src)
    sd["weight_v"] = src.weight_v  # a version-1 dict with a stray key
    dst = utils.spectral_norm(linear(4, 3))
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "weight"'):
        dst.load_state_dict(sd)


def test_spectral_norm_incomplete_old_state_reports_missing():
    dst = utils.spectral_norm(linear(4, 3))
    result = dst.load_state_dict({"bias": f64(3), "weight_orig": f64(3, 4)}, strict=False)
    assert set(result.missing_keys) >= {"weight", "weight_u", "weight_v"}
    assert result.missing_keys.count("weight_u") == 1


def test_legacy_norms_copy_and_pickle():
    layer = utils.spectral_norm(utils.weight_norm(linear(4, 3), name="bias"))
    layer(f64(1, 4))
    x = f64(2, 4, seed=9)
    for clone in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
        clone.eval(), layer.eval()
        np.testing.assert_array_equal(npy(clone(x)), npy(layer(x)))
        utils.remove_spectral_norm(clone)
        utils.remove_weight_norm(clone, "bias")
        assert list(clone.state_dict()) == ["weight", "bias"]
        assert isinstance(clone.bias, nn.Parameter)
