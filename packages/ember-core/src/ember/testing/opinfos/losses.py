"""OpInfo rows for ``ember/_ops/losses.py``: ``nll_loss`` and its backward."""

from __future__ import annotations

import numpy as np

import ember
from ember.testing.opinfo import OpInfo, SampleInput


def _targets(*shape, classes=4, ignore=None):
    rng = np.random.default_rng(sum(shape) + classes)
    t = rng.integers(0, classes, size=shape)
    if ignore is not None and t.size:
        t.reshape(-1)[:: max(t.size // 2, 1)] = ignore  # some targets count for nothing
    return ember.from_numpy(t)


def _picked(x, t, w, ignore_index):
    """Per-target (-w[y] * x[y], w[y]), with weight 0 where the target is ignored."""
    x = np.asarray(x, np.float64)
    class_dim = 1 if x.ndim >= 2 else 0
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    picked = np.take_along_axis(x, np.expand_dims(safe, class_dim), class_dim)
    weights = keep * (1.0 if w is None else np.asarray(w, np.float64)[safe])
    return -picked.squeeze(class_dim) * weights, weights, class_dim, safe


def _nll_ref(x, t, w=None, reduction="mean", ignore_index=-100):
    loss, weights, _, _ = _picked(x, t, w, ignore_index)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / weights.sum()


def _nll_backward_ref(g, x, t, w=None, reduction="mean", ignore_index=-100):
    _, weights, class_dim, safe = _picked(x, t, w, ignore_index)
    g = np.asarray(g, np.float64)
    g = g / weights.sum() if reduction == "mean" else g
    out = np.zeros(np.shape(x))
    vals = np.expand_dims(-weights * g * np.ones_like(weights), class_dim)
    np.put_along_axis(out, np.expand_dims(safe, class_dim), vals, class_dim)
    return out


def _nll_samples(make):
    yield SampleInput(make(5, 4), _targets(5))
    yield SampleInput(make(5, 4), _targets(5, ignore=1), None, "sum", 1)
    yield SampleInput(make(3, 4, 2, 3), _targets(3, 2, 3, ignore=-100), None, "none")
    yield SampleInput(make(4), _targets(), None, "none")
    yield SampleInput(make(4), _targets())
    yield SampleInput(make(5, 4), _targets(5), None, "none")
    yield SampleInput(make(6, 4), _targets(6, ignore=2), make(4, low=0.5, high=2.0), "mean", 2)
    yield SampleInput(make(2, 4, 5), _targets(2, 5), make(4, low=0.5, high=2.0), "sum")


def _nll_backward_samples(make):
    for s in _nll_samples(make):
        x, t, *rest = s.args
        red = rest[1] if len(rest) > 1 else "mean"
        g = make(*t.shape) if red == "none" else make()
        yield SampleInput(g, x, t, *rest)


def _torch_nll(torch, x, t, w=None, reduction="mean", ignore_index=-100):
    return torch.nn.functional.nll_loss(x, t, w, ignore_index=ignore_index, reduction=reduction)


def _torch_nll_backward(torch, g, x, t, w=None, reduction="mean", ignore_index=-100):
    x = x.detach().requires_grad_()
    (gx,) = torch.autograd.grad(_torch_nll(torch, x, t, w, reduction, ignore_index), x, g)
    return gx


OpInfo("nll_loss", _nll_ref, _nll_samples, grad_order=2, torch=_torch_nll)
OpInfo(
    "nll_loss_backward",
    _nll_backward_ref,
    _nll_backward_samples,
    grad_order=2,
    torch=_torch_nll_backward,
)
