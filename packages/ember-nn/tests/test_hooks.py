"""Full backward hooks and backward pre-hooks on modules (``register_full_backward_hook``)."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import no_grad


def _linear():
    m = nn.Linear(3, 2).double()
    with no_grad():
        m.weight.copy_(ember.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype=ember.float64))
        m.bias.fill_(0.5)
    return m


def _x():
    return ember.tensor([[1.0, -2.0, 0.5]], dtype=ember.float64, requires_grad=True)


def test_hook_sees_grad_input_and_grad_output():
    m = _linear()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((mod, gi, go)))
    x = _x()
    (m(x) * ember.tensor([[2.0, 3.0]], dtype=ember.float64)).sum().backward()
    assert len(seen) == 1
    mod, grad_input, grad_output = seen[0]
    assert mod is m and len(grad_input) == 1 and len(grad_output) == 1
    np.testing.assert_allclose(grad_output[0].numpy(), [[2.0, 3.0]])
    # d(out)/d(x) = grad_output @ W
    np.testing.assert_allclose(grad_input[0].numpy(), [[-1.0, 5.5, 6.0]])
    np.testing.assert_allclose(x.grad.numpy(), [[-1.0, 5.5, 6.0]])


def test_hook_can_replace_grad_input():
    m = _linear()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10,))
    x = _x()
    m(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 25.0, 30.0]])
    # Parameters' gradients are not affected by grad_input.
    np.testing.assert_allclose(m.bias.grad.numpy(), [1.0, 1.0])


def test_pre_hook_can_replace_grad_output_and_runs_first():
    m = _linear()
    order = []

    def pre(mod, grad_output):
        order.append("pre")
        return (grad_output[0] * 0,)

    def post(mod, grad_input, grad_output):
        order.append("post")
        assert not grad_output[0].numpy().any()  # the replaced grad_output

    m.register_full_backward_pre_hook(pre)
    m.register_full_backward_hook(post)
    x = _x()
    m(x).sum().backward()
    assert order == ["pre", "post"]
    assert not m.weight.grad.numpy().any() and not x.grad.numpy().any()


def test_hooks_when_no_input_requires_grad():
    m = _linear()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    m(ember.ones(1, 3, dtype=ember.float64)).sum().backward()
    (grad_input, grad_output) = seen[0]
    assert grad_input == (None,)
    np.testing.assert_allclose(grad_output[0].numpy(), [[1.0, 1.0]])
    m.register_full_backward_hook(lambda mod, gi, go: (ember.ones(1),))
    with pytest.raises(RuntimeError, match="no input requires gradient should always return None"):
        m(ember.ones(1, 3, dtype=ember.float64)).sum().backward()


class TwoInTwoOut(nn.Module):
    """Mixed tensor / non-tensor inputs and a tuple output."""

    def forward(self, a, scale, b):
        return a * scale, (a * b).sum(-1)


def test_multiple_inputs_and_outputs():
    m = TwoInTwoOut()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    a = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    b = ember.tensor([3.0, 4.0], dtype=ember.float64)  # no grad needed
    out1, out2 = m(a, 2.0, b)
    (out1.sum() + 5 * out2).backward()
    grad_input, grad_output = seen[0]
    # As PyTorch: None for the non-tensor, zeros for the tensor that needs no gradient.
    assert len(grad_input) == 3 and grad_input[1] is None
    assert not grad_input[2].numpy().any()
    np.testing.assert_allclose(grad_input[0].numpy(), [2.0 + 15.0, 2.0 + 20.0])
    np.testing.assert_allclose(grad_output[0].numpy(), [1.0, 1.0])
    np.testing.assert_allclose(grad_output[1].numpy(), 5.0)
    np.testing.assert_allclose(a.grad.numpy(), [17.0, 22.0])


def test_hook_with_one_output_used():
    """An output that gets no gradient is None in grad_output, as in PyTorch."""
    m = TwoInTwoOut()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(go))
    a = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    out1, _ = m(a, 3.0, ember.ones(2, dtype=ember.float64))
    out1.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 3.0])
    assert len(seen) == 1 and seen[0][1] is None


def test_wrong_number_of_grads_raises():
    m = _linear()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected 1"):
        m(_x()).sum().backward()
    m = _linear()
    m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_output, got 2, but expected 1"):
        m(_x()).sum().backward()


def test_remove_handle_and_no_grad():
    m = _linear()
    calls = []
    h = m.register_full_backward_hook(lambda mod, gi, go: calls.append(1))
    m(_x()).sum().backward()
    h.remove()
    m(_x()).sum().backward()
    assert calls == [1] and not m._backward_hooks
    m.register_full_backward_hook(lambda mod, gi, go: calls.append(2))
    with no_grad():
        out = m(_x())
    assert out.grad_fn is None and calls == [1]


def test_hooks_in_nested_modules_run_inner_last():
    inner = _linear()
    outer = nn.Sequential(inner, nn.Tanh())
    order = []
    outer.register_full_backward_hook(lambda mod, gi, go: order.append("outer"))
    inner.register_full_backward_hook(lambda mod, gi, go: order.append("inner"))
    outer.register_full_backward_pre_hook(lambda mod, go: order.append("outer-pre"))
    outer(_x()).sum().backward()
    assert order == ["outer-pre", "inner", "outer"]


def test_forward_hook_output_is_the_hooked_tensor():
    """Forward hooks run before the output is routed through the backward hook node."""
    m = _linear()
    grads = []
    m.register_forward_hook(lambda mod, args, out: out * 2)
    m.register_full_backward_hook(lambda mod, gi, go: grads.append(go[0]))
    x = _x()
    m(x).sum().backward()
    np.testing.assert_allclose(grads[0].numpy(), [[1.0, 1.0]])
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 5.0, 6.0]])
