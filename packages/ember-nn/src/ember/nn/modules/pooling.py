"""Pooling layers: max, average, Lp, adaptive, and max-unpooling, as ``torch.nn``."""

from __future__ import annotations

from ember.nn.functional import _layers as F
from ember.nn.module import Module

__all__ = [
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
]

_LAYOUTS = {
    1: "(N, C, L) or (C, L)",
    2: "(N, C, H, W) or (C, H, W)",
    3: "(N, C, D, H, W) or (C, D, H, W)",
}


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


class _PoolNd(Module):
    """Shared by every pooling layer: the input check on ``nd`` spatial dims, and the
    window attributes (``kernel_size``, ``stride`` defaulting to it, ``padding``)."""

    _nd = 0

    def _set_window(self, kernel_size, stride, padding, as_tuples=False):
        if stride is None:
            stride = kernel_size
        if as_tuples:
            kernel_size, stride, padding = (
                _tuple(v, self._nd) for v in (kernel_size, stride, padding)
            )
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def _check(self, input):
        nd = self._nd
        if getattr(input, "ndim", None) not in (nd + 1, nd + 2):
            F.check_dims(type(self).__name__, input, (nd + 1, nd + 2), _LAYOUTS[nd])


class _MaxPoolNd(_PoolNd):
    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices=False,
        ceil_mode=False,
    ):
        super().__init__()
        self._set_window(kernel_size, stride, padding)
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        self._check(input)
        return self._fn(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, L)``; ``return_indices`` for ``MaxUnpool1d``."""

    _nd = 1
    _fn = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, H, W)``.

    ``stride`` defaults to ``kernel_size``; ``ceil_mode`` keeps a last partial window;
    ``return_indices`` also returns the flat ``H * W`` index of each maximum.
    """

    _nd = 2
    _fn = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of ``(N, C, D, H, W)``."""

    _nd = 3
    _fn = staticmethod(F.max_pool3d)


class _MaxUnpoolNd(_PoolNd):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self._set_window(kernel_size, stride, padding, as_tuples=True)

    def forward(self, input, indices, output_size=None):
        self._check(input)
        if tuple(indices.shape) != tuple(input.shape):
            raise ValueError(
                f"{type(self).__name__}: expected indices of the input's shape "
                f"{tuple(input.shape)}, got {tuple(indices.shape)}"
            )
        return self._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of ``MaxPool1d``: maxima back at their indices, zeros elsewhere."""

    _nd = 1
    _fn = staticmethod(F.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of ``MaxPool2d``; ``output_size`` resolves ambiguous sizes.

    >>> out, idx = ember.nn.MaxPool2d(2, return_indices=True)(x)
    >>> ember.nn.MaxUnpool2d(2)(out, idx, output_size=x.shape)
    """

    _nd = 2
    _fn = staticmethod(F.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of ``MaxPool3d``."""

    _nd = 3
    _fn = staticmethod(F.max_unpool3d)


class AvgPool1d(_PoolNd):
    """Mean over sliding windows of ``(N, C, L)``."""

    _nd = 1

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
    ):
        super().__init__()
        self._set_window(kernel_size, stride, padding, as_tuples=True)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        self._check(input)
        return F.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )


class _AvgPoolNd(_PoolNd):
    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
    ):
        super().__init__()
        self._set_window(kernel_size, stride, padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        self._check(input)
        return self._fn(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of ``(N, C, H, W)``.

    ``count_include_pad`` counts padded zeros in the divisor; ``divisor_override``
    replaces the divisor.
    """

    _nd = 2
    _fn = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of ``(N, C, D, H, W)``."""

    _nd = 3
    _fn = staticmethod(F.avg_pool3d)


class _LPPoolNd(_PoolNd):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input):
        self._check(input)
        return self._fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """``(sum over the window of x**p) ** (1/p)`` over ``(N, C, L)``."""

    _nd = 1
    _fn = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """``(sum over the window of x**p) ** (1/p)`` over ``(N, C, H, W)``."""

    _nd = 2
    _fn = staticmethod(F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """``(sum over the window of x**p) ** (1/p)`` over ``(N, C, D, H, W)``."""

    _nd = 3
    _fn = staticmethod(F.lp_pool3d)


class _AdaptivePoolNd(_PoolNd):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        self._check(input)
        return self._fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Average pooling to a fixed output length, whatever the input's."""

    _nd = 1
    _fn = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a fixed ``output_size`` (an int, a pair; None keeps that dim).

    >>> ember.nn.AdaptiveAvgPool2d((1, 1))(ember.randn(2, 8, 7, 5)).shape
    ember.Size([2, 8, 1, 1])
    """

    _nd = 2
    _fn = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Average pooling of ``(N, C, D, H, W)`` to a fixed ``output_size``."""

    _nd = 3
    _fn = staticmethod(F.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        self._check(input)
        return self._fn(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed output length; ``return_indices`` as ``MaxPool1d``."""

    _nd = 1
    _fn = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``output_size``; ``return_indices`` as ``MaxPool2d``."""

    _nd = 2
    _fn = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling of ``(N, C, D, H, W)`` to a fixed ``output_size``."""

    _nd = 3
    _fn = staticmethod(F.adaptive_max_pool3d)
