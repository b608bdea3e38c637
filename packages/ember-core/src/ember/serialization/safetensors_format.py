"""Ember's checkpoint format: one safetensors file, no pickle.

Tensors are stored under their path in the saved object (``"fc.weight"``,
``"layers.0.bias"``...), so a flat state dict is an ordinary safetensors file
that other tools read. The structure around them (dicts, lists, tuples, plain
Python values, each tensor's dtype, device and ``requires_grad``) is a JSON
document in the header's metadata under ``ember.structure``.

Every tensor is stored as a contiguous copy: views and tensors sharing storage
come back as independent tensors. complex128 (which safetensors lacks) is
stored as float64 pairs and restored from the structure.
"""

from __future__ import annotations

import base64
import collections
import json
import struct

import ml_dtypes
import numpy as np
import safetensors.numpy

from ember import dtypes as _dt
from ember.devices import device
from ember.serialization._common import (
    is_path,
    place,
    restore_requires_grad,
    write_atomically,
)
from ember.tensor import Size, Tensor

STRUCTURE_KEY = "ember.structure"
FORMAT_KEY = "ember.format"
FORMAT_VERSION = "1"

# safetensors dtype codes -> NumPy dtypes (unsigned wider than 8 bits widen to int64 on load).
_CODES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "BF16": ml_dtypes.bfloat16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
    "C64": np.complex64,
    "U16": np.uint16,
    "U32": np.uint32,
    "U64": np.uint64,
}
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the header's size


# ---- save ------------------------------------------------------------------------------


class _Flattener:
    """Turns a Python object into a JSON-able structure plus ``{key: array}``."""

    def __init__(self):
        self.arrays: dict = {}

    def key_for(self, path):
        base = ".".join(path) if path else "tensor"
        key, n = base, 1
        while key in self.arrays:  # e.g. {"a.b": t, "a": {"b": t}}
            key, n = f"{base}#{n}", n + 1
        return key

    def tensor(self, t, path):
        key = self.key_for(path)
        arr = t.detach().cpu()._data
        if not arr.flags.c_contiguous:  # (np.ascontiguousarray would make 0-d arrays 1-d)
            arr = arr.copy(order="C")
        if arr.dtype == np.complex128:  # not a safetensors dtype: float64 (re, im) pairs
            arr = arr.reshape(arr.shape + (1,)).view(np.float64)
        self.arrays[key] = arr
        node = {"key": key, "dtype": t.dtype.name, "device": str(t.device)}
        if t.requires_grad:
            node["requires_grad"] = True
        return {"tensor": node}

    def encode(self, obj, path=()):
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return obj if obj == obj and abs(obj) != float("inf") else {"float": repr(obj)}
        if isinstance(obj, Tensor):
            return self.tensor(obj, path)
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, collections.OrderedDict) else "dict"
            items = [
                [self.encode(k, ("key",)), self.encode(v, (*path, str(k)))] for k, v in obj.items()
            ]
            return {tag: items}
        if isinstance(obj, Size):
            return {"size": list(obj)}
        if isinstance(obj, (list, tuple)):
            tag = "list" if isinstance(obj, list) else "tuple"
            return {tag: [self.encode(v, (*path, str(i))) for i, v in enumerate(obj)]}
        return self.encode_other(obj, path)

    def encode_other(self, obj, path):
        if isinstance(obj, (bytes, bytearray)):
            return {"bytes": base64.b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, complex):
            return {"complex": [repr(obj.real), repr(obj.imag)]}
        if isinstance(obj, _dt.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, device):
            return {"device": str(obj)}
        where = ".".join(path) or "the top level"
        raise TypeError(
            f"save: cannot save a {type(obj).__name__} at {where}: expected tensors, dicts, "
            "lists, tuples, None, bool, int, float, complex, str, bytes, dtypes or devices"
        )


def save(obj, f) -> None:
    """Write ``obj`` to ``f`` (a path, written atomically, or a binary file object)."""
    flat = _Flattener()
    structure = flat.encode(obj)
    metadata = {FORMAT_KEY: FORMAT_VERSION, STRUCTURE_KEY: json.dumps(structure, allow_nan=False)}
    if is_path(f):
        write_atomically(f, lambda tmp: save_file(flat.arrays, tmp, metadata=metadata))
        return
    if not hasattr(f, "write"):
        raise TypeError(f"save: expected a path or a binary file object, got {type(f).__name__}")
    f.write(safetensors.numpy.save(flat.arrays, metadata=metadata))


def save_file(arrays, path, metadata):
    """Write the safetensors file (a seam tests replace to simulate a crash)."""
    safetensors.numpy.save_file(arrays, path, metadata=metadata)


