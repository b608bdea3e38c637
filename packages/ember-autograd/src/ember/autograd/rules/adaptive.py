"""Derivatives of ``ember/_ops/adaptive.py``: adaptive average and max pooling."""

from __future__ import annotations

from ember._ops import OPS

DERIVATIVES: dict = {}


def _adaptive_avg_pool(grad, _out, _input, _output_size):
    return (OPS["adaptive_avg_pool_backward"](grad, tuple(_input.shape)),)


def _adaptive_avg_pool_backward(grad, _out, _g, _input_shape):
    return (OPS["adaptive_avg_pool"](grad, tuple(_g.shape[2:])),)


def _adaptive_max_pool(grad, out, _input, _output_size):
    g = grad[0]
    if g is None:
        return (None,)
    return (OPS["max_pool_backward"](g, out[1], tuple(_input.shape)),)


DERIVATIVES["adaptive_avg_pool"] = _adaptive_avg_pool
DERIVATIVES["adaptive_avg_pool_backward"] = _adaptive_avg_pool_backward
DERIVATIVES["adaptive_max_pool"] = _adaptive_max_pool
