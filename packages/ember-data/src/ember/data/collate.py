"""``default_collate`` (a list of samples -> one batch) and ``default_convert``.

Both follow torch's rules and dtypes: tensors are stacked; NumPy arrays and
NumPy scalars become tensors of their own dtype; Python ``float`` becomes
float64 and ``int`` int64 (``bool`` stays bool); strings stay as they are;
dicts, namedtuples, tuples and lists are collated field by field (tuples become
lists, as in torch).
"""

from __future__ import annotations

import collections.abc
import copy

import numpy as np

from ember import dtypes as _dt
from ember._ops.creation import as_tensor, tensor
from ember.devices import CPU
from ember.dispatch import wrap
from ember.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_STRING_KINDS = frozenset("SaUO")  # NumPy dtype chars of strings and objects
_COLLATE_TYPES = "tensors, numpy arrays, numbers, dicts or lists"


def default_collate(batch):
    """Collate a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Args:
        batch: a non-empty sequence of samples, all of the same structure.

    Returns:
        The batch: tensors stacked along a new first dimension, numbers as 1-d
        tensors, and containers rebuilt around their collated fields.

    >>> default_collate([(ember.zeros(3), 0), (ember.ones(3), 1)])
    [tensor([[0., 0., 0.], [1., 1., 1.]]), tensor([0, 1])]
    """
    return _collate(batch, "")


def _where(path: str) -> str:
    return f" (at sample{path})" if path else ""


def _collate(batch, path: str):
    if len(batch) == 0:
        raise ValueError(f"default_collate: got an empty batch{_where(path)}")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch, path)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        return _stack_numpy(batch, path)
    if isinstance(elem, float):
        return wrap(np.array(batch, dtype=np.float64), CPU)
    if isinstance(elem, int):
        return _numbers(batch, path)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _collate_mapping(batch, path)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        _check_lengths(batch, path)
        return type(elem)(*(_collate(s, f"{path}.{f}") for f, s in zip(elem._fields, zip(*batch))))
    if isinstance(elem, collections.abc.Sequence):
        return _collate_sequence(batch, path)
    raise TypeError(
        f"default_collate: batch must contain {_COLLATE_TYPES}; found {type(elem)}{_where(path)}"
    )


def _numbers(batch, path: str) -> Tensor:
    """Python ints (and bools): ``ember.tensor(batch)``, so int64, bool, or the default float
    when floats follow an int, as ``torch.tensor`` infers."""
    try:
        return tensor(list(batch))
    except (TypeError, ValueError) as e:
        raise TypeError(f"default_collate: cannot make a tensor of {batch!r}{_where(path)}") from e


def _first_mismatch(shapes) -> int:
    return next(i for i, s in enumerate(shapes) if s != shapes[0])


def _shape_error(shapes, path: str, what: str) -> RuntimeError:
    i = _first_mismatch(shapes)
    return RuntimeError(
        f"default_collate: each {what} in the batch must have the same shape{_where(path)}, "
        f"but got {tuple(shapes[0])} at batch position 0 and {tuple(shapes[i])} at position {i}"
    )


def _stacked(xp, arrays, shapes_of, path: str, what: str):
    """``xp.stack(arrays)`` with torch's dtype promotion and a clear error for ragged batches."""
    dtypes = {a.dtype for a in arrays}
    dtype = None
    if len(dtypes) > 1:
        dt = [_dt.from_numpy(d) for d in dtypes]
        dtype = dt[0]
        for d in dt[1:]:
            dtype = _dt.promote_types(dtype, d)
        dtype = dtype.np
    try:
        return xp.stack(arrays, dtype=dtype, casting="unsafe")
    except ValueError:
        shapes = shapes_of()
        if any(s != shapes[0] for s in shapes):
            raise _shape_error(shapes, path, what) from None
        raise


def _stack_tensors(batch, path: str) -> Tensor:
    device = batch[0]._device
    arrays = []
    for i, t in enumerate(batch):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"default_collate: batch position 0 is a Tensor but position {i} is a "
                f"{type(t).__name__}{_where(path)}"
            )
        if t._device is not device:
            raise RuntimeError(
                f"default_collate: tensors on different devices{_where(path)}: "
                f"{device} at batch position 0 and {t._device} at position {i}"
            )
        arrays.append(t._data)
    return wrap(
        _stacked(device.xp, arrays, lambda: [a.shape for a in arrays], path, "tensor"), device
    )


def _stack_numpy(batch, path: str) -> Tensor:
    arrays = [np.asarray(b) for b in batch]
    for a in arrays:
        if a.dtype.char in _STRING_KINDS:
            raise TypeError(
                f"default_collate: batch must contain {_COLLATE_TYPES}; found {a.dtype}"
                f"{_where(path)}"
            )
    out = _stacked(np, arrays, lambda: [a.shape for a in arrays], path, "array")
    _dt.from_numpy(out.dtype)  # a clear error for dtypes Ember has no tensor type for
    return wrap(out, CPU)


def _check_lengths(batch, path: str) -> None:
    size = len(batch[0])
    for i, elem in enumerate(batch):
        if len(elem) != size:
            raise RuntimeError(
                f"default_collate: each element in list of batch should be of equal size"
                f"{_where(path)}, but got {size} at batch position 0 and {len(elem)} at "
                f"position {i}"
            )


def _collate_mapping(batch, path: str):
    elem = batch[0]
    for i, d in enumerate(batch):
        missing = [k for k in elem if k not in d]
        if missing:
            raise KeyError(
                f"default_collate: key {missing[0]!r} of batch position 0 is missing at "
                f"position {i}{_where(path)}"
            )
    values = {k: _collate([d[k] for d in batch], f"{path}[{k!r}]") for k in elem}
    return _rebuild_mapping(elem, values)


def _rebuild_mapping(elem, values: dict):
    """A container like ``elem`` holding ``values`` (a plain dict when that type can't)."""
    if isinstance(elem, collections.abc.MutableMapping):
        try:
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        except TypeError:
            return values
    try:
        return type(elem)(values)
    except TypeError:
        return values


def _collate_sequence(batch, path: str):
    _check_lengths(batch, path)
    fields = [_collate(s, f"{path}[{i}]") for i, s in enumerate(zip(*batch))]
    return _rebuild_sequence(batch[0], fields)


def _rebuild_sequence(elem, fields: list):
    """Tuples become lists (torch's backwards-compatible choice); other sequences keep
    their type when it can be rebuilt."""
    if isinstance(elem, tuple):
        return fields
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, f in enumerate(fields):
                clone[i] = f
            return clone
        return type(elem)(fields)
    except TypeError:
        return fields


def default_convert(data):
    """Convert NumPy arrays and scalars in ``data`` to tensors, keeping the structure.

    The collate function of a DataLoader with ``batch_size=None`` (no batching).
    Tuples become lists, as in torch; anything else is returned unchanged.
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        if isinstance(data, np.ndarray) and data.dtype.char in _STRING_KINDS:
            return data
        return as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data
