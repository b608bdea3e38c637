"""Every loss of ``torch.nn.functional``, composed from core ops so autograd differentiates them.

Each takes ``reduction`` (``'none'``, ``'mean'`` or ``'sum'``) and accepts the legacy
``size_average``/``reduce`` pair where torch does. Shapes, defaults and the numerical tricks
(``log_softmax`` for cross entropy, ``logsigmoid`` for the logit losses, logs clamped at -100
in BCE) are torch's.
"""

from __future__ import annotations

import math
import warnings

import ember
from ember._ops import OPS as _OPS
from ember.nn.functional._ctc import ctc_loss
from ember.nn.functional._reduction import (
    REDUCTIONS,
    check_classes,
    check_reduction,
    check_tensor,
    legacy_reduction,
    pointwise_pair,
    reduce_loss,
    same_shape,
    weighted,
)

__all__ = [
    "l1_loss",
    "mse_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "smooth_l1_loss",
    "huber_loss",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "multilabel_margin_loss",
    "multi_margin_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "ctc_loss",
]

# ---- regression ------------------------------------------------------------------


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``; a ``weight`` makes 'mean' a weighted mean."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = pointwise_pair("l1_loss", input, target)
    return weighted("l1_loss", (input - target).abs(), weight, reduction, True)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)**2``; a ``weight`` makes 'mean' a weighted mean."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = pointwise_pair("mse_loss", input, target)
    return weighted("mse_loss", (input - target).square(), weight, reduction, True)


