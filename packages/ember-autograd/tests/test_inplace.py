"""In-place ops in the graph: version counters, leaves, non-leaves and views."""

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.autograd import grad
from ember.testing import assert_close

needs_setitem = pytest.mark.skipif("setitem" not in OPS, reason="the core has no setitem op yet")


def leaf(values, dtype=ember.float64):
    return ember.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=True)


def test_modifying_a_saved_tensor_is_caught_at_backward():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y * y  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as e:
        z.sum().backward()
    assert "MulBackward0" in str(e.value) and "version 1; expected version 0" in str(e.value)


def test_modifying_a_saved_output_is_caught():
    x = leaf([1.0, 2.0])
    y = x.exp()  # exp's rule reads its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="output 0 of ExpBackward0"):
        y.sum().backward()


def test_modifying_a_tensor_whose_value_is_not_needed_is_fine():
    x = leaf([1.0, 2.0])
    a = x * 2
    b = a + 1  # add needs no values
    a.mul_(3)
    b.sum().backward()
    assert_close(x.grad, ember.tensor([2.0, 2.0], dtype=ember.float64))


def test_in_place_on_a_leaf_that_requires_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.add_(1)


def test_in_place_on_a_leaf_under_no_grad_is_allowed():
    x = leaf([1.0, 2.0])
    with ember.autograd.no_grad():
        x.mul_(2)
    assert x.is_leaf and x.requires_grad
    assert_close(x.detach(), ember.tensor([2.0, 4.0], dtype=ember.float64))


def test_in_place_update_of_a_leaf_under_no_grad_records_nothing():
    # the optimizers' update: written straight into the parameter, nothing recorded
    p = leaf([1.0, 2.0])
    g = ember.tensor([0.5, 0.5], dtype=ember.float64)
    with ember.autograd.no_grad():
        p.add_(g, alpha=-2.0)
        p.sub_(1.0)
    assert p.grad_fn is None and p.is_leaf and p._version == 2
    assert_close(p.detach(), ember.tensor([-1.0, 0.0], dtype=ember.float64))
    (p * p).sum().backward()  # still a leaf of new graphs
    assert_close(p.grad, 2 * p.detach())


def test_in_place_add_of_an_operand_that_requires_grad_joins_the_graph():
    x = leaf([1.0, 2.0])
    buf = ember.zeros(2, dtype=ember.float64)
    buf.add_(x, alpha=3.0)  # buf itself does not require grad; x does
    assert buf.requires_grad and buf.grad_fn is not None
    buf.sum().backward()
    assert_close(x.grad, ember.tensor([3.0, 3.0], dtype=ember.float64))


def test_in_place_arithmetic_on_a_non_leaf():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y.mul_(x)  # y = 2x^2: mul saves y only for other's gradient, and reads x
    y.add_(x)  # y = 2x^2 + x
    y.div_(2)
    y.sum().backward()
    assert_close(x.grad, 2 * x.detach() + 0.5)
    assert y.grad_fn.name() == "CopyBackward0"


def test_in_place_that_needs_the_old_value_is_caught():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y.mul_(y)  # needs the old y for both gradients, as in PyTorch
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_in_place_operators():
    x = leaf([1.0, 2.0])
    y = x * 1
    y += x
    y *= 3
    y.sum().backward()
    assert_close(x.grad, ember.tensor([6.0, 6.0], dtype=ember.float64))


def test_copy_into_a_buffer_makes_it_part_of_the_graph():
    x = leaf([1.0, 2.0, 3.0])
    buf = ember.zeros(3, dtype=ember.float64)
    buf.copy_(x * x)
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    assert_close(x.grad, 2 * x.detach())


def test_in_place_through_a_view_updates_the_base_history():
    x = leaf(np.arange(6.0).reshape(2, 3))
    y = x * 1
    col = y.transpose(0, 1).narrow(0, 1, 1)  # y[:, 1] as a (1, 2) view
    col.mul_(10)
    assert y.grad_fn.name() == "CopySlices"
    y.sum().backward()
    expected = np.ones((2, 3))
    expected[:, 1] = 10
    assert_close(x.grad, ember.tensor(expected))


def test_copy_into_a_view_routes_gradients_to_both_sides():
    x = leaf(np.arange(6.0).reshape(2, 3))
    w = leaf([5.0, 7.0])
    y = x * 1
    view = y.narrow(1, 0, 1).reshape(2)  # y[:, 0]
    view.copy_(w * w)
    (y * y).sum().backward()
    ex = 2 * np.arange(6.0).reshape(2, 3)
    ex[:, 0] = 0  # overwritten: no gradient to x there
    assert_close(x.grad, ember.tensor(ex))
    assert_close(w.grad, ember.tensor(4 * np.array([5.0, 7.0]) ** 3))


def test_the_view_itself_follows_its_base_after_the_write():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    y = x * 1
    v = y.narrow(0, 1, 2)
    v.mul_(3)
    assert v.grad_fn.name() == "AsStridedBackward0"
    (gx,) = grad(v.sum(), x)
    assert_close(gx, ember.tensor([0.0, 3.0, 3.0, 0.0], dtype=ember.float64))


def test_view_of_a_leaf_cannot_be_written():
    x = leaf([1.0, 2.0])
    v = x.narrow(0, 0, 1)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        v.mul_(2)


def test_double_backward_through_an_in_place_view_write():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    v = y.narrow(0, 0, 2)
    v.mul_(x.narrow(0, 0, 2))  # y[:2] = x^3
    (g,) = grad(y.sum(), x, create_graph=True)
    assert_close(g, ember.tensor([3.0, 12.0, 6.0], dtype=ember.float64))
    (g2,) = grad(g.sum(), x)
    assert_close(g2, ember.tensor([6.0, 12.0, 2.0], dtype=ember.float64))


def test_in_place_write_into_a_strided_base():
    base = ember.tensor(np.arange(24.0).reshape(4, 6), dtype=ember.float64)
    x = ember.dispatch.wrap(base._data[:, ::2], base.device).requires_grad_()  # strided leaf
    y = x * 1
    y.transpose(0, 1).narrow(0, 0, 1).mul_(5)
    y.sum().backward()
    expected = np.ones((4, 3))
    expected[:, 0] = 5
    assert_close(x.grad, ember.tensor(expected))


@needs_setitem
def test_setitem_on_a_non_leaf():
    x = leaf(np.arange(6.0).reshape(2, 3))
    z = leaf([10.0, 20.0])
    y = x * 1
    y[:, 0] = z * 2
    y.sum().backward()
    ex = np.ones((2, 3))
    ex[:, 0] = 0
    assert_close(x.grad, ember.tensor(ex))
    assert_close(z.grad, ember.tensor([2.0, 2.0], dtype=ember.float64))


@needs_setitem
def test_setitem_on_a_buffer():
    z = leaf([1.0, 2.0])
    out = ember.zeros(2, 2, dtype=ember.float64)
    out[0] = z
    out[1] = z * z
    out.sum().backward()
    assert_close(z.grad, ember.tensor([3.0, 5.0], dtype=ember.float64))


def test_fill_and_zero_cut_the_old_history():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.zero_()
    (y + x).sum().backward()
    assert_close(x.grad, ember.tensor([1.0, 1.0], dtype=ember.float64))


def test_version_counter_is_shared_with_views():
    x = ember.ones(4)
    v = x.narrow(0, 0, 2)
    before = x._version
    v.mul_(2)
    assert x._version == v._version == before + 1
