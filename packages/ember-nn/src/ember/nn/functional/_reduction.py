"""What every loss shares: ``reduction`` (and torch's legacy ``size_average``/``reduce``),
and the input checks that name the loss and the shapes.
"""

from __future__ import annotations

import warnings

import ember

REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average, reduce, reduction: str = "mean") -> str:
    """Map torch's deprecated ``size_average``/``reduce`` pair onto ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction instead.",
        UserWarning,
        stacklevel=3,
    )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def reduce_loss(name: str, loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: {reduction!r} is not a valid value for reduction {REDUCTIONS}")


def check_reduction(name: str, reduction: str, allowed=REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{name}: {reduction!r} is not a valid value for reduction {allowed}")


def check_tensor(name: str, arg: str, t) -> None:
    if not isinstance(t, ember.Tensor):
        raise TypeError(f"{name}: expected {arg} to be a Tensor, got {type(t).__name__}")


def pointwise_pair(name: str, input, target):
    """Broadcast ``input`` and ``target`` as torch does, warning when their sizes differ."""
    check_tensor(name, "input", input)
    check_tensor(name, "target", target)
    if input.shape == target.shape:
        return input, target
    try:
        shape = ember.broadcast_shapes(input.shape, target.shape)
    except (RuntimeError, ValueError):
        raise ValueError(
            f"{name}: target of shape {tuple(target.shape)} cannot be broadcast to the input "
            f"shape {tuple(input.shape)}"
        ) from None
    warnings.warn(
        f"{name}: using a target size {tuple(target.shape)} that is different to the input "
        f"size {tuple(input.shape)}. This will likely lead to incorrect results due to "
        "broadcasting. Please ensure they have the same size.",
        UserWarning,
        stacklevel=3,
    )
    return input.expand(*shape), target.expand(*shape)


def same_shape(name: str, input, target) -> None:
    check_tensor(name, "input", input)
    check_tensor(name, "target", target)
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: target size {tuple(target.shape)} must be the same as the input size "
            f"{tuple(input.shape)}"
        )


def weighted(name: str, loss, weight, reduction: str, mean_by_weight: bool):
    """Apply an elementwise ``weight`` of the input's shape, then reduce."""
    if weight is None:
        return reduce_loss(name, loss, reduction)
    if weight.shape != loss.shape:
        raise ValueError(
            f"{name}: weight of shape {tuple(weight.shape)} must have the input's shape "
            f"{tuple(loss.shape)}"
        )
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return reduce_loss(name, loss, reduction)


def check_classes(name, target, n_classes, ignore_index):
    valid = target != ignore_index
    if not bool(valid.any().item()):
        return
    live = target[valid]
    lo, hi = int(live.min().item()), int(live.max().item())
    if lo < 0 or hi >= n_classes:
        bad = hi if hi >= n_classes else lo
        raise IndexError(f"{name}: target {bad} is out of bounds for {n_classes} classes")
