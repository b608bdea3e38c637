"""Derivatives of ``ember/_ops/losses.py``. ``nll_loss`` is linear in its input and
``nll_loss_backward`` in its gradient; each is the other's adjoint, so each rule is
the other op (any order of derivatives)."""

from __future__ import annotations

from ember._ops import OPS

DERIVATIVES: dict = {}


def _no_weight_grad(name, weight, needs_input_grad, position):
    # PyTorch has no class-weight derivative either; refuse rather than return zeros
    if weight is not None and len(needs_input_grad) > position and needs_input_grad[position]:
        raise NotImplementedError(f"the derivative of {name} for 'weight' is not implemented")


def _nll_loss(grad, _out, input, target, weight=None, reduction="mean", ignore_index=-100, *,
              needs_input_grad):  # fmt: skip
    _no_weight_grad("nll_loss", weight, needs_input_grad, 2)
    gi = OPS["nll_loss_backward"](grad, input, target, weight, reduction, ignore_index)
    return gi, None, None


def _nll_loss_backward(grad, _out, _g, _input, target, weight=None, reduction="mean",
                       ignore_index=-100, *, needs_input_grad):  # fmt: skip
    _no_weight_grad("nll_loss_backward", weight, needs_input_grad, 3)
    return OPS["nll_loss"](grad, target, weight, reduction, ignore_index), None, None, None


DERIVATIVES["nll_loss"] = _nll_loss
DERIVATIVES["nll_loss_backward"] = _nll_loss_backward
