"""Channel rearrangements: ``PixelShuffle``, ``PixelUnshuffle`` and ``ChannelShuffle``."""

from __future__ import annotations

from ember.nn.functional import _layers as F
from ember.nn.module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]


class PixelShuffle(Module):
    """``(*, C * r**2, H, W)`` to ``(*, C, H * r, W * r)``, for sub-pixel convolutions.

    >>> ember.nn.PixelShuffle(2)(ember.randn(1, 8, 3, 3)).shape
    ember.Size([1, 2, 6, 6])
    """

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        r = self.upscale_factor
        if getattr(input, "ndim", 0) < 3:
            F.check_dims("PixelShuffle", input, (3, 4, 5), "(*, C * r**2, H, W)")
        if input.shape[-3] % (r * r):
            raise ValueError(
                f"PixelShuffle: expected input with channels (dim -3) divisible by "
                f"upscale_factor**2 = {r * r}, got shape {tuple(input.shape)}"
            )
        return F.pixel_shuffle(input, r)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H * r, W * r)`` to ``(*, C * r**2, H, W)``: the inverse of ``PixelShuffle``."""

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        r = self.downscale_factor
        if getattr(input, "ndim", 0) < 3:
            F.check_dims("PixelUnshuffle", input, (3, 4, 5), "(*, C, H * r, W * r)")
        if input.shape[-2] % r or input.shape[-1] % r:
            raise ValueError(
                f"PixelUnshuffle: expected height and width divisible by downscale_factor={r}, "
                f"got shape {tuple(input.shape)}"
            )
        return F.pixel_unshuffle(input, r)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of ``(N, C, *)`` across ``groups`` (ShuffleNet)."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
