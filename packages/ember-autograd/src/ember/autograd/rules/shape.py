"""Derivatives of ``ember/_ops/shape.py``: views. Each rule is the inverse rearrangement.

``expand`` needs no work at all: its rule passes the gradient through and the
engine sums it back to the input's shape, as it does for every broadcast.
"""

from __future__ import annotations

import ember
from ember import dispatch as _dispatch
from ember._ops import wrap_dim
from ember._ops.shape import storage_span
from ember.autograd.rules import NOT_DIFFERENTIABLE
from ember.autograd.rules._util import linear, zeros

DERIVATIVES: dict = {}
JVPS: dict = {}


def _back_to_shape(grad, _out, _x, *_args, **_kwargs):
    return (grad.reshape(_x.shape),)


for _name in ("reshape", "view", "flatten", "unflatten", "ravel", "squeeze", "unsqueeze"):
    DERIVATIVES[_name] = _back_to_shape


def _permute(grad, _out, _x, *dims):
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = tuple(dims[0])
    n = len(dims)
    inverse = [0] * n
    for i, d in enumerate(dims):
        inverse[wrap_dim(d, n)] = i
    return (grad.permute(*inverse),)


DERIVATIVES["permute"] = _permute
DERIVATIVES["transpose"] = lambda grad, _out, _x, dim0, dim1: (grad.transpose(dim0, dim1),)
DERIVATIVES["t"] = lambda grad, _out, _x: (grad.t(),)
DERIVATIVES["movedim"] = lambda grad, _out, _x, source, destination: (
    grad.movedim(destination, source),
)
DERIVATIVES["expand"] = lambda grad, _out, _x, *_sizes: (grad,)
DERIVATIVES["view_dtype"] = NOT_DIFFERENTIABLE


def fit(t, dim, size):
    """``t`` cut or zero-padded at the end of ``dim`` to ``size``."""
    have = t.shape[dim]
    if have > size:
        return t.narrow(dim, 0, size)
    if have < size:
        shape = list(t.shape)
        shape[dim] = size - have
        return ember.cat([t, zeros(shape, t)], dim)
    return t


def _narrow(grad, _out, _x, dim, start, length):
    shape = tuple(_x.shape)
    d = wrap_dim(dim, len(shape))
    start = int(start) % shape[d] if int(start) < 0 else int(start)
    parts = []
    before, after = list(shape), list(shape)
    before[d], after[d] = start, shape[d] - start - int(length)
    if start:
        parts.append(zeros(before, grad))
    parts.append(grad)
    if after[d]:
        parts.append(zeros(after, grad))
    return (ember.cat(parts, d) if len(parts) > 1 else grad,)


DERIVATIVES["narrow"] = _narrow


def _filled(grads, outs):
    """The gradient of each piece, zeros where a piece got none."""
    return [g if g is not None else zeros(o.shape, o) for g, o in zip(grads, outs)]


def _unbind(grad, out, _x, dim=0):
    return (ember.stack(_filled(grad, out), wrap_dim(dim, _x.ndim)),)


def _pieces(grad, out, _x, _sections, dim=0):
    return (ember.cat(_filled(grad, out), wrap_dim(dim, _x.ndim)),)


def _tensor_split(grad, out, _x, indices_or_sections, dim=0):
    if isinstance(indices_or_sections, int) or (
        hasattr(indices_or_sections, "shape") and (indices_or_sections.ndim == 0)
    ):
        return _pieces(grad, out, _x, indices_or_sections, dim)
    # Split points may be unsorted or past the end: pieces can overlap or be empty.
    d = wrap_dim(dim, _x.ndim)
    n = _x.shape[d]
    points = [0] + [min(max(int(i), 0), n) for i in list(indices_or_sections)] + [n]
    total = None
    for k, (g, o) in enumerate(zip(grad, out)):
        if g is None or o.shape[d] == 0:
            continue
        part = _narrow(g, None, _x, d, points[k], o.shape[d])[0]
        total = part if total is None else total + part
    return (total if total is not None else zeros(tuple(_x.shape), out[0]),)


DERIVATIVES["unbind"] = _unbind
DERIVATIVES["split"] = _pieces
DERIVATIVES["chunk"] = _pieces
DERIVATIVES["tensor_split"] = _tensor_split


def diagonal_backward(grad, shape, offset, dim1, dim2):
    """Place ``grad`` (a diagonal, in the last dim) on the diagonal of zeros of ``shape``."""
    ndim = len(shape)
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    m = ember.diag_embed(grad, offset, -2, -1)
    m = fit(fit(m, -2, shape[d1]), -1, shape[d2])
    return m.movedim((-2, -1), (d1, d2)) if (d1, d2) != (ndim - 2, ndim - 1) else m


DERIVATIVES["diagonal"] = lambda grad, _out, _x, offset=0, dim1=0, dim2=1: (
    diagonal_backward(grad, _x.shape, offset, dim1, dim2),
)


def _positions(xp, shape, strides, start):
    """The storage position (in items) of each element of a layout, in C order."""
    pos = xp.full((), start, dtype=xp.int64)
    for k, (n, s) in enumerate(zip(shape, strides)):
        pos = pos + (xp.arange(n, dtype=xp.int64) * s).reshape((n,) + (1,) * (len(shape) - k - 1))
    return xp.broadcast_to(pos, tuple(shape)).reshape(-1)


def _as_strided(grad, _out, _x, size, stride, storage_offset=None):
    """Each output element's gradient goes to the input element at the same storage
    position (summed where output elements overlap; dropped where no input element is).
    """
    x, xp = _x._data, _x._device.xp
    item = x.itemsize
    here = storage_span(x)[1]
    start = here if storage_offset is None else int(storage_offset)
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) else size
    p_in = _positions(xp, x.shape, [s // item for s in x.strides], here)
    p_out = _positions(xp, tuple(size), tuple(stride), start)
    order = xp.argsort(p_in, kind="stable")
    sorted_in = p_in[order]
    if sorted_in.size > 1 and bool((sorted_in[1:] == sorted_in[:-1]).any()):
        raise NotImplementedError(
            "as_strided: the derivative for an input whose elements overlap in memory (as "
            "expand makes) is not implemented; clone() the input first"
        )
    if not sorted_in.size or not p_out.size:
        return (zeros(x.shape, grad),)
    at = xp.minimum(xp.searchsorted(sorted_in, p_out), sorted_in.size - 1)
    hit = sorted_in[at] == p_out
    wrap = lambda a: _dispatch.wrap(a, _x._device)
    picked = grad.reshape(-1).index_select(0, wrap(xp.nonzero(hit)[0]))
    flat = zeros((x.size,), grad).index_add(0, wrap(order[at[hit]]), picked)
    return (flat.reshape(x.shape),)


DERIVATIVES["as_strided"] = _as_strided

# Forward mode: the same view of the tangent as the op made of the primal.
for _name in (
    "reshape",
    "view",
    "flatten",
    "unflatten",
    "ravel",
    "squeeze",
    "unsqueeze",
    "permute",
    "transpose",
    "t",
    "movedim",
    "expand",
    "narrow",
    "diagonal",
    "unbind",
    "split",
    "chunk",
    "tensor_split",
):
    JVPS[_name] = linear(_name)
