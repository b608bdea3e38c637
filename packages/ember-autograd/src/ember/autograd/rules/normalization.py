"""Derivatives of ``ember/_ops/normalization.py``: batch, layer, group and RMS norms.

Each rule recomputes the normalized input from the saved input in ember ops and
applies the usual closed form; that keeps the graph small and the rule twice
differentiable.
"""

from __future__ import annotations

import numpy as np

DERIVATIVES: dict = {}


def _xhat_grad(gxhat, xhat, invstd, axes):
    """The gradient through ``xhat = (x - mean) * invstd`` with statistics over ``axes``."""
    if not xhat.numel():
        return gxhat
    m1 = gxhat.mean(axes, keepdim=True)
    m2 = (gxhat * xhat).mean(axes, keepdim=True)
    return (gxhat - m1 - xhat * m2) * invstd


def _stats(x, axes, eps):
    if not x.numel():  # nothing to normalize: no statistics, no gradient
        return x, x
    mean = x.mean(axes, keepdim=True)
    centered = x - mean
    invstd = ((centered * centered).mean(axes, keepdim=True) + eps).rsqrt()
    return centered * invstd, invstd


def _batch_norm(
    grad,
    _out,
    input,
    _running_mean,
    _running_var,
    weight=None,
    bias=None,
    training=False,
    momentum=0.1,
    eps=1e-5,
    needs_input_grad=(True,) * 5,
):
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training:
        xhat, invstd = _stats(input, axes, eps)
    else:
        invstd = (_running_var + eps).rsqrt().reshape(shape)
        xhat = (input - _running_mean.reshape(shape)) * invstd
    gxhat = grad if weight is None else grad * weight.reshape(shape)
    gx = gm = gv = None
    if needs_input_grad[0]:
        gx = _xhat_grad(gxhat, xhat, invstd, axes) if training else gxhat * invstd
    if not training and needs_input_grad[1]:  # eval: the output reads the running stats
        gm = -(gxhat * invstd).sum(axes)
    if not training and needs_input_grad[2]:
        gv = (gxhat * xhat * invstd * invstd * -0.5).sum(axes)
    gw = (grad * xhat).sum(axes) if weight is not None and needs_input_grad[3] else None
    gb = grad.sum(axes) if bias is not None and needs_input_grad[4] else None
    return gx, gm, gv, gw, gb


def _trailing(input, normalized_shape):
    n = 1 if isinstance(normalized_shape, int) else len(tuple(normalized_shape))
    return tuple(range(input.ndim - n, input.ndim)), tuple(range(input.ndim - n))


def _layer_norm(
    grad,
    _out,
    input,
    normalized_shape,
    weight=None,
    bias=None,
    eps=1e-5,
    needs_input_grad=(True,) * 4,
):
    axes, lead = _trailing(input, normalized_shape)
    xhat, invstd = _stats(input, axes, eps)
    gxhat = grad if weight is None else grad * weight
    gx = _xhat_grad(gxhat, xhat, invstd, axes) if needs_input_grad[0] else None
    gw = (grad * xhat).sum(lead) if weight is not None and needs_input_grad[2] else None
    gb = grad.sum(lead) if bias is not None and needs_input_grad[3] else None
    return gx, None, gw, gb


def _group_norm(
    grad, _out, input, num_groups, weight=None, bias=None, eps=1e-5, needs_input_grad=(True,) * 4
):
    n, c = input.shape[0], input.shape[1]
    grouped = input.reshape(n, num_groups, -1)
    xhat, invstd = _stats(grouped, (2,), eps)
    xhat_full = xhat.reshape(input.shape)
    shape = (1, c) + (1,) * (input.ndim - 2)
    gxhat = grad if weight is None else grad * weight.reshape(shape)
    gx = None
    if needs_input_grad[0]:
        gx = _xhat_grad(gxhat.reshape(n, num_groups, -1), xhat, invstd, (2,)).reshape(input.shape)
    axes = (0,) + tuple(range(2, input.ndim))
    gw = (grad * xhat_full).sum(axes) if weight is not None and needs_input_grad[2] else None
    gb = grad.sum(axes) if bias is not None and needs_input_grad[3] else None
    return gx, None, gw, gb


def _rms_norm(
    grad, _out, input, normalized_shape, weight=None, eps=None, needs_input_grad=(True,) * 3
):
    axes, lead = _trailing(input, normalized_shape)
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    r = ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    gy = grad if weight is None else grad * weight
    gx = None
    if needs_input_grad[0]:
        gx = r * (gy - input * (r * r) * (gy * input).mean(axes, keepdim=True))
    gw = (grad * input * r).sum(lead) if weight is not None and needs_input_grad[2] else None
    return gx, None, gw


DERIVATIVES["batch_norm"] = _batch_norm
DERIVATIVES["layer_norm"] = _layer_norm
DERIVATIVES["group_norm"] = _group_norm
DERIVATIVES["rms_norm"] = _rms_norm
