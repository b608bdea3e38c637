"""Stochastic weight averaging and EMA: ``AveragedModel``, ``SWALR``, ``update_bn``.

>>> swa_model = AveragedModel(model)
>>> swa_sched = SWALR(opt, swa_lr=0.05)
>>> for epoch in range(epochs):
...     train_one_epoch(model, opt)
...     if epoch >= swa_start:
...         swa_model.update_parameters(model)
...         swa_sched.step()
>>> update_bn(loader, swa_model)
"""

from __future__ import annotations

import itertools
import math
import warnings
from copy import deepcopy

import ember
from ember.autograd import no_grad
from ember.nn.module import Module
from ember.optim.lr_scheduler import LRScheduler, _format_param

__all__ = [
    "AveragedModel",
    "SWALR",
    "update_bn",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place exponential moving average over lists of tensors (for ``multi_avg_fn``)."""
    _check_decay(decay)

    def ema_update(ema_params, current_params, _num_averaged):
        with no_grad():
            for p_ema, p_model in zip(ema_params, current_params):
                if p_ema.is_floating_point() or p_ema.is_complex():
                    p_ema.lerp_(p_model, 1 - decay)
                else:
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """An in-place running mean over lists of tensors (for ``multi_avg_fn``)."""

    def swa_update(averaged_params, current_params, num_averaged):
        n = num_averaged.item() if isinstance(num_averaged, ember.Tensor) else num_averaged
        with no_grad():
            for p_avg, p_model in zip(averaged_params, current_params):
                if p_avg.is_floating_point() or p_avg.is_complex():
                    p_avg.lerp_(p_model, 1 / (n + 1))
                else:
                    p_avg.add_(p_model - p_avg, alpha=1.0 / (n + 1))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """``avg_fn`` for an exponential moving average: ``decay * avg + (1 - decay) * new``."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """``avg_fn`` for the running mean: ``avg + (new - avg) / (n + 1)``."""

    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are an average of ``model``'s over time.

    By default the running (SWA) mean; pass ``avg_fn`` (per tensor, returns the new
    average) or ``multi_avg_fn`` (in place over lists), e.g.
    ``multi_avg_fn=get_ema_multi_avg_fn(0.999)`` for an EMA. ``use_buffers`` averages
    buffers too (instead of copying them). Its ``state_dict`` holds ``n_averaged`` and
    ``module.*`` as torch's does.
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        n = ember.tensor(0, dtype=ember.int64)
        self.register_buffer("n_averaged", n.to(device) if device is not None else n)
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _pairs(self, model):
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        return [(a.detach(), b.detach().to(a.device)) for a, b in zip(mine, theirs)]

    def update_parameters(self, model) -> None:
        """Fold ``model``'s current parameters into the average (the first call copies)."""
        pairs = self._pairs(model)
        n = self.n_averaged.item()
        with no_grad():
            if n == 0:
                for avg, new in pairs:
                    avg.copy_(new)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn([a for a, _ in pairs], [b for _, b in pairs], self.n_averaged)
            else:
                avg_fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
                for avg, new in pairs:
                    avg.copy_(avg_fn(avg, new, self.n_averaged.to(avg.device)))
            if not self.use_buffers:
                for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                    b_swa.copy_(b_model.detach().to(b_swa.device))
            self.n_averaged.add_(1)


def _is_batchnorm(module) -> bool:
    from ember.nn.modules.normalization import _BatchNorm

    return isinstance(module, _BatchNorm)


def update_bn(loader, model, device=None) -> None:
    """Recompute BatchNorm running statistics with one pass over ``loader``.

    Uses a cumulative average (``momentum=None``) so every batch counts equally;
    batches that are lists or tuples contribute their first element.
    """
    momenta = {}
    for module in model.modules():
        if _is_batchnorm(module):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to ``swa_lr`` over ``anneal_epochs``, then hold it.

    ``anneal_strategy`` is ``"cos"`` or ``"linear"``.
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use "
                "`get_last_lr()`.",
                UserWarning,
                stacklevel=2,
            )
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        groups = self.optimizer.param_groups
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
