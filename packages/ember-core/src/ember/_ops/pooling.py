"""Pooling: max, average and Lp pooling over 1, 2 or 3 spatial dims.

Each kind is one N-d primitive (adaptive pooling is in ``adaptive.py``);
``max_pool2d`` and friends are thin wrappers that check their arguments. Kernels
loop over kernel offsets, never over output positions: max pooling keeps a
running maximum and its offset over strided views; average pooling is
separable, so it sums along one dim at a time. The backward primitives
(``max_pool_backward``, ``avg_pool_backward``) are the scatters autograd needs.
"""

from __future__ import annotations

import itertools

import numpy as np

from ember._ops import OPS, Op
from ember._ops.conv import ntuple, pad_spatial
from ember._ops.shape import reshape

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
]


# ---- shapes ----------------------------------------------------------------------


_LAYOUTS = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}


def check_input(name, shape, nd, batched_only=False):
    """Check a pooling input's rank and spatial sizes (before any kernel runs)."""
    ranks = (nd + 2,) if batched_only else (nd + 1, nd + 2)
    if len(shape) not in ranks or any(v == 0 for v in shape[-nd:]):
        layout = _LAYOUTS.get(nd, f"(N, C, {nd} spatial dims)")
        also = "" if batched_only else f" or {nd + 1}-d without the batch dim"
        raise RuntimeError(
            f"{name}: expected a {nd + 2}-d input {layout}{also}, with non-zero spatial "
            f"sizes, got shape {tuple(shape)}"
        )


def pool_out_size(name, size, k, s, p, d, ceil_mode):
    """Torch's pooling output size (``pooling_output_shape``), checked to be positive."""
    out = []
    for n, kk, ss, pp, dd in zip(size, k, s, p, d):
        o = (n + 2 * pp - dd * (kk - 1) - 1 + (ss - 1 if ceil_mode else 0)) // ss + 1
        if ceil_mode and (o - 1) * ss >= n + pp:
            o -= 1  # the last window must start inside the input or its left padding
        out.append(o)
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"{name}: input spatial size {tuple(size)} is too small for kernel_size {k} "
            f"(stride {s}, padding {p}, dilation {d}): output size {tuple(out)}"
        )
    return tuple(out)


def _pool_args(name, nd, kernel_size, stride, padding, dilation=1):
    k = ntuple(name, "kernel_size", kernel_size, nd, 1)
    s = (
        k
        if stride is None or stride == [] or stride == ()
        else ntuple(name, "stride", stride, nd, 1)
    )
    p = ntuple(name, "padding", padding, nd, 0)
    d = ntuple(name, "dilation", dilation, nd, 1)
    if any(pp * 2 > dd * (kk - 1) + 1 for pp, kk, dd in zip(p, k, d)):
        raise ValueError(
            f"{name}: pad should be at most half of effective kernel size, but got "
            f"padding={p}, kernel_size={k} and dilation={d}"
        )
    return k, s, p, d


def _fill_min(dtype):
    return -np.inf if dtype.kind in "fV" else np.iinfo(dtype).min


def flat_index(xp, coords, size):
    """The flat per-plane index of broadcastable per-dim coordinate arrays."""
    idx = 0
    for c, n in zip(coords, size):
        idx = idx * n + c
    return xp.asarray(idx, dtype=np.int64)


def running_max(xp, views, count):
    """Max over ``count`` same-shape views and the number of the view holding it.

    The number is the last maximal view's, NaN winning, as torch's kernels pick
    it. Each step is four vector ops (a masked copy measured 5x slower): the
    number is kept as ``max(number, j * (v > best))``, j growing.
    """
    kd = np.int8 if count < 128 else np.int16 if count < 32768 else np.int32
    best = k = None
    for nan_aware in (False, True):
        for j, v in enumerate(views()):
            if best is None:
                best, k = v.copy(), xp.zeros(v.shape, kd)
                continue
            m = xp.greater(v, best)
            if nan_aware:
                m |= xp.isnan(v)
            xp.maximum(best, v, out=best)
            m = m.astype(kd)
            m *= kd(j)
            xp.maximum(k, m, out=k)
        if best.dtype.kind not in "fV" or nan_aware or not bool(xp.isnan(best).any()):
            return best, k
        best = k = None  # a NaN: run again, tracking where it came from
    return best, k


# ---- max pooling -----------------------------------------------------------------


