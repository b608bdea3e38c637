"""Activation checkpointing: same gradients, recomputed forward, RNG replayed."""

import numpy as np

import ember
from ember.autograd import checkpoint
from ember.testing import assert_close


def params(rng):
    w1 = ember.tensor(rng.standard_normal((4, 8)), requires_grad=True)
    w2 = ember.tensor(rng.standard_normal((8, 3)), requires_grad=True)
    return w1, w2


def block(x, w1, w2):
    return ember.matmul(ember.matmul(x, w1).tanh(), w2)


def test_same_gradients_as_without_checkpointing(rng):
    w1, w2 = params(rng)
    x = ember.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    block(x, w1, w2).sum().backward()
    expected = [t.grad.clone() for t in (x, w1, w2)]
    for t in (x, w1, w2):
        t.grad = None
    y = checkpoint(block, x, w1, w2)
    assert y.grad_fn is not None
    y.sum().backward()
    for t, e in zip((x, w1, w2), expected):
        assert_close(t.grad, e)


def test_parameters_used_from_a_closure_get_gradients(rng):
    w1, w2 = params(rng)
    x = ember.tensor(rng.standard_normal((5, 4)))  # no grad: only the weights need one
    y = checkpoint(lambda a: block(a, w1, w2), x)
    assert y.requires_grad
    y.sum().backward()
    assert w1.grad is not None and w2.grad is not None


def test_forward_keeps_no_graph_and_backward_recomputes(rng):
    w1, w2 = params(rng)
    calls = []

    def counted(x):
        calls.append(1)
        return block(x, w1, w2)

    x = ember.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    y = checkpoint(counted, x)
    assert len(calls) == 1 and y.grad_fn.name() == "_CheckpointBackward"
    y.sum().backward()
    assert len(calls) == 2


def test_random_state_is_replayed(rng):
    x = ember.tensor(rng.standard_normal((50,)), requires_grad=True)

    def noisy(a):
        return a * ember.rand(50, dtype=ember.float64)

    ember.manual_seed(3)
    y = checkpoint(noisy, x)
    mask_forward = (y / x).detach()
    y.sum().backward()
    assert_close(x.grad, mask_forward)  # the recomputation drew the same numbers
    assert not np.allclose(ember.rand(50).numpy(), ember.rand(50).numpy())


def test_nested_checkpoints_and_no_grad(rng):
    w1, w2 = params(rng)
    x = ember.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    y = checkpoint(lambda a: checkpoint(block, a, w1, w2) * 2, x)
    y.sum().backward()
    assert x.grad is not None and w1.grad is not None
    with ember.autograd.no_grad():
        z = checkpoint(block, x, w1, w2)
    assert not z.requires_grad
