"""Custom ops: ember.autograd.Function."""

import gc
import weakref

import pytest

import ember
from ember.autograd import Function, grad, gradcheck, gradgradcheck, once_differentiable
from ember.testing import assert_close


def leaf(*v):
    return ember.tensor(list(v), dtype=ember.float64, requires_grad=True)


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Scale(Function):
    """New-style: forward without ctx, setup_context separately."""

    @staticmethod
    def forward(x, factor):
        return x * factor

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.factor = inputs[1]

    @staticmethod
    def backward(ctx, g):
        return g * ctx.factor, None


def test_forward_and_backward():
    x = leaf(0.0, 1.0)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    y.sum().backward()
    assert_close(x.grad, x.detach().exp())


def test_setup_context_style():
    x = leaf(1.0, 2.0)
    Scale.apply(x, 3.0).sum().backward()
    assert_close(x.grad, ember.tensor([3.0, 3.0], dtype=ember.float64))


def test_gradcheck_and_double_backward_through_a_function():
    x = leaf(0.1, -0.4, 0.7)
    assert gradcheck(Exp.apply, (x,))
    assert gradgradcheck(Exp.apply, (x,))


def test_forward_is_not_recorded_and_needs_input_grad():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["inner"] = (a * 2).requires_grad
            seen["needs"] = ctx.needs_input_grad
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, None

    Probe.apply(leaf(1.0), ember.ones(1, dtype=ember.float64))
    assert seen == {"inner": False, "needs": (True, False)}


def test_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(leaf(1.0), leaf(2.0)).sum().backward()


def test_mark_non_differentiable_and_several_outputs():
    class SortLike(Function):
        @staticmethod
        def forward(ctx, x):
            idx = (x > 0).to(ember.float64)
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            assert g_idx is not None  # materialized zeros
            return g * 2

    y, idx = SortLike.apply(leaf(1.0, -1.0))
    assert y.requires_grad and not idx.requires_grad


def test_set_materialize_grads_false_gives_none():
    got = {}

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, ga, gb):
            got["gb"] = gb
            return ga

    x = leaf(1.0)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert got["gb"] is None


def test_mark_dirty_in_place():
    class AddOne(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = leaf(1.0)
    y = x * 1
    z = AddOne.apply(y)
    assert z is y and y.grad_fn.name() == "AddOneBackward"
    z.sum().backward()
    assert_close(x.grad, ember.tensor([1.0], dtype=ember.float64))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        AddOne.apply(leaf(1.0))


def test_input_returned_as_is_gets_a_new_tensor():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = leaf(1.0)
    y = Identity.apply(x)
    assert y is not x and y.grad_fn is not None
    y.sum().backward()
    assert_close(x.grad, ember.tensor([2.0], dtype=ember.float64))


def test_once_differentiable_refuses_double_backward():
    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = leaf(3.0)
    go = ember.ones(1, dtype=ember.float64, requires_grad=True)
    (g,) = grad(Sq.apply(x), x, go, create_graph=True)
    assert_close(g, ember.tensor([6.0], dtype=ember.float64))
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


def test_saved_tensors_freed_and_version_checked():
    x = leaf(1.0, 2.0)
    y = x * 1
    z = Exp.apply(y)
    z.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        z.grad_fn.ctx.saved_tensors
    w = x * 1
    v = _SaveInput.apply(w)
    w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        v.sum().backward()


class _SaveInput(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        (_x,) = ctx.saved_tensors
        return g * 2


def test_saved_outputs_make_no_cycle():
    x = leaf(1.0)
    gc.disable()
    try:
        y = Exp.apply(x)
        ref = weakref.ref(y)
        node = weakref.ref(y.grad_fn)
        del y
        assert ref() is None and node() is None
    finally:
        gc.enable()


def test_function_cannot_be_instantiated():
    with pytest.raises(RuntimeError, match="apply"):
        Exp()
