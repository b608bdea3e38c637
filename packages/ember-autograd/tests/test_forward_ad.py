"""Forward-mode AD: dual tensors through elementwise, reduction, shape and matmul ops."""

import numpy as np
import pytest

import ember
import ember.autograd.forward_ad as fwAD
from ember._ops import OPS
from ember.autograd import functional
from ember.testing import assert_close


def t(a):
    return ember.tensor(np.asarray(a, dtype=np.float64))


def jvp_of(fn, x, v):
    with fwAD.dual_level():
        y = fn(fwAD.make_dual(x, v))
        primal, tangent = fwAD.unpack_dual(y)
    return primal, tangent


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: (a * a).sin() + a.exp() / 3,
        lambda a: a.sum(1) * 2,
        lambda a: a.mean(0),
        lambda a: a.reshape(6).flip(0),
        lambda a: a.transpose(0, 1).tanh(),
        lambda a: ember.matmul(a, a.transpose(0, 1)),
        lambda a: a.amax(1),  # no forward rule: transposed reverse rule
        lambda a: ember.softmax(a, 1),
        lambda a: a.unbind(0)[1] * 3,
        lambda a: ember.relu(a - 0.1),
        lambda a: ember.log_softmax(a, 1),
        lambda a: OPS["linear"](a, a, a[0, :2]),  # input, weight and bias all carry tangents
        lambda a: OPS["linear"](t(np.ones((4, 3))), t(np.ones((2, 3))), a[0, :2]),  # bias only
    ],
)
def test_tangents_match_reverse_mode_jvp(fn, rng):
    x = t(rng.standard_normal((2, 3)))
    v = t(rng.standard_normal((2, 3)))
    primal, tangent = jvp_of(fn, x, v)
    assert_close(primal, fn(x))
    _, expected = functional.jvp(fn, x, v)
    assert_close(tangent, expected)


def test_plain_tensors_have_no_tangent():
    with fwAD.dual_level():
        _, tan = fwAD.unpack_dual(ember.ones(2))
    assert tan is None


def test_in_place_copy_carries_the_tangent():
    x, v = t([1.0, 2.0]), t([1.0, 1.0])
    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)
        buf = ember.zeros(2, dtype=ember.float64)
        buf.copy_(d * 3)
        assert_close(fwAD.unpack_dual(buf).tangent, t([3.0, 3.0]))


def test_errors():
    with pytest.raises(RuntimeError, match="no dual level is active"):
        fwAD.make_dual(t([1.0]), t([1.0]))
    with fwAD.dual_level():
        with pytest.raises(ValueError, match="different size"):
            fwAD.make_dual(t([1.0, 2.0]), t([1.0]))
        with pytest.raises(RuntimeError, match="Nested forward mode AD"):
            fwAD.enter_dual_level()


def test_tangents_end_with_the_level():
    with fwAD.dual_level():
        d = fwAD.make_dual(t([1.0]), t([1.0]))
    with fwAD.dual_level():
        assert fwAD.unpack_dual(d).tangent is None


def test_custom_function_jvp():
    class Double(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

        @staticmethod
        def jvp(ctx, tx):
            return tx * 2

    with fwAD.dual_level():
        y = Double.apply(fwAD.make_dual(t([1.0]), t([5.0])))
        assert_close(fwAD.unpack_dual(y).tangent, t([10.0]))
