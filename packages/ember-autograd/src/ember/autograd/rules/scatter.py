"""Derivatives of ``ember/_ops/scatter.py``: gathers, scatters and the ``index_*`` ops.

Each gather's gradient is the matching scatter-add and each scatter's is a gather,
so the rules are each other's adjoints and second derivatives come for free.
"""

from __future__ import annotations

from ember._ops import OPS, wrap_dim
from ember.autograd.rules._util import where, zeros, zeros_like
from ember.autograd.rules.shape import fit

DERIVATIVES: dict = {}
JVPS: dict = {}


def _to_src(g, src):
    """A gradient shaped like ``index`` padded with zeros to ``src``'s (larger) shape."""
    for d in range(g.ndim):
        g = fit(g, d, src.shape[d])
    return g


def _gather(grad, _out, _x, dim, index, *, sparse_grad=False):
    return OPS["scatter_add"](zeros(tuple(_x.shape), grad), dim, index, grad), None, None


def _scatter(
    grad,
    _out,
    _x,
    dim,
    index,
    src=None,
    value=None,
    *,
    reduce=None,
    needs_input_grad=(True, True, True, True),
):
    if reduce not in (None, "add"):
        raise NotImplementedError(
            f"scatter: the derivative with reduce={reduce!r} is not implemented"
        )
    gx = None
    if needs_input_grad[0]:
        gx = grad if reduce == "add" else OPS["scatter"](grad, dim, index, value=0)
    gs = None
    if len(needs_input_grad) > 3 and needs_input_grad[3] and hasattr(src, "shape"):
        gs = _to_src(OPS["gather"](grad, dim, index), src)
    return gx, None, None, gs


def _scatter_add(grad, _out, _x, dim, index, _src, needs_input_grad=(True, True, True, True)):
    gs = _to_src(OPS["gather"](grad, dim, index), _src) if needs_input_grad[3] else None
    return grad, None, None, gs


def _scatter_reduce(
    grad,
    out,
    x,
    dim,
    index,
    src,
    reduce,
    *,
    include_self=True,
    needs_input_grad=(True, True, True, True),
):
    if reduce == "sum":
        gx = grad if include_self else OPS["scatter"](grad, dim, index, value=0)
        return gx, None, None, _to_src(OPS["gather"](grad, dim, index), src)
    if reduce == "mean":
        ones = OPS["scatter_add"](
            zeros_like(x) + (1 if include_self else 0), dim, index, zeros(tuple(index.shape), x) + 1
        )
        n = where(ones == 0, zeros_like(ones) + 1, ones)
        g = grad / n
        gx = g if include_self else OPS["scatter"](g, dim, index, value=0)
        return gx, None, None, _to_src(OPS["gather"](g, dim, index), src)
    if reduce in ("amax", "amin"):
        # Ties share the gradient evenly, as in PyTorch.
        used = src
        for d in range(index.ndim):
            used = used.narrow(d, 0, index.shape[d])
        hit_src = used == OPS["gather"](out, dim, index)
        if include_self:
            hit_x = x == out
        else:  # x survives only where nothing was scattered
            hit_x = OPS["scatter"](zeros_like(x) + 1, dim, index, value=0) != 0
        count = OPS["scatter_add"](hit_x.to(grad.dtype), dim, index, hit_src.to(grad.dtype))
        share = grad / where(count == 0, zeros_like(count) + 1, count)
        gx = where(hit_x, share, zeros_like(share))
        part = src.narrow(0, 0, src.shape[0])
        for d in range(index.ndim):
            part = part.narrow(d, 0, index.shape[d])
        gs = where(hit_src, OPS["gather"](share, dim, index), zeros_like(part))
        return gx, None, None, _to_src(gs, src)
    if reduce == "prod":
        return _scatter_prod(grad, out, x, dim, index, src, include_self)
    raise NotImplementedError(
        f"scatter_reduce: the derivative of reduce={reduce!r} is not implemented"
    )


