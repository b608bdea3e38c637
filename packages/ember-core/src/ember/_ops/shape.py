"""Shape ops; those PyTorch documents as views return views sharing memory."""

from __future__ import annotations

from ember._ops import Op, wrap_dim

__all__ = ["reshape", "transpose", "unbind"]


def _size_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _infer_shape(name, shape, numel):
    """Resolve one ``-1`` in ``shape`` and check the element count."""
    shape = [int(s) for s in shape]
    if shape.count(-1) > 1:
        raise RuntimeError(f"{name}: only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{name}: invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"{name}: shape '{shape}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(f"{name}: shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


def _reshape(xp, x, *shape):
    """``input`` with a new shape: a view when the strides allow, else a copy."""
    return x.reshape(_infer_shape("reshape", _size_args(shape), x.size))


def _transpose(xp, x, dim0, dim1):
    """A view of ``input`` with dims ``dim0`` and ``dim1`` swapped."""
    return xp.swapaxes(x, wrap_dim(dim0, x.ndim, "transpose"), wrap_dim(dim1, x.ndim, "transpose"))


def _unbind(xp, x, dim=0):
    """The slices of ``input`` along ``dim``, as a tuple of views."""
    d = wrap_dim(dim, x.ndim, "unbind")
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


reshape = Op("reshape", _reshape, view=True)
transpose = Op("transpose", _transpose, view=True)
unbind = Op("unbind", _unbind, view=True)
