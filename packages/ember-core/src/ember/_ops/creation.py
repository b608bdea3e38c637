"""Tensor creation: ``tensor``, ``zeros``, ``arange``, ``empty_strided``, ``frombuffer``, the
``Tensor.new_*`` functions, and the ops ``complex``, ``polar`` and ``heaviside``.

The creation functions are plain functions, not ops: they make new leaves from
Python values, so autograd and tracing have nothing to record; each takes
PyTorch's ``dtype``, ``device`` and ``requires_grad``. ``complex``, ``polar``
and ``heaviside`` build tensors from tensors, so they are ops.

Python data follows PyTorch's dtype inference: bools give bool, ints int64,
floats the default dtype, complex numbers the default complex dtype, and
tensors or NumPy values inside lists promote with the rest.
"""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from ember import dtypes as _dt
from ember._ops import Op
from ember.devices import CPU, as_device
from ember.dispatch import wrap
from ember.tensor import Tensor

__all__ = [
    "tensor",
    "as_tensor",
    "asarray",
    "from_numpy",
    "from_dlpack",
    "frombuffer",
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
    "tril_indices",
    "triu_indices",
    "scalar_tensor",
    "empty_strided",
    "complex",
    "polar",
    "heaviside",
]

# Tensor methods made here (ember/__init__.py attaches them to Tensor).
TENSOR_METHODS = ("new_tensor", "new_empty", "new_zeros", "new_ones", "new_full")


def _finish(array, device, requires_grad=False) -> Tensor:
    t = wrap(array, device)
    if requires_grad:
        t.requires_grad = True
    return t


_PY_SCALARS = (builtins.bool, builtins.int, builtins.float, builtins.complex)


