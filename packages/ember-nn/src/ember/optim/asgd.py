"""Averaged stochastic gradient descent (``torch.optim.ASGD``)."""

from __future__ import annotations

import ember
from ember.optim.optimizer import Optimizer, check_lr, check_non_negative, scalar_state, to_scalar

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Implements averaged SGD (Polyak & Juditsky); the average is ``state["ax"]``.

    ``eta`` and ``mu`` are 0-d tensors of the scalar dtype, as in torch.

    >>> opt = ember.optim.ASGD(model.parameters(), lr=1e-2, t0=100)
    """

    _scalar_state_keys = ("step", "eta", "mu")

    def __init__(
        self,
        params,
        lr=1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach=None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_lr(lr)
        check_non_negative(weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = scalar_state(0.0)
        state["eta"] = scalar_state(to_scalar(group["lr"]))
        state["mu"] = scalar_state(1.0)
        state["ax"] = ember.zeros_like(p)

    @staticmethod
    def _update(p, state, group) -> None:
        lr, lambd = to_scalar(group["lr"]), group["lambd"]
        grad = p.grad if not group["maximize"] else -p.grad
        mu, ax, eta = state["mu"], state["ax"], state["eta"]
        step = state["step"].add_(1).item()
        if group["weight_decay"] != 0:
            grad = grad.add(p, alpha=group["weight_decay"])
        eta_value = eta.item()
        p.mul_(1 - lambd * eta_value)
        p.add_(grad, alpha=-eta_value)
        if mu.item() != 1:
            ax.add_(p.sub(ax).mul_(mu))
        else:
            ax.copy_(p)
        eta.fill_(lr / ((1 + lambd * lr * step) ** group["alpha"]))
        mu.fill_(1 / max(1, step - group["t0"]))
