"""Loss primitives: ``nll_loss`` and its backward, one kernel each.

Written in ops, the negative log likelihood of class targets is a dozen calls
(mask, gather, weights, sums); a training step runs it every iteration, so it is
one kernel here, as in PyTorch. ``nll_loss_backward`` is the adjoint of the
(linear) forward, and the forward is the adjoint of it: each one's derivative is
the other. ``ember.nn.functional`` builds ``nll_loss`` and ``cross_entropy`` on them.
"""

from __future__ import annotations

from ember import dtypes as _dt
from ember._ops import Op
from ember._ops._numerics import quiet

__all__: list = []

REDUCTIONS = ("none", "mean", "sum")


def _targets(name, xp, input, target, weight, reduction, ignore_index):
    """Check a call; returns (class dim, target with ignored entries at 0, weight per target).

    The weights are None when every target counts once (no class weight, no target equal
    to ``ignore_index``), so the common case skips the mask and its products.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: {reduction!r} is not a valid value for reduction")
    if input.ndim < 1:
        raise ValueError(f"{name}: expected input with 1 or more dims, got {tuple(input.shape)}")
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: expected a class-index target of integer dtype, got "
            f"{_dt.from_numpy(target.dtype)}"
        )
    class_dim = 1 if input.ndim >= 2 else 0
    n_classes = input.shape[class_dim]
    want = input.shape[:class_dim] + input.shape[class_dim + 1 :]
    if target.shape != want:
        raise ValueError(
            f"{name}: expected target of shape {want} for input of shape {input.shape}, "
            f"got {target.shape}"
        )
    lo, hi = (int(target.min()), int(target.max())) if target.size else (0, 0)
    if weight is None and lo >= 0 and hi < n_classes and not lo <= ignore_index <= hi:
        return class_dim, target, None
    keep = target != ignore_index
    safe = xp.where(keep, target, 0)
    lo, hi = (int(safe.min()), int(safe.max())) if safe.size else (0, 0)
    if lo < 0 or hi >= n_classes:
        bad = hi if hi >= n_classes else lo
        raise IndexError(f"{name}: target {bad} is out of bounds for {n_classes} classes")
    w = keep.astype(input.dtype)
    if weight is not None:
        if weight.shape != (n_classes,):
            raise ValueError(
                f"{name}: expected a weight of shape ({n_classes},) (one per class), got "
                f"{weight.shape}"
            )
        w *= xp.take(weight.astype(input.dtype, copy=False), safe)
    return class_dim, safe, w


def _picked(xp, input, safe, class_dim):
    """``input``'s entry at each target's class: an array of the target's shape."""
    if input.ndim == 2:  # (N, C): one fancy index, the common case
        return input[xp.arange(input.shape[0]), safe]
    return xp.take_along_axis(input, xp.expand_dims(safe, class_dim), class_dim).squeeze(class_dim)


@quiet  # 'mean' over targets that are all ignored is 0 / 0 = nan, as in PyTorch
def _nll_loss(xp, input, target, weight=None, reduction="mean", ignore_index=-100):
    """Negative log likelihood of class indices ``target`` under log-probabilities ``input``.

    Args:
        input: ``(N, C, d1, ...)`` or ``(C,)``.
        target: integer class indices of ``input``'s shape without the class dim;
            entries equal to ``ignore_index`` count for nothing.
        weight: ``(C,)`` class weights, or None.
        reduction: ``'none'``, ``'sum'`` or ``'mean'`` (divided by the summed weights
            of the targets that count).
    """
    class_dim, safe, w = _targets("nll_loss", xp, input, target, weight, reduction, ignore_index)
    picked = _picked(xp, input, safe, class_dim)
    loss = 0 - (picked if w is None else picked * w)  # 0 - x: ignored targets give +0, not -0
    if reduction == "none":
        return xp.asarray(loss, input.dtype)
    total = xp.asarray(loss.sum(), input.dtype)
    if reduction == "sum":
        return total
    return xp.asarray(total / (safe.size if w is None else w.sum()), input.dtype)


@quiet
def _nll_loss_backward(xp, grad, input, target, weight=None, reduction="mean", ignore_index=-100):
    """The gradient of :func:`nll_loss` for ``input``: ``-w * grad`` at each target class."""
    class_dim, safe, w = _targets(
        "nll_loss_backward", xp, input, target, weight, reduction, ignore_index
    )
    if reduction == "mean":
        grad = grad / (safe.size if w is None else w.sum())
    out = xp.zeros(input.shape, input.dtype)
    picked = (0 - (grad if w is None else w * grad)).astype(input.dtype, copy=False)
    if input.ndim == 2:
        out[xp.arange(input.shape[0]), safe] = picked
    else:
        picked = xp.broadcast_to(picked, safe.shape)
        xp.put_along_axis(
            out, xp.expand_dims(safe, class_dim), xp.expand_dims(picked, class_dim), class_dim
        )
    return out


nll_loss = Op("nll_loss", _nll_loss, method=False)
nll_loss_backward = Op("nll_loss_backward", _nll_loss_backward, method=False)
