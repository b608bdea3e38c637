"""Derivatives of ``ember/_ops/shape_copy.py``: joins, repeats, flips, triangles."""

from __future__ import annotations

import ember
from ember._ops import wrap_dim
from ember.autograd.rules._util import linear, zeros
from ember.autograd.rules.shape import diagonal_backward, fit

DERIVATIVES: dict = {}
JVPS: dict = {}


def _cat(grad, _out, _tensors, dim=0):
    # Empty 1-D inputs are skipped by cat (a legacy PyTorch rule); they get no gradient.
    ref = next((t for t in _tensors if not (t.ndim == 1 and t.shape[0] == 0)), _tensors[0])
    d = wrap_dim(dim, ref.ndim)
    grads, start = [], 0
    for t in _tensors:
        if t.ndim == 1 and t.shape[0] == 0 and ref.ndim != 1:
            grads.append(None)
            continue
        n = t.shape[d]
        grads.append(grad.narrow(d, start, n))
        start += n
    return (grads,)


def _stack(grad, _out, _tensors, dim=0):
    d = wrap_dim(dim, _tensors[0].ndim + 1)
    return ([grad.narrow(d, i, 1).squeeze(d) for i in range(len(_tensors))],)


DERIVATIVES["cat"] = _cat
DERIVATIVES["stack"] = _stack


def _sizes(sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)):
        return tuple(sizes[0])
    return tuple(sizes)


def _repeat(grad, _out, _x, *sizes):
    reps = _sizes(sizes)
    shape = (1,) * (len(reps) - _x.ndim) + tuple(_x.shape)
    # Out dim i is reps[i] copies of shape[i]: split it in two and sum the copies.
    split = []
    for r, s in zip(reps, shape):
        split += [r, s]
    g = grad.reshape(split).sum(tuple(range(0, 2 * len(reps), 2)))
    return (g.reshape(_x.shape),)


def _tile(grad, out, _x, *dims):
    reps = _sizes(dims)
    reps = (1,) * (_x.ndim - len(reps)) + reps
    return _repeat(grad, out, _x, reps)


DERIVATIVES["repeat"] = _repeat
DERIVATIVES["tile"] = _tile


def _repeat_interleave(grad, _out, _x, repeats=None, dim=None, *, output_size=None):
    if dim is None:
        g = _interleave_sum(grad, (_x.numel(),), repeats, 0)
        return (g.reshape(_x.shape), None)
    return (_interleave_sum(grad, tuple(_x.shape), repeats, wrap_dim(dim, _x.ndim)), None)


def _interleave_sum(grad, xshape, repeats, d):
    n = xshape[d]
    if not hasattr(repeats, "shape") or repeats.numel() == 1:
        r = int(repeats)
        shape = list(xshape)
        shape[d : d + 1] = [n, r]
        return grad.reshape(shape).sum(d + 1)
    # Segment sums: differences of the running sum (with a leading 0) at segment ends.
    shape = list(grad.shape)
    shape[d] = 1
    run = ember.cat([zeros(shape, grad), grad.cumsum(d)], d)
    ends = ember.cat(
        [ember.zeros(1, dtype=repeats.dtype, device=repeats.device), repeats.cumsum(0)]
    )
    sums = run.index_select(d, ends)
    return sums.narrow(d, 1, n) - sums.narrow(d, 0, n)


DERIVATIVES["repeat_interleave"] = _repeat_interleave


def _flip(grad, _out, _x, *dims):
    return (grad.flip(*dims),)


DERIVATIVES["flip"] = _flip
DERIVATIVES["fliplr"] = lambda grad, _out, _x: (grad.fliplr(),)
DERIVATIVES["flipud"] = lambda grad, _out, _x: (grad.flipud(),)


def _roll(grad, _out, _x, shifts, dims=None):
    back = -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)
    if dims is None:
        return (grad.reshape(-1).roll(back).reshape(grad.shape),)
    return (grad.roll(back, dims),)


DERIVATIVES["roll"] = _roll
DERIVATIVES["rot90"] = lambda grad, _out, _x, k=1, dims=(0, 1): (grad.rot90(-k, dims),)


def _diag(grad, _out, _x, diagonal=0):
    if _x.ndim == 1:
        return (grad.diagonal(diagonal),)
    return (diagonal_backward(grad, _x.shape, diagonal, 0, 1),)


DERIVATIVES["diag"] = _diag
DERIVATIVES["diag_embed"] = lambda grad, _out, _x, offset=0, dim1=-2, dim2=-1: (
    grad.diagonal(offset, dim1, dim2),
)
DERIVATIVES["tril"] = lambda grad, _out, _x, diagonal=0: (grad.tril(diagonal),)
DERIVATIVES["triu"] = lambda grad, _out, _x, diagonal=0: (grad.triu(diagonal),)

for _name in ("repeat", "tile", "flip", "fliplr", "flipud", "roll", "rot90", "diag"):
    JVPS[_name] = linear(_name)
for _name in ("diag_embed", "tril", "triu"):
    JVPS[_name] = linear(_name)
_ = fit
