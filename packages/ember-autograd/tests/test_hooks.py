"""Tensor hooks, post-accumulate hooks, node hooks and removable handles."""

import pytest

import ember
from ember.autograd import grad
from ember.testing import assert_close


def leaf(*v):
    return ember.tensor(list(v), dtype=ember.float64, requires_grad=True)


def test_leaf_hook_sees_and_replaces_the_gradient():
    x = leaf(1.0, 2.0)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.clone()) or g * 10)
    (x * 3).sum().backward()
    assert_close(seen[0], ember.tensor([3.0, 3.0], dtype=ember.float64))
    assert_close(x.grad, ember.tensor([30.0, 30.0], dtype=ember.float64))
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert_close(x.grad, ember.tensor([3.0, 3.0], dtype=ember.float64))


def test_leaf_hook_runs_once_on_the_summed_gradient():
    x = leaf(1.0)
    calls = []
    x.register_hook(lambda g: calls.append(float(g.item())))
    (x * 2 + x * 3).sum().backward()
    assert calls == [5.0]


def test_non_leaf_hook_changes_what_flows_on():
    x = leaf(1.0, 2.0)
    y = x * 2
    y.register_hook(lambda g: g * 0)
    (y * y).sum().backward()
    assert_close(x.grad, ember.zeros(2, dtype=ember.float64))


def test_hooks_apply_to_grad_too():
    x = leaf(1.0)
    x.register_hook(lambda g: g + 1)
    (gx,) = grad((x * 2).sum(), x)
    assert_close(gx, ember.tensor([3.0], dtype=ember.float64))


def test_post_accumulate_grad_hook_sees_the_accumulated_grad():
    w = leaf(1.0, 2.0)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    (w * w).sum().backward()
    (w * w).sum().backward()
    assert len(seen) == 2
    assert_close(seen[1], 2 * seen[0])
    handle.remove()
    (w * w).sum().backward()
    assert len(seen) == 2


def test_post_accumulate_hook_only_on_leaves():
    y = leaf(1.0) * 2
    with pytest.raises(RuntimeError, match="non-leaf"):
        y.register_post_accumulate_grad_hook(lambda t: None)


def test_hook_on_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.ones(2).register_hook(lambda g: g)


def test_node_hooks():
    x = leaf(1.0, 2.0)
    y = x * 2
    node = y.grad_fn
    log = []
    node.register_prehook(lambda gouts: log.append(("pre", len(gouts))))
    h = node.register_hook(lambda gins, gouts: (gins[0] * 0,))
    y.sum().backward()
    assert log == [("pre", 1)]
    assert_close(x.grad, ember.zeros(2, dtype=ember.float64))
    h.remove()


def test_removable_handle_as_context_manager():
    x = leaf(1.0)
    with x.register_hook(lambda g: g * 5):
        (x * 1).sum().backward()
    assert_close(x.grad, ember.tensor([5.0], dtype=ember.float64))
    (x * 1).sum().backward()
    assert_close(x.grad, ember.tensor([6.0], dtype=ember.float64))


def test_retain_grad_accumulates_like_a_leaf():
    x = leaf(1.0)
    y = x * 2
    y.retain_grad()
    z = y * 3
    z.backward(retain_graph=True)
    z.backward()
    assert_close(y.grad, ember.tensor([6.0], dtype=ember.float64))
