"""Lazy modules: ``LazyLinear`` and ``LazyConv*``, whose input size comes from the first input.

Their parameters are :class:`~ember.nn.UninitializedParameter` until the first
call (or until a ``state_dict`` with their shapes is loaded); then they are
materialized in place, initialised with the ordinary layer's defaults, and the
module becomes that ordinary layer (``LazyLinear`` becomes ``Linear``).
"""

from __future__ import annotations

from ember.autograd import no_grad
from ember.nn.modules.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from ember.nn.modules.linear import Linear
from ember.nn.parameter import UninitializedParameter, is_lazy

__all__ = [
    "LazyModuleMixin",
    "LazyLinear",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
]


class LazyModuleMixin:
    """Shared by lazy modules: infer the parameters on the first call, then turn into
    ``cls_to_become``. Subclasses define ``initialize_parameters(*args)``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        handle = self.register_forward_pre_hook(self._infer_parameters)
        object.__setattr__(self, "_initialize_hook", handle)

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter or buffer still waits for its shape."""
        tables = (self._parameters.values(), self._buffers.values())
        return any(is_lazy(t) for table in tables for t in table)

    def initialize_parameters(self, *args, **kwargs) -> None:
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {type(self).__name__}"
        )

    @staticmethod
    def _infer_parameters(module, args):
        module.initialize_parameters(*args)
        if module.has_uninitialized_params():
            raise RuntimeError(
                f"module {module._get_name()} has not been fully initialized by its first input"
            )
        module._finish()

    def _finish(self) -> None:
        """Drop the inference hook and become the ordinary layer."""
        self._initialize_hook.remove()
        object.__delattr__(self, "_initialize_hook")
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # A checkpoint knows the shapes: materialize first so the copy can go ahead.
        for name, param in self._parameters.items():
            key = prefix + name
            if is_lazy(param) and key in state_dict:
                with no_grad():
                    param.materialize(state_dict[key].shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        if not self.has_uninitialized_params():
            self._sizes_from_params()

    def _sizes_from_params(self) -> None:
        """Set the input size attributes from the materialized weight."""


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is the last dim of its first input.

    >>> fc = ember.nn.LazyLinear(10)
    >>> fc(ember.randn(2, 7)).shape, type(fc).__name__
    (ember.Size([2, 10]), 'Linear')
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args) -> None:
        """Materialize ``weight (out, input.shape[-1])`` and ``bias``, then initialise them."""
        if not self.has_uninitialized_params():
            return
        if input.ndim == 0:
            raise ValueError("LazyLinear: expected an input with at least 1 dimension, got 0")
        with no_grad():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()

    def _sizes_from_params(self) -> None:
        self.in_features = self.weight.shape[1]


class _LazyConvXdMixin(LazyModuleMixin):
    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _get_in_channels(self, input) -> int:
        nd = self._nd
        if input.ndim not in (nd + 1, nd + 2):
            raise ValueError(
                f"{type(self).__name__}: expected {nd + 1}D (unbatched) or {nd + 2}D (batched) "
                f"input, got input of shape {tuple(input.shape)}"
            )
        return input.shape[1] if input.ndim == nd + 2 else input.shape[0]

    def initialize_parameters(self, input, *args) -> None:
        """Materialize the weight for ``in_channels`` read off the input, then initialise."""
        if not self.has_uninitialized_params():
            return
        in_channels = self._get_in_channels(input)
        if in_channels % self.groups != 0:
            raise ValueError(
                f"{type(self).__name__}: in_channels ({in_channels}) must be divisible by "
                f"groups ({self.groups})"
            )
        with no_grad():
            self.in_channels = in_channels
            self.weight.materialize(self._weight_shape(in_channels))
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _sizes_from_params(self) -> None:
        w = self.weight.shape
        self.in_channels = w[0] if self.transposed else w[1] * self.groups

    def _lazy_init(self, out_channels, bias, device, dtype) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)


class _LazyConv(_LazyConvXdMixin):
    def __init__(
        self,
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
        # Through the mixin's __init__ to the convolution's, with no channels yet.
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
        self._lazy_init(out_channels, bias, device, dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    def __init__(
        self,
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
        super().__init__(
            0,
            0,
            kernel_size,
            stride,
            padding,
            output_padding,
            groups,
            False,
            dilation,
            padding_mode,
        )
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """A ``Conv1d`` whose ``in_channels`` is read off its first input."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """A ``Conv2d`` whose ``in_channels`` is read off its first input.

    >>> conv = ember.nn.LazyConv2d(8, 3)
    >>> conv(ember.randn(1, 5, 6, 6)).shape, conv.weight.shape
    (ember.Size([1, 8, 4, 4]), ember.Size([8, 5, 3, 3]))
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """A ``Conv3d`` whose ``in_channels`` is read off its first input."""

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """A ``ConvTranspose1d`` whose ``in_channels`` is read off its first input."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """A ``ConvTranspose2d`` whose ``in_channels`` is read off its first input."""

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """A ``ConvTranspose3d`` whose ``in_channels`` is read off its first input."""

    cls_to_become = ConvTranspose3d
