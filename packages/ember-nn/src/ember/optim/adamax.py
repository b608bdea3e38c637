"""Adamax: Adam with the infinity norm (``torch.optim.Adamax``)."""

from __future__ import annotations

import ember
from ember.optim.optimizer import (
    Optimizer,
    addcdiv_,
    check_betas,
    check_lr,
    check_non_negative,
    scalar_state,
    to_scalar,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Implements Adamax, the infinity-norm variant of Adam.

    >>> opt = ember.optim.Adamax(model.parameters(), lr=2e-3)
    """

    _scalar_state_keys = ("step",)

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach=None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_lr(lr)
        check_non_negative(epsilon=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = scalar_state(0.0)
        state["exp_avg"] = ember.zeros_like(p)
        state["exp_inf"] = ember.zeros_like(p)

    @staticmethod
    def _update(p, state, group) -> None:
        beta1, beta2 = group["betas"]
        grad = p.grad if not group["maximize"] else -p.grad
        step = state["step"].add_(1).item()
        if group["weight_decay"] != 0:
            grad = grad.add(p, alpha=group["weight_decay"])
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_inf.mul_(beta2).maximum_(grad.abs().add_(group["eps"]))
        clr = to_scalar(group["lr"]) / (1 - beta1**step)
        addcdiv_(p, exp_avg, exp_inf, -clr)
