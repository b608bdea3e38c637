"""NAdam: Adam with Nesterov momentum (``torch.optim.NAdam``)."""

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

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """Implements NAdam (Dozat), with torch's momentum-decay schedule.

    ``decoupled_weight_decay=True`` applies weight decay to the weights directly
    (NAdamW). ``mu_product`` is kept as a 0-d tensor of the scalar dtype, as torch
    keeps it, so trajectories agree to the last bit that float32 rounding allows.

    >>> opt = ember.optim.NAdam(model.parameters(), lr=2e-3)
    """

    _scalar_state_keys = ("step", "mu_product")

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach=None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        check_non_negative(epsilon=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = scalar_state(0.0)
        state["mu_product"] = scalar_state(1.0)
        state["exp_avg"] = ember.zeros_like(p)
        state["exp_avg_sq"] = ember.zeros_like(p)

    @staticmethod
    def _update(p, state, group) -> None:
        lr = to_scalar(group["lr"])
        beta1, beta2 = group["betas"]
        wd, decay = group["weight_decay"], group["momentum_decay"]
        grad = p.grad if not group["maximize"] else -p.grad
        step = state["step"].add_(1).item()
        bias_correction2 = 1 - beta2**step
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * wd)
            else:
                grad = grad.add(p, alpha=wd)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
        mu_product = state["mu_product"].mul_(mu).item()
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        addcmul_(exp_avg_sq.mul_(beta2), grad, grad, 1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt().add_(group["eps"])
        mu_product_next = mu_product * mu_next
        addcdiv_(p, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product))
        addcdiv_(p, exp_avg, denom, -lr * mu_next / (1.0 - mu_product_next))
