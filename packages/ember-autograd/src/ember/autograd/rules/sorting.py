"""Derivatives of ``ember/_ops/sorting.py``: each selected value's gradient goes back
to the position it was selected from."""

from __future__ import annotations

from ember._ops import OPS, wrap_dim
from ember.autograd.rules import NOT_DIFFERENTIABLE, not_implemented
from ember.autograd.rules._util import zeros
from ember.autograd.rules.reduction import _evenly, _scatter_at

DERIVATIVES: dict = {}


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


DERIVATIVES["sort"] = _sort
DERIVATIVES["msort"] = _msort
DERIVATIVES["topk"] = _topk
DERIVATIVES["kthvalue"] = _kthvalue
DERIVATIVES["mode"] = _mode
DERIVATIVES["median"] = _median
DERIVATIVES["nanmedian"] = _median
DERIVATIVES["quantile"] = not_implemented("quantile")
DERIVATIVES["nanquantile"] = not_implemented("nanquantile")
for _name in ("argsort", "unique", "unique_consecutive", "bincount", "histc"):
    DERIVATIVES[_name] = NOT_DIFFERENTIABLE
