"""Keep freed CPU memory for reuse: glibc's malloc tuned the way a caching allocator works.

A training step allocates and frees the same large arrays every iteration (gradients,
activations, their temporaries). glibc serves blocks above its ``mmap`` threshold with
fresh mappings and trims the top of the heap back to the system when a few megabytes
there are free; either way the next step faults every page in again. On a 784-512-512-10
MLP that was ~750 page faults and a sixth of the step's time. Fixing the two thresholds
keeps those blocks in the heap, as PyTorch's CPU tuning guide gets by swapping in
jemalloc or tcmalloc. The cost: the process holds on to its peak heap.

``EMBER_MALLOC_TUNING=0`` leaves malloc as it is. Nothing happens on other C libraries.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest; bigger blocks still get their own mapping
TRIM_THRESHOLD = 512 << 20  # free memory at the top of the heap kept up to this much


def tune() -> bool:
    """Set the thresholds once per process; True if glibc accepted them."""
    if os.environ.get("EMBER_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
