"""Tensor's view and indexing methods (``view``, ``T``, ``mT``, ``x[i]``, ``x[i] = v``...).

Kept apart from :mod:`ember.tensor` for size; ``Tensor`` inherits them. The ops they
call are in ``ember._ops.shape`` and ``ember._ops.indexing``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ember import dispatch as _dispatch
from ember import dtypes as _dt

if TYPE_CHECKING:
    from ember.tensor import Tensor

OPS: dict = {}  # filled by ember.tensor.install_methods


class ViewMethods:
    """The view and indexing methods of :class:`ember.Tensor`."""

    __slots__ = ()

    def view(self, *shape, dtype=None) -> Tensor:
        """A view sharing this tensor's memory: with a new shape (``x.view(2, -1)``), or
        of its bytes as another dtype (``x.view(ember.int32)``). Never copies.

        Raises:
            RuntimeError: the strides make a view of that shape impossible (use
                ``reshape``), or the dtypes' sizes don't fit the last dim.
        """
        if dtype is None and len(shape) == 1 and isinstance(shape[0], _DTYPE_TYPES):
            dtype = shape[0]
        if dtype is not None:
            return OPS["view_dtype"](self, _dt.as_dtype(dtype))
        return OPS["view"](self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        """``self.view(other.shape)``."""
        return OPS["view"](self, tuple(other.shape))

    def reshape_as(self, other: Tensor) -> Tensor:
        """``self.reshape(other.shape)``."""
        return OPS["reshape"](self, tuple(other.shape))

    def expand_as(self, other: Tensor) -> Tensor:
        """``self.expand(other.shape)``: a view broadcast to ``other``'s shape."""
        return OPS["expand"](self, tuple(other.shape))

    @property
    def T(self) -> Tensor:
        """A view with the dims reversed (the transpose of a matrix).

        PyTorch deprecates ``T`` for tensors that are not 2-D; here it works without a
        warning for any number of dims (prefer ``mT`` for batches of matrices).
        """
        return OPS["permute"](self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """A view with the last two dims swapped (a batch of transposed matrices)."""
        if self._data.ndim < 2:
            raise RuntimeError(
                f"tensor.mT is only supported on matrices or batches of matrices. "
                f"Got {self._data.ndim}-D tensor."
            )
        return OPS["transpose"](self, -2, -1)

    @property
    def H(self) -> Tensor:
        """The conjugate transpose of a matrix (of a 0-D tensor, its conjugate)."""
        if self._data.ndim == 1 or self._data.ndim > 2:
            raise RuntimeError(
                f"tensor.H is only supported on matrices (2-D tensors). Got "
                f"{self._data.ndim}-D tensor; for batches of matrices use tensor.mH"
            )
        return _conj(self.T)

    @property
    def mH(self) -> Tensor:
        """The conjugate transpose of a batch of matrices (the last two dims)."""
        if self._data.ndim < 2:
            raise RuntimeError(
                f"tensor.mH is only supported on matrices or batches of matrices. "
                f"Got {self._data.ndim}-D tensor."
            )
        return _conj(self.mT)

    def __getitem__(self, index) -> Tensor:
        """``x[index]`` as in PyTorch: basic indices give views, tensor indices copies."""
        if type(index) not in _PLAIN_INDEX:
            index = _unwrap_index(index, self._device)
        return OPS["getitem"](self, index)

    def __setitem__(self, index, value) -> None:
        """``x[index] = value`` in place; ``value`` is a number or a tensor broadcast to
        the indexed shape and cast to this tensor's dtype.
        """
        if type(index) not in _PLAIN_INDEX:
            index = _unwrap_index(index, self._device)
        if (
            isinstance(value, _dispatch.Tensor)
            and value._device is not self._device
            and not value.ndim
        ):
            value = value.item()  # a 0-d tensor may come from another device, as in PyTorch
        OPS["setitem"](self, index, value)


_DTYPE_TYPES = (_dt.dtype, np.dtype, type)
_PLAIN_INDEX = (int, slice, type(None), type(Ellipsis))  # no tensors to unwrap in these


def _unwrap_index(index, device):
    """``index`` with each tensor replaced by its array on ``device`` (the dispatcher
    unwraps only top-level tensors). A 0-d integer tensor becomes an int: it selects,
    giving a view, as in PyTorch.
    """
    if type(index) is tuple:
        return tuple(_unwrap_index_item(i, device) for i in index)
    return _unwrap_index_item(index, device)


def _unwrap_index_item(item, device):
    if isinstance(item, _dispatch.Tensor):
        if item._data.ndim == 0 and item.dtype.category == _dt.INTEGRAL:
            return int(item.item())
        return item._data if item._device is device else item.to(device)._data
    if type(item) is list and any(isinstance(i, _dispatch.Tensor) for i in item):
        return [_unwrap_index_item(i, device) for i in item]
    return item


def _conj(t):
    """The complex conjugate of ``t``; real tensors are returned as they are."""
    if t.dtype.category != _dt.COMPLEX:
        return t
    if "conj" not in OPS:
        raise NotImplementedError("the conjugate transpose of a complex tensor needs the conj op")
    return OPS["conj"](t)
