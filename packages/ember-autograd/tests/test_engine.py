"""The backward engine: accumulation, graph structure, freeing, errors, no cycles."""

import gc
import weakref

import numpy as np
import pytest

import ember
from ember.autograd import grad
from ember.testing import assert_close


def leaf(*values, dtype=ember.float64):
    return ember.tensor(list(values), dtype=dtype, requires_grad=True)


def test_backward_accumulates_into_leaves():
    x = leaf(1.0, 2.0, 3.0)
    (x * x).sum().backward()
    assert_close(x.grad, ember.tensor([2.0, 4.0, 6.0], dtype=ember.float64))
    (x * 3).sum().backward()
    assert_close(x.grad, ember.tensor([5.0, 7.0, 9.0], dtype=ember.float64))


def test_a_tensor_used_twice_gets_the_sum():
    x = leaf(2.0)
    y = x * x + x
    y.backward()
    assert_close(x.grad, ember.tensor([5.0], dtype=ember.float64))


def test_broadcasting_is_reduced_by_the_engine():
    a = ember.ones(3, 1, requires_grad=True)
    b = ember.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,)
    assert_close(a.grad, ember.full((3, 1), 4.0))
    assert_close(b.grad, ember.full((4,), 3.0))


def test_gradients_are_cast_to_the_input_dtype():
    a = ember.ones(3, dtype=ember.float32, requires_grad=True)
    b = ember.ones(3, dtype=ember.float64, requires_grad=True)
    (a + b).sum().backward()
    assert a.grad.dtype is ember.float32 and b.grad.dtype is ember.float64


def test_grad_fn_names_and_next_functions():
    x = leaf(1.0)
    w = leaf(2.0)
    y = x * w
    assert y.grad_fn.name() == "MulBackward0"
    (a, _), (b, _) = y.grad_fn.next_functions
    assert a.name() == "AccumulateGrad" and a.variable is x and b.variable is w
    z = y.sum()
    assert z.grad_fn.next_functions[0][0] is y.grad_fn
    assert not y.is_leaf and x.is_leaf
    c = ember.ones(1)
    assert (x * c).grad_fn.next_functions[1] == (None, 0)


def test_leaves_keep_no_grad_fn_and_plain_tensors_record_nothing():
    a = ember.ones(2)
    b = a * 2
    assert b.grad_fn is None and not b.requires_grad


def test_non_leaf_grad_is_not_kept_unless_retained():
    x = leaf(1.0, 2.0)
    y = x * 2
    z = y * y
    y.retain_grad()
    assert y.retains_grad
    z.sum().backward()
    assert_close(y.grad, 2 * y.detach())
    w = x * 3
    (w * w).sum().backward()
    assert w.grad is None


def test_backward_twice_needs_retain_graph():
    x = leaf(1.0, 2.0)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    assert_close(x.grad, 2 * first)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_saved_tensors_are_freed_after_backward():
    x = leaf(1.0, 2.0)
    y = x * 2
    h = y.exp()
    ref = weakref.ref(y)
    loss = (h * x).sum()
    del y
    gc.collect()
    assert ref() is not None  # held by the graph for backward
    loss.backward()
    gc.collect()
    assert ref() is None


def test_no_reference_cycles_keep_activations_alive():
    x = leaf(1.0, 2.0, 3.0)
    refs = []
    gc.disable()
    try:
        h = x
        for _ in range(5):
            h = (h * 0.5).exp() / 10
            refs.append(weakref.ref(h))
            refs.append(weakref.ref(h.grad_fn))
        loss = h.sum()
        loss.backward()
        del h, loss
        # Without a cycle collector, plain reference counting frees everything.
        assert all(r() is None for r in refs)
        h2 = (x * 2).exp()
        r2 = weakref.ref(h2)
        node = weakref.ref(h2.grad_fn)
        del h2  # a graph nobody backpropagates through dies with its tensors, too
        assert r2() is None and node() is None
    finally:
        gc.enable()


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = leaf(1.0, 2.0)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        y.backward()
    y.backward(ember.tensor([1.0, 10.0], dtype=ember.float64))
    assert_close(x.grad, ember.tensor([2.0, 20.0], dtype=ember.float64))


def test_backward_of_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        ember.ones(2).sum().backward()


def test_mismatched_gradient_shape():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape"):
        (x * 2).backward(ember.ones(3, dtype=ember.float64))


def test_grad_returns_without_touching_dot_grad():
    x = leaf(1.0, 2.0)
    (g,) = grad((x * x).sum(), x)
    assert_close(g, 2 * x.detach())
    assert x.grad is None


