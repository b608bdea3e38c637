"""Flatten parameters into one vector and back (``parameters_to_vector``...)."""

from __future__ import annotations

import ember

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_device(param, seen):
    if seen is not None and param.device != seen:
        raise TypeError(
            "Found two parameters on different devices, this is currently not supported."
        )
    return param.device


def parameters_to_vector(parameters) -> ember.Tensor:
    """One 1-D tensor holding every parameter, flattened, in order (differentiable).

    >>> vec = parameters_to_vector(model.parameters())
    """
    device = None
    views = []
    for p in parameters:
        device = _check_device(p, device)
        views.append(p.reshape(-1))
    return ember.cat(views)


def vector_to_parameters(vec, parameters) -> None:
    """Point every parameter's data at its slice of ``vec`` (the inverse of the above)."""
    if not isinstance(vec, ember.Tensor):
        raise TypeError(f"expected ember.Tensor, but got: {type(vec).__name__}")
    device = None
    pointer = 0
    for p in parameters:
        device = _check_device(p, device)
        n = p.numel()
        if pointer + n > vec.numel():
            raise ValueError(
                f"vector_to_parameters: vec has {vec.numel()} elements, fewer than the "
                f"parameters need ({pointer + n} at least)"
            )
        p.data = vec[pointer : pointer + n].view_as(p).data
        pointer += n
