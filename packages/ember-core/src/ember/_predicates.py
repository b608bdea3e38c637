"""PyTorch's top-level questions about a tensor: ``ember.is_tensor(x)``,
``ember.is_complex(x)``, ``ember.numel(x)``... (each but ``is_tensor`` is also a
``Tensor`` method)."""

from __future__ import annotations

from ember.tensor import Tensor

__all__ = ["is_tensor", "is_complex", "is_floating_point", "is_nonzero", "numel"]


def _tensor(name, obj) -> Tensor:
    if not isinstance(obj, Tensor):
        raise TypeError(f"{name}: argument 'input' must be a Tensor, got {type(obj).__name__}")
    return obj


def is_tensor(obj) -> bool:
    """True if ``obj`` is an ember ``Tensor``."""
    return isinstance(obj, Tensor)


def is_complex(input) -> bool:
    """True if ``input``'s dtype is complex."""
    return _tensor("is_complex", input).is_complex()


def is_floating_point(input) -> bool:
    """True if ``input``'s dtype is a float (float16, bfloat16, float32 or float64)."""
    return _tensor("is_floating_point", input).is_floating_point()


def is_nonzero(input) -> bool:
    """The truth of a one-element tensor; more or fewer elements raise."""
    return _tensor("is_nonzero", input).is_nonzero()


def numel(input) -> int:
    """The number of elements of ``input``."""
    return _tensor("numel", input).numel()
