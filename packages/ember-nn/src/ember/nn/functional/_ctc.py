"""Connectionist temporal classification loss: the forward algorithm in log space.

The recursion runs over time in Python, vectorised over the batch and the extended
(blank-interleaved) label sequence; autograd differentiates it through the ops.
"""

from __future__ import annotations

import ember
from ember.nn.functional._reduction import check_reduction

__all__ = ["ctc_loss"]

# A finite stand-in for log(0): sums and log-sum-exps of it stay finite, so no inf - inf
# turns a gradient into NaN. Paths that never reach the end keep a total near _NEG.
_NEG = -1e30
_IMPOSSIBLE = -1e29


def _lengths(name, arg, lengths, batch, device):
    if not isinstance(lengths, ember.Tensor):
        lengths = ember.tensor(lengths, dtype=ember.int64, device=device)
    lengths = lengths.reshape(-1).to(ember.int64)
    if lengths.shape[0] != batch:
        raise ValueError(
            f"{name}: expected {arg} to have {batch} entries (one per batch element), got "
            f"shape {tuple(lengths.shape)}"
        )
    return lengths


def _padded_targets(targets, target_lengths, batch):
    """Targets as (N, S) whatever their layout (padded 2-D or concatenated 1-D)."""
    if targets.ndim == 2:
        return targets.to(ember.int64)
    lens = target_lengths.tolist()
    width = max(lens) if lens else 0
    if sum(lens) > targets.shape[0]:
        raise ValueError(
            f"ctc_loss: target_lengths sum to {sum(lens)} but the concatenated targets have "
            f"{targets.shape[0]} entries"
        )
    rows, start = [], 0
    for n in lens:
        row = targets[start : start + n].to(ember.int64)
        rows.append(ember.pad(row, (0, width - n), value=0))
        start += n
    return ember.stack(rows) if rows else targets.reshape(batch, 0).to(ember.int64)


def _check(log_probs, targets, input_lengths, target_lengths, blank):
    name = "ctc_loss"
    if log_probs.ndim != 3:
        raise ValueError(
            f"{name}: expected log_probs of shape (T, N, C) or (T, C), got {tuple(log_probs.shape)}"
        )
    steps, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise ValueError(f"{name}: blank must be in [0, {classes}), got {blank}")
    if input_lengths.numel() and int(input_lengths.max().item()) > steps:
        raise ValueError(
            f"{name}: expected input_lengths to have value at most {steps}, got "
            f"{input_lengths.tolist()}"
        )
    if targets.ndim == 2 and targets.shape[0] != batch:
        raise ValueError(
            f"{name}: expected targets of shape ({batch}, S) for log_probs "
            f"{tuple(log_probs.shape)}, got {tuple(targets.shape)}"
        )
    if targets.ndim == 2 and target_lengths.numel():
        longest = int(target_lengths.max().item())
        if longest > targets.shape[1]:
            raise ValueError(
                f"{name}: target_lengths up to {longest} exceed the padded target width "
                f"{targets.shape[1]}"
            )


def _check_labels(padded, target_lengths, blank, classes):
    """Labels must be classes other than the blank (torch leaves this unchecked)."""
    width = padded.shape[1]
    used = ember.arange(width, device=padded.device).unsqueeze(0) < target_lengths.unsqueeze(1)
    labels = padded[used]
    if labels.numel() == 0:
        return
    bad = (labels < 0) | (labels >= classes) | (labels == blank)
    if bool(bad.any().item()):
        raise ValueError(
            f"ctc_loss: target labels must be in [0, {classes}) and differ from the blank "
            f"({blank}); got {labels[bad].tolist()[:5]}"
        )


def _extended(targets, blank):
    """Labels with blanks around each (N, 2S+1), and where a two-step skip is allowed."""
    batch, width = targets.shape
    ext = ember.full((batch, 2 * width + 1), blank, dtype=ember.int64, device=targets.device)
    if width:
        ext[:, 1::2] = targets
    prev2 = ember.pad(ext, (2, 0), value=blank)[:, :-2]
    skip = (ext != blank) & (ext != prev2)
    return ext, skip


def _forward(lp, ext, skip, input_lengths):
    """log alpha at each sequence's last step, by the CTC forward recursion."""
    steps = lp.shape[0]
    emit = lp.gather(2, ext.unsqueeze(0).expand(steps, *ext.shape))
    width = ext.shape[1]
    alpha = ember.full(ext.shape, _NEG, dtype=lp.dtype, device=lp.device)
    start = ember.zeros((1, width), dtype=ember.bool, device=lp.device)
    start[0, : min(2, width)] = True
    alpha = ember.where(start, emit[0], alpha)
    neg = ember.full_like(alpha, _NEG)
    for t in range(1, steps):
        shifted = ember.pad(alpha, (2, 0), value=_NEG)
        step = ember.logaddexp(alpha, shifted[:, 1:-1])
        step = ember.logaddexp(step, ember.where(skip, shifted[:, :-2], neg)) + emit[t]
        active = (input_lengths > t).unsqueeze(1)
        alpha = ember.where(active, step, alpha)
    return alpha


def _final(alpha, target_lengths):
    """log p(target) = logaddexp(alpha[2L], alpha[2L - 1]) per sequence."""
    last = (2 * target_lengths).unsqueeze(1)
    end = alpha.gather(1, last).squeeze(1)
    before = alpha.gather(1, (last - 1).clamp(min=0)).squeeze(1)
    before = ember.where(target_lengths > 0, before, ember.full_like(before, _NEG))
    return ember.logaddexp(end, before)


def ctc_loss(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    blank=0,
    reduction="mean",
    zero_infinity=False,
):
    """The CTC loss of ``log_probs`` (T, N, C) (log-softmaxed over C) against ``targets``.

    Args:
        targets: (N, S) padded, or 1-D with the targets of every sequence concatenated.
        input_lengths, target_lengths: (N,) tensors or sequences of ints.
        blank: the blank label.
        reduction: 'mean' divides each loss by its target length, then averages.
        zero_infinity: impossible alignments give a zero loss (and gradient) instead of inf.
    """
    check_reduction("ctc_loss", reduction)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0) if targets.ndim == 1 else targets
    batch = log_probs.shape[1] if log_probs.ndim == 3 else 0
    input_lengths = _lengths("ctc_loss", "input_lengths", input_lengths, batch, log_probs.device)
    target_lengths = _lengths("ctc_loss", "target_lengths", target_lengths, batch, log_probs.device)
    _check(log_probs, targets, input_lengths, target_lengths, blank)
    padded = _padded_targets(targets, target_lengths, batch)
    _check_labels(padded, target_lengths, blank, log_probs.shape[2])
    lp = log_probs if log_probs.dtype.itemsize >= 4 else log_probs.float()
    ext, skip = _extended(padded, blank)
    log_lik = _final(_forward(lp, ext, skip, input_lengths), target_lengths)
    impossible = log_lik < _IMPOSSIBLE
    fill = 0.0 if zero_infinity else float("inf")
    loss = ember.where(impossible, ember.full_like(log_lik, fill), -log_lik).to(log_probs.dtype)
    if unbatched:
        loss = loss.squeeze(0)
    if reduction == "mean":
        return (loss / target_lengths.clamp(min=1).to(loss.dtype)).mean()
    return loss.sum() if reduction == "sum" else loss