# ---- load ------------------------------------------------------------------------------


def is_safetensors(head: bytes) -> bool:
    """Whether a file starting with ``head`` (at least 9 bytes) looks like safetensors."""
    if len(head) < 9:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return 2 <= n <= _MAX_HEADER and head[8:9] == b"{"


def _read_header(fh):
    base = fh.tell()
    (n,) = struct.unpack("<Q", fh.read(8))
    try:
        header = json.loads(fh.read(n))
    except (UnicodeDecodeError, ValueError):
        raise RuntimeError("load: the safetensors header is not valid JSON") from None
    if not isinstance(header, dict):
        raise RuntimeError("load: the safetensors header is not a JSON object")
    return header, base + 8 + n


def _read_array(fh, name, info, start):
    try:
        code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        dtype = np.dtype(_CODES[code])
    except (KeyError, TypeError, ValueError):
        raise RuntimeError(
            f"load: tensor {name!r} has an unsupported or malformed entry {info!r}"
        ) from None
    if any(not isinstance(s, int) or s < 0 for s in shape):
        raise RuntimeError(f"load: tensor {name!r} has an invalid shape {shape}")
    count = int(np.prod(shape, dtype=np.int64))
    if end - begin != count * dtype.itemsize or begin < 0:
        raise RuntimeError(
            f"load: tensor {name!r} of shape {shape} and dtype {code} needs "
            f"{count * dtype.itemsize} bytes, its offsets give {end - begin}"
        )
    arr = np.empty(count, dtype=dtype)
    fh.seek(start + begin)
    got = fh.readinto(arr.view(np.uint8)) if count else 0
    if got != arr.nbytes:
        raise RuntimeError(f"load: the file is truncated inside tensor {name!r}")
    if dtype.kind == "u" and dtype.itemsize > 1:
        arr = arr.astype(np.int64)  # ember has no uint16/32/64
    return arr.reshape(shape)


def read_arrays(fh):
    """``(metadata, {name: array})`` of the safetensors file at ``fh``'s position."""
    header, start = _read_header(fh)
    metadata = header.pop("__metadata__", None) or {}
    return metadata, {k: _read_array(fh, k, v, start) for k, v in header.items()}


class _Builder:
    """Rebuilds the saved object from the structure and the arrays."""

    def __init__(self, arrays, map_location):
        self.arrays = arrays
        self.map_location = map_location

    def tensor(self, node):
        from ember._ops.creation import from_numpy

        arr = self.arrays[node["key"]]
        dtype = _dt.as_dtype(node["dtype"])
        if dtype is _dt.complex128 and arr.dtype == np.float64:
            arr = arr.view(np.complex128).reshape(arr.shape[:-1])
        elif arr.dtype != dtype.np:
            arr = arr.view(dtype.np) if arr.dtype.itemsize == dtype.itemsize else arr
        t = place(from_numpy(arr), node.get("device", "cpu"), self.map_location)
        return restore_requires_grad(t) if node.get("requires_grad") else t

    def decode(self, node):
        if not isinstance(node, (dict, list)):
            return node
        if isinstance(node, list) or len(node) != 1:
            raise RuntimeError(f"load: malformed structure node {str(node)[:80]}")
        ((tag, value),) = node.items()
        if tag == "tensor":
            return self.tensor(value)
        if tag in ("dict", "odict"):
            kind = dict if tag == "dict" else collections.OrderedDict
            return kind((self.decode(k), self.decode(v)) for k, v in value)
        if tag in ("list", "tuple"):
            items = [self.decode(v) for v in value]
            return items if tag == "list" else tuple(items)
        return _decode_leaf(tag, value)


def _decode_leaf(tag, value):
    if tag == "float":
        return float(value)
    if tag == "bytes":
        return base64.b64decode(value)
    if tag == "complex":
        return complex(float(value[0]), float(value[1]))
    if tag == "size":
        return Size(value)
    if tag == "dtype":
        return _dt.as_dtype(value)
    if tag == "device":
        return device(value)
    raise RuntimeError(f"load: unknown structure tag {tag!r}")


def load(fh, map_location=None):
    """Read an Ember or plain safetensors file; a plain one gives ``{name: tensor}``."""
    metadata, arrays = read_arrays(fh)
    if STRUCTURE_KEY not in metadata:
        builder = _Builder(arrays, map_location)
        return {
            k: builder.tensor({"key": k, "dtype": _dt.from_numpy(a.dtype).name})
            for k, a in arrays.items()
        }
    try:
        structure = json.loads(metadata[STRUCTURE_KEY])
    except ValueError:
        raise RuntimeError("load: the saved structure is not valid JSON") from None
    return _Builder(arrays, map_location).decode(structure)
