"""Adaptive pooling: average and max pooling to a given output size.

Torch's windows ``[floor(i * n / o), ceil((i + 1) * n / o))`` per dim. Average
pooling is separable: a reshaped mean where ``o`` divides ``n``, else one small
averaging matrix per dim (so its backward is the transposed matrix). Max pooling
runs the running maximum of ``pooling.py`` over the window offsets, or one
argmax for large equal windows (global pooling).
"""

from __future__ import annotations

import itertools

import numpy as np

from ember._ops import Op
from ember._ops.pooling import batched, check_input, flat_index, running_max, unbatched

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
]


# ---- adaptive pooling: torch's start/end windows ---------------------------------


def _adaptive_bounds(n, o):
    i = np.arange(o)
    return (i * n) // o, ((i + 1) * n + o - 1) // o


def _adaptive_matrix(xp, n, o, dtype):
    """The ``(o, n)`` averaging matrix of one dim."""
    start, end = _adaptive_bounds(n, o)
    j = np.arange(n)
    m = ((j >= start[:, None]) & (j < end[:, None])) / (end - start)[:, None]
    return xp.asarray(m.astype(dtype))


def _output_size(name, x_shape, output_size):
    nd = len(x_shape) - 2
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise ValueError(f"{name}: expected output_size of {nd} ints, got {output_size!r}")
    out = tuple(n if o is None else int(o) for n, o in zip(x_shape[2:], output_size))
    if any(o < 1 for o in out):
        raise ValueError(f"{name}: output_size must be positive, got {output_size!r}")
    return out


