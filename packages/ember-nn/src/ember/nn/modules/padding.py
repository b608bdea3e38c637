"""Padding layers: constant (and zero), reflection, replication and circular, in 1-3 dims.

``padding`` is an int (the same on every side) or a tuple in ``F.pad``'s order:
``(left, right)``, then ``(top, bottom)``, then ``(front, back)``.
"""

from __future__ import annotations

from ember.nn.functional import _layers as F
from ember.nn.module import Module

__all__ = [
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]

_LAYOUTS = {
    1: "(N, C, W) or (C, W)",
    2: "(N, C, H, W) or (C, H, W)",
    3: "(N, C, D, H, W) or (C, D, H, W)",
}


def _sides(layer: str, padding, nd: int) -> tuple:
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * (2 * nd)
    padding = tuple(padding)
    if len(padding) != 2 * nd or not all(isinstance(p, int) for p in padding):
        raise ValueError(
            f"{layer}: expected padding to be an int or a tuple of {2 * nd} ints, got {padding}"
        )
    return padding


class _PadNd(Module):
    _nd = 0
    _mode = ""

    def __init__(self, padding):
        super().__init__()
        self.padding = _sides(type(self).__name__, padding, self._nd)

    def forward(self, input):
        nd = self._nd
        if getattr(input, "ndim", None) not in (nd + 1, nd + 2):
            F.check_dims(type(self).__name__, input, (nd + 1, nd + 2), _LAYOUTS[nd])
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    _mode = "constant"

    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        if getattr(input, "ndim", 0) < self._nd:
            F.check_dims(type(self).__name__, input, range(self._nd, 9), "(*, padded dims)")
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``.

    >>> ember.nn.ConstantPad1d((1, 2), 3.5)(ember.zeros(1, 2)).tolist()
    [[3.5, 0.0, 0.0, 3.5, 3.5]]
    """

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``."""

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros."""

    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros."""

    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros."""

    _nd = 3


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    """Pad the last dim with its reflection (the edge not repeated)."""

    _nd = 1


class ReflectionPad2d(_ReflectionPadNd):
    """Pad the last two dims with their reflection (the edge not repeated)."""

    _nd = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Pad the last three dims with their reflection (the edge not repeated)."""

    _nd = 3


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    """Pad the last dim by repeating its edge value."""

    _nd = 1


class ReplicationPad2d(_ReplicationPadNd):
    """Pad the last two dims by repeating their edge values."""

    _nd = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Pad the last three dims by repeating their edge values."""

    _nd = 3


class _CircularPadNd(_PadNd):
    _mode = "circular"


class CircularPad1d(_CircularPadNd):
    """Pad the last dim by wrapping around (periodic boundary)."""

    _nd = 1


class CircularPad2d(_CircularPadNd):
    """Pad the last two dims by wrapping around (periodic boundary)."""

    _nd = 2


class CircularPad3d(_CircularPadNd):
    """Pad the last three dims by wrapping around (periodic boundary)."""

    _nd = 3
