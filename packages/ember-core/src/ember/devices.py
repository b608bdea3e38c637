"""Devices: ``cpu`` runs on NumPy, ``cuda``/``cuda:N`` on CuPy.

A :class:`device` owns its array module ``xp`` so that every kernel is written
once against ``xp``. Device objects are interned, so the dispatcher can compare
them by identity.
"""

from __future__ import annotations

import numpy as np

__all__ = ["device"]


def _cupy():
    try:
        import cupy
    except ImportError:
        return None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
    except Exception:  # no driver, no device: CUDA is simply unavailable
        return None
    return cupy


_CUPY = []  # filled on first use: [cupy module or None]


def cupy_module():
    """CuPy when it is installed and sees a GPU, else None (checked once)."""
    if not _CUPY:
        _CUPY.append(_cupy())
    return _CUPY[0]


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor lives: ``device("cpu")``, ``device("cuda")``, ``device("cuda", 1)``.

    >>> ember.device("cuda:1")
    device(type='cuda', index=1)
    """

    __slots__ = ("_xp", "index", "type")
    _interned: dict = {}

    def __new__(cls, type_or_str="cpu", index=None):
        if isinstance(type_or_str, device):
            return type_or_str
        key = (type_or_str, index)
        found = cls._interned.get(key)
        if found is not None:
            return found
        if not isinstance(type_or_str, str):
            raise TypeError(
                f"device: expected a string or a device, got {type(type_or_str).__name__}"
            )
        kind, _, idx = type_or_str.partition(":")
        if idx:
            if index is not None:
                raise ValueError(f"device: index given twice in {type_or_str!r} and {index}")
            if not idx.isdigit():
                raise ValueError(f"device: invalid device string {type_or_str!r}")
            index = int(idx)
        if kind not in ("cpu", "cuda"):
            raise ValueError(f"device: expected 'cpu' or 'cuda[:N]', got {type_or_str!r}")
        if kind == "cuda" and index is None:
            index = 0
        canonical = cls._interned.get((kind, index))
        if canonical is None:
            canonical = object.__new__(cls)
            canonical.type, canonical.index, canonical._xp = kind, index, None
            cls._interned[(kind, index)] = canonical
        cls._interned[key] = canonical
        return canonical

    @property
    def xp(self):
        """The array module for this device (numpy or cupy)."""
        if self._xp is None:
            if self.type == "cpu":
                self._xp = np
            else:
                cp = cupy_module()
                if cp is None:
                    raise RuntimeError(
                        f"device {self}: CUDA is not available (install ember-core[cuda] "
                        "and make sure a GPU is visible)"
                    )
                if self.index >= cp.cuda.runtime.getDeviceCount():
                    raise RuntimeError(
                        f"device {self}: only {cp.cuda.runtime.getDeviceCount()} GPU(s) visible"
                    )
                self._xp = cp
        return self._xp

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return self is other

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


CPU = device("cpu")


def device_of(array) -> device:
    """The device an array lives on."""
    if isinstance(array, np.ndarray):
        return CPU
    return device("cuda", array.device.id)


def as_device(d) -> device:
    if d is None:
        return CPU
    if isinstance(d, int):
        return device("cuda", d)
    return device(d)
