"""Derivatives of ``ember/_ops/pooling.py``. The core declares each pooling's backward
as an op too; those are linear in the gradient, and their own rules are the
forward poolings (the adjoints), so pooling differentiates twice."""

from __future__ import annotations

import math

from ember._ops import OPS

DERIVATIVES: dict = {}


def _max_pool(grad, out, _input, *_args):
    g = grad[0]
    if g is None:
        return (None,)
    return (OPS["max_pool_backward"](g, out[1], tuple(_input.shape)),)


def gather_planes(g, indices):
    """``g`` ``(N, C, *size)`` read at the flat per-plane ``indices`` ``(N, C, *out)``."""
    n, c = indices.shape[0], indices.shape[1]
    flat = g.reshape(n, c, math.prod(g.shape[2:]))
    idx = indices.reshape(n, c, math.prod(indices.shape[2:]))
    return OPS["gather"](flat, 2, idx).reshape(indices.shape)


def _max_pool_backward(grad, _out, _g, indices, _input_shape):
    return gather_planes(grad, indices), None, None


def _avg_pool(
    grad,
    _out,
    _input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    g = OPS["avg_pool_backward"](
        grad,
        tuple(_input.shape),
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )
    return (g,)


def _avg_pool_backward(
    grad,
    _out,
    _g,
    _input_shape,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    g = OPS["avg_pool"](
        grad, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )
    return (g,)


def _max_unpool(grad, _out, _input, indices, _output_size):
    return gather_planes(grad, indices), None, None


DERIVATIVES["max_pool"] = _max_pool
DERIVATIVES["max_pool_backward"] = _max_pool_backward
DERIVATIVES["avg_pool"] = _avg_pool
DERIVATIVES["avg_pool_backward"] = _avg_pool_backward
DERIVATIVES["max_unpool"] = _max_unpool
