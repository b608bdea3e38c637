"""Copies, casts and device moves: the ops behind ``to``, ``clone`` and ``copy_``."""

from __future__ import annotations

from ember._ops import Op

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
    return xp.ascontiguousarray(x)


def _copy(xp, dst, src, non_blocking=False):
    """Copy ``src`` into ``self`` in place, broadcasting and casting it."""
    if hasattr(src, "dtype"):
        if type(src) is not type(dst):  # across devices
            src = src.get() if hasattr(src, "get") else xp.asarray(src)
        src = src.astype(dst.dtype, copy=False)
    dst[...] = src
    return dst


to_dtype = Op("to_dtype", _to_dtype, method=False, doc="Cast to another dtype (``Tensor.to``).")
to_device = Op(
    "to_device", _to_device, method=False, moves=True, doc="Move to another device (``Tensor.to``)."
)
clone = Op("clone", _clone)
contiguous = Op("contiguous", _contiguous, view=True)
copy_ = Op("copy_", _copy, inplace=True)