def _first_leaf(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def _leaf_dtype(data):
    """PyTorch's dtype for nested data holding tensors or NumPy values: promote every leaf."""
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return _dt.from_numpy(data.dtype)
    if isinstance(data, (list, tuple)):
        found = None
        for x in data:
            d = _leaf_dtype(x)
            found = d if found is None else _dt.promote_types(found, d)
        return found
    return _dt._scalar_dtype(data)


def _ragged(data, dim=0):
    """The first length mismatch in nested ``data``, as PyTorch words it (or None)."""
    if not isinstance(data, (list, tuple)) or not data:
        return None
    first = data[0]
    n = len(first) if isinstance(first, (list, tuple)) else None
    for x in data:
        m = len(x) if isinstance(x, (list, tuple)) else None
        if m != n:
            return f"expected sequence of length {n} at dim {dim + 1} (got {m})"
    for x in data:
        msg = _ragged(x, dim + 1)
        if msg:
            return msg
    return None


def _from_python(data):
    """NumPy array and ember dtype of Python data (nested lists of numbers and tensors)."""
    try:
        arr = np.array(data)
    except (ValueError, TypeError) as e:
        msg = _ragged(data) if isinstance(data, (list, tuple)) else None
        raise ValueError(f"tensor: {msg or e}") from None
    if arr.dtype.kind in "OUSV" and arr.dtype not in _dt.FROM_NUMPY:
        leaf = _first_leaf(data)
        if isinstance(leaf, builtins.int) and not isinstance(leaf, builtins.bool):
            raise ValueError("tensor: integer values overflow int64")
        raise TypeError(
            f"tensor: could not infer a dtype from {type(leaf).__name__} values "
            "(expected numbers, bools, tensors or nested sequences of them)"
        )
    if isinstance(_first_leaf(data), (*_PY_SCALARS, list, tuple)):  # numbers, or empty
        # Python numbers: NumPy's inference, but floats take the default dtype as in PyTorch.
        if arr.dtype == np.uint64:
            raise ValueError("tensor: integer values overflow int64")
        if arr.dtype == np.float64:
            return arr, _dt.get_default_dtype()
        if arr.dtype == np.complex128:
            return arr, _dt.get_default_dtype().to_complex()
        return arr, _dt.from_numpy(arr.dtype)
    return arr, _leaf_dtype(data)


def _to_array(data, device, dtype):
    """``data`` (nested lists, numbers, arrays, tensors) as an array on ``device``."""
    if isinstance(data, Tensor):
        arr = data._data if data.device is device else data.to(device)._data
        return arr if dtype is None else arr.astype(dtype.np)
    if isinstance(data, np.ndarray) or hasattr(data, "__cuda_array_interface__"):
        arr = data
        if dtype is None:
            dtype = _dt.from_numpy(arr.dtype)
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
        dtype = dtype or _dt.from_numpy(arr.dtype)
    else:
        arr, inferred = _from_python(data)
        dtype = dtype or inferred
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


def _buffer_view(buffer):
    """A writable-if-possible, contiguous byte view of a buffer-protocol object."""
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError(
            f"frombuffer: object does not implement Python buffer protocol "
            f"({type(buffer).__name__})"
        ) from None
    if not view.contiguous:
        raise ValueError("frombuffer: could not retrieve buffer from object (not contiguous)")
    if view.readonly:
        warnings.warn(
            "frombuffer: The given buffer is not writable. Ember cannot write through it: "
            "writes to the tensor raise. You may want to copy the buffer or make it "
            "writable before converting it to a tensor.",
            UserWarning,
            stacklevel=3,
        )
    return view.cast("B")


def _buffer_count(nbytes, count, offset, itemsize):
    """The number of elements to read, checked as PyTorch does."""
    if nbytes == 0 or count == 0:
        raise ValueError(
            f"frombuffer: both buffer length ({nbytes}) and count ({count}) must not be 0"
        )
    if not 0 <= offset < nbytes:
        raise ValueError(
            f"frombuffer: offset ({offset} bytes) must be non-negative and no greater than "
            f"buffer length ({nbytes} bytes) minus 1"
        )
    if count < 0:  # the rest of the buffer, in whole elements
        if (nbytes - offset) % itemsize:
            raise ValueError(
                f"frombuffer: buffer length ({nbytes - offset} bytes) after offset ({offset} "
                f"bytes) must be a multiple of element size ({itemsize})"
            )
        return (nbytes - offset) // itemsize
    if offset + count * itemsize > nbytes:
        raise ValueError(
            f"frombuffer: requested buffer length ({count} * {itemsize} bytes) after offset "
            f"({offset} bytes) must not be greater than actual buffer length ({nbytes} bytes)"
        )
    return count


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False) -> Tensor:
    """A 1-D CPU tensor sharing memory with a buffer-protocol object (no copy).

    Args:
        buffer: a contiguous ``bytearray``, ``memoryview``, ``array.array``, ``mmap``...
        dtype: how to read the bytes.
        count: how many elements to read; -1 (any negative) reads to the end.
        offset: where to start, in bytes.

    Writes to the tensor reach the buffer. A read-only buffer (``bytes``) warns, and
    then writes to the tensor raise (PyTorch lets them through to the buffer).

    >>> data = bytearray(8)
    >>> ember.frombuffer(data, dtype=ember.int32).fill_(1)
    tensor([1, 1], dtype=ember.int32)
    >>> data[0], data[4]
    (1, 1)
    """
    dtype = _dt.as_dtype(dtype)
    for value, what in ((count, "count"), (offset, "offset")):
        if isinstance(value, builtins.bool) or not isinstance(value, (builtins.int, np.integer)):
            raise TypeError(f"frombuffer: {what} must be an int, got {type(value).__name__}")
    view = _buffer_view(buffer)
    count = _buffer_count(view.nbytes, builtins.int(count), builtins.int(offset), dtype.itemsize)
    # NumPy's array keeps the view, so the buffer lives as long as the tensor.
    arr = np.frombuffer(view, dtype=dtype.np, count=count, offset=builtins.int(offset))
    return _finish(arr, CPU, requires_grad)


