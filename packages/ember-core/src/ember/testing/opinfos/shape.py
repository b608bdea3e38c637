"""OpInfo rows for ``ember/_ops/shape.py``."""

import numpy as np

from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput


def _reshape_samples(make):
    yield SampleInput(make(3, 4), 2, 6)
    yield SampleInput(make(3, 4), (-1,))
    yield SampleInput(make(2, 3, 4), 4, -1)
    yield SampleInput(make(), (1, 1))


OpInfo("reshape", lambda x, *s: x.reshape(*s), _reshape_samples, ALL_NUMERIC, grad_order=2)
OpInfo(
    "transpose",
    np.swapaxes,
    lambda make: [SampleInput(make(2, 3, 4), 0, -1)],
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo(
    "unbind",
    lambda x, dim=0: tuple(np.moveaxis(x, dim, 0)),
    lambda make: [SampleInput(make(2, 3), 1), SampleInput(make(3, 2))],
    ALL_NUMERIC,
    grad_order=2,
)
