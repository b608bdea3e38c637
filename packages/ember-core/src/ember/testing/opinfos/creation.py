"""OpInfo rows for the ops of ``ember/_ops/creation.py`` and the in-place fills of
``ember/_ops/memory.py`` (``fill_``, ``zero_``)."""

import numpy as np

from ember.testing.opinfo import ALL_NUMERIC, FLOATING, OpInfo, SampleInput


def _pair_samples(make):
    yield SampleInput(make(3, 4), make(3, 4))
    yield SampleInput(make(2, 1, 4), make(3, 1))  # broadcasting both ways
    yield SampleInput(make(5), make())  # with a 0-d tensor
    yield SampleInput(make(), make())
    yield SampleInput(make(0, 3), make(3))  # empty


def _complex_ref(re, im):
    out = np.empty(np.broadcast_shapes(re.shape, im.shape), dtype=(re + 1j * im).dtype)
    out.real, out.imag = re, im
    return out


def _polar_ref(r, theta):
    return _complex_ref(r * np.cos(theta), r * np.sin(theta))


def _polar_samples(make):
    yield SampleInput(make(3, 4, low=0), make(3, 4))
    yield SampleInput(make(2, 1, low=0), make(3))
    yield SampleInput(make(low=0), make(0, 2))


def _heaviside_ref(x, values):
    return np.where(x == 0, values, (x > 0).astype(x.dtype))


def _heaviside_samples(make):
    yield from _pair_samples(make)
    yield SampleInput(make(3, 4).zero_(), make(4))  # every input zero: values everywhere


def _fill_samples(make):
    yield SampleInput(make(3, 4), 2)
    yield SampleInput(make(3, 4), make())  # a 0-d tensor value
    yield SampleInput(make(), 7)
    yield SampleInput(make(0, 2), 1)


OpInfo("complex", _complex_ref, _pair_samples, FLOATING, grad_order=1)
OpInfo("polar", _polar_ref, _polar_samples, FLOATING, grad_order=1)
OpInfo(
    "heaviside",
    _heaviside_ref,
    _heaviside_samples,
    ALL_NUMERIC,
    grad_order=0,
)
OpInfo(
    "fill_",
    lambda x, value: np.full_like(x, value),
    _fill_samples,
    ALL_NUMERIC,
    grad_order=1,
    torch=lambda torch, x, value: x.clone().fill_(value),
)
OpInfo(
    "zero_",
    np.zeros_like,
    lambda make: [SampleInput(make(3, 4)), SampleInput(make()), SampleInput(make(0, 5))],
    ALL_NUMERIC,
    grad_order=1,
    torch=lambda torch, x: x.clone().zero_(),
)
