"""Derivatives of ``ember/_ops/random.py``: samples carry no gradient to their
parameters (as in PyTorch: the result requires grad, the gradient is zero)."""

from __future__ import annotations

from ember.autograd.rules import NOT_DIFFERENTIABLE

DERIVATIVES: dict = {}


def _nothing(grad, _out, *_args, **_kwargs):
    return ()


for _name in (
    "normal",
    "bernoulli",
    "poisson",
    "uniform_",
    "normal_",
    "bernoulli_",
    "exponential_",
    "geometric_",
    "log_normal_",
    "cauchy_",
    "random_",
):
    DERIVATIVES[_name] = _nothing
DERIVATIVES["multinomial"] = NOT_DIFFERENTIABLE
