"""Reused per-thread NumPy buffers for kernels' large short-lived temporaries.

A fresh array of a megabyte or more comes from ``mmap``: every page faults on first
touch and goes back to the system when freed. Column buffers of convolutions and the
scaled operand of an in-place ``add_(other, alpha=...)`` are used once and dropped,
so each kernel keeps one buffer per thread (a *slot*) and hands out views of it.
"""

from __future__ import annotations

import threading

import numpy as np

_LOCAL = threading.local()
_LIMIT = 256 << 20  # bytes: larger temporaries are not kept between calls


def scratch(xp, shape, dtype, slot: str):
    """An uninitialised ``shape`` array of ``dtype`` in this thread's ``slot`` buffer.

    Valid until the next ``scratch`` call for the same slot; a fresh array on other
    devices (CuPy pools its memory itself) and above the size limit.
    """
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if xp is not np or nbytes > _LIMIT:
        return xp.empty(shape, dtype)
    buffers = getattr(_LOCAL, "buffers", None)
    if buffers is None:
        buffers = _LOCAL.buffers = {}
    buf = buffers.get(slot)
    if buf is None or buf.nbytes < nbytes:
        buf = buffers[slot] = np.empty(max(nbytes, 1 << 20), np.uint8)
    return buf[:nbytes].view(dtype).reshape(shape)
