"""Convolutions: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``, as ``torch.nn``.

Weights are ``(out_channels, in_channels / groups, *kernel_size)`` (transposed:
``(in_channels, out_channels / groups, *kernel_size)``), initialised with
``kaiming_uniform_(a=sqrt(5))``, biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Non-zero ``padding_mode``s pad explicitly with ``F.pad`` and convolve unpadded.
"""

from __future__ import annotations

import math

import ember
from ember.nn import init
from ember.nn.functional import _layers as F
from ember.nn.module import Module
from ember.nn.parameter import Parameter

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_LAYOUTS = {
    1: "(N, C, L) or (C, L)",
    2: "(N, C, H, W) or (C, H, W)",
    3: "(N, C, D, H, W) or (C, D, H, W)",
}
_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _ntuple(layer, arg, value, n):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    value = tuple(value)
    if len(value) == 1:
        value = value * n
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError(
            f"{layer}: expected {arg} to be an int or a tuple of {n} ints, got {value}"
        )
    return value


def _same_pads(kernel_size, dilation):
    """F.pad's list (last dim first) for padding='same': the extra one goes on the right."""
    pads = []
    for d, k in zip(reversed(dilation), reversed(kernel_size)):
        total = d * (k - 1)
        pads += [total // 2, total - total // 2]
    return pads


class _ConvNd(Module):
    """The shared constructor, initialisation, checks and repr of every convolution."""

    _nd = 0

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        transposed,
        output_padding,
        groups,
        bias,
        padding_mode,
        device=None,
        dtype=None,
    ):
        super().__init__()
        name, nd = type(self).__name__, self._nd
        self._check_args(in_channels, out_channels, groups, padding_mode)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(name, "kernel_size", kernel_size, nd)
        self.stride = _ntuple(name, "stride", stride, nd)
        self.dilation = _ntuple(name, "dilation", dilation, nd)
        self.padding = self._padding(padding)
        self.transposed = transposed
        self.output_padding = _ntuple(name, "output_padding", output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(self.padding, str):
            self._reversed_padding_repeated_twice = (
                _same_pads(self.kernel_size, self.dilation)
                if self.padding == "same"
                else [0, 0] * nd
            )
        else:
            self._reversed_padding_repeated_twice = [
                p for p in reversed(self.padding) for _ in "lr"
            ]
        shape = self._weight_shape(in_channels)
        self.weight = Parameter(ember.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(ember.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _weight_shape(self, in_channels) -> tuple:
        """``(out, in / groups, *kernel_size)``, or ``(in, out / groups, ...)`` transposed."""
        if self.transposed:
            chans = (in_channels, self.out_channels // self.groups)
        else:
            chans = (self.out_channels, in_channels // self.groups)
        return (*chans, *self.kernel_size)

    def _check_args(self, in_channels, out_channels, groups, padding_mode):
        name = type(self).__name__
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups != 0:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})"
            )
        if out_channels % groups != 0:
            raise ValueError(
                f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of {set(_PADDING_MODES)}, but got "
                f"padding_mode='{padding_mode}'"
            )

    def _padding(self, padding):
        name = type(self).__name__
        if not isinstance(padding, str):
            return _ntuple(name, "padding", padding, self._nd)
        if padding not in ("same", "valid"):
            raise ValueError(
                f"{name}: invalid padding string {padding!r}, should be one of {{'same', 'valid'}}"
            )
        if padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        return padding

    def reset_parameters(self) -> None:
        """Re-draw the weight and bias from PyTorch's default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input):
        nd = self._nd
        if not isinstance(input, ember.Tensor) or input.ndim not in (nd + 1, nd + 2):
            F.check_dims(type(self).__name__, input, (nd + 1, nd + 2), _LAYOUTS[nd])
        if input.shape[-nd - 1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__}: expected input with {self.in_channels} channels "
                f"(in_channels) in dim {-nd - 1}, got shape {tuple(input.shape)}"
            )

    def extra_repr(self) -> str:
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        s += f", stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            False,
            0,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _conv_forward(self, input, weight, bias):
        conv = _CONV[self._nd]
        if self.padding_mode != "zeros":
            mode = self.padding_mode
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=mode)
            return conv(input, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        self._check_input(input)
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over ``(N, C_in, L)``; ``weight`` is ``(C_out, C_in/groups, k)``.

    ``padding`` may be an int, a tuple, ``'valid'`` or ``'same'``; ``padding_mode``
    is ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
    """

    _nd = 1


class Conv2d(_Conv):
    """2-D convolution over ``(N, C_in, H, W)``; ``weight`` is ``(C_out, C_in/groups, kH, kW)``.

    >>> ember.nn.Conv2d(3, 8, 3, padding=1)(ember.randn(1, 3, 5, 5)).shape
    ember.Size([1, 8, 5, 5])
    """

    _nd = 2


class Conv3d(_Conv):
    """3-D convolution over ``(N, C_in, D, H, W)``."""

    _nd = 3


class _ConvTranspose(_ConvNd):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ):
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for {type(self).__name__}, got '
                f"{padding_mode!r}"
            )
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple")
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            True,
            output_padding,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _output_padding(self, input, output_size):
        """The output_padding that gives ``output_size`` (or the module's own)."""
        if output_size is None:
            return self.output_padding
        nd, name = self._nd, type(self).__name__
        lead = 2 if input.ndim == nd + 2 else 1
        output_size = tuple(output_size)
        if len(output_size) == lead + nd:
            output_size = output_size[lead:]
        if len(output_size) != nd:
            raise ValueError(
                f"{name}: for {input.ndim}D input, output_size must have {nd} or {lead + nd} "
                f"elements (got {len(output_size)})"
            )
        mins = [
            (input.shape[lead + d] - 1) * self.stride[d]
            - 2 * self.padding[d]
            + self.dilation[d] * (self.kernel_size[d] - 1)
            + 1
            for d in range(nd)
        ]
        maxs = [m + s - 1 for m, s in zip(mins, self.stride)]
        for size, lo, hi in zip(output_size, mins, maxs):
            if not lo <= size <= hi:
                raise ValueError(
                    f"{name}: requested an output size of {list(output_size)}, but valid sizes "
                    f"range from {mins} to {maxs} (for an input of {list(input.shape[lead:])})"
                )
        return tuple(size - lo for size, lo in zip(output_size, mins))

    def forward(self, input, output_size=None):
        self._check_input(input)
        output_padding = self._output_padding(input, output_size)
        return _CONV_T[self._nd](
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution; ``weight`` is ``(C_in, C_out/groups, k)``."""

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution; ``forward(input, output_size=None)`` resolves the
    ambiguity of strided outputs through ``output_size``."""

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-D convolution; ``weight`` is ``(C_in, C_out/groups, kD, kH, kW)``."""

    _nd = 3
