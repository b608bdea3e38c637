"""SparseAdam: lazy Adam for embedding-like parameters (``torch.optim.SparseAdam``)."""

from __future__ import annotations

import math

import ember
from ember.optim.optimizer import Optimizer, check_betas, to_scalar

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Implements the lazy Adam of ``torch.optim.SparseAdam``.

    Ember has no sparse tensors, so gradients arrive dense; the rows (along dim 0)
    whose gradient is entirely zero are treated as absent, as torch treats rows
    missing from an ``nn.Embedding(sparse=True)`` gradient: their moments and
    values are left untouched. The ``step`` counter is shared by all rows.

    >>> opt = ember.optim.SparseAdam(embedding.parameters(), lr=1e-2)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8, maximize=False):
        if isinstance(lr, ember.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not lr > 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps > 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_betas(betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)
        complex_params = [
            [i, j]
            for i, group in enumerate(self.param_groups)
            for j, p in enumerate(group["params"])
            if p.is_complex()
        ]
        if complex_params:
            raise ValueError(
                f"Complex params at indices {complex_params}: SparseAdam does not support "
                "complex parameters"
            )

    def _init_state(self, p, state, group) -> None:
        state["step"] = 0
        state["exp_avg"] = ember.zeros_like(p)
        state["exp_avg_sq"] = ember.zeros_like(p)

    @staticmethod
    def _update(p, state, group) -> None:
        state["step"] += 1
        beta1, beta2 = group["betas"]
        grad = p.grad if not group.get("maximize", False) else -p.grad
        rows = grad.reshape(grad.shape[0], -1).ne(0).any(1) if grad.ndim else grad.ne(0)
        if not bool(rows.any()):
            return
        mask = rows.reshape((-1,) + (1,) * (grad.ndim - 1)) if grad.ndim else rows
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        # Moments move only on the present rows; absent rows keep their old values.
        new_avg = ember.where(mask, exp_avg + (grad - exp_avg) * (1 - beta1), exp_avg)
        new_sq = ember.where(
            mask, exp_avg_sq + (grad * grad - exp_avg_sq) * (1 - beta2), exp_avg_sq
        )
        exp_avg.copy_(new_avg)
        exp_avg_sq.copy_(new_sq)
        step = state["step"]
        step_size = to_scalar(group["lr"]) * math.sqrt(1 - beta2**step) / (1 - beta1**step)
        update = exp_avg / exp_avg_sq.sqrt().add_(group["eps"])
        p.add_(ember.where(mask, update, 0), alpha=-step_size)
