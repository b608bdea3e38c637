"""Rprop: resilient backpropagation (``torch.optim.Rprop``)."""

from __future__ import annotations

import ember
from ember.optim.optimizer import Optimizer, check_lr, scalar_state, to_scalar

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Implements Rprop: per-element step sizes grown or shrunk by the gradient's sign.

    >>> opt = ember.optim.Rprop(model.parameters(), lr=1e-2, etas=(0.5, 1.2))
    """

    _scalar_state_keys = ("step",)

    def __init__(
        self,
        params,
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50),
        *,
        capturable: bool = False,
        foreach=None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = scalar_state(0.0)
        state["prev"] = ember.zeros_like(p)
        state["step_size"] = ember.full_like(p.grad, to_scalar(group["lr"]))

    @staticmethod
    def _update(p, state, group) -> None:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        grad = p.grad if not group["maximize"] else -p.grad
        prev, step_size = state["prev"], state["step_size"]
        state["step"].add_(1)
        sign = grad.mul(prev).sign()
        # Positive products grow the step, negative ones shrink it, zeros keep it.
        sign = ember.where(sign.gt(0), etaplus, ember.where(sign.lt(0), etaminus, sign))
        sign = ember.where(sign.eq(0), 1, sign)
        step_size.mul_(sign).clamp_(step_size_min, step_size_max)
        # After a sign change the step is skipped and the gradient forgotten.
        grad = ember.where(sign.eq(etaminus), 0, grad)
        p.add_(grad.sign() * step_size, alpha=-1)
        prev.copy_(grad)