def _scatter_prod(grad, out, x, dim, index, src, include_self):
    used = src
    for d in range(index.ndim):
        used = used.narrow(d, 0, index.shape[d])
    if bool((used == 0).any()) or (include_self and bool((x == 0).any())):
        raise NotImplementedError(
            "scatter_reduce: the derivative of reduce='prod' with zeros in the inputs is not "
            "implemented"
        )
    go = grad * out
    gx = go / x if include_self else OPS["scatter"](go / x, dim, index, value=0)
    return gx, None, None, _to_src(OPS["gather"](go, dim, index) / used, src)


DERIVATIVES["gather"] = _gather
DERIVATIVES["scatter"] = _scatter
DERIVATIVES["scatter_add"] = _scatter_add
DERIVATIVES["scatter_reduce"] = _scatter_reduce
JVPS["gather"] = lambda t, _o, _x, dim, index, **k: OPS["gather"](t[0], dim, index)


def _index_select(grad, _out, _x, dim, index):
    return OPS["index_add"](zeros(tuple(_x.shape), grad), dim, index, grad), None, None


def _index_add(
    grad, _out, _x, dim, index, _source, *, alpha=1, needs_input_grad=(True, True, True, True)
):
    gs = None
    if needs_input_grad[3]:
        gs = OPS["index_select"](grad, dim, index)
        if alpha != 1:
            gs = gs * alpha
        if gs.ndim > _source.ndim:  # a 0-d source of a 1-d input
            gs = gs.reshape(_source.shape)
    return grad, None, None, gs


def _index_copy(grad, _out, _x, dim, index, _source, needs_input_grad=(True, True, True, True)):
    gx = OPS["index_fill"](grad, dim, index, 0) if needs_input_grad[0] else None
    gs = (
        OPS["index_select"](grad, dim, index).reshape(_source.shape)
        if needs_input_grad[3]
        else None
    )
    return gx, None, None, gs


def _index_fill(grad, _out, _x, dim, index, value):
    gv = OPS["index_select"](grad, dim, index).sum() if hasattr(value, "shape") else None
    return OPS["index_fill"](grad, dim, index, 0), None, None, gv


def _index_put(
    grad, _out, _x, indices, _values, accumulate=False, needs_input_grad=(True, True, True)
):
    key = tuple(indices)
    gx = gv = None
    if needs_input_grad[0]:
        gx = grad if accumulate else OPS["index_put"](grad, indices, zeros((), grad))
    if needs_input_grad[2]:
        gv = OPS["getitem"](grad, tuple(i._data for i in key))
    return gx, None, gv


DERIVATIVES["index_select"] = _index_select
DERIVATIVES["index_add"] = _index_add
DERIVATIVES["index_copy"] = _index_copy
DERIVATIVES["index_fill"] = _index_fill
DERIVATIVES["index_put"] = _index_put
JVPS["index_select"] = lambda t, _o, _x, dim, index: OPS["index_select"](t[0], dim, index)


# ---- the *_scatter ops: src's gradient is the view of grad it was written to; input's
# gradient is grad with that view zeroed (the same op, writing zeros) ----------------------


def _diagonal_scatter(grad, _out, _x, _src, offset=0, dim1=0, dim2=1):
    rest = OPS["diagonal_scatter"](grad, zeros(tuple(_src.shape), grad), offset, dim1, dim2)
    return rest, grad.diagonal(offset, dim1, dim2)


def _select_scatter(grad, _out, _x, _src, dim, index):
    rest = OPS["select_scatter"](grad, zeros(tuple(_src.shape), grad), dim, index)
    d = wrap_dim(dim, grad.ndim)
    return rest, grad[(slice(None),) * d + (index,)], None, None


def _slice_scatter(grad, _out, _x, _src, dim=0, start=None, end=None, step=1):
    rest = OPS["slice_scatter"](grad, zeros(tuple(_src.shape), grad), dim, start, end, step)
    d = wrap_dim(dim, grad.ndim)
    return rest, grad[(slice(None),) * d + (slice(start, end, step),)], None, None, None, None


DERIVATIVES["diagonal_scatter"] = _diagonal_scatter
DERIVATIVES["select_scatter"] = _select_scatter
DERIVATIVES["slice_scatter"] = _slice_scatter
