"""Gradients of the composite functions of ember.special, and sinc's at 0."""

import ember
from ember.autograd import gradcheck, gradgradcheck


def _x(values):
    return ember.tensor(values, dtype=ember.float64, requires_grad=True)


def test_entr_and_ndtr_gradients():
    assert gradcheck(ember.special.entr, (_x([0.2, 0.7, 3.0]),))
    assert gradcheck(ember.special.ndtr, (_x([-5.0, -0.3, 0.0, 2.0]),))
    assert gradgradcheck(ember.special.ndtr, (_x([-1.0, 0.5]),))


def test_sinc_gradient_at_zero_is_zero():
    x = _x([0.0, 0.5])
    ember.sinc(x).sum().backward()
    assert x.grad.tolist()[0] == 0.0
    assert gradcheck(ember.sinc, (_x([1e-3, -0.25, 1.5]),))


def test_ldexp_and_polygamma_gradients():
    e = ember.tensor([1.0, -2.0, 3.0], dtype=ember.float64)
    assert gradcheck(lambda x: ember.ldexp(x, e), (_x([0.3, -1.2, 2.0]),))
    assert gradcheck(lambda x: ember.polygamma(2, x), (_x([0.7, 2.5, 9.0]),))
    assert gradcheck(lambda x: ember.special.log_ndtr(x), (_x([-40.0, -3.0, 2.0]),))
