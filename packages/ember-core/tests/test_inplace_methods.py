"""``Tensor.op_()`` for the ops with an in-place kernel (``Op.into``): the direct write
gives what the out-of-place op gives, bumps the version counter, writes through views,
and leaves promotion, broadcasting and errors to the dispatcher."""

import numpy as np
import pytest

import ember

RNG = np.random.default_rng(0)


def _pair(shape, other_shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype), RNG.standard_normal(other_shape).astype(dtype)


CASES = [
    ("add", {}, lambda a, b: a + b),
    ("add", {"alpha": -0.5}, lambda a, b: a + np.float32(-0.5) * b),
    ("sub", {}, lambda a, b: a - b),
    ("sub", {"alpha": 3}, lambda a, b: a - np.float32(3) * b),
    ("mul", {}, lambda a, b: a * b),
    ("div", {}, lambda a, b: a / b),
]


@pytest.mark.parametrize(("name", "kwargs", "ref"), CASES)
@pytest.mark.parametrize("other_shape", [(3, 4), (4,), (1, 4), ()])
def test_matches_numpy_and_bumps_version(name, kwargs, ref, other_shape):
    a, b = _pair((3, 4), other_shape)
    t = ember.tensor(a)
    data = t.numpy()
    out = getattr(t, name + "_")(ember.tensor(b), **kwargs)
    assert out is t and t._version == 1
    assert t.numpy() is data or np.shares_memory(t.numpy(), data)  # same storage
    np.testing.assert_allclose(t.numpy(), ref(a, b), rtol=1e-6)


@pytest.mark.parametrize(("name", "kwargs", "ref"), CASES)
def test_python_number_operand_keeps_dtype(name, kwargs, ref):
    a = RNG.standard_normal(5).astype(np.float64)
    t = ember.tensor(a)
    getattr(t, name + "_")(2.5, **kwargs)
    assert t.dtype is ember.float64
    np.testing.assert_allclose(t.numpy(), ref(a, 2.5))


def test_operator_form_and_non_contiguous_target_write_through_the_base():
    base = ember.zeros(4, 6)
    view = base[:, ::2]  # a strided view
    view += ember.ones(4, 3)
    view.mul_(3.0)
    expected = np.zeros((4, 6), np.float32)
    expected[:, ::2] = 3.0
    np.testing.assert_array_equal(base.numpy(), expected)
    assert base._version == 2 and view._version == 2


def test_aliasing_operand_reads_before_it_is_overwritten():
    t = ember.arange(6.0)
    t.add_(t.flip(0))  # every element reads a value another one overwrites
    np.testing.assert_array_equal(t.numpy(), np.full(6, 5.0, np.float32))


def test_promotion_and_broadcast_errors_still_come_from_the_dispatcher():
    t = ember.ones(3)
    with pytest.raises(RuntimeError, match="add_: result type float32 can't be cast to the"):
        ember.ones(3, dtype=ember.int64).add_(1.5)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        t.add_(ember.ones(2, 3))
    t.add_(ember.ones(3, dtype=ember.float64))  # a wider operand: computed, then cast back
    assert t.dtype is ember.float32 and t.tolist() == [2.0, 2.0, 2.0]
    assert t._version == 1  # the failed calls wrote nothing


def test_rounding_division_and_integer_targets_take_the_general_path():
    t = ember.tensor([7.0, -7.0])
    t.div_(2.0, rounding_mode="floor")
    assert t.tolist() == [3.0, -4.0]
    i = ember.tensor([7, -7])
    i.add_(ember.tensor([1, 1]), alpha=2)
    assert i.tolist() == [9, -5] and i.dtype is ember.int64
    with pytest.raises(TypeError, match="alpha must be an integer"):
        i.add_(ember.tensor([1, 1]), alpha=0.5)


@pytest.mark.parametrize(
    "write",
    [
        lambda t: t.add_(1.0),
        lambda t: t.mul_(ember.ones(2, 3)),
        lambda t: t.copy_(ember.ones(2, 3)),
        lambda t: t.uniform_(),
    ],
)
def test_writes_into_an_expanded_view_are_refused(write):
    # several elements share one location: PyTorch refuses, the result would depend on order
    base = ember.zeros(3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        write(base.expand(2, 3))
    assert base.tolist() == [0.0, 0.0, 0.0] and base._version == 0
    single = ember.zeros(1).expand(1, 1)  # a stride-0 dim of size 1 is no overlap
    single.add_(1.0)
    assert single.tolist() == [[1.0]]
    empty = ember.zeros(0, 3)  # NumPy gives empty arrays zero strides: nothing overlaps
    empty.add_(1.0).copy_(ember.ones(0, 3)).uniform_()


@pytest.mark.parametrize("index", [(Ellipsis,), (slice(None),), (slice(None), 0)])
def test_index_assignment_into_an_overlapping_slice_is_refused(index):
    base = ember.zeros(3)
    with pytest.raises(RuntimeError, match="setitem: unsupported operation: more than one"):
        base.expand(2, 3)[index] = 5.0
    assert base.tolist() == [0.0, 0.0, 0.0]


def test_index_assignment_into_a_slice_without_overlap_is_allowed():
    # as in PyTorch: the row of an expanded tensor, or one element, is a plain target
    base = ember.zeros(3)
    view = base.expand(2, 3)
    view[0] = ember.ones(3)
    assert base.tolist() == [1.0, 1.0, 1.0]
    view[1, 2] = 4.0
    assert base.tolist() == [1.0, 1.0, 4.0]


def test_filling_an_expanded_view_is_allowed():
    # every element gets the same value, so order does not matter (PyTorch allows it too)
    base = ember.zeros(3)
    base.expand(2, 3).fill_(2.0)
    assert base.tolist() == [2.0, 2.0, 2.0]
    base.expand(2, 3).zero_()
    assert base.tolist() == [0.0, 0.0, 0.0]