def _shape(size, name="tensor"):
    """``size`` (ints, or one sequence of ints) as a tuple, checked as PyTorch does."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (builtins.int, np.integer)) or isinstance(s, builtins.bool):
            raise TypeError(f"{name}: size must be a sequence of ints, got {tuple(size)!r}")
        if s < 0:
            raise RuntimeError(
                f"{name}: negative dimension {s} in size {tuple(size)}; sizes must be >= 0"
            )
    return tuple(builtins.int(s) for s in size)


def _filled(fill, size, dtype, device, requires_grad, default=None, name="tensor"):
    device = as_device(device)
    dtype = _dt.as_dtype(dtype) if dtype is not None else (default or _dt.get_default_dtype())
    shape = _shape(size, name)
    xp = device.xp
    if fill is None:
        arr = xp.empty(shape, dtype=dtype.np)
    elif fill == 0 and not isinstance(fill, builtins.complex):
        arr = xp.zeros(shape, dtype=dtype.np)  # calloc: no pass over the memory
    else:
        arr = xp.full(shape, fill, dtype=dtype.np)
    return _finish(arr, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    """A tensor of zeros of shape ``size`` (ints, or one sequence of ints).

    >>> ember.zeros(2, 3).shape
    ember.Size([2, 3])
    """
    if out is not None:
        if tuple(out.shape) != _shape(size, "zeros"):
            raise RuntimeError(
                f"zeros: out has shape {tuple(out.shape)}, expected {_shape(size, 'zeros')}"
            )
        return out.zero_()
    return _filled(0, size, dtype, device, requires_grad, name="zeros")


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ones of shape ``size``."""
    return _filled(1, size, dtype, device, requires_grad, name="ones")


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """An uninitialised tensor of shape ``size``."""
    return _filled(None, size, dtype, device, requires_grad, name="empty")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``.

    Without ``dtype``, the dtype follows ``fill_value``: bool, int64, the default
    float dtype or the default complex dtype.
    """
    default = _dt._scalar_dtype(fill_value)
    return _filled(fill_value, _size_arg(size), dtype, device, requires_grad, default, name="full")


def _size_arg(size):
    """A ``size`` argument that PyTorch takes as a sequence (an int is taken too)."""
    if isinstance(size, (builtins.int, np.integer)):
        return (size,)
    try:
        return tuple(size)
    except TypeError:
        raise TypeError(f"size must be a sequence of ints, got {type(size).__name__}") from None


def _like(t, dtype, device):
    return (t.dtype if dtype is None else dtype), (t.device if device is None else device)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Zeros with the shape (and by default dtype and device) of ``input``."""
    d, dev = _like(input, dtype, device)
    return _filled(0, input.shape, d, dev, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Ones with the shape (and by default dtype and device) of ``input``."""
    d, dev = _like(input, dtype, device)
    return _filled(1, input.shape, d, dev, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialised tensor with the shape (and by default dtype and device) of ``input``."""
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
    """``fill_value`` with the shape (and by default dtype and device) of ``input``."""
    d, dev = _like(input, dtype, device)
    return _filled(fill_value, input.shape, d, dev, requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A 0-d tensor holding ``s``, of the default float dtype unless ``dtype`` is given."""
    return _filled(s, (), dtype, device, requires_grad)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """An uninitialised tensor of shape ``size`` with the given strides (in elements).

    >>> ember.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    shape = _shape(_size_arg(size), "empty_strided")
    stride = _size_arg(stride)
    if len(stride) != len(shape):
        raise RuntimeError(
            f"empty_strided: size {shape} and stride {stride} must have the same length"
        )
    if any(not isinstance(s, (builtins.int, np.integer)) or s < 0 for s in stride):
        raise RuntimeError(f"empty_strided: strides must be non-negative ints, got {stride}")
    device = as_device(device)
    dtype = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    extent = 0 if 0 in shape else 1 + builtins.sum((n - 1) * s for n, s in zip(shape, stride))
    xp = device.xp
    buf = xp.empty(extent, dtype=dtype.np)
    item = dtype.itemsize
    arr = xp.lib.stride_tricks.as_strided(buf, shape, tuple(s * item for s in stride))
    return _finish(arr, device, requires_grad)


def _number(name, v):
    if isinstance(v, Tensor):
        return v.item()
    if not isinstance(v, (builtins.int, builtins.float, np.number)):
        raise TypeError(f"{name}: expected a real number, got {type(v).__name__}")
    return v


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``.

    int64 when every argument is an integer, else the default float dtype. The
    values are computed in float64 (int64) and then cast, so float32 ranges have
    exactly ``ceil((end - start) / step)`` elements. With an integer ``dtype``
    and float arguments, values are ``start + i * step`` truncated (PyTorch casts
    the arguments first, inconsistently between dtypes).
    """
    if end is None:
        start, end = 0, start
    vals = [_number("arange", v) for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("arange: step must be nonzero")
    if not all(math.isfinite(v) for v in vals):
        raise RuntimeError(f"arange: unsupported range {vals[0]} -> {vals[1]} (step {vals[2]})")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError(
            f"arange: upper bound and lower bound inconsistent with step sign "
            f"(start={vals[0]}, end={vals[1]}, step={vals[2]})"
        )
    if dtype is None:
        is_int = all(isinstance(v, (builtins.int, np.integer)) for v in vals)
        dtype = _dt.int64 if is_int else _dt.get_default_dtype()
    dtype = _dt.as_dtype(dtype)
    if dtype.category in (_dt.BOOL, _dt.COMPLEX):
        raise RuntimeError(f"arange: dtype {dtype.name} is not supported")
    device = as_device(device)
    n = max(0, math.ceil((vals[1] - vals[0]) / vals[2]))
    xp = device.xp
    if all(isinstance(v, (builtins.int, np.integer)) for v in vals):
        arr = xp.arange(vals[0], vals[0] + n * vals[2], vals[2], dtype=np.int64)  # exact
    else:
        arr = xp.arange(n, dtype=np.float64)
        arr *= vals[2]
        arr += vals[0]
    return _finish(arr.astype(dtype.np, copy=False), device, requires_grad)


def _steps(name, steps):
    if isinstance(steps, builtins.bool) or not isinstance(steps, (builtins.int, np.integer)):
        raise TypeError(f"{name}: steps must be an int, got {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"{name}: number of steps must be non-negative, got {steps}")
    return builtins.int(steps)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Computed in float64 and then cast; integer dtypes truncate, as in PyTorch.
    """
    steps = _steps("linspace", steps)
    start, end = _number("linspace", start), _number("linspace", end)
    device = as_device(device)
    dtype = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    arr = device.xp.linspace(start, end, steps, dtype=np.float64)
    return _finish(arr.astype(dtype.np), device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values from ``base**start`` to ``base**end``, log-evenly spaced."""
    t = linspace(start, end, _steps("logspace", steps), dtype=_dt.float64, device=device)
    dtype = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish((base**t._data).astype(dtype.np), t.device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The ``n x m`` identity matrix (``m`` defaults to ``n``)."""
    for v, what in ((n, "n"), (m, "m")):
        if v is None:
            continue
        if isinstance(v, builtins.bool) or not isinstance(v, (builtins.int, np.integer)):
            raise TypeError(f"eye: {what} must be an int, got {type(v).__name__}")
        if v < 0:
            raise RuntimeError(f"eye: {what} must be greater or equal to 0, got {v}")
    device = as_device(device)
    dtype = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish(device.xp.eye(n, m, dtype=dtype.np), device, requires_grad)


def _triangle_indices(name, pick, row, col, offset, dtype, device):
    for v, what in ((row, "row"), (col, "col"), (offset, "offset")):
        if isinstance(v, builtins.bool) or not isinstance(v, (builtins.int, np.integer)):
            raise TypeError(f"{name}: {what} must be an int, got {type(v).__name__}")
    for v, what in ((row, "row"), (col, "col")):
        if v < 0:
            raise RuntimeError(f"{name}: {what} must be non-negative, got {v}")
    dtype = _dt.as_dtype(dtype)
    if dtype not in (_dt.int32, _dt.int64):
        raise NotImplementedError(
            f"{name}: not implemented for dtype {dtype.name} (int32 or int64)"
        )
    device = as_device(device)
    # NumPy lists them row by row, as PyTorch does.
    rows, cols = pick(builtins.int(row), builtins.int(offset), builtins.int(col))
    return _finish(device.xp.asarray(np.stack([rows, cols]).astype(dtype.np)), device)


def tril_indices(row, col, offset=0, *, dtype=_dt.int64, device=None, layout=None) -> Tensor:
    """The coordinates of the lower triangle (on and below diagonal ``offset``) of a
    ``row x col`` matrix, as a ``(2, N)`` tensor: row indices, then column indices.

    >>> ember.tril_indices(2, 2)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return _triangle_indices("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=_dt.int64, device=None, layout=None) -> Tensor:
    """The coordinates of the upper triangle (on and above diagonal ``offset``) of a
    ``row x col`` matrix, as a ``(2, N)`` tensor; see ``tril_indices``.
    """
    return _triangle_indices("triu_indices", np.triu_indices, row, col, offset, dtype, device)


# ---- Tensor.new_* : new tensors with this tensor's dtype and device by default ------------


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A copy of ``data`` with ``self``'s dtype and device unless given."""
    d, dev = _like(self, dtype, device)
    return tensor(data, dtype=d, device=dev, requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """An uninitialised tensor of shape ``size`` with ``self``'s dtype and device."""
    d, dev = _like(self, dtype, device)
    return _filled(None, size, d, dev, requires_grad, name="new_empty")


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros of shape ``size`` with ``self``'s dtype and device unless given."""
    d, dev = _like(self, dtype, device)
    return _filled(0, size, d, dev, requires_grad, name="new_zeros")


def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Ones of shape ``size`` with ``self``'s dtype and device unless given."""
    d, dev = _like(self, dtype, device)
    return _filled(1, size, d, dev, requires_grad, name="new_ones")


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``fill_value`` in a tensor of shape ``size`` with ``self``'s dtype and device."""
    d, dev = _like(self, dtype, device)
    return _filled(fill_value, _size_arg(size), d, dev, requires_grad, name="new_full")


# ---- ops building tensors from tensors ----------------------------------------------


def _same_float_pair(name, a, b):
    for v, what in ((a, "first"), (b, "second")):
        if not hasattr(v, "dtype"):
            raise TypeError(f"{name}: expected tensors, got {type(v).__name__} as {what} input")
    if a.dtype != b.dtype or a.dtype not in (np.float32, np.float64):
        raise RuntimeError(
            f"{name}: expected both inputs to be float32 or float64 tensors of one dtype, "
            f"got {_dt.from_numpy(a.dtype).name} and {_dt.from_numpy(b.dtype).name}"
        )
    return np.complex64 if a.dtype == np.float32 else np.complex128


def _complex_from_parts(xp, re, im, dtype):
    out = xp.empty(xp.broadcast_shapes(re.shape, im.shape), dtype=dtype)
    # Writing the parts (not re + 1j * im) keeps infinities and nans where they are.
    out.real = re
    out.imag = im
    return out


def _complex(xp, real, imag):
    """A complex tensor with real part ``real`` and imaginary part ``imag`` (broadcast).

    Both must be float32 (giving complex64) or both float64 (giving complex128).
    """
    return _complex_from_parts(xp, real, imag, _same_float_pair("complex", real, imag))


def _polar(xp, abs, angle):
    """The complex tensor ``abs * (cos(angle) + i sin(angle))`` (broadcast).

    Both must be float32 (giving complex64) or both float64 (giving complex128).
    """
    dtype = _same_float_pair("polar", abs, angle)
    return _complex_from_parts(xp, abs * xp.cos(angle), abs * xp.sin(angle), dtype)


def _heaviside(xp, input, values):
    """The Heaviside step: 0 where ``input < 0``, ``values`` where it is 0, 1 where > 0.

    ``input`` and ``values`` are tensors of one real dtype (broadcast). Like
    PyTorch, a nan input gives 0.
    """
    if not hasattr(values, "dtype"):
        raise TypeError(f"heaviside: values must be a tensor, got {type(values).__name__}")
    if input.dtype != values.dtype:
        raise RuntimeError(
            f"heaviside: expected input and values of one dtype, got "
            f"{_dt.from_numpy(input.dtype).name} and {_dt.from_numpy(values.dtype).name}"
        )
    if input.dtype.kind == "c":
        raise RuntimeError("heaviside: complex tensors are not supported")
    return xp.where(input == 0, values, (input > 0).astype(input.dtype))


complex = Op("complex", _complex, nin=2, method=False)
polar = Op("polar", _polar, nin=2, method=False)
heaviside = Op("heaviside", _heaviside, nin=2)
