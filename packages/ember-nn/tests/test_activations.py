"""Activation layers: forward against NumPy formulas, gradcheck, ``inplace`` and repr."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

# Values away from every kink (0, +-0.5, +-1, +-3, 6), so finite differences are exact.
X = np.array([[-3.7, -2.2, -1.3, -0.7, -0.2], [0.15, 0.6, 1.4, 2.6, 3.9]])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x, beta=1.0):
    return np.log1p(np.exp(beta * x)) / beta


def softmax(x, axis):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


erf = np.vectorize(math.erf)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805

ACTIVATIONS = [
    ("ReLU", lambda: nn.ReLU(), lambda x: np.maximum(x, 0)),
    ("ReLU6", lambda: nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    ("PReLU", lambda: nn.PReLU(init=0.3), lambda x: np.where(x > 0, x, 0.3 * x)),
    ("RReLU-eval", lambda: nn.RReLU(0.1, 0.3).eval(), lambda x: np.where(x > 0, x, 0.2 * x)),
    ("ELU", lambda: nn.ELU(0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    ("CELU", lambda: nn.CELU(2.0), lambda x: np.maximum(x, 0) + np.minimum(0, 2 * np.expm1(x / 2))),
    (
        "SELU",
        lambda: nn.SELU(),
        lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    ),
    ("GELU", lambda: nn.GELU(), lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2)))),
    (
        "GELU-tanh",
        lambda: nn.GELU("tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    ),
    ("SiLU", lambda: nn.SiLU(), lambda x: x * sigmoid(x)),
    ("Mish", lambda: nn.Mish(), lambda x: x * np.tanh(softplus(x))),
    (
        "Softplus",
        lambda: nn.Softplus(beta=2.0, threshold=5.0),
        lambda x: np.where(2 * x > 5, x, softplus(x, 2.0)),
    ),
    ("Softsign", lambda: nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    (
        "Softshrink",
        lambda: nn.Softshrink(0.5),
        lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    ),
    ("Hardshrink", lambda: nn.Hardshrink(0.5), lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    ("Tanhshrink", lambda: nn.Tanhshrink(), lambda x: x - np.tanh(x)),
    ("Tanh", lambda: nn.Tanh(), np.tanh),
    ("Sigmoid", lambda: nn.Sigmoid(), sigmoid),
    ("Hardtanh", lambda: nn.Hardtanh(-2.0, 2.0), lambda x: np.clip(x, -2, 2)),
    ("Hardswish", lambda: nn.Hardswish(), lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("Hardsigmoid", lambda: nn.Hardsigmoid(), lambda x: np.clip(x + 3, 0, 6) / 6),
    ("LogSigmoid", lambda: nn.LogSigmoid(), lambda x: -np.log1p(np.exp(-x))),
    ("Threshold", lambda: nn.Threshold(0.1, 20.0), lambda x: np.where(x > 0.1, x, 20.0)),
    ("GLU", lambda: nn.GLU(dim=0), lambda x: x[:1] * sigmoid(x[1:])),
    ("Softmax", lambda: nn.Softmax(dim=1), lambda x: softmax(x, 1)),
    ("Softmin", lambda: nn.Softmin(dim=0), lambda x: softmax(-x, 0)),
    ("LogSoftmax", lambda: nn.LogSoftmax(dim=-1), lambda x: np.log(softmax(x, -1))),
]


def _module(make):
    m = make().double()
    return m.eval() if isinstance(m, nn.RReLU) else m


@pytest.mark.parametrize(("name", "make", "ref"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_forward_matches_numpy(name, make, ref):
    out = _module(make)(ember.tensor(X))
    np.testing.assert_allclose(out.detach().numpy(), ref(X), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize(("name", "make", "ref"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_gradcheck(name, make, ref):
    m = _module(make)
    x = ember.tensor(X, requires_grad=True)
    assert gradcheck(lambda x, *p: m(x), (x, *m.parameters()))


def test_softmax2d_over_channels():
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2))
    out = nn.Softmax2d()(ember.tensor(x)).numpy()
    np.testing.assert_allclose(out, softmax(x, 1), rtol=1e-6)
    np.testing.assert_allclose(nn.Softmax2d()(ember.tensor(x[0])).numpy(), softmax(x[0], 0))


INPLACE = [
    lambda: nn.ReLU(inplace=True),
    lambda: nn.ReLU6(inplace=True),
    lambda: nn.LeakyReLU(0.2, inplace=True),
    lambda: nn.ELU(inplace=True),
    lambda: nn.CELU(inplace=True),
    lambda: nn.SELU(inplace=True),
    lambda: nn.SiLU(inplace=True),
    lambda: nn.Mish(inplace=True),
    lambda: nn.Hardtanh(inplace=True),
    lambda: nn.Hardswish(inplace=True),
    lambda: nn.Hardsigmoid(inplace=True),
    lambda: nn.Threshold(0.1, 2.0, inplace=True),
    lambda: nn.RReLU(inplace=True).eval(),
]


@pytest.mark.parametrize("make", INPLACE)
def test_inplace_overwrites_the_input_and_still_differentiates(make):
    m = make()
    expected = type(m)(**{k: v for k, v in _options(m).items() if k != "inplace"})
    expected.train(m.training)
    ref = expected(ember.tensor(X)).numpy()
    x = ember.tensor(X)
    out = m(x)
    np.testing.assert_allclose(x.numpy(), ref, rtol=1e-6)
    assert out.data_ptr() == x.data_ptr()
    leaf = ember.tensor(X, requires_grad=True)
    y = leaf * 1.0
    m(y).sum().backward()
    assert leaf.grad is not None and tuple(leaf.grad.shape) == X.shape


def _options(m):
    names = ("min_val", "max_val", "negative_slope", "alpha", "threshold", "value", "lower")
    out = {k: getattr(m, k) for k in names if hasattr(m, k) and not isinstance(m, nn.ReLU6)}
    if isinstance(m, nn.RReLU):
        out["upper"] = m.upper
    return out


def test_functional_inplace_variants():
    for fn, ref in [
        (F.relu_, lambda x: np.maximum(x, 0)),
        (lambda t: F.elu_(t, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
        (lambda t: F.leaky_relu_(t, 0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
        (lambda t: F.hardtanh_(t, -1.0, 1.0), lambda x: np.clip(x, -1, 1)),
        (lambda t: F.threshold_(t, 0.5, -1.0), lambda x: np.where(x > 0.5, x, -1.0)),
        (F.selu_, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
        (F.celu_, lambda x: np.where(x > 0, x, np.expm1(x))),
        (F.rrelu_, lambda x: np.where(x > 0, x, x * (1 / 8 + 1 / 3) / 2)),
    ]:
        x = ember.tensor(X)
        assert fn(x).data_ptr() == x.data_ptr()
        np.testing.assert_allclose(x.numpy(), ref(X), rtol=1e-6)


def test_rrelu_in_training_draws_slopes_in_range():
    m = nn.RReLU(0.1, 0.3)
    x = -ember.ones(10000)
    slopes = -m(x).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.01


def test_activation_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU(0.2, True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(nn.ReLU6(True)) == "ReLU6(inplace=True)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.Softshrink(0.3)) == "Softshrink(0.3)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
    assert repr(nn.Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)"
    assert repr(nn.Hardswish(inplace=True)) == "Hardswish()"
    assert repr(nn.RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Sigmoid(1, key=2)) == "Sigmoid()"  # arguments accepted and ignored


def test_prelu_state_and_errors():
    m = nn.PReLU(4, init=0.1)
    assert list(m.state_dict()) == ["weight"] and tuple(m.weight.shape) == (4,)
    assert np.allclose(m.weight.detach().numpy(), 0.1)
    with pytest.raises(ValueError, match=r"Hardtanh: max_val \(1\.0\) must be greater"):
        nn.Hardtanh(1.0, 1.0)
    with pytest.raises(RuntimeError, match="glu: halving dimension must be even"):
        nn.GLU(dim=1)(ember.ones(2, 3))