def _apply_dim(xp, x, axis, o, transpose=False):
    """Average (or its adjoint) along ``axis`` from ``x.shape[axis]`` (or to it) to ``o``."""
    n = x.shape[axis] if not transpose else o
    m = x.shape[axis] if transpose else o
    if n == m:
        return x
    if n % m == 0:
        if transpose:
            return xp.repeat(x / (n // m), n // m, axis=axis).astype(x.dtype, copy=False)
        shape = x.shape[:axis] + (m, n // m) + x.shape[axis + 1 :]
        return x.reshape(shape).mean(axis=axis + 1, dtype=x.dtype)
    mat = _adaptive_matrix(xp, n, m, x.dtype)
    moved = xp.moveaxis(x, axis, -1)
    y = xp.matmul(moved, mat if transpose else mat.T)
    return xp.moveaxis(y, -1, axis)


def _adaptive_avg_pool(xp, input, output_size):
    """N-d adaptive average pooling of ``(N, C, *size)`` to ``output_size``.

    Torch's windows ``[floor(i * n / o), ceil((i + 1) * n / o))`` per dim; an entry
    None keeps that dim's size.
    """
    check_input("adaptive_avg_pool", input.shape, input.ndim - 2, batched_only=True)
    out = _output_size("adaptive_avg_pool", input.shape, output_size)
    if input.dtype.kind not in "fV":
        raise TypeError(f"adaptive_avg_pool: expected a floating input, got {input.dtype}")
    y = input
    for i, o in enumerate(out):
        y = _apply_dim(xp, y, 2 + i, o)
    return xp.ascontiguousarray(y) if y is not input else y.copy()


def _adaptive_avg_pool_backward(xp, grad, input_shape):
    """The gradient of :func:`adaptive_avg_pool` with respect to its input."""
    input_shape = tuple(int(v) for v in input_shape)
    if grad.ndim != len(input_shape) or grad.shape[:2] != input_shape[:2]:
        raise RuntimeError(
            f"adaptive_avg_pool_backward: grad of shape {grad.shape} does not match "
            f"input_shape {input_shape}"
        )
    y = grad
    for i, n in enumerate(input_shape[2:]):
        y = _apply_dim(xp, y, 2 + i, n, transpose=True)
    return xp.ascontiguousarray(y) if y is not grad else y.copy()


def _adaptive_max_pool(xp, input, output_size):
    """N-d adaptive max pooling of ``(N, C, *size)``; returns ``(values, indices)``.

    Indices are flat in each ``(n, c)`` plane, as :func:`max_pool`'s.
    """
    nd = input.ndim - 2
    check_input("adaptive_max_pool", input.shape, nd, batched_only=True)
    out = _output_size("adaptive_max_pool", input.shape, output_size)
    size = input.shape[2:]
    bounds = [_adaptive_bounds(n, o) for n, o in zip(size, out)]
    widths = [int((e - b).max()) for b, e in bounds]
    # tables[i][o, j]: the coordinate of offset j in window o of dim i (a short window
    # repeats its last element, harmless for a maximum)
    tables = [
        xp.asarray(np.minimum(b[:, None] + np.arange(w), e[:, None] - 1))
        for (b, e), w in zip(bounds, widths)
    ]
    bcast = [(-1,) + (1,) * (nd - 1 - i) for i in range(nd)]
    if all(n % o == 0 for n, o in zip(size, out)) and int(np.prod(widths)) >= 16:
        return _max_by_argmax(xp, input, out, widths, tables, bcast, size)
    offsets = list(itertools.product(*(range(w) for w in widths)))

    def views():
        for off in offsets:
            yield input[
                (Ellipsis,) + tuple(t[:, j].reshape(sh) for t, j, sh in zip(tables, off, bcast))
            ]

    values, number = running_max(xp, views, len(offsets))
    js = xp.unravel_index(number, widths)
    coords = [t[xp.arange(o).reshape(sh), j] for t, o, sh, j in zip(tables, out, bcast, js)]
    return values, flat_index(xp, coords, size)


def _max_by_argmax(xp, x, out, widths, tables, bcast, size):
    """Equal windows, many elements each (global pooling): one argmax over a window axis."""
    nd = len(out)
    split = x.reshape(x.shape[:2] + tuple(v for pair in zip(out, widths) for v in pair))
    order = (0, 1) + tuple(range(2, 2 + 2 * nd, 2)) + tuple(range(3, 3 + 2 * nd, 2))
    windows = split.transpose(order).reshape(x.shape[:2] + tuple(out) + (-1,))
    number = xp.argmax(windows, axis=-1)
    values = xp.take_along_axis(windows, number[..., None], axis=-1)[..., 0]
    js = xp.unravel_index(number, widths)
    coords = [t[xp.arange(o).reshape(sh), j] for t, o, sh, j in zip(tables, out, bcast, js)]
    return values, flat_index(xp, coords, size)


adaptive_avg_pool = Op("adaptive_avg_pool", _adaptive_avg_pool, method=False)
adaptive_avg_pool_backward = Op(
    "adaptive_avg_pool_backward", _adaptive_avg_pool_backward, method=False
)
adaptive_max_pool = Op("adaptive_max_pool", _adaptive_max_pool, method=False)


def _adaptive_nd(name, nd, prim, input, output_size):
    x, unb = batched(name, input, nd)
    size = _output_size(name, tuple(x.shape), output_size)
    out = prim(x, size)
    if isinstance(out, tuple):
        return tuple(unbatched(t, unb) for t in out)
    return unbatched(out, unb)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of ``(N, C, L)`` to ``output_size``, windows chosen as torch's."""
    return _adaptive_nd("adaptive_avg_pool1d", 1, adaptive_avg_pool, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling of ``(N, C, H, W)`` to ``output_size`` (an int, a pair; None keeps a dim).

    >>> ember.adaptive_avg_pool2d(x, 1)  # global average pooling
    """
    return _adaptive_nd("adaptive_avg_pool2d", 2, adaptive_avg_pool, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling of ``(N, C, D, H, W)`` to ``output_size``."""
    return _adaptive_nd("adaptive_avg_pool3d", 3, adaptive_avg_pool, input, output_size)


def _adaptive_max(name, nd, input, output_size, return_indices):
    values, indices = _adaptive_nd(name, nd, adaptive_max_pool, input, output_size)
    return (values, indices) if return_indices else values


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, L)`` to ``output_size``; indices as :func:`max_pool1d`'s."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, H, W)`` to ``output_size``; indices as :func:`max_pool2d`'s."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, D, H, W)`` to ``output_size``."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)
