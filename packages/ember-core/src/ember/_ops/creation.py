"""Tensor creation: ``tensor``, ``zeros``, ``arange``... (plain functions, not ops).

They make new leaves from Python values, so autograd and tracing have nothing
to record; each takes PyTorch's ``dtype``, ``device`` and ``requires_grad``.
"""

from __future__ import annotations

import math

import numpy as np

from ember import dtypes as _dt
from ember.devices import CPU, as_device
from ember.dispatch import wrap
from ember.tensor import Tensor

__all__ = [
    "tensor",
    "as_tensor",
    "asarray",
    "from_numpy",
    "from_dlpack",
    "zeros",
    "ones",
    "full",
    "empty",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "arange",
    "linspace",
    "logspace",
    "eye",
    "scalar_tensor",
]


def _finish(array, device, requires_grad=False) -> Tensor:
    t = wrap(array, device)
    if requires_grad:
        t.requires_grad = True
    return t


def _to_array(data, device, dtype):
    """``data`` (nested lists, numbers, arrays, tensors) as an array on ``device``."""
    if isinstance(data, Tensor):
        arr = data._data if data.device is device else data.to(device)._data
        return arr if dtype is None else arr.astype(dtype.np)
    if isinstance(data, np.ndarray) or hasattr(data, "__cuda_array_interface__"):
        arr = data
    else:
        arr = np.array(data)
        if arr.dtype == object:
            raise TypeError(
                f"tensor: could not infer a dtype from {type(data).__name__} "
                "(ragged nested sequence or unsupported element type?)"
            )
        if dtype is None and not isinstance(data, np.generic):
            # Python floats and complexes take the default dtype, as in PyTorch.
            if arr.dtype == np.float64:
                dtype = _dt.get_default_dtype()
            elif arr.dtype == np.complex128:
                dtype = _dt.get_default_dtype().to_complex()
    if dtype is None:
        dtype = _dt.from_numpy(arr.dtype)
    xp = device.xp
    if xp is np and not isinstance(arr, np.ndarray):
        return arr.get().astype(dtype.np)
    return xp.array(arr, dtype=dtype.np)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    >>> ember.tensor([[1., 2.], [3., 4.]])
    tensor([[1., 2.],
            [3., 4.]])
    """
    dtype = None if dtype is None else _dt.as_dtype(dtype)
    device = as_device(device) if device is not None else _device_of(data)
    arr = _to_array(data, device, dtype)
    if isinstance(data, (np.ndarray, Tensor)) and arr is _raw(data):
        arr = arr.copy()
    return _finish(arr, device, requires_grad)


def _raw(data):
    return data._data if isinstance(data, Tensor) else data


def _device_of(data):
    return data.device if isinstance(data, Tensor) else CPU


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with it when dtype and device allow."""
    dtype = None if dtype is None else _dt.as_dtype(dtype)
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    device = as_device(device)
    if isinstance(data, np.ndarray) and device is CPU:
        arr = data if dtype is None else data.astype(dtype.np, copy=False)
        _dt.from_numpy(arr.dtype)
        return wrap(arr, device)
    return wrap(_to_array(data, device, dtype), device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """Like ``as_tensor``; ``copy=True`` always copies, ``copy=False`` never does."""
    if copy:
        return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)
    t = as_tensor(obj, dtype=dtype, device=device)
    if copy is False and isinstance(obj, np.ndarray) and t._data is not obj:
        raise ValueError("asarray: copy=False but a copy is needed")
    return _finish(t._data, t.device, requires_grad) if requires_grad else t


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with ``array`` (no copy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    _dt.from_numpy(array.dtype)
    return wrap(array, CPU)


def from_dlpack(ext) -> Tensor:
    """A tensor sharing memory with any DLPack-capable array (NumPy, CuPy, PyTorch...)."""
    dev_type, dev_id = ext.__dlpack_device__()
    if dev_type == 1:  # kDLCPU
        return wrap(np.from_dlpack(ext), CPU)
    device = as_device(f"cuda:{dev_id}")
    return wrap(device.xp.from_dlpack(ext), device)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"size must be a sequence of ints, got {size!r}")
        if s < 0:
            raise RuntimeError(f"trying to create tensor with negative dimension {s}: {size!r}")
    return tuple(int(s) for s in size)


def _filled(fill, size, dtype, device, requires_grad, default=None):
    device = as_device(device)
    dtype = _dt.as_dtype(dtype) if dtype is not None else (default or _dt.get_default_dtype())
    xp = device.xp
    arr = (
        xp.full(_shape(size), fill, dtype=dtype.np)
        if fill is not None
        else xp.empty(_shape(size), dtype=dtype.np)
    )
    return _finish(arr, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """A tensor of zeros of shape ``size``."""
    return _filled(0, size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ones of shape ``size``."""
    return _filled(1, size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """An uninitialised tensor of shape ``size``."""
    return _filled(None, size, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    default = _dt._scalar_dtype(fill_value)
    return _filled(fill_value, tuple(size), dtype, device, requires_grad, default)


def _like(t, dtype, device):
    return (t.dtype if dtype is None else dtype), (t.device if device is None else device)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    d, dev = _like(input, dtype, device)
    return _filled(0, input.shape, d, dev, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    d, dev = _like(input, dtype, device)
    return _filled(1, input.shape, d, dev, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    d, dev = _like(input, dtype, device)
    return _filled(None, input.shape, d, dev, requires_grad)


def full_like(
    input,
    fill_value,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
    memory_format=None,
):
    d, dev = _like(input, dtype, device)
    return _filled(fill_value, input.shape, d, dev, requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(s, (), dtype, device, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer args."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign "
            f"(start={vals[0]}, end={vals[1]}, step={vals[2]})"
        )
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in vals)
        dtype = _dt.int64 if is_int else _dt.get_default_dtype()
    dtype = _dt.as_dtype(dtype)
    device = as_device(device)
    n = max(0, math.ceil((vals[1] - vals[0]) / vals[2]))
    # Computed in float64/int64 and then cast, as PyTorch does, so float32 ranges
    # have exactly ceil((end - start) / step) elements.
    arr = (
        vals[0]
        + device.xp.arange(n, dtype=np.float64 if dtype.category >= 2 else np.int64) * vals[2]
    )
    return _finish(arr.astype(dtype.np), device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    device = as_device(device)
    dtype = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    arr = device.xp.linspace(start, end, int(steps), dtype=np.float64)
    return _finish(arr.astype(dtype.np), device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values from ``base**start`` to ``base**end``, log-evenly spaced."""
    t = linspace(start, end, steps, dtype=_dt.float64, device=device)
    dtype = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish((base**t._data).astype(dtype.np), t.device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The ``n x m`` identity matrix."""
    device = as_device(device)
    dtype = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish(device.xp.eye(n, m, dtype=dtype.np), device, requires_grad)
