"""Adadelta (``torch.optim.Adadelta``)."""

from __future__ import annotations

import ember
from ember.optim.optimizer import (
    Optimizer,
    addcmul_,
    check_lr,
    check_non_negative,
    scalar_state,
    to_scalar,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Implements Adadelta (Zeiler): an adaptive step from running averages of g² and Δx².

    >>> opt = ember.optim.Adadelta(model.parameters())
    """

    _scalar_state_keys = ("step",)

    def __init__(
        self,
        params,
        lr=1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach=None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(epsilon=eps, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = scalar_state(0.0)
        state["square_avg"] = ember.zeros_like(p)
        state["acc_delta"] = ember.zeros_like(p)

    @staticmethod
    def _update(p, state, group) -> None:
        rho, eps = group["rho"], group["eps"]
        state["step"].add_(1)
        grad = p.grad if not group["maximize"] else -p.grad
        if group["weight_decay"] != 0:
            grad = grad.add(p, alpha=group["weight_decay"])
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        addcmul_(square_avg.mul_(rho), grad, grad, 1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
        addcmul_(acc_delta.mul_(rho), delta, delta, 1 - rho)
        p.add_(delta, alpha=-to_scalar(group["lr"]))
