"""gradcheck/gradgradcheck themselves, and anomaly detection."""

import math

import numpy as np
import pytest

import ember
from ember.autograd import (
    Function,
    GradcheckError,
    detect_anomaly,
    gradcheck,
    gradgradcheck,
    is_anomaly_enabled,
    set_detect_anomaly,
)


def leaf(*v, dtype=ember.float64):
    return ember.tensor(list(v), dtype=dtype, requires_grad=True)


class WrongGrad(Function):
    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, g):
        return g * 3  # should be 2x


def test_gradcheck_passes_and_fails_with_a_clear_message():
    x = leaf(0.5, 1.5)
    assert gradcheck(lambda t: (t * t).sin(), (x,))
    with pytest.raises(
        GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"
    ):
        gradcheck(WrongGrad.apply, (x,))
    assert gradcheck(WrongGrad.apply, (x,), raise_exception=False) is False


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (ember.ones(2, dtype=ember.float64),))


def test_gradcheck_complex_inputs_and_outputs():
    z = ember.tensor([1 + 2j, -0.5 + 0.3j], dtype=ember.complex128, requires_grad=True)
    assert gradcheck(lambda t: t * t, (z,))
    assert gradcheck(lambda t: (t * t.conj()).real, (z,))
    assert gradgradcheck(lambda t: t.exp(), (z,))


def test_view_as_real_takes_a_gradient_that_starts_mid_pair():
    # cat's gradient for the pairs is a slice starting at an odd offset, which no complex
    # view can start at; the rule copies it (PyTorch raises here).
    z = ember.tensor([1 + 2j, 3 - 1j], dtype=ember.complex128, requires_grad=True)
    a = ember.zeros(1, dtype=ember.float64, requires_grad=True)
    y = ember.cat([a, ember.view_as_real(z).flatten()])
    (y * ember.arange(5, dtype=ember.float64)).sum().backward()
    assert z.grad.tolist() == [1 + 2j, 3 + 4j]  # d/dre + i d/dim of a real loss
    assert gradcheck(lambda t: ember.cat([a.detach(), ember.view_as_real(t).flatten()]), (z,))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.detach() * 2  # detached: second derivative lost

    x = leaf(1.0, 2.0)
    assert gradcheck(Sq.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(Sq.apply, (x,))


def test_anomaly_mode_names_the_op_and_its_forward_call():
    x = leaf(0.0, 1.0)
    with detect_anomaly():
        assert is_anomaly_enabled()
        y = x.sqrt()  # d sqrt / dx at 0 is inf; times 0 below gives nan
        loss = (y * 0).sum()
        with (
            pytest.raises(RuntimeError, match=r"Function 'SqrtBackward0' returned nan") as e,
            np.errstate(all="ignore"),  # NumPy's own warning for 0 * inf
        ):
            loss.backward()
    assert "test_tools.py" in str(e.value)
    assert not is_anomaly_enabled()


def test_set_detect_anomaly_and_no_nan_check():
    with set_detect_anomaly(True, check_nan=False):
        x = leaf(0.0)
        with np.errstate(all="ignore"):
            (x.sqrt() * 0).sum().backward()  # no check: nan flows into .grad
        assert math.isnan(float(x.grad.item()))
    assert not is_anomaly_enabled()