def _max_pool(xp, input, kernel_size, stride, padding, dilation, ceil_mode):
    """N-d max pooling of ``(N, C, *size)``; returns ``(values, indices)``.

    The primitive behind ``max_pool1d/2d/3d``: ``indices`` are flat in each
    ``(n, c)`` plane, as torch's; ``stride`` None means ``kernel_size``.
    """
    nd = input.ndim - 2
    k, s, p, d = _pool_args("max_pool", nd, kernel_size, stride, padding, dilation)
    check_input("max_pool", input.shape, nd, batched_only=True)
    x = input
    size = x.shape[2:]
    out = pool_out_size("max_pool", size, k, s, p, d, ceil_mode)
    need = [(o - 1) * ss + dd * (kk - 1) + 1 for o, ss, dd, kk in zip(out, s, d, k)]
    hi = tuple(max(nn - n - pp, 0) for nn, n, pp in zip(need, size, p))
    xpad = pad_spatial(xp, x, p, hi, _fill_min(x.dtype))
    offsets = list(itertools.product(*(range(kk) for kk in k)))

    def views():
        for off in offsets:
            yield xpad[
                (Ellipsis,)
                + tuple(
                    slice(o * dd, o * dd + (n - 1) * ss + 1, ss)
                    for o, dd, n, ss in zip(off, d, out, s)
                )
            ]

    values, number = running_max(xp, views, len(offsets))
    # The flat index: the window's start plus the offset's step, from a table.
    start = [
        xp.arange(o).reshape((-1,) + (1,) * (nd - 1 - i)) * ss - pp
        for i, (o, ss, pp) in enumerate(zip(out, s, p))
    ]
    steps = flat_index(np, [np.array(js) * dd for js, dd in zip(zip(*offsets), d)], size)
    indices = xp.take(xp.asarray(steps), number)
    indices += flat_index(xp, start, size)
    return values, indices


def _max_pool_backward(xp, grad, indices, input_shape):
    """Scatter-add ``grad`` into zeros of ``input_shape`` at the flat per-plane ``indices``.

    The gradient of max pooling (and adaptive max pooling) with respect to its
    input ``(N, C, *size)``; ``indices`` are flat in each ``(n, c)`` plane.
    """
    input_shape = tuple(int(v) for v in input_shape)
    if grad.shape != indices.shape or grad.shape[:2] != input_shape[:2] or grad.ndim < 3:
        raise RuntimeError(
            f"max_pool_backward: expected grad and indices of one shape (N, C, ...) matching "
            f"input_shape {input_shape}, got {grad.shape} and {indices.shape}"
        )
    planes = input_shape[0] * input_shape[1]
    plane = int(np.prod(input_shape[2:]))
    per_plane = int(np.prod(indices.shape[2:]))
    flat = indices.reshape(planes, per_plane) + xp.arange(planes).reshape(-1, 1) * plane
    out = xp.zeros(planes * plane, grad.dtype)
    xp.add.at(out, flat.ravel(), grad.reshape(-1))
    return out.reshape(input_shape)


# ---- average pooling: separable, one dim at a time ------------------------------


def _axis_slice(axis, sl):
    return (slice(None),) * axis + (sl,)


def _avg_counts(xp, n, o, k, s, p, count_include_pad):
    """Per-dim window sizes, as torch counts them (padding inside the padded bounds)."""
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if not count_include_pad:
        return np.minimum(end, n) - np.maximum(start, 0)
    return end - start


def _avg_setup(name, x, kernel_size, stride, padding, ceil_mode, divisor_override):
    nd = x.ndim - 2
    check_input(name, x.shape, nd, batched_only=True)
    k, s, p, _ = _pool_args(name, nd, kernel_size, stride, padding)
    if divisor_override is not None and (
        not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0
    ):
        raise ValueError(
            f"{name}: divisor_override must be a non-zero int, got {divisor_override!r}"
        )
    out = pool_out_size(name, x.shape[2:], k, s, p, (1,) * nd, ceil_mode)
    return k, s, p, out


def _divisor(xp, size, out, k, s, p, count_include_pad, divisor_override, dtype):
    if divisor_override is not None:
        return divisor_override
    div = np.ones((), np.float64)
    for n, o, kk, ss, pp in zip(size, out, k, s, p):
        div = np.multiply.outer(div, _avg_counts(xp, n, o, kk, ss, pp, count_include_pad))
    return xp.asarray(div.astype(dtype if dtype.kind in "fV" else np.float64))


