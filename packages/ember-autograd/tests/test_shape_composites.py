"""Gradients of the shape composites (functions built from ops, without OpInfo rows),
and of as_strided's input-overlap limit."""

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck


def _leaf(*shape, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape)
    return ember.tensor(data, dtype=ember.float64, requires_grad=True)


CASES = {
    "hsplit": (lambda x: ember.hsplit(x, [1, 3]), [(3, 4)]),
    "vsplit": (lambda x: ember.vsplit(x, 3), [(3, 2)]),
    "dsplit": (lambda x: x.dsplit([1]), [(2, 2, 3)]),
    "block_diag": (lambda a, b, c: ember.block_diag(a, b, c), [(), (3,), (2, 2)]),
    "cartesian_prod": (lambda a, b: ember.cartesian_prod(a, b), [(3,), (2,)]),
    "combinations": (lambda x: ember.combinations(x, 2), [(4,)]),
    "combinations_with_replacement": (lambda x: ember.combinations(x, 3, True), [(3,)]),
    "vander": (lambda x: ember.vander(x), [(4,)]),
    "vander_increasing": (lambda x: ember.vander(x, 3, increasing=True), [(3,)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_composite_gradients(name):
    fn, shapes = CASES[name]
    leaves = tuple(_leaf(*s, seed=i) for i, s in enumerate(shapes))
    assert gradcheck(fn, leaves)
    assert gradgradcheck(fn, leaves)


def test_vander_gradient_at_zero_is_finite():
    x = ember.tensor([0.0, 2.0], dtype=ember.float64, requires_grad=True)
    ember.vander(x, 4).sum().backward()
    # d/dx (1 + x + x^2 + x^3) = 1 + 2x + 3x^2
    assert x.grad.tolist() == [1.0, 17.0]


def test_as_strided_of_a_view_sends_gradients_to_the_view():
    base = _leaf(4, 3)
    fn = lambda b: b.t().as_strided((2, 2), (3, 1), 1)
    assert gradcheck(fn, (base,))
    fn(base).sum().backward()
    expected = np.zeros((4, 3))
    expected[0, 1:] = expected[1, 1:] = 1.0  # storage items 1, 2, 4, 5
    np.testing.assert_array_equal(base.grad.numpy(), expected)


def test_as_strided_overlapping_output_sums_gradients():
    x = _leaf(5)
    x.as_strided((3, 3), (1, 1)).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0, 2.0, 1.0]


def test_as_strided_of_an_overlapping_input_has_no_derivative():
    x = _leaf(3)
    y = x.expand(2, 3).as_strided((2,), (1,))
    with pytest.raises(NotImplementedError, match=r"as_strided: .*overlap in memory"):
        y.sum().backward()


def test_scatter_views_send_gradients_to_both_inputs():
    x, src = _leaf(3, 4), _leaf(3, seed=1)
    out = ember.diagonal_scatter(x, src, 1)
    out.backward(ember.ones(3, 4, dtype=ember.float64))
    assert src.grad.tolist() == [1.0, 1.0, 1.0]
    assert x.grad.sum().item() == 9.0 and x.grad.diagonal(1).tolist() == [0.0] * 3