def _huber(diff, delta: float):
    """``0.5 d**2`` inside ``|d| < delta``, ``delta * (|d| - delta/2)`` outside."""
    absd = diff.abs()
    small = absd < delta
    return ember.where(small, 0.5 * diff * diff, delta * (absd - 0.5 * delta))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Huber loss divided by ``beta``: quadratic inside ``|d| < beta``, L1 outside."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    input, target = pointwise_pair("smooth_l1_loss", input, target)
    diff = input - target
    loss = diff.abs() if beta == 0 else _huber(diff, beta) / beta
    return reduce_loss("smooth_l1_loss", loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Quadratic inside ``|d| < delta``, ``delta``-scaled L1 outside."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    input, target = pointwise_pair("huber_loss", input, target)
    return weighted("huber_loss", _huber(input - target, delta), weight, reduction, False)


def poisson_nll_loss(
    input,
    target,
    log_input=True,
    full=False,
    size_average=None,
    eps=1e-8,
    reduce=None,
    reduction="mean",
):
    """Negative log likelihood of ``target ~ Poisson(input)`` (``input`` a log-rate by default).

    ``full`` adds Stirling's approximation of ``log(target!)`` where ``target > 1``.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction("poisson_nll_loss", reduction)
    input, target = pointwise_pair("poisson_nll_loss", input, target)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        safe = ember.where(target > 1, target, ember.ones_like(target))
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + ember.where(target > 1, stirling, ember.zeros_like(stirling))
    return reduce_loss("poisson_nll_loss", loss, reduction)


def _gaussian_var(input, var):
    if not isinstance(var, ember.Tensor):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        return ember.full_like(input, float(var))
    if bool((var < 0).any().item()):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    if var.shape == input.shape:
        return var
    if tuple(input.shape[:-1]) == tuple(var.shape):
        return var.unsqueeze(-1)
    mismatched = [v for i, v in zip(input.shape, var.shape) if i != v]
    if var.ndim == input.ndim and sum(mismatched) == 1:
        return var
    raise ValueError(
        f"gaussian_nll_loss: var of shape {tuple(var.shape)} does not fit the input shape "
        f"{tuple(input.shape)}"
    )


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log likelihood of ``target ~ N(input, var)``; ``var`` is clamped at ``eps``.

    As torch, the clamp passes gradients straight through to ``var``.
    """
    check_reduction("gaussian_nll_loss", reduction)
    check_tensor("gaussian_nll_loss", "input", input)
    var = _gaussian_var(input, var)
    # Straight-through clamp: the forward sees max(var, eps), the gradient is the identity.
    var = var + (var.clamp(min=eps) - var).detach()
    loss = 0.5 * (var.log() + (input - target).square() / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_loss("gaussian_nll_loss", loss, reduction)


# ---- classification ----------------------------------------------------------------


def _class_target(name, input, target, class_dim):
    """Check a class-index target against ``input`` (N, C, d1, ...) or (C,)."""
    if target.dtype.is_floating_point:
        raise TypeError(
            f"{name}: expected a class-index target of integer dtype, got {target.dtype}"
        )
    want = tuple(input.shape[:class_dim]) + tuple(input.shape[class_dim + 1 :])
    if tuple(target.shape) == want:
        return
    if input.ndim >= 2 and (target.ndim == 0 or target.shape[0] != input.shape[0]):
        raise ValueError(
            f"{name}: expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.ndim else 'scalar'}); input {tuple(input.shape)}, "
            f"target {tuple(target.shape)}"
        )
    raise ValueError(
        f"{name}: expected target of shape {want} for input of shape {tuple(input.shape)}, got "
        f"{tuple(target.shape)}"
    )


def nll_loss(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
):
    """Negative log likelihood of class-index targets, from log-probabilities.

    ``input`` is (N, C), (C,) or (N, C, d1, ...); 'mean' divides by the total weight of the
    targets that are not ``ignore_index``.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction("nll_loss", reduction)
    check_tensor("nll_loss", "input", input)
    if input.ndim < 1:
        raise ValueError(f"nll_loss: expected input with 1 or more dims, got {tuple(input.shape)}")
    _class_target("nll_loss", input, target, 1 if input.ndim >= 2 else 0)
    return _OPS["nll_loss"](input, target, weight, reduction, ignore_index)


def _smoothing_term(logp, target, weight, ignore_index, reduction, class_dim):
    """The uniform-target half of label smoothing, reduced as torch reduces it."""
    if weight is not None:
        shape = [1] * logp.ndim
        shape[class_dim] = -1
        smooth = -(logp * weight.to(logp.dtype).reshape(shape)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    keep = target != ignore_index
    smooth = ember.where(keep, smooth, ember.zeros_like(smooth))
    if reduction == "mean":
        safe = ember.where(keep, target, ember.zeros_like(target))
        denom = keep.to(logp.dtype) if weight is None else weight.to(logp.dtype)[safe] * keep
        return smooth.sum() / denom.sum()
    return reduce_loss("cross_entropy", smooth, reduction)


def _soft_cross_entropy(logp, target, weight, label_smoothing, reduction, class_dim):
    n_classes = logp.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        shape = [1] * logp.ndim
        shape[class_dim] = -1
        prod = prod * weight.to(logp.dtype).reshape(shape)
    loss = -prod.sum(class_dim)
    if reduction == "mean":
        return loss.sum() / (logp.numel() // n_classes if logp.numel() else 1)
    return reduce_loss("cross_entropy", loss, reduction)


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    """Cross entropy of logits ``input`` (N, C), (C,) or (N, C, d1, ...) against class indices
    or class probabilities (a float target of the input's shape), through ``log_softmax``.

    >>> F.cross_entropy(ember.randn(4, 3), ember.tensor([0, 2, 1, 1]), label_smoothing=0.1)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction("cross_entropy", reduction)
    check_tensor("cross_entropy", "input", input)
    check_tensor("cross_entropy", "target", target)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if input.ndim < 1:
        raise ValueError(f"cross_entropy: expected input with 1 or more dims, got {input.shape}")
    class_dim = 1 if input.ndim >= 2 else 0
    logp = _OPS["log_softmax"](input, class_dim)
    if target.dtype.is_floating_point:
        if target.shape != input.shape:
            raise ValueError(
                f"cross_entropy: expected a probability target of the input's shape "
                f"{tuple(input.shape)}, got {tuple(target.shape)}"
            )
        return _soft_cross_entropy(logp, target, weight, label_smoothing, reduction, class_dim)
    _class_target("cross_entropy", input, target, class_dim)
    nll = _OPS["nll_loss"](logp, target, weight, reduction, ignore_index)
    if label_smoothing == 0:
        return nll
    smooth = _smoothing_term(logp, target, weight, ignore_index, reduction, class_dim)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / logp.shape[class_dim])


def _log_clamped(x):
    """``max(log(x), -100)`` without ever evaluating ``log(0)`` (so no inf * 0 gradients)."""
    pos = x > 0
    safe = ember.where(pos, x, ember.ones_like(x))
    return ember.where(pos, safe.log(), ember.full_like(x, -100.0)).clamp(min=-100.0)


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """``-w * (y log x + (1 - y) log(1 - x))`` for probabilities ``x``; logs clamp at -100."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction("binary_cross_entropy", reduction)
    same_shape("binary_cross_entropy", input, target)
    if input.numel() and bool(((input < 0) | (input > 1)).any().item()):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    loss = -(target * _log_clamped(input) + (1 - target) * _log_clamped(1 - input))
    if weight is not None:
        loss = loss * weight
    return reduce_loss("binary_cross_entropy", loss, reduction)


def binary_cross_entropy_with_logits(
    input,
    target,
    weight=None,
    size_average=None,
    reduce=None,
    reduction="mean",
    pos_weight=None,
):
    """BCE of ``sigmoid(input)``, computed from ``logsigmoid`` so large logits stay finite.

    ``pos_weight`` (broadcast over the last dim) scales the positive term of each class.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction("binary_cross_entropy_with_logits", reduction)
    same_shape("binary_cross_entropy_with_logits", input, target)
    # -log(sigmoid(x)) = softplus(-x); (1 - y) * x + softplus(-x) is the y-free form.
    neg_log_sig = -ember.logsigmoid(input)
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * neg_log_sig
    else:
        loss = (1 - target) * input + neg_log_sig
    if weight is not None:
        loss = loss * weight
    return reduce_loss("binary_cross_entropy_with_logits", loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """``target * (log(target) - input)`` for log-probabilities ``input``.

    ``reduction='batchmean'`` divides the sum by the batch size (the true KL divergence);
    'mean' divides by the number of elements, as torch, and warns as torch does.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction("kl_div", reduction, REDUCTIONS + ("batchmean",))
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    input, target = pointwise_pair("kl_div", input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = ember.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return reduce_loss("kl_div", loss, reduction)


# ---- margins -----------------------------------------------------------------------


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``log(1 + exp(-y * x))`` for targets ``y`` in {1, -1}."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = pointwise_pair("soft_margin_loss", input, target)
    return reduce_loss("soft_margin_loss", ember.softplus(-target * input), reduction)


def multilabel_soft_margin_loss(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """One-vs-all logistic loss, averaged over the C classes of each sample."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    same_shape("multilabel_soft_margin_loss", input, target)
    loss = -(target * ember.logsigmoid(input) + (1 - target) * ember.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1]
    return reduce_loss("multilabel_soft_margin_loss", loss, reduction)


def _margin_2d(name, input, target):
    if input.ndim not in (1, 2) or target.shape != input.shape:
        raise ValueError(
            f"{name}: expected input (C,) or (N, C) and a target of the same shape, got input "
            f"{tuple(input.shape)} and target {tuple(target.shape)}"
        )


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Hinge loss between each target class (listed in ``target``, ended by -1) and every
    non-target class: ``sum_ij max(0, 1 - (x[y_j] - x[i])) / C``.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    name = "multilabel_margin_loss"
    _margin_2d(name, input, target)
    x, y = (input.unsqueeze(0), target.unsqueeze(0)) if input.ndim == 1 else (input, target)
    n_classes = x.shape[1]
    check_classes(name, y, n_classes, -1)
    # Only the entries before the first -1 count as targets.
    listed = (y >= 0).to(ember.int64).cumprod(1).to(ember.bool)
    safe = ember.where(listed, y, ember.zeros_like(y))
    is_target = ember.zeros(x.shape, dtype=ember.int64, device=x.device)
    is_target = is_target.scatter_add(1, safe, listed.to(ember.int64)) > 0
    x_t = x.gather(1, safe)
    hinge = (1 - (x_t.unsqueeze(2) - x.unsqueeze(1))).relu()
    mask = listed.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = (hinge * mask.to(x.dtype)).sum((1, 2)) / n_classes
    if input.ndim == 1:
        loss = loss.squeeze(0)
    return reduce_loss(name, loss, reduction)


def multi_margin_loss(
    input,
    target,
    p=1,
    margin=1.0,
    weight=None,
    size_average=None,
    reduce=None,
    reduction="mean",
):
    """Multi-class hinge loss ``sum_{i != y} max(0, margin - x[y] + x[i])**p * w[y] / C``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    name = "multi_margin_loss"
    if p not in (1, 2):
        raise ValueError(f"{name}: only p == 1 and p == 2 supported, got {p}")
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: expected input (C,) or (N, C), got {tuple(input.shape)}")
    x = input.unsqueeze(0) if input.ndim == 1 else input
    y = target.reshape(-1)
    if y.shape[0] != x.shape[0]:
        raise ValueError(
            f"{name}: expected a target of {x.shape[0]} class indices for input "
            f"{tuple(input.shape)}, got target {tuple(target.shape)}"
        )
    n_classes = x.shape[1]
    check_classes(name, y, n_classes, -(2**62))
    x_y = x.gather(1, y.unsqueeze(1))
    z = (margin - x_y + x).relu()
    z = z if p == 1 else z * z
    if weight is not None:
        z = z * weight.to(x.dtype)[y].unsqueeze(1)
    not_y = ember.ones(x.shape, device=x.device, dtype=x.dtype).scatter(1, y.unsqueeze(1), 0.0)
    loss = (z * not_y).sum(1) / n_classes
    if input.ndim == 1:
        loss = loss.squeeze(0)
    return reduce_loss(name, loss, reduction)


def hinge_embedding_loss(
    input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"
):
    """``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = pointwise_pair("hinge_embedding_loss", input, target)
    zero = ember.zeros_like(input)
    hinge = ember.where(target != 1, (margin - input).relu(), zero)
    return reduce_loss(
        "hinge_embedding_loss", hinge + ember.where(target != -1, input, zero), reduction
    )


def _check_triple(name, a, b, target):
    if a.shape != b.shape:
        raise ValueError(f"{name}: input1 {tuple(a.shape)} and input2 {tuple(b.shape)} differ")
    if target.ndim > a.ndim:
        raise ValueError(
            f"{name}: target of shape {tuple(target.shape)} has more dims than the inputs "
            f"{tuple(a.shape)}"
        )


def margin_ranking_loss(
    input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"
):
    """``max(0, -y * (x1 - x2) + margin)``: ``y = 1`` ranks ``x1`` above ``x2``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_triple("margin_ranking_loss", input1, input2, target)
    loss = (-target * (input1 - input2) + margin).relu()
    return reduce_loss("margin_ranking_loss", loss, reduction)


def cosine_embedding_loss(
    input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"
):
    """``1 - cos(x1, x2)`` where ``y == 1``, ``max(0, cos(x1, x2) - margin)`` where ``y == -1``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    name = "cosine_embedding_loss"
    _check_triple(name, input1, input2, target)
    if input1.ndim not in (1, 2) or target.ndim != input1.ndim - 1:
        raise ValueError(
            f"{name}: expected inputs (N, D) with target (N,), or (D,) with a 0-d target; got "
            f"{tuple(input1.shape)} and target {tuple(target.shape)}"
        )
    eps = 1e-12  # torch's EPSILON, keeps zero vectors from dividing by zero
    dot = (input1 * input2).sum(-1)
    mag = ((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)
    cos = dot / mag.sqrt()
    zero = ember.zeros_like(cos)
    loss = ember.where(target == 1, 1 - cos, zero)
    loss = loss + ember.where(target == -1, (cos - margin).relu(), zero)
    return reduce_loss(name, loss, reduction)


def _triplet(name, anchor, positive, negative, dist, margin, swap, reduction):
    for arg, t in (("positive", positive), ("negative", negative)):
        if t.ndim != anchor.ndim:
            raise ValueError(
                f"{name}: the anchor {tuple(anchor.shape)} and {arg} {tuple(t.shape)} must have "
                "the same number of dims"
            )
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = ember.minimum(d_neg, dist(positive, negative))
    return reduce_loss(name, (margin + d_pos - d_neg).relu(), reduction)


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin=1.0,
    p=2,
    eps=1e-6,
    swap=False,
    size_average=None,
    reduce=None,
    reduction="mean",
):
    """``max(0, margin + d(a, p) - d(a, n))`` with the ``p``-norm pairwise distance."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")

    def dist(x1, x2):
        return ember.pairwise_distance(x1, x2, p, eps)

    return _triplet(
        "triplet_margin_loss", anchor, positive, negative, dist, margin, swap, reduction
    )


def triplet_margin_with_distance_loss(
    anchor,
    positive,
    negative,
    *,
    distance_function=None,
    margin=1.0,
    swap=False,
    reduction="mean",
):
    """Triplet loss with any ``distance_function`` (default: the Euclidean pairwise distance)."""
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: margin must be > 0, got {margin}")
    check_reduction("triplet_margin_with_distance_loss", reduction)
    dist = distance_function if distance_function is not None else ember.pairwise_distance
    return _triplet(
        "triplet_margin_with_distance_loss",
        anchor,
        positive,
        negative,
        dist,
        margin,
        swap,
        reduction,
    )


def _register_with_autocast() -> None:
    # Losses are composites, so the dispatcher's autocast casts never see them whole;
    # marking each as the op of its name gives it PyTorch's float32 policy.
    from ember.amp.autocast_mode import _LOSSES, autocast_op

    for name in __all__:
        if name in _LOSSES:
            globals()[name] = autocast_op(name)(globals()[name])


_register_with_autocast()
