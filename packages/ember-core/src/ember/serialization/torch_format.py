"""Reading PyTorch checkpoints (``torch.save``'s zip format, torch >= 1.6) without PyTorch.

The archive holds ``<name>/data.pkl`` (a pickle of the saved object in which
every storage is a persistent id), ``<name>/data/<key>`` (each storage's raw
bytes) and ``<name>/byteorder``. The pickle is read by an unpickler that
knows only the handful of globals a state dict needs, each implemented here;
any other global (a class, ``os.system``, a lambda...) is refused with
:class:`pickle.UnpicklingError` before anything runs.

Tensors are rebuilt from their storage, offset, size and stride and copied, so
views sharing a storage in PyTorch come back as independent tensors.
"""

from __future__ import annotations

import codecs
import collections
import pickle
import zipfile

import ml_dtypes
import numpy as np

from ember import dtypes as _dt
from ember.devices import device
from ember.serialization._common import place, restore_requires_grad
from ember.tensor import Size

ZIP_MAGIC = b"PK\x03\x04"

_STORAGES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": ml_dtypes.bfloat16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
    "ComplexFloatStorage": np.complex64,
    "ComplexDoubleStorage": np.complex128,
}
_DTYPE_NAMES = {  # torch.<name> -> ember dtype, for dtypes pickled by name
    name: getattr(_dt, name)
    for name in [
        *("float32", "float", "float64", "double", "float16", "half", "bfloat16"),
        *("int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "bool"),
        *("complex64", "cfloat", "complex128", "cdouble"),
    ]
}
_BUILTINS = {"set": set, "frozenset": frozenset, "complex": complex, "bytearray": bytearray}
_STRIDED = "strided"  # stands in for torch.strided, the only layout read here


class _StorageType:
    """Stands in for ``torch.FloatStorage`` & co. in the pickle: just a dtype."""

    def __init__(self, name):
        self.name = name
        self.dtype = np.dtype(_STORAGES[name])


class _Storage:
    """One storage read from the archive: a flat array and where it was saved."""

    def __init__(self, array, location):
        self.array = array
        self.location = location


def _refuse(module, name):
    raise pickle.UnpicklingError(
        f"load: refusing to load the global {module}.{name} from a PyTorch file: only "
        "tensors, parameters, plain containers, numbers, strings, dtypes and devices are "
        "allowed (ember never runs code from a checkpoint)"
    )


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles ``data.pkl`` with storages read from the archive and an allow-list of globals."""

    def __init__(self, file, archive, prefix, map_location):
        super().__init__(file)
        self.archive = archive
        self.prefix = prefix
        self.map_location = map_location
        self.byteorder = _byteorder(archive, prefix)
        self.storages: dict = {}

    def find_class(self, module, name):
        if module == "torch._utils":
            found = {
                "_rebuild_tensor_v2": self.rebuild_tensor,
                "_rebuild_parameter": self.rebuild_parameter,
                "_rebuild_parameter_with_state": self.rebuild_parameter,
            }.get(name)
        elif module == "torch":
            found = _torch_global(name)
        elif module == "collections" and name == "OrderedDict":
            found = collections.OrderedDict
        elif module in ("builtins", "__builtin__"):
            found = _BUILTINS.get(name)
        elif module == "_codecs" and name == "encode":
            found = codecs.encode  # how protocol 2 pickles bytes
        elif module == "torch.serialization" and name == "_get_layout":
            found = _get_layout
        else:
            found = None
        if found is None:
            _refuse(module, name)
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"load: unknown persistent id {str(pid)[:80]}")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"load: unsupported storage type {storage_type!r}")
        if key not in self.storages:
            array = self.read_storage(str(key), storage_type.dtype)
            if array.size != numel:
                raise pickle.UnpicklingError(
                    f"load: storage {key!r} holds {array.size} elements, its entry says {numel}"
                )
            self.storages[key] = _Storage(array, str(location))
        return self.storages[key]

    def read_storage(self, key, dtype):
        try:
            raw = self.archive.read(f"{self.prefix}/data/{key}")
        except KeyError:
            raise pickle.UnpicklingError(f"load: the archive has no storage {key!r}") from None
        if len(raw) % dtype.itemsize:
            raise pickle.UnpicklingError(
                f"load: storage {key!r} holds {len(raw)} bytes, not a whole number of "
                f"{dtype.name} elements"
            )
        if self.byteorder == "big" and dtype.itemsize > 1:
            # Swap each real component (complex numbers are two floats).
            part = dtype.itemsize // 2 if dtype.kind == "c" else dtype.itemsize
            swapped = np.frombuffer(raw, dtype=f">u{part}").astype(f"<u{part}")
            return swapped.view(dtype)
        return np.frombuffer(raw, dtype=dtype)

    def rebuild_tensor(
        self,
        storage,
        storage_offset,
        size,
        stride,
        requires_grad=False,
        backward_hooks=None,
        metadata=None,
    ):
        from ember._ops.creation import from_numpy

        if not isinstance(storage, _Storage):
            raise pickle.UnpicklingError("load: a tensor was rebuilt without a storage")
        array = _strided_copy(storage.array, storage_offset, size, stride)
        t = place(from_numpy(array), storage.location, self.map_location)
        return restore_requires_grad(t) if requires_grad else t

    def rebuild_parameter(self, data, requires_grad, backward_hooks, state=None):
        return restore_requires_grad(data) if requires_grad else data


def _torch_global(name):
    if name in _STORAGES:
        return _StorageType(name)
    if name in _DTYPE_NAMES:
        return _DTYPE_NAMES[name]
    return {"Size": Size, "device": device, "strided": _STRIDED}.get(name)


def _get_layout(name):
    if name != "torch.strided":
        raise pickle.UnpicklingError(f"load: unsupported tensor layout {name!r}")
    return _STRIDED


def _ints(value, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise pickle.UnpicklingError(f"load: tensor {what} must be an int, got {value!r}")
    if value < 0:
        raise pickle.UnpicklingError(f"load: tensor {what} must be >= 0, got {value}")
    return value


def _strided_copy(flat, offset, size, stride):
    """The tensor ``(offset, size, stride)`` over ``flat``, bounds-checked, as a new array."""
    offset = _ints(offset, "storage offset")
    if not isinstance(size, tuple) or not isinstance(stride, tuple) or len(size) != len(stride):
        raise pickle.UnpicklingError(f"load: malformed tensor size {size!r} / stride {stride!r}")
    size = tuple(_ints(s, "size") for s in size)
    stride = tuple(_ints(s, "stride") for s in stride)
    if 0 in size:
        return np.empty(size, dtype=flat.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= flat.size:
        # Checked before as_strided, which would otherwise read past the storage.
        raise pickle.UnpicklingError(
            f"load: a tensor of size {size}, stride {stride} and offset {offset} reads past "
            f"its storage of {flat.size} elements"
        )
    item = flat.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        flat[offset:], size, tuple(s * item for s in stride), writeable=False
    )
    return np.array(view)  # a contiguous, writable copy


def _byteorder(archive, prefix):
    try:
        order = archive.read(f"{prefix}/byteorder").decode().strip()
    except KeyError:
        return "little"  # files from before torch recorded it were little-endian
    if order not in ("little", "big"):
        raise RuntimeError(f"load: unknown byte order {order!r} in the archive")
    return order


def _find_prefix(archive):
    names = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(names) != 1:
        raise RuntimeError(
            "load: not a PyTorch checkpoint: expected one '<name>/data.pkl' in the zip archive, "
            f"found {len(names)}"
        )
    return names[0][: -len("/data.pkl")]


def load(fh, map_location=None):
    """The object ``torch.save`` wrote to the zip file ``fh``, with ember tensors."""
    try:
        archive = zipfile.ZipFile(fh)
    except zipfile.BadZipFile as e:
        raise RuntimeError(f"load: the file is not a valid zip archive ({e})") from None
    with archive:
        prefix = _find_prefix(archive)
        with archive.open(f"{prefix}/data.pkl") as pkl:
            unpickler = _RestrictedUnpickler(pkl, archive, prefix, map_location)
            try:
                return unpickler.load()
            except pickle.UnpicklingError:
                raise
            except (EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
                raise pickle.UnpicklingError(f"load: corrupt PyTorch checkpoint ({e})") from None
