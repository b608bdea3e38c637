"""Derivatives of ``ember/_ops/indexing.py``: ``x[i]``, ``x[i] = v``, masks, take/put.

The gradient of ``x[index]`` adds the output's gradient back at ``index`` (repeated
indices add up); the core's own ``write_index`` does that for every kind of index,
inside two small linear functions that are each other's adjoint.
"""

from __future__ import annotations

from ember import dispatch as _dispatch
from ember._ops import OPS
from ember.autograd.function import Function
from ember.autograd.rules import NOT_DIFFERENTIABLE
from ember.autograd.rules._util import where, zeros, zeros_like

DERIVATIVES: dict = {}
JVPS: dict = {}


def _write_index():
    from ember._ops.indexing import write_index

    return write_index


class IndexAdd(Function):
    """Zeros of ``shape`` with ``grad`` added at ``index``: the adjoint of ``x[index]``."""

    @staticmethod
    def forward(ctx, grad, index, shape):
        ctx.index = index
        xp = grad._device.xp
        out = xp.zeros(tuple(shape), grad._data.dtype)
        _write_index()(xp, "getitem", out, index, grad._data, accumulate=True)
        return _dispatch.wrap(out, grad._device)

    @staticmethod
    def backward(ctx, gg):
        return OPS["getitem"](gg, ctx.index), None, None


class ZeroAt(Function):
    """``grad`` with zeros at ``index`` (a projection, its own adjoint)."""

    @staticmethod
    def forward(ctx, grad, index):
        ctx.index = index
        out = grad._data.copy()
        _write_index()(grad._device.xp, "setitem", out, index, 0)
        return _dispatch.wrap(out, grad._device)

    @staticmethod
    def backward(ctx, gg):
        return ZeroAt.apply(gg, ctx.index), None


def _getitem(grad, _out, _x, index):
    return (IndexAdd.apply(grad, index, tuple(_x.shape)),)


def _setitem(grad, _out, _x, index, _value):
    gv = None
    if hasattr(_value, "shape"):
        gv = OPS["getitem"](grad, index)
        if gv.ndim < _value.ndim:  # a value with extra leading 1s
            from ember.autograd.engine import sum_to

            lead = _value.ndim - gv.ndim
            gv = sum_to(gv, tuple(_value.shape[lead:])).reshape(_value.shape)
    return ZeroAt.apply(grad, index), None, gv


DERIVATIVES["getitem"] = _getitem
DERIVATIVES["setitem"] = _setitem
JVPS["getitem"] = lambda t, _out, _x, index: OPS["getitem"](t[0], index)


def _masked_fill(grad, _out, _x, mask, value):
    z = zeros_like(grad)
    gv = where(mask, grad, z).sum() if hasattr(value, "shape") else None
    return where(mask, z, grad), None, gv


def _masked_select(grad, _out, _x, mask):
    shape = _broadcast(tuple(_x.shape), tuple(mask.shape))
    full = zeros(shape, grad)
    m = mask.expand(shape) if tuple(mask.shape) != shape else mask
    return OPS["masked_scatter"](full, m, grad), None


def _broadcast(a, b):
    import numpy as np

    return tuple(np.broadcast_shapes(a, b))


def _masked_scatter(grad, _out, _x, mask, _source, needs_input_grad=(True, True, True)):
    z = zeros_like(grad)
    gx = where(mask, z, grad) if needs_input_grad[0] else None
    gs = None
    if needs_input_grad[2]:
        m = mask.expand(tuple(grad.shape)) if tuple(mask.shape) != tuple(grad.shape) else mask
        picked = OPS["masked_select"](grad, m)
        n = _source.numel()
        if picked.numel() < n:  # source items past the last True get no gradient
            picked = OPS["cat"]([picked, zeros((n - picked.numel(),), grad)], 0)
        gs = picked.reshape(_source.shape)
    return gx, None, gs


DERIVATIVES["masked_fill"] = _masked_fill
DERIVATIVES["masked_select"] = _masked_select
DERIVATIVES["masked_scatter"] = _masked_scatter


def _take(grad, _out, _x, index):
    flat = zeros((_x.numel(),), grad)
    return OPS["put"](flat, index, grad, accumulate=True).reshape(_x.shape), None


def _take_along_dim(grad, _out, _x, indices, dim=None):
    if dim is None or _x.ndim == 0:
        flat = zeros((_x.numel(),), grad)
        idx = indices.reshape(-1).remainder(max(_x.numel(), 1))  # negatives count from the end
        g = OPS["scatter_add"](flat, 0, idx, grad.reshape(-1))
        return g.reshape(_x.shape), None
    from ember._ops import wrap_dim

    d = wrap_dim(dim, _x.ndim)
    shape = list(grad.shape)
    shape[d] = _x.shape[d]
    idx = (
        indices.expand(tuple(grad.shape)) if tuple(indices.shape) != tuple(grad.shape) else indices
    )
    idx = idx.remainder(max(_x.shape[d], 1))
    return OPS["scatter_add"](zeros(shape, grad), d, idx, grad), None


def _put(grad, _out, _x, index, _source, accumulate=False, needs_input_grad=(True, True, True)):
    gx = gs = None
    if needs_input_grad[0]:
        gx = grad if accumulate else OPS["put"](grad, index, zeros(tuple(index.shape), grad))
    if needs_input_grad[2]:
        gs = OPS["take"](grad, index).reshape(_source.shape)
    return gx, None, gs


DERIVATIVES["take"] = _take
DERIVATIVES["take_along_dim"] = _take_along_dim
DERIVATIVES["put"] = _put
DERIVATIVES["nonzero"] = NOT_DIFFERENTIABLE
