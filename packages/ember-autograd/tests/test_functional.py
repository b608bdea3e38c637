"""ember.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp."""

import numpy as np
import pytest

import ember
from ember.autograd import functional as F
from ember.testing import assert_close


def t(*v):
    return ember.tensor(np.array(v, dtype=np.float64))


def cube(x):
    return x * x * x


def test_vjp_and_jvp():
    x = t(1.0, 2.0)
    out, g = F.vjp(cube, x, t(1.0, 1.0))
    assert_close(out, cube(x))
    assert_close(g, 3 * x * x)
    out, j = F.jvp(cube, x, t(1.0, 0.0))
    assert_close(j, t(3.0, 0.0))
    assert not g.requires_grad and not j.requires_grad


def test_jacobian_shapes_and_values():
    x = t(1.0, 2.0, 3.0)
    jac = F.jacobian(lambda a: a * a, x)
    assert jac.shape == (3, 3)
    assert_close(jac, ember.tensor(np.diag([2.0, 4.0, 6.0])))
    ja, jb = F.jacobian(lambda a, b: (a * b).sum(), (x, t(1.0, 1.0, 1.0)))
    assert ja.shape == (3,) and jb.shape == (3,)
    rows = F.jacobian(lambda a: (a.sum(), a * 2), x)
    assert rows[0].shape == (3,) and rows[1].shape == (3, 3)


def test_hessian_vhp_hvp():
    x = t(1.0, 2.0)

    def f(a):
        return (a * a * a).sum()

    hess = F.hessian(f, x)
    assert_close(hess, ember.tensor(np.diag([6.0, 12.0])))
    v = t(1.0, 1.0)
    out, vh = F.vhp(f, x, v)
    assert_close(out, f(x))
    assert_close(vh, t(6.0, 12.0))
    _, hv = F.hvp(f, x, v)
    assert_close(hv, vh)


def test_create_graph_keeps_results_differentiable():
    x = t(1.0, 2.0).requires_grad_()
    _, g = F.vjp(lambda a: (a * a).sum(), x, create_graph=True)
    assert g.requires_grad
    (g.sum()).backward()
    assert_close(x.grad, t(2.0, 2.0))


def test_errors():
    x = t(1.0, 2.0)
    with pytest.raises(RuntimeError, match="v can only be None"):
        F.vjp(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        F.vjp(lambda a: a * 2, x, t(1.0))
    with pytest.raises(TypeError, match="must be a Tensor or a tuple of Tensors"):
        F.jacobian(lambda a: a, [1.0])
    with pytest.raises(RuntimeError, match="independent of input 0"):
        F.vjp(
            lambda a: ember.ones(2, dtype=ember.float64, requires_grad=True) * 1,
            x,
            t(1.0, 1.0),
            strict=True,
        )
