"""Stochastic gradient descent, optionally with momentum (``torch.optim.SGD``)."""

from __future__ import annotations

from ember.optim.optimizer import Optimizer, to_scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    """Implements stochastic gradient descent (optionally with momentum).

    Same update as ``torch.optim.SGD``: ``g = grad + weight_decay * p``; with momentum
    ``b = momentum * b + (1 - dampening) * g`` (``b = g`` on the first step) and
    ``g = g + momentum * b`` (Nesterov) or ``g = b``; then ``p -= lr * g``.

    >>> opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach=None,
        differentiable: bool = False,
        fused=None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform a single optimization step; returns ``closure()``'s loss if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = to_scalar(group["lr"])
            momentum = group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad if not group["maximize"] else -p.grad
                if group["weight_decay"] != 0:
                    grad = grad.add(p, alpha=group["weight_decay"])
                if momentum != 0:
                    grad = self._momentum(p, grad, group)
                p.add_(grad, alpha=-lr)
        return loss

    def _momentum(self, p, grad, group):
        state = self.state[p]
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = grad.detach().clone()
            state["momentum_buffer"] = buf
        else:
            buf.mul_(group["momentum"]).add_(grad, alpha=1 - group["dampening"])
        if group["nesterov"]:
            return grad.add(buf, alpha=group["momentum"])
        return buf
