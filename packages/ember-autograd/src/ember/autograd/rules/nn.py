"""Derivatives of ``ember/_ops/nn.py``: softmax, log-softmax, embeddings."""

from __future__ import annotations

from ember._ops import OPS
from ember.autograd.rules import NOT_DIFFERENTIABLE
from ember.autograd.rules._util import reads_when, where, zeros_like

DERIVATIVES: dict = {}
JVPS: dict = {}


DERIVATIVES["softmax"] = lambda grad, out, _input, dim, dtype=None: (
    OPS["softmax_backward"](grad, out, dim),
)
DERIVATIVES["log_softmax"] = lambda grad, out, _input, dim, dtype=None: (
    OPS["log_softmax_backward"](grad, out, dim),
)


def _softmax_backward(grad, _out, g, y, dim, needs_input_grad=(True, True)):
    # r = y * (g - sum(g y)): linear in g, where it is its own adjoint.
    gg = OPS["softmax_backward"](grad, y, dim) if needs_input_grad[0] else None
    gy = None
    if needs_input_grad[1]:
        gy = grad * (g - (g * y).sum(dim, keepdim=True)) - g * (grad * y).sum(dim, keepdim=True)
    return gg, gy


def _log_softmax_backward(grad, _out, g, y, dim, needs_input_grad=(True, True)):
    # r = g - exp(y) * sum(g)
    e = y.exp()
    gg = grad - (grad * e).sum(dim, keepdim=True) if needs_input_grad[0] else None
    gy = -(grad * e * g.sum(dim, keepdim=True)) if needs_input_grad[1] else None
    return gg, gy


DERIVATIVES["softmax_backward"] = reads_when(_softmax_backward, {0: (1,)})
DERIVATIVES["log_softmax_backward"] = reads_when(_log_softmax_backward, {0: (1,)})
JVPS["softmax"] = lambda t, out, _x, dim, dtype=None: (
    out * (t[0] - (t[0] * out).sum(dim, keepdim=True))
)
JVPS["log_softmax"] = lambda t, out, _x, dim, dtype=None: (
    t[0] - (t[0] * out.exp()).sum(dim, keepdim=True)
)


def _embedding(
    grad, _out, _weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False
):
    g = OPS["embedding_backward"](grad, indices, _weight.shape[0], padding_idx, scale_grad_by_freq)
    return g, None


def _embedding_backward(
    grad, _out, _g, indices, num_weights, padding_idx=-1, scale_grad_by_freq=False
):
    # The adjoint of the scatter-add: read the rows back, zero at padding_idx.
    rows = OPS["embedding"](grad, indices)
    keep = indices != padding_idx if padding_idx is not None and padding_idx >= 0 else None
    if scale_grad_by_freq:
        counts = OPS["bincount"](indices.reshape(-1), minlength=num_weights)
        rows = rows / OPS["embedding"](counts.to(grad.dtype).unsqueeze(1), indices)
    if keep is not None:
        rows = where(keep.unsqueeze(-1), rows, zeros_like(rows))
    return (rows, None)


DERIVATIVES["embedding"] = _embedding
DERIVATIVES["embedding_backward"] = _embedding_backward
DERIVATIVES["embedding_renorm_"] = NOT_DIFFERENTIABLE  # run under no_grad, as in PyTorch
DERIVATIVES["one_hot"] = NOT_DIFFERENTIABLE
