"""``ember.cuda``: whether a GPU can be used, and simple controls over it."""

from __future__ import annotations

from ember.devices import cupy_module

__all__ = ["is_available", "device_count", "synchronize", "current_device"]


def is_available() -> bool:
    """True when CuPy is installed and sees at least one GPU."""
    return cupy_module() is not None


def device_count() -> int:
    """The number of GPUs CuPy sees (0 without CuPy)."""
    cp = cupy_module()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def current_device() -> int:
    cp = cupy_module()
    if cp is None:
        raise RuntimeError("ember.cuda.current_device: CUDA is not available")
    return cp.cuda.runtime.getDevice()


def synchronize(device=None) -> None:
    """Wait for all kernels on ``device`` (default: the current GPU) to finish."""
    cp = cupy_module()
    if cp is None:
        raise RuntimeError("ember.cuda.synchronize: CUDA is not available")
    if device is None:
        cp.cuda.Device().synchronize()
    else:
        from ember.devices import as_device

        cp.cuda.Device(as_device(device).index).synchronize()
