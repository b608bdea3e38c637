"""Comparisons, closeness, logical and bitwise ops, predicates (``ember/_ops/logical.py``)."""

import math

import pytest

import ember


def t(values, dtype=None):
    return ember.tensor(values, dtype=dtype)


def test_comparisons_promote_and_give_bool():
    i = t([5, -7, 3])
    assert (i == 5.0).dtype is ember.bool
    assert (i < 2.5).tolist() == [False, True, False]
    assert ember.greater_equal(i, t([1.5, -2.0, 3.0])).tolist() == [True, False, True]
    assert (t([1 + 1j]) == t([1 + 1j])).tolist() == [True]


@pytest.mark.parametrize("name", ["lt", "le", "gt", "ge"])
def test_ordered_comparisons_refuse_complex(name):
    with pytest.raises(TypeError, match=rf"^{name}: complex tensors have no order"):
        getattr(ember, name)(t([1j]), t([1j]))


def test_bfloat16_comparisons_with_nan_are_silent():
    x = t([math.nan, 1.0], ember.bfloat16)
    assert (x < 2).tolist() == [False, True]


def test_isclose():
    assert ember.isclose(t([1.0, math.inf]), t([1.0 + 1e-9, math.inf])).tolist() == [True, True]
    nan = t([math.nan])
    assert ember.isclose(nan, nan).tolist() == [False]
    assert ember.isclose(nan, nan, equal_nan=True).tolist() == [True]
    u = ember.isclose(t([1, 2], ember.uint8), t([2, 1], ember.uint8), rtol=0, atol=1)
    assert u.tolist() == [True, True]  # no unsigned wrap-around
    assert ember.isclose(t([1, 2]), t([1.0, 2.5])).tolist() == [True, False]


def test_isclose_refuses_negative_tolerances():
    with pytest.raises(ValueError, match=r"^isclose: rtol must be greater than or equal to zero"):
        ember.isclose(t([1.0]), t([1.0]), rtol=-1)
    with pytest.raises(ValueError, match=r"^allclose: atol must be greater than or equal to zero"):
        ember.allclose(t([1.0]), t([1.0]), atol=-1)


def test_allclose_and_equal_return_python_bools():
    a = t([1.0, 2.0])
    assert ember.allclose(a, a + 1e-9) is True
    assert ember.allclose(a, a + 1) is False
    assert ember.equal(a, t([1.0, 2.0])) is True
    assert ember.equal(a, t([1, 2])) is True  # values are compared across dtypes
    assert ember.equal(a, t([1.0])) is False
    assert ember.equal(t([math.nan]), t([math.nan])) is False
    with pytest.raises(TypeError, match=r"^equal: expected other to be a tensor"):
        ember.equal(a, 1.0)


def test_logical_ops_read_truth_values_of_any_dtype():
    assert ember.logical_and(t([1, 0, 2]), t([0.5, 1.0, 0.0])).tolist() == [True, False, False]
    assert ember.logical_xor(t([1j, 0j]), t([1, 1])).tolist() == [False, True]
    assert ember.logical_not(t([3, 0])).tolist() == [False, True]
    x = t([1.0, 0.0])
    x.logical_or_(t([0.0, 2.0]))
    assert x.dtype is ember.float32 and x.tolist() == [1.0, 1.0]


def test_bitwise_ops_take_integers_and_bools():
    i = t([5, -7, 3])
    assert (i & 3).tolist() == [1, 1, 3]
    assert (i | t([True, False, True])).tolist() == [5, -7, 3]
    assert (t([True, False]) ^ t([True, True])).dtype is ember.bool
    assert (~t([True, False])).tolist() == [False, True]
    assert (~t([200, 3], ember.uint8)).tolist() == [55, 252]
    with pytest.raises(TypeError, match=r"^bitwise_and: expected integer or bool tensors"):
        t([1.0]) & t([1.0])
    with pytest.raises(TypeError, match=r"^bitwise_not: expected integer or bool tensors"):
        ~t([1.0])


def test_shifts_follow_pytorch_past_the_bit_width():
    i = t([5, -7, 3])
    assert (i << 2).tolist() == [20, -28, 12]
    assert (i >> 1).tolist() == [2, -4, 1]
    assert ember.bitwise_left_shift(i, 70).tolist() == [0, 0, 0]
    assert ember.bitwise_right_shift(i, 70).tolist() == [0, -1, 0]
    assert ember.bitwise_left_shift(i, -1).tolist() == [0, 0, 0]
    assert (t([200, 3], ember.uint8) << 1).tolist() == [144, 6]
    assert (t(5, ember.int8) << t(7)).dtype is ember.int64  # two 0-d tensors promote
    with pytest.raises(TypeError, match=r"^bitwise_left_shift: expected integer tensors"):
        t([True]) << t([True])


def test_predicates():
    x = t([math.nan, math.inf, -math.inf, -0.0, 1.0])
    assert ember.isnan(x).tolist() == [True, False, False, False, False]
    assert ember.isinf(x).tolist() == [False, True, True, False, False]
    assert ember.isposinf(x).tolist() == [False, True, False, False, False]
    assert ember.isneginf(x).tolist() == [False, False, True, False, False]
    assert ember.isfinite(x).tolist() == [False, False, False, True, True]
    assert ember.signbit(x).tolist() == [False, False, True, True, False]
    assert ember.signbit(t([-2, 0, 3])).tolist() == [True, False, False]
    assert ember.isreal(t([1 + 0j, 1j])).tolist() == [True, False]
    assert ember.isreal(t([math.nan])).tolist() == [True]
    assert ember.isinf(t([complex(math.inf, 0)])).tolist() == [True]


@pytest.mark.parametrize("name", ["isposinf", "isneginf", "signbit"])
def test_sign_predicates_refuse_complex(name):
    with pytest.raises(TypeError, match=rf"^{name}: complex tensors are not supported"):
        getattr(ember, name)(t([1j]))
