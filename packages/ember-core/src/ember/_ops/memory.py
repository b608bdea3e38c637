"""Copies, casts and device moves: the ops behind ``to``, ``clone`` and ``copy_``."""

from __future__ import annotations

from ember._ops import Op
from ember.dispatch import expect_no_internal_overlap

__all__ = ["clone", "contiguous"]


def _to_dtype(xp, x, dtype):
    return x.astype(dtype.np)


def _to_device(xp, x, data, device):
    return data  # the transfer happened in Tensor.to; this op records it


def _clone(xp, x, *, memory_format=None):
    """A copy of ``input`` with its own storage."""
    return x.copy()


def _contiguous(xp, x, memory_format=None):
    """``input`` itself if it is C-contiguous, else a contiguous copy."""
    # Not xp.ascontiguousarray: it turns 0-d arrays into 1-d ones.
    return x if x.flags.c_contiguous else x.copy(order="C")


def _copy(xp, dst, src, non_blocking=False):
    """Copy ``src`` into ``self`` in place, broadcasting and casting it."""
    expect_no_internal_overlap("copy_", dst)
    if hasattr(src, "dtype"):
        if type(src) is not type(dst):  # across devices
            src = src.get() if hasattr(src, "get") else xp.asarray(src)
        src = src.astype(dst.dtype, copy=False)
    dst[...] = src
    return dst


def _fill_(xp, x, value):
    """Fill ``self`` with ``value`` (a number or a 0-d tensor) in place.

    Allowed on an expanded view, as in PyTorch: every element gets the same value.
    """
    if hasattr(value, "ndim"):
        if value.ndim != 0:
            raise RuntimeError(
                f"fill_: only supports a 0-dimension value tensor, but got one with "
                f"{value.ndim} dimension(s)"
            )
        if type(value) is not type(x):  # a CPU value into a GPU tensor, or back
            value = value.get() if hasattr(value, "get") else xp.asarray(value)
    elif isinstance(value, complex) and x.dtype.kind != "c":
        raise RuntimeError(f"fill_: cannot fill a {x.dtype} tensor with a complex value")
    elif not isinstance(value, (bool, int, float, complex)):
        raise TypeError(
            f"fill_: value must be a number or a 0-d tensor, got {type(value).__name__}"
        )
    x.fill(value)
    return x


def _zero_(xp, x):
    """Fill ``self`` with zeros in place (an expanded view too, as ``fill_``)."""
    x.fill(0)
    return x


to_dtype = Op("to_dtype", _to_dtype, method=False, doc="Cast to another dtype (``Tensor.to``).")
to_device = Op(
    "to_device", _to_device, method=False, moves=True, doc="Move to another device (``Tensor.to``)."
)
clone = Op("clone", _clone)
contiguous = Op("contiguous", _contiguous, view=True)
copy_ = Op("copy_", _copy, inplace=True)
fill_ = Op("fill_", _fill_, inplace=True)
zero_ = Op("zero_", _zero_, inplace=True)
