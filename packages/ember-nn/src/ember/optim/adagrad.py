"""Adagrad (``torch.optim.Adagrad``)."""

from __future__ import annotations

import ember
from ember.optim.optimizer import Optimizer, addcdiv_, addcmul_, check_lr, scalar_state, to_scalar

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
        if not lr_decay >= 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not initial_accumulator_value >= 0.0:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
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
                self._init_state(p)

    def _init_state(self, p) -> dict:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = scalar_state(0.0)
            state["sum"] = ember.full_like(p, self.defaults["initial_accumulator_value"])
        return state

    def step(self, closure=None):
        """Perform a single optimization step; returns ``closure()``'s loss if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, self._init_state(p), group)
        return loss

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
