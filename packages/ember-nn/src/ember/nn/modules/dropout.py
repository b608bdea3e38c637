"""Dropout layers: active in training, the identity in eval, as ``torch.nn``."""

from __future__ import annotations

from ember.nn.functional import _layers as F
from ember.nn.module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    _fn = None
    _dims: tuple = ()
    _layout = ""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        if self._dims and getattr(input, "ndim", None) not in self._dims:
            F.check_dims(type(self).__name__, input, self._dims, self._layout)
        return self._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    >>> drop = ember.nn.Dropout(0.1)
    >>> drop.eval()(x) is x  # the identity in eval
    """

    _fn = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` (or ``(C, L)``) with probability ``p``."""

    _fn = staticmethod(F.dropout1d)
    _dims = (2, 3)
    _layout = "(N, C, L) or (C, L)"


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` (or ``(C, H, W)``) with probability ``p``."""

    _fn = staticmethod(F.dropout2d)
    _dims = (3, 4)
    _layout = "(N, C, H, W) or (C, H, W)"


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) with probability ``p``."""

    _fn = staticmethod(F.dropout3d)
    _dims = (4, 5)
    _layout = "(N, C, D, H, W) or (C, D, H, W)"


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: keeps the input's mean and variance."""

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels."""

    _fn = staticmethod(F.feature_alpha_dropout)
