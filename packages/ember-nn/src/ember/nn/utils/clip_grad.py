"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_`` and their building blocks."""

from __future__ import annotations

import types
import warnings

import ember
from ember.autograd import no_grad

__all__ = [
    "clip_grad_norm_",
    "clip_grad_norm",
    "clip_grad_value_",
    "get_total_norm",
    "clip_grads_with_norm_",
]


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, ember.Tensor) else list(tensors)


def _check_foreach(foreach) -> None:
    # Ember has no multi-tensor kernels; asking for them explicitly is an error, as in
    # torch on devices without foreach support.
    if foreach:
        raise RuntimeError("foreach=True was passed, but ember has no foreach implementation")


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` taken together, as one 0-d tensor.

    >>> get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
    """
    _check_foreach(foreach)
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return ember.tensor(0.0)
    first_device = tensors[0].device
    with no_grad():
        norms = [ember.linalg.vector_norm(t, norm_type).to(first_device) for t in tensors]
        total = ember.linalg.vector_norm(ember.stack(norms), norm_type)
    if error_if_nonfinite and not bool(ember.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None) -> None:
    """Scale the gradients of ``parameters`` by ``min(1, max_norm / (total_norm + 1e-6))``."""
    _check_foreach(foreach)
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if len(grads) == 0:
        return
    with no_grad():
        coef = ember.clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clip the gradients of ``parameters`` so that their joint norm is at most ``max_norm``.

    ``norm_type`` may be ``float("inf")``. Returns the total norm before clipping.
    With ``error_if_nonfinite``, a nan/inf total norm raises instead of scaling.

    >>> total = clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    if isinstance(parameters, ember.Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn(
                "`parameters` is an empty generator, no gradient clipping will occur.",
                UserWarning,
                stacklevel=2,
            )
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of :func:`clip_grad_norm_`."""
    warnings.warn(
        "`ember.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`ember.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None) -> None:
    """Clamp every gradient of ``parameters`` to ``[-clip_value, clip_value]`` in place."""
    _check_foreach(foreach)
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)
