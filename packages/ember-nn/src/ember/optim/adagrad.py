"""Adagrad (``torch.optim.Adagrad``)."""

from __future__ import annotations

import ember
from ember.optim.optimizer import (
    Optimizer,
    addcdiv_,
    addcmul_,
    check_lr,
    check_non_negative,
    scalar_state,
    to_scalar,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Implements Adagrad (Duchi et al.), with ``lr_decay`` and an initial accumulator.

    State is created for every parameter at construction, as torch does.

    >>> opt = ember.optim.Adagrad(model.parameters(), lr=1e-2)
    """

    _scalar_state_keys = ("step",)

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach=None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused=None,
    ) -> None:
        check_lr(lr)
        check_non_negative(
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            epsilon=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _init_state(self, p, state, group) -> None:
        state["step"] = scalar_state(0.0)
        state["sum"] = ember.full_like(p, self.defaults["initial_accumulator_value"])

    @staticmethod
    def _update(p, state, group) -> None:
        step = state["step"].add_(1).item()
        grad = p.grad if not group["maximize"] else -p.grad
        if group["weight_decay"] != 0:
            grad = grad.add(p, alpha=group["weight_decay"])
        clr = to_scalar(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        state_sum = addcmul_(state["sum"], grad, grad, 1)
        std = state_sum.sqrt().add_(group["eps"])
        addcdiv_(p, grad, std, -clr)