def test_grad_of_several_outputs_and_inputs():
    x, w = leaf(1.0, 2.0), leaf(3.0, 4.0)
    a, b = (x * w).sum(), (x * x).sum()
    gx, gw = grad([a, b], [x, w])
    assert_close(gx, w.detach() + 2 * x.detach())
    assert_close(gw, x.detach())


def test_grad_wrt_a_non_leaf_stops_there():
    x = leaf(1.0, 2.0)
    h = x * 3
    y = (h * h).sum()
    (gh,) = grad(y, h)
    assert_close(gh, 2 * h.detach())


def test_grad_unused_inputs():
    x, z = leaf(1.0), leaf(2.0)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        grad(y, [x, z], retain_graph=True)
    _, gz = grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gz is None
    _, gz = grad(y, [x, z], materialize_grads=True)
    assert_close(gz, ember.zeros(1, dtype=ember.float64))


def test_grad_of_an_input_that_does_not_require_grad():
    x = leaf(1.0)
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad((x * 2).sum(), ember.ones(1))


def test_grad_outputs_shape_is_checked():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        grad(x * 2, x, grad_outputs=ember.ones(3, dtype=ember.float64))


def test_create_graph_gives_second_derivatives():
    x = leaf(1.0, 2.0)
    y = (x * x * x).sum()
    (g,) = grad(y, x, create_graph=True)
    assert g.requires_grad
    (g2,) = grad(g.sum(), x)
    assert_close(g2, 6 * x.detach())


def test_backward_with_create_graph_builds_a_differentiable_grad():
    x = leaf(3.0)
    (x * x * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    (g2,) = grad(g.sum(), x)
    assert_close(g2, ember.tensor([18.0], dtype=ember.float64))


def test_backward_inputs_limits_accumulation():
    x, w = leaf(1.0), leaf(2.0)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    assert_close(w.grad, ember.tensor([1.0], dtype=ember.float64))


def test_empty_inputs_are_refused():
    x = leaf(1.0)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])


def test_backward_on_a_leaf_itself():
    x = leaf(1.0, 2.0)
    x.backward(ember.tensor([3.0, 4.0], dtype=ember.float64))
    assert_close(x.grad, ember.tensor([3.0, 4.0], dtype=ember.float64))


def test_user_gradient_is_not_aliased_into_grad():
    x = leaf(1.0, 2.0)
    g = ember.tensor([1.0, 1.0], dtype=ember.float64)
    (x + 0).backward(g)
    (x + 0).backward(g)
    assert_close(g, ember.tensor([1.0, 1.0], dtype=ember.float64))
    assert_close(x.grad, ember.tensor([2.0, 2.0], dtype=ember.float64))


def test_leaves_sharing_one_gradient_get_separate_storage():
    a, b = leaf(1.0), leaf(2.0)
    (a + b).sum().backward()
    a.grad.zero_()
    assert_close(b.grad, ember.tensor([1.0], dtype=ember.float64))


def test_grad_of_a_dense_leaf_is_dense():
    x = ember.ones(2, 3, requires_grad=True)
    x.sum().backward()  # sum's gradient is an expanded (stride-0) view
    assert x.grad.is_contiguous()
    x.grad.zero_()


def test_detach_cuts_the_graph():
    x = leaf(1.0, 2.0)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (x * d).sum()
    y.backward()
    assert_close(x.grad, d)


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point and complex"):
        ember.ones(2, dtype=ember.int64).requires_grad_()


def test_ops_on_integers_from_grad_inputs_do_not_require_grad():
    x = leaf(1.0, 2.0)
    assert not (x > 1).requires_grad


def test_multi_output_op():
    x = ember.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    a, b = ember.unbind(x, 1)[:2]
    (a * 2 + b).sum().backward()
    assert_close(x.grad, ember.tensor([[2.0, 1.0, 0.0], [2.0, 1.0, 0.0]], dtype=ember.float64))


def test_relu_gradient_is_zero_where_the_unit_is_off_even_for_inf():
    # as in PyTorch (threshold_backward): a dropped gradient is 0, not inf * 0 = nan
    x = ember.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    (g,) = ember.autograd.grad(ember.relu(x), x, ember.tensor([float("inf"), 1.0, 5.0]))
    assert g.tolist() == [0.0, 0.0, 5.0]


def test_a_tensor_over_a_python_buffer_can_require_grad():
    import array

    t = ember.frombuffer(array.array("f", [1.5, -2.0]), dtype=ember.float32, requires_grad=True)
    assert t.is_leaf and t.requires_grad
    (t * t).sum().backward()
    assert t.grad.tolist() == [3.0, -4.0]
    with pytest.raises(RuntimeError, match="floating point"):
        ember.frombuffer(bytearray(4), dtype=ember.int32, requires_grad=True)