def _avg_pool(
    xp,
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """N-d average pooling of ``(N, C, *size)``, the primitive behind ``avg_pool1d/2d/3d``.

    Windows are summed one dim at a time (the mean is separable); the divisor
    follows ``count_include_pad`` and ``divisor_override`` as in torch.
    """
    k, s, p, out = _avg_setup(
        "avg_pool", input, kernel_size, stride, padding, ceil_mode, divisor_override
    )
    acc = input if input.dtype.kind in "fV" else input.astype(np.float64)
    for i, (o, kk, ss, pp) in enumerate(zip(out, k, s, p)):
        axis = 2 + i
        n = acc.shape[axis]
        lo, hi = [0] * len(out), [0] * len(out)
        lo[i], hi[i] = pp, max((o - 1) * ss + kk - n - pp, 0)
        xpad = pad_spatial(xp, acc, lo, hi, 0)
        total = None
        for j in range(kk):
            v = xpad[_axis_slice(axis, slice(j, j + (o - 1) * ss + 1, ss))]
            total = v.copy() if total is None else total.__iadd__(v)
        acc = total
    div = _divisor(
        xp, input.shape[2:], out, k, s, p, count_include_pad, divisor_override, acc.dtype
    )
    if input.dtype.kind in "fV":
        acc /= div
        return acc
    return xp.trunc(acc / div).astype(input.dtype)


def _avg_pool_backward(
    xp,
    grad,
    input_shape,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """The gradient of :func:`avg_pool` with respect to its input (the adjoint scatter)."""
    input_shape = tuple(int(v) for v in input_shape)
    dummy = xp.empty(input_shape, np.int8)  # shapes only: the args are checked as the forward's
    k, s, p, out = _avg_setup(
        "avg_pool_backward", dummy, kernel_size, stride, padding, ceil_mode, divisor_override
    )
    if grad.shape != input_shape[:2] + out:
        raise RuntimeError(
            f"avg_pool_backward: expected grad of shape {input_shape[:2] + out}, got {grad.shape}"
        )
    acc = grad / _divisor(
        xp, input_shape[2:], out, k, s, p, count_include_pad, divisor_override, grad.dtype
    )
    acc = acc.astype(grad.dtype, copy=False)
    for i, (n, o, kk, ss, pp) in enumerate(zip(input_shape[2:], out, k, s, p)):
        axis = 2 + i
        full = max(n + 2 * pp, (o - 1) * ss + kk)
        buf = xp.zeros(acc.shape[:axis] + (full,) + acc.shape[axis + 1 :], acc.dtype)
        for j in range(kk):
            buf[_axis_slice(axis, slice(j, j + (o - 1) * ss + 1, ss))] += acc
        acc = buf[_axis_slice(axis, slice(pp, pp + n))]
    return xp.ascontiguousarray(acc)


def _max_unpool(xp, input, indices, output_size):
    """Place ``input`` at the flat per-plane ``indices`` of zeros ``(N, C, *output_size)``.

    The partial inverse of :func:`max_pool`.
    """
    size = tuple(int(v) for v in output_size)
    if input.shape != indices.shape or input.ndim < 3:
        raise RuntimeError(
            f"max_unpool: expected input and indices of one shape (N, C, ...), got "
            f"{input.shape} and {indices.shape}"
        )
    if indices.dtype.kind not in "iu":
        raise TypeError(f"max_unpool: expected integer indices, got {indices.dtype}")
    planes = input.shape[0] * input.shape[1]
    plane = int(np.prod(size))
    per_plane = int(np.prod(indices.shape[2:]))
    idx = indices.reshape(planes, per_plane)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= plane):
        raise IndexError(
            f"max_unpool: found an invalid max index {int(idx.max())} (output planes of "
            f"size {size} hold {plane} elements)"
        )
    out = xp.zeros((planes, plane), input.dtype)
    out[xp.arange(planes)[:, None], idx] = input.reshape(planes, per_plane)
    return out.reshape(input.shape[:2] + size)


max_pool = Op("max_pool", _max_pool, method=False)
max_pool_backward = Op("max_pool_backward", _max_pool_backward, method=False)
avg_pool = Op("avg_pool", _avg_pool, method=False)
avg_pool_backward = Op("avg_pool_backward", _avg_pool_backward, method=False)
max_unpool = Op("max_unpool", _max_unpool, method=False)


# ---- the torch.nn.functional entry points ----------------------------------------


def batched(name, input, nd):
    """``input`` with a batch dim (a view), and whether one was added."""
    shape = tuple(getattr(input, "shape", ()))
    check_input(name, shape, nd)
    if len(shape) == nd + 1:
        return reshape(input, (1,) + shape), True
    return input, False


def unbatched(t, unbatched):
    return reshape(t, tuple(t.shape)[1:]) if unbatched else t


def _max_pool_nd(
    name, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
):
    k, s, p, d = _pool_args(name, nd, kernel_size, stride, padding, dilation)
    x, unb = batched(name, input, nd)
    pool_out_size(name, tuple(x.shape)[2:], k, s, p, d, ceil_mode)
    values, indices = max_pool(x, k, s, p, d, bool(ceil_mode))
    values = unbatched(values, unb)
    return (values, unbatched(indices, unb)) if return_indices else values


def max_pool1d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """1-d max pooling over ``(N, C, L)`` (or ``(C, L)``); see :func:`max_pool2d`."""
    return _max_pool_nd(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool2d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """2-d max pooling over ``(N, C, H, W)`` (or ``(C, H, W)``).

    Args:
        kernel_size, stride, padding, dilation: an int or a pair; ``stride``
            defaults to ``kernel_size``; padding (with -inf) is at most half the
            dilated kernel.
        ceil_mode: round the output size up (windows may overhang the right edge).
        return_indices: also return the argmax, flat in each ``(H, W)`` plane
            (what :func:`max_unpool2d` takes).
    """
    return _max_pool_nd(
        "max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool3d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """3-d max pooling over ``(N, C, D, H, W)``; see :func:`max_pool2d`."""
    return _max_pool_nd(
        "max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool1d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    """:func:`max_pool1d` returning ``(values, indices)``."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    """:func:`max_pool2d` returning ``(values, indices)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    """:func:`max_pool3d` returning ``(values, indices)``."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _max_unpool_nd(name, nd, input, indices, kernel_size, stride, padding, output_size):
    k, s, p, _ = _pool_args(name, nd, kernel_size, stride, padding)
    x, unb = batched(name, input, nd)
    idx = reshape(indices, tuple(x.shape)) if unb else indices
    default = tuple(
        (n - 1) * ss - 2 * pp + kk for n, ss, pp, kk in zip(tuple(x.shape)[2:], s, p, k)
    )
    size = default if output_size is None else tuple(int(v) for v in output_size)[-nd:]
    if len(size) != nd or any(not dd - ss < o < dd + ss for o, dd, ss in zip(size, default, s)):
        raise ValueError(
            f"{name}: invalid output_size {output_size!r}: expected {nd} sizes, each within "
            f"the stride of the default size {default}"
        )
    return unbatched(max_unpool(x, idx, size), unb)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of :func:`max_pool1d`: non-maxima become zero."""
    return _max_unpool_nd(
        "max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size
    )


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of :func:`max_pool2d`: each value goes back to its argmax, zeros elsewhere.

    >>> y, i = ember.max_pool2d(x, 2, return_indices=True)
    >>> ember.max_unpool2d(y, i, 2, output_size=x.shape)
    """
    return _max_unpool_nd(
        "max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size
    )


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of :func:`max_pool3d`."""
    return _max_unpool_nd(
        "max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size
    )


def _avg_pool_nd(
    name, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
):
    k, s, p, _ = _pool_args(name, nd, kernel_size, stride, padding)
    x, unb = batched(name, input, nd)
    pool_out_size(name, tuple(x.shape)[2:], k, s, p, (1,) * nd, ceil_mode)
    out = avg_pool(x, k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return unbatched(out, unb)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-d average pooling over ``(N, C, L)``; see :func:`avg_pool2d`."""
    return _avg_pool_nd(
        "avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None
    )


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """2-d average pooling over ``(N, C, H, W)`` (or ``(C, H, W)``).

    Args:
        count_include_pad: count the zero padding in the divisor.
        divisor_override: divide every window's sum by this instead.
    """
    return _avg_pool_nd(
        "avg_pool2d",
        2,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


def avg_pool3d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """3-d average pooling over ``(N, C, D, H, W)``; see :func:`avg_pool2d`."""
    return _avg_pool_nd(
        "avg_pool3d",
        3,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


def _lp_pool_nd(name, nd, input, norm_type, kernel_size, stride, ceil_mode):
    # torch's composition: the p-th root of the window sum of x ** p.
    k = ntuple(name, "kernel_size", kernel_size, nd, 1)
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    out = pool(OPS["pow"](input, norm_type), k, stride, 0, ceil_mode)
    from ember._ops.nn import relu

    out = OPS["sign"](out) * relu(OPS["abs"](out))
    return OPS["pow"](out * int(np.prod(k)), 1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling ``(sum over the window of x**p) ** (1/p)`` over ``(N, C, L)``."""
    return _lp_pool_nd("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over ``(N, C, H, W)``: ``(sum of x**p) ** (1/p)`` per window."""
    return _lp_pool_nd("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over ``(N, C, D, H, W)``."""
    return _lp_pool_nd("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)
