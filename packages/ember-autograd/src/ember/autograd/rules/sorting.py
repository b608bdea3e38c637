"""Derivatives of ``ember/_ops/sorting.py``: each selected value's gradient goes back
to the position it was selected from."""

from __future__ import annotations

import ember
from ember._ops import OPS, wrap_dim
from ember.autograd.rules import NOT_DIFFERENTIABLE
from ember.autograd.rules._util import zeros
from ember.autograd.rules.reduction import _evenly, _scatter_at

DERIVATIVES: dict = {}
_INT64 = ember.int64


def _scatter_back(grad, indices, x, dim):
    """Zeros shaped like ``x`` with ``grad`` added at ``indices`` along ``dim``."""
    if x.ndim == 0:
        return grad.reshape(())
    return OPS["scatter_add"](zeros(tuple(x.shape), grad), wrap_dim(dim, x.ndim), indices, grad)


def _sort(grad, out, x, dim=-1, descending=False, *, stable=False):
    g = grad[0]
    return (None if g is None else _scatter_back(g, out[1], x, dim),)


def _msort(grad, _out, x):
    order = OPS["argsort"](x, 0, stable=True) if x.ndim else None
    return (_scatter_back(grad, order, x, 0) if x.ndim else grad,)


def _topk(grad, out, x, k, dim=-1, largest=True, sorted=True):
    g = grad[0]
    return (None if g is None else _scatter_back(g, out[1], x, dim),)


def _selected(grad, out, x, *args, keepdim=False, dim_at=0):
    """kthvalue/mode/median(dim): one value per slice, taken from ``indices``."""
    g = grad[0]
    if g is None:
        return (None,)
    dim = args[dim_at] if len(args) > dim_at else -1
    return (_scatter_at(g, out[1], x, dim, keepdim),)


def _kthvalue(grad, out, x, k, dim=-1, keepdim=False):
    return _selected(grad, out, x, dim, keepdim=keepdim)


def _mode(grad, out, x, dim=-1, keepdim=False):
    return _selected(grad, out, x, dim, keepdim=keepdim)


def _median(grad, out, x, dim=None, keepdim=False):
    if dim is None:  # one value: ties share the gradient, as in PyTorch
        return (_evenly(grad, out, x, None, False),)
    return _selected(grad, out, x, dim, keepdim=keepdim)


def _quantile_rows(x, dim):
    """``x`` as (rows, n) with the reduced dim last, and how to put a gradient back."""
    if dim is None:
        return x.reshape(1, -1), lambda g: g.reshape(tuple(x.shape))
    d = wrap_dim(dim, x.ndim)
    moved = x.movedim(d, -1)
    shape = tuple(moved.shape)
    return moved.reshape(-1, shape[-1]), lambda g: g.reshape(shape).movedim(-1, d)


def _quantile_ranks(values, q, nan_aware):
    """The fractional rank of each quantile in each sorted row, shape (len(q), rows), and
    d(rank)/d(q) (the rank's scale)."""
    n = values.shape[-1]
    if nan_aware:
        scale = ((~values.isnan()).sum(-1).to(values.dtype) - 1).clamp(min=0)
        return q[:, None] * scale, scale.expand(q.shape[0], -1)
    last_nan = values[:, -1].isnan()
    scale = OPS["where"](last_nan, 0.0, float(n - 1)).to(values.dtype)
    rank = OPS["where"](last_nan, float(n - 1), q[:, None] * (n - 1))
    return rank, scale.expand(q.shape[0], -1)


def _quantile_picks(rank, interpolation):
    """[(index, weight), ...]: the sorted positions each quantile reads, with weights."""
    low, high = rank.floor(), rank.ceil()
    if interpolation in ("lower", "higher", "nearest"):
        pick = {"lower": low, "higher": high, "nearest": rank.round()}[interpolation]
        return [(pick, None)]
    w = rank - low if interpolation == "linear" else rank * 0 + 0.5
    return [(low, 1 - w), (high, w)]


def _quantile_rule(nan_aware):
    """The quantile's value is a weighted pick of one or two sorted elements: its
    gradient goes back to those elements (through the sort's order), and with linear
    interpolation a tensor ``q`` gets ``(upper - lower) * d(rank)/dq``."""

    def rule(grad, _out, x, q, dim=None, keepdim=False, *, interpolation="linear",
             needs_input_grad=(True, True)):  # fmt: skip
        rows, back = _quantile_rows(x, dim)
        values, order = OPS["sort"](rows, -1)
        vector = hasattr(q, "shape") and q.ndim == 1
        qv = q.reshape(-1) if hasattr(q, "shape") else values.new_tensor([float(q)])
        rank, scale = _quantile_ranks(values, qv, nan_aware)
        g = grad.reshape(qv.shape[0], rows.shape[0])
        picks = _quantile_picks(rank, interpolation)
        gx = dq = None
        if needs_input_grad[0]:
            sorted_grad = zeros(tuple(rows.shape), grad)
            for pos, w in picks:
                contrib = g if w is None else g * w
                idx = pos.to(_INT64).transpose(0, 1)
                sorted_grad = OPS["scatter_add"](sorted_grad, 1, idx, contrib.transpose(0, 1))
            gx = back(OPS["scatter_add"](zeros(tuple(rows.shape), grad), 1, order, sorted_grad))
        if len(picks) == 2 and interpolation == "linear" and vector and needs_input_grad[1]:
            (lo, _), (hi, _) = picks
            gather = lambda pos: values.gather(1, pos.to(_INT64).transpose(0, 1)).transpose(0, 1)
            dq = (g * (gather(hi) - gather(lo)) * scale).sum(-1).reshape(tuple(q.shape))
        return gx, dq

    return rule


DERIVATIVES["sort"] = _sort
DERIVATIVES["msort"] = _msort
DERIVATIVES["topk"] = _topk
DERIVATIVES["kthvalue"] = _kthvalue
DERIVATIVES["mode"] = _mode
DERIVATIVES["median"] = _median
DERIVATIVES["nanmedian"] = _median
DERIVATIVES["quantile"] = _quantile_rule(nan_aware=False)
DERIVATIVES["nanquantile"] = _quantile_rule(nan_aware=True)
for _name in ("argsort", "unique", "unique_consecutive"):
    DERIVATIVES[_name] = NOT_DIFFERENTIABLE
for _name in ("bincount", "histc", "histogram", "histogramdd"):  # counts, as in PyTorch
    DERIVATIVES[_name] = NOT_DIFFERENTIABLE
for _name in ("searchsorted", "bucketize", "isin"):
    DERIVATIVES[_name] = NOT_DIFFERENTIABLE
