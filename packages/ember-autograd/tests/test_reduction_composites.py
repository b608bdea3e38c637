"""Gradients of the composite functions (diff, trapezoid, cov, cdist, logdet...): they
have no derivative rule of their own, so these check that composing differentiable ops
gives the right first and second derivatives."""

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck


def _r(*shape, seed=0, low=-2.0, high=2.0):
    data = np.random.default_rng(seed).uniform(low, high, shape)
    return ember.tensor(data, dtype=ember.float64, requires_grad=True)


def _spd(n, seed=0):
    a = np.random.default_rng(seed).uniform(-1, 1, (2, n, n))
    data = a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
    return ember.tensor(data, dtype=ember.float64, requires_grad=True)


CASES = {
    "diff": (lambda x, p: ember.diff(x, 2, 0, prepend=p), (_r(4, 3), _r(1, 3, seed=1))),
    "trapezoid_dx": (lambda y: ember.trapezoid(y, dx=0.5), (_r(3, 5),)),
    "trapezoid_x": (lambda y, x: ember.trapezoid(y, x, dim=0), (_r(4, 3), _r(4, seed=1))),
    "cumulative_trapezoid": (
        lambda y, x: ember.cumulative_trapezoid(y, x),
        (_r(2, 5), _r(2, 5, seed=1)),
    ),
    "cov": (
        lambda x, aw: ember.cov(x, fweights=ember.tensor([1, 2, 1, 3, 1]), aweights=aw),
        (_r(3, 5), _r(5, seed=1, low=0.5, high=2.0)),
    ),
    "corrcoef": (ember.corrcoef, (_r(3, 6),)),
    "renorm": (lambda x: ember.renorm(x, 2, 0, 1.5), (_r(3, 4),)),
    "renorm_p3": (lambda x: x.renorm(3, 1, 1.0), (_r(2, 3, 4),)),
    "cdist": (lambda a, b: ember.cdist(a, b), (_r(2, 3, 4), _r(2, 5, 4, seed=1))),
    "cdist_p1": (lambda a, b: ember.cdist(a, b, 1.0), (_r(3, 4), _r(5, 4, seed=1))),
    "cdist_p3": (lambda a, b: ember.cdist(a, b, 3.0), (_r(3, 4), _r(5, 4, seed=1))),
    "dist": (lambda a, b: ember.dist(a, b, 2.5), (_r(3, 4), _r(4, seed=1))),
    "logdet": (ember.logdet, (_spd(3),)),
    "pinverse": (ember.pinverse, (_r(3, 4),)),
    # symmetrised first: the rule, as PyTorch's, assumes perturbations that keep A symmetric
    "cholesky": (lambda a: ember.cholesky((a + a.mT) / 2, upper=True), (_spd(3),)),
}


@pytest.mark.parametrize("name", CASES)
def test_gradients(name):
    fn, inputs = CASES[name]
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize(
    "name", ["diff", "trapezoid_x", "cumulative_trapezoid", "cov", "corrcoef", "renorm", "cdist"]
)
def test_second_derivatives(name):
    fn, inputs = CASES[name]
    assert gradgradcheck(fn, inputs)


def test_renorm_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    x = _r(3, 4)
    ember.renorm(x, 2, 0, 1.5).sum().backward()
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    torch.renorm(xt, 2, 0, 1.5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)
