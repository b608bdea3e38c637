"""In-place ops in the graph: rebasing the history of the tensor they wrote.

An in-place op (``copy_``, ``setitem``, ``fill_``, and every ``x.op_()``, which
the core runs as ``op`` then ``copy_``) reaches the recorder after its kernel
wrote into its first argument. The written tensor's history then starts from
the in-place op's node. When the tensor is a view, its base's history is
rebased too, with a :class:`CopySlices` node (PyTorch's name), which routes the
gradient of the written region through the in-place op and the rest of the
base's gradient to the base's old history; the view then reads its gradient
back out of the base's (a :class:`ViewOf` node).
"""

from __future__ import annotations

from ember import dispatch as _dispatch
from ember.autograd.function import Function
from ember.autograd.graph import Node, edge_to
from ember.tensor import Tensor

__all__ = ["rebase", "CopySlices", "ViewOf"]

_wrap = _dispatch.wrap


def rebase(node, dst) -> None:
    """Make ``dst``, just written in place by ``node``'s op, come from ``node``."""
    node.n_out = 1
    if not isinstance(dst, Tensor) or dst._data.dtype.kind not in "fcV":
        return  # an integer or bool tensor has no gradient to track
    root = dst._base
    # A view made by a recorded view op (or a view of a base that needs no grad) shares
    # its history with its base; a detached alias or a view made under no_grad does not.
    if root is not None and (
        dst.grad_fn is not None or not (root._requires_grad or dst._requires_grad)
    ):
        if root._requires_grad and root.grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation."
            )
        geom = _Geometry(root._data, dst._data)
        copy = CopySlices.make(root, node, geom)
        root.grad_fn, root._requires_grad = copy, True
        dst.grad_fn, dst._requires_grad = ViewOf.make(copy, root, geom), True
        return
    if dst._requires_grad and dst.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    dst.grad_fn, dst._requires_grad = node, True


class _Geometry:
    """Where a view's elements sit in its base: flat (C-order) positions, made lazily."""

    __slots__ = ("_idx", "base_shape", "base_strides", "offset", "shape", "size", "strides", "xp")

    def __init__(self, base, view):
        self.xp = _xp(base)
        self.base_shape, self.base_strides = base.shape, base.strides
        self.shape, self.strides = view.shape, view.strides
        self.offset = _ptr(view) - _ptr(base)
        self.size = base.dtype.itemsize
        self._idx = None

    def index(self):
        if self._idx is None:
            self._idx = self._compute()
        return self._idx

    def _compute(self):
        xp, size = self.xp, self.size
        addr = _addresses(xp, self.shape, self.strides) + self.offset
        contiguous = _contiguous_strides(self.base_shape, size)
        if tuple(self.base_strides) == contiguous:
            return addr // size
        # A strided base: match each view address among the base's element addresses.
        base_addr = _addresses(xp, self.base_shape, self.base_strides).reshape(-1)
        order = xp.argsort(base_addr, kind="stable")
        pos = xp.searchsorted(base_addr[order], addr)
        return order[pos]


def _xp(a):
    import numpy as np

    return np if isinstance(a, np.ndarray) else __import__("cupy")


def _ptr(a) -> int:
    if hasattr(a, "__array_interface__"):
        return a.__array_interface__["data"][0]
    return a.data.ptr


def _addresses(xp, shape, strides):
    addr = xp.zeros(shape, dtype=xp.int64)
    for k, (n, s) in enumerate(zip(shape, strides)):
        r = xp.arange(n, dtype=xp.int64) * s
        addr = addr + r.reshape((n,) + (1,) * (len(shape) - k - 1))
    return addr


def _contiguous_strides(shape, size):
    strides, acc = [], size
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


class CopySlices(Node):
    """The new history of a base after an in-place op on one of its views."""

    __slots__ = ("geom", "inner", "view_meta")

    @classmethod
    def make(cls, root, inner, geom):
        node = cls.__new__(cls)
        node._init((edge_to(root),) + inner.edges[1:])
        node.inner, node.geom = inner, geom
        node.view_meta = inner.edges[0][2:] if inner.edges else None
        return node

    def release(self) -> None:
        self.freed = True
        self.inner.release()

    def apply(self, grad):
        idx = self.geom.index()
        inner = self.inner.apply(_Take.apply(grad, idx))
        g0 = inner[0] if inner else None
        if g0 is not None:
            from ember.autograd.engine import sum_to

            if g0._data.shape != self.view_meta[0]:
                g0 = sum_to(g0, self.view_meta[0], self.inner)
        else:
            g0 = _wrap(self.geom.xp.zeros(idx.shape, grad._data.dtype), grad._device)
        return [_Put.apply(grad, idx, g0)] + list(inner[1:])


class ViewOf(Node):
    """A view's history after an in-place op through it: its region of the base's."""

    __slots__ = ("geom",)

    @classmethod
    def make(cls, base_fn, root, geom):
        node = cls.__new__(cls)
        node._init(((base_fn, 0, root._data.shape, root._data.dtype, True),))
        node.geom = geom
        return node

    def name(self) -> str:
        return "AsStridedBackward0"

    def apply(self, grad):
        g = self.geom
        zeros = _wrap(g.xp.zeros(g.base_shape, grad._data.dtype), grad._device)
        return [_Put.apply(zeros, g.index(), grad)]


class _Take(Function):
    """``g.flatten()[idx]``: the region of a base's gradient that a view covers."""

    @staticmethod
    def forward(ctx, g, idx):
        ctx.idx, ctx.meta = idx, (g._data.shape, g._data.dtype, g._device)
        return _wrap(g._data.reshape(-1)[idx], g._device)

    @staticmethod
    def backward(ctx, grad):
        shape, dtype, device = ctx.meta
        zeros = _wrap(device.xp.zeros(shape, dtype), device)
        return _Put.apply(zeros, ctx.idx, grad), None


class _Put(Function):
    """A copy of ``base`` with its region ``idx`` replaced by ``values``."""

    @staticmethod
    def forward(ctx, base, idx, values):
        out = base._data.copy()
        out.reshape(-1)[idx] = values._data
        ctx.idx, ctx.vmeta = idx, (values._data.shape, values._data.dtype, values._device)
        return _wrap(out, base._device)

    @staticmethod
    def backward(ctx, grad):
        shape, dtype, device = ctx.vmeta
        zeros = _wrap(device.xp.zeros(shape, dtype), device)
        return _Put.apply(grad, ctx.idx, zeros), None, _Take.apply(grad, ctx.idx)
