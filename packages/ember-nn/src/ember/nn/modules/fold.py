"""``Fold`` and ``Unfold``: sliding blocks to columns (im2col) and back (col2im)."""

from __future__ import annotations

from ember.nn.functional import _layers as F
from ember.nn.module import Module

__all__ = ["Fold", "Unfold"]


def _repr(m) -> str:
    return (
        f"kernel_size={m.kernel_size}, dilation={m.dilation}, padding={m.padding}, "
        f"stride={m.stride}"
    )


class Fold(Module):
    """Sum columns ``(N, C * prod(kernel_size), L)`` into ``(N, C, *output_size)``."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        if getattr(input, "ndim", None) not in (2, 3):
            F.check_dims("Fold", input, (2, 3), "(N, C * prod(kernel_size), L)")
        return F.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + _repr(self)


class Unfold(Module):
    """Sliding blocks of ``(N, C, H, W)`` as columns ``(N, C * prod(kernel_size), L)``.

    >>> ember.nn.Unfold(kernel_size=(2, 3))(ember.randn(2, 5, 3, 4)).shape
    ember.Size([2, 30, 4])
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        if getattr(input, "ndim", None) not in (3, 4):
            F.check_dims("Unfold", input, (3, 4), "(N, C, H, W) or (C, H, W)")
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return _repr(self)
