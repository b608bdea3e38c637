"""Adam and its AMSGrad variant (``torch.optim.Adam``)."""

from __future__ import annotations

import ember
from ember.optim.optimizer import (
    Optimizer,
    addcdiv_,
    addcmul_,
    check_betas,
    check_lr,
    check_non_negative,
    scalar_state,
    to_scalar,
)

__all__ = ["Adam"]


class Adam(Optimizer):
    """Implements Adam (Kingma & Ba), as ``torch.optim.Adam``'s single-tensor algorithm.

    ``decoupled_weight_decay=True`` gives AdamW; ``amsgrad`` keeps the running
    maximum of the second moment.

    >>> opt = ember.optim.Adam(model.parameters(), lr=1e-3)
    """

    _scalar_state_keys = ("step",)

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach=None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused=None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_lr(lr)
        check_non_negative(epsilon=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "betas": tuple(to_scalar(b) for b in betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = scalar_state(0.0)
        state["exp_avg"] = ember.zeros_like(p)
        state["exp_avg_sq"] = ember.zeros_like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = ember.zeros_like(p)

    def _update(self, p, state, group) -> None:
        lr = to_scalar(group["lr"])
        beta1, beta2 = group["betas"]
        wd = group["weight_decay"]
        grad = p.grad if not group["maximize"] else -p.grad
        step = state["step"].add_(1).item()
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                grad = grad.add(p, alpha=wd)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        addcmul_(exp_avg_sq.mul_(beta2), grad, grad, 1 - beta2)
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            second = state["max_exp_avg_sq"].maximum_(exp_avg_sq)
        else:
            second = exp_avg_sq
        denom = (second.sqrt() / bias_correction2_sqrt).add_(group["eps"])
        addcdiv_(p, exp_avg, denom, -step_size)
