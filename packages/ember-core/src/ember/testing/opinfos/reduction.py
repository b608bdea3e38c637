"""OpInfo rows for ``ember/_ops/reduction.py``."""

import numpy as np

from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput


def reduction_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(make(3, 4), 1)
    yield SampleInput(make(2, 3, 4), (0, 2), True)
    yield SampleInput(make(2, 3), dim=-1, keepdim=True)
    yield SampleInput(make())
    yield SampleInput(make(0, 3), 0)


def _np_reduce(fn):
    def ref(x, dim=None, keepdim=False, dtype=None):
        return fn(x, axis=dim, keepdims=keepdim)

    return ref


OpInfo("sum", _np_reduce(np.sum), reduction_samples, ALL_NUMERIC, grad_order=2, compare_dtype=False)
OpInfo("mean", _np_reduce(np.mean), reduction_samples, grad_order=2)
