"""OpInfo rows for ``ember/_ops/elementwise.py``."""

import numpy as np

from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput


def binary_samples(make):
    yield SampleInput(make(3, 4), make(3, 4))
    yield SampleInput(make(2, 1, 4), make(3, 1))  # broadcasting both ways
    yield SampleInput(make(5), make())  # with a 0-d tensor
    yield SampleInput(make(0, 3), make(3))  # empty
    yield SampleInput(make(2, 3), 2)  # with a Python scalar


def unary_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(make())
    yield SampleInput(make(0, 2))


OpInfo("add", np.add, binary_samples, ALL_NUMERIC, grad_order=2)
OpInfo("sub", np.subtract, binary_samples, ALL_NUMERIC, grad_order=2)
OpInfo("mul", np.multiply, binary_samples, ALL_NUMERIC, grad_order=2)
OpInfo(
    "div",
    np.true_divide,
    lambda make: binary_samples(lambda *s: make(*s, exclude_zero=True)),
    grad_order=2,
)
OpInfo("neg", np.negative, unary_samples, ALL_NUMERIC, grad_order=2)
OpInfo("positive", np.positive, unary_samples, ALL_NUMERIC, grad_order=2)
OpInfo("exp", np.exp, lambda make: unary_samples(lambda *s: make(*s, low=-3, high=3)), grad_order=2)
for _name, _ref in [
    ("eq", np.equal),
    ("ne", np.not_equal),
    ("lt", np.less),
    ("le", np.less_equal),
    ("gt", np.greater),
    ("ge", np.greater_equal),
]:
    OpInfo(_name, _ref, binary_samples, ALL_NUMERIC, grad_order=0)
