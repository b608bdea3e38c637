"""``ember.nn.init``: gains, fans, and each initialiser's range, moments and structure."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import init


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(1.3867504905630728)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans():
    assert init._calculate_fan_in_and_fan_out(ember.empty(5, 3)) == (3, 5)
    assert init._calculate_fan_in_and_fan_out(ember.empty(8, 4, 3, 2)) == (24, 48)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ember.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")


def _values(t):
    return t.detach().numpy().astype(np.float64)


def test_uniform_and_normal_in_place_under_no_grad():
    p = nn.Parameter(ember.empty(200, 100))
    assert init.uniform_(p, -2.0, 3.0) is p and p.requires_grad and p.grad_fn is None
    v = _values(p)
    assert v.min() >= -2.0 and v.max() <= 3.0 and abs(v.mean() - 0.5) < 0.05
    init.normal_(p, 1.0, 0.5)
    v = _values(p)
    assert abs(v.mean() - 1.0) < 0.02 and abs(v.std() - 0.5) < 0.02


def test_generator_makes_draws_reproducible():
    a, b = ember.empty(50), ember.empty(50)
    for fn in (init.uniform_, init.normal_, init.xavier_normal_, init.trunc_normal_):
        t1, t2 = ember.empty(4, 6), ember.empty(4, 6)
        fn(t1, generator=ember.Generator().manual_seed(3))
        fn(t2, generator=ember.Generator().manual_seed(3))
        np.testing.assert_array_equal(_values(t1), _values(t2))
    init.kaiming_uniform_(a.reshape(5, 10), generator=ember.Generator().manual_seed(1))
    init.kaiming_uniform_(b.reshape(5, 10), generator=ember.Generator().manual_seed(2))
    assert not np.array_equal(_values(a), _values(b))


def test_trunc_normal_stays_in_bounds_with_normal_moments():
    t = init.trunc_normal_(ember.empty(100000), mean=0.5, std=1.0, a=-1.0, b=1.5)
    v = _values(t)
    assert v.min() >= -1.0 and v.max() <= 1.5
    # The truncated normal's mean: mu + sigma * (phi(alpha) - phi(beta)) / (Phi(beta) - Phi(alpha))
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2
    alpha, beta = -1.5, 1.0
    mean = 0.5 + (phi(alpha) - phi(beta)) / (cdf(beta) - cdf(alpha))
    assert abs(v.mean() - mean) < 0.01
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        init.trunc_normal_(ember.empty(3), mean=10.0)


def test_constant_ones_zeros_eye():
    t = ember.empty(2, 3)
    assert init.constant_(t, 0.3) is t and np.allclose(_values(t), 0.3)
    init.ones_(t)
    assert (_values(t) == 1).all()
    init.zeros_(t)
    assert not _values(t).any()
    init.eye_(t)
    np.testing.assert_array_equal(_values(t), np.eye(2, 3))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(ember.empty(2, 2, 2))


def test_dirac_is_identity_convolution():
    w = init.dirac_(ember.empty(4, 4, 3, 3))
    x = ember.randn(1, 4, 5, 5)
    np.testing.assert_allclose(_values(ember.conv2d(x, w, padding=1)), _values(x), atol=1e-6)
    g = init.dirac_(ember.empty(6, 2, 3), groups=2)
    v = _values(g)
    assert v.sum() == 4 and v[0, 0, 1] == 1 and v[1, 1, 1] == 1 and v[3, 0, 1] == 1
    assert v[4, 1, 1] == 1 and v[2].sum() == 0
    init.dirac_(ember.empty(2, 2, 3, 3, 3))
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        init.dirac_(ember.empty(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(ember.empty(3, 2, 3), groups=2)


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_xavier(shape):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(ember.empty(*shape))
    std = 2.0 * math.sqrt(2.0 / (fan_in + fan_out))
    v = _values(init.xavier_uniform_(ember.empty(*shape), gain=2.0))
    bound = math.sqrt(3.0) * std
    assert v.min() >= -bound and v.max() <= bound and v.max() > 0.95 * bound
    assert abs(v.std() - std) < 0.05 * std
    v = _values(init.xavier_normal_(ember.empty(*shape), gain=2.0))
    assert abs(v.std() - std) < 0.05 * std and abs(v.mean()) < 0.05 * std


@pytest.mark.parametrize(
    ("mode", "nonlinearity", "a"),
    [("fan_in", "leaky_relu", 0), ("fan_out", "relu", 0), ("fan_in", "leaky_relu", math.sqrt(5))],
)
def test_kaiming(mode, nonlinearity, a):
    shape = (256, 64, 3, 3)
    fan = 64 * 9 if mode == "fan_in" else 256 * 9
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    kw = {"a": a, "mode": mode, "nonlinearity": nonlinearity}
    v = _values(init.kaiming_uniform_(ember.empty(*shape), **kw))
    assert v.max() <= math.sqrt(3) * std and abs(v.std() - std) < 0.03 * std
    v = _values(init.kaiming_normal_(ember.empty(*shape), **kw))
    assert abs(v.std() - std) < 0.03 * std


def test_kaiming_on_empty_tensor_warns():
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 2, 3)])
def test_orthogonal(shape):
    t = init.orthogonal_(ember.empty(*shape), gain=2.0)
    m = _values(t).reshape(shape[0], -1)
    small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(small, 4.0 * np.eye(small.shape[0]), atol=1e-5)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(ember.empty(3))


def test_sparse():
    t = init.sparse_(ember.empty(10, 6), sparsity=0.3, std=0.5)
    zeros_per_column = (_values(t) == 0).sum(axis=0)
    assert (zeros_per_column == 3).all()
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.sparse_(ember.empty(2, 2, 2), 0.5)


def test_init_does_not_record_graph():
    p = nn.Parameter(ember.ones(3, 3))
    for fn in (init.ones_, init.zeros_, init.eye_, init.orthogonal_, init.xavier_uniform_):
        fn(p)
        assert p.grad_fn is None and p.is_leaf and p.requires_grad
    (p * 2).sum().backward()
    assert p.grad is not None
