"""Resampling: pad, interpolate, grid_sample, affine_grid and pixel_shuffle.

Every mode of ``interpolate`` and every non-constant ``pad`` is separable: along
each dim, an output element is a weighted sum of at most four input elements
(taps). The kernels gather the taps one dim at a time and their backward
primitives scatter-add them back (``upsample_backward``, ``pad_backward``).
``grid_sample`` gathers the 2**d corners around each sampling point.
"""

from __future__ import annotations

import math

import numpy as np

from ember import dispatch as _dispatch
from ember._ops import OPS, Op
from ember._ops.adaptive import adaptive_avg_pool
from ember._ops.conv import ntuple, pad_spatial

__all__ = [
    "pad",
    "interpolate",
    "upsample",
    "grid_sample",
    "affine_grid",
    "pixel_shuffle",
    "pixel_unshuffle",
]


def _take(xp, x, idx, weights, axis):
    """Sum over taps ``t`` of ``weights[:, t] * x.take(idx[:, t], axis)``."""
    if weights is None:
        return xp.take(x, idx[:, 0], axis=axis)
    shape = (-1,) + (1,) * (x.ndim - axis - 1)
    out = None
    for t in range(idx.shape[1]):
        term = xp.take(x, idx[:, t], axis=axis)
        term *= weights[:, t].reshape(shape)
        out = term if out is None else out.__iadd__(term)
    return out


def _put(xp, g, n, idx, weights, axis):
    """The adjoint of :func:`_take`: scatter-add ``g`` back to length ``n`` along ``axis``."""
    moved = xp.moveaxis(g, axis, 0)
    out = xp.zeros((n,) + moved.shape[1:], g.dtype)
    shape = (-1,) + (1,) * (moved.ndim - 1)
    for t in range(idx.shape[1]):
        src = moved if weights is None else moved * weights[:, t].reshape(shape)
        xp.add.at(out, idx[:, t], src)
    return xp.moveaxis(out, 0, axis)


# ---- pad -------------------------------------------------------------------------

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_pairs(name, x_ndim, pad, mode):
    """``[(lo, hi), ...]`` for the trailing dims, first dim first, from F.pad's flat list."""
    pad = tuple(int(v) for v in pad)
    if len(pad) % 2 or len(pad) // 2 > x_ndim:
        raise ValueError(
            f"{name}: padding length must be even and at most twice the input's dims "
            f"({x_ndim}), got {len(pad)}"
        )
    if mode not in _PAD_MODES:
        raise NotImplementedError(
            f"{name}: unsupported mode {mode!r}; expected one of {_PAD_MODES}"
        )
    return [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(len(pad) // 2))]


def _pad_index(mode, n, lo, hi):
    """Source indices (into a dim of length ``n``) of each padded position."""
    i = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    period = 2 * (n - 1)  # reflect, the edge not repeated
    j = i % period if period else np.zeros_like(i)
    return np.where(j >= n, period - j, j)


def _check_pad(name, shape, pairs, mode):
    for axis, (lo, hi) in zip(range(len(shape) - len(pairs), len(shape)), pairs):
        n = shape[axis]
        if mode == "constant":
            if n + lo + hi < 0:
                raise RuntimeError(
                    f"{name}: padding ({lo}, {hi}) leaves dim {axis} of size {n} negative"
                )
            continue
        if min(lo, hi) < 0:
            raise RuntimeError(f"{name}: negative padding is only supported in constant mode")
        limit = n if mode != "reflect" else n - 1
        if max(lo, hi) > limit or n == 0:
            raise RuntimeError(
                f"{name}: padding ({lo}, {hi}) at dim {axis} must be at most {limit} in "
                f"{mode} mode (input shape {tuple(shape)})"
            )


def _fill_value(dtype, value):
    """``value`` as torch converts it: truncated for integers, refused if it overflows."""
    if value is None:
        return 0
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not info.min <= math.trunc(value) <= info.max:
            raise RuntimeError(
                f"pad: value {value} cannot be converted to {dtype} without overflow"
            )
        return math.trunc(value)
    return value


def _pad(xp, input, pad, mode="constant", value=None):
    """Pad the trailing dims of ``input``; ``pad`` is ``(last_lo, last_hi, prev_lo, ...)``.

    Args:
        mode: ``'constant'`` (with ``value``, default 0; negative pads crop),
            ``'reflect'`` (mirror, edge not repeated), ``'replicate'`` (edge) or
            ``'circular'`` (wrap around).
    """
    pairs = _pad_pairs("pad", input.ndim, pad, mode)
    _check_pad("pad", input.shape, pairs, mode)
    first = input.ndim - len(pairs)
    if mode == "constant":
        lo, hi = [a for a, _ in pairs], [b for _, b in pairs]
        out = pad_spatial(xp, input, lo, hi, _fill_value(input.dtype, value))
        return out if out is not input else input.copy()
    y = input
    for axis, (lo, hi) in zip(range(first, input.ndim), pairs):
        if lo or hi:
            y = xp.take(y, xp.asarray(_pad_index(mode, y.shape[axis], lo, hi)), axis=axis)
    return y if y is not input else y.copy()


def _pad_backward(xp, grad, input_shape, pad, mode="constant"):
    """The gradient of :func:`pad` with respect to its input."""
    input_shape = tuple(int(v) for v in input_shape)
    pairs = _pad_pairs("pad_backward", len(input_shape), pad, mode)
    if mode == "constant":
        return _pad(xp, grad, [-v for v in pad])
    first = len(input_shape) - len(pairs)
    g = grad
    for axis, (lo, hi) in zip(range(first, len(input_shape)), pairs):
        n = input_shape[axis]
        idx = xp.asarray(_pad_index(mode, n, lo, hi)[:, None])
        g = _put(xp, g, n, idx, None, axis)
    return xp.ascontiguousarray(g)


pad_op = Op("pad", _pad, method=False)
pad_backward = Op("pad_backward", _pad_backward, method=False)


def pad(input, pad, mode="constant", value=None):
    """Pad ``input``: ``pad`` lists (left, right) amounts from the last dim backwards.

    >>> ember.pad(x, (1, 1, 2, 0), mode="reflect")  # W by 1 each side, H by 2 on top
    """
    return pad_op(input, tuple(pad), mode, value)


# ---- interpolate -----------------------------------------------------------------

_CUBIC_A = -0.75  # torch's (and OpenCV's) bicubic coefficient


def _cubic_weights(t):
    """The four Keys-kernel weights for fractional offsets ``t``, as torch's."""
    a = _CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)


def _source(n_in, n_out, align_corners, scale, cubic=False):
    """Torch's ``area_pixel_compute_source_index`` for every output position."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        return dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    step = 1.0 / scale if scale is not None and scale > 0 else n_in / n_out
    src = step * (dst + 0.5) - 0.5
    return src if cubic else np.maximum(src, 0.0)


def _taps(mode, n_in, n_out, align_corners, scale):
    """``(index (n_out, T), weights (n_out, T) or None)`` of one dim."""
    if mode in ("nearest", "nearest-exact"):
        # float32 arithmetic, as torch's, so the same indices are chosen
        step = np.float32(1.0 / scale if scale is not None and scale > 0 else n_in / n_out)
        dst = np.arange(n_out, dtype=np.float32) + np.float32(0.5 if mode == "nearest-exact" else 0)
        idx = np.minimum(np.floor(dst * step).astype(np.int64), n_in - 1)
        return idx[:, None], None
    if mode == "linear":
        src = _source(n_in, n_out, align_corners, scale)
        i0 = np.floor(src).astype(np.int64)
        i1 = i0 + (i0 < n_in - 1)
        frac = src - i0
        return np.stack([i0, i1], 1), np.stack([1.0 - frac, frac], 1)
    src = _source(n_in, n_out, align_corners, scale, cubic=True)
    i = np.floor(src).astype(np.int64)
    idx = np.clip(i[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return idx, _cubic_weights(src - i)


def _upsample_args(name, x_ndim, output_size, mode, scales):
    nd = x_ndim - 2
    size = tuple(int(v) for v in output_size)
    if x_ndim < 3 or len(size) != nd or min(size) < 1:
        raise RuntimeError(
            f"{name}: expected an input (N, C, *spatial) and {max(nd, 0)} positive output sizes, "
            f"got {x_ndim} dims and output_size {output_size!r}"
        )
    if mode not in ("nearest", "nearest-exact", "linear", "cubic"):
        raise ValueError(f"{name}: unsupported mode {mode!r}")
    scales = (None,) * nd if scales is None else tuple(scales)
    return size, scales


def _upsample(xp, input, output_size, mode="nearest", align_corners=False, scales=None):
    """Resample ``(N, C, *spatial)`` to ``output_size``, one spatial dim at a time.

    The primitive behind :func:`interpolate`: ``mode`` is ``'nearest'``,
    ``'nearest-exact'``, ``'linear'`` (bi-/trilinear over several dims) or
    ``'cubic'`` (bicubic, ``A = -0.75``); ``scales`` are the scale factors the
    caller gave (None: from the sizes), which set the source coordinates as in torch.
    """
    size, scales = _upsample_args("upsample", input.ndim, output_size, mode, scales)
    if input.dtype.kind not in "fV" and mode != "nearest" and mode != "nearest-exact":
        raise TypeError(f"upsample: mode {mode!r} needs a floating input, got {input.dtype}")
    y = input
    for i, (o, sc) in enumerate(zip(size, scales)):
        idx, w = _taps(mode, y.shape[2 + i], o, align_corners, sc)
        if w is not None:
            w = xp.asarray(w.astype(y.dtype))
        y = _take(xp, y, xp.asarray(idx), w, 2 + i)
    return y if y is not input else y.copy()


def _upsample_backward(xp, grad, input_shape, mode="nearest", align_corners=False, scales=None):
    """The gradient of :func:`upsample` with respect to its input."""
    input_shape = tuple(int(v) for v in input_shape)
    size, scales = _upsample_args("upsample_backward", grad.ndim, grad.shape[2:], mode, scales)
    g = grad
    for i, (n, o, sc) in enumerate(zip(input_shape[2:], size, scales)):
        idx, w = _taps(mode, n, o, align_corners, sc)
        g = _put(
            xp, g, n, xp.asarray(idx), None if w is None else xp.asarray(w.astype(g.dtype)), 2 + i
        )
    return xp.ascontiguousarray(g)


upsample_op = Op("upsample", _upsample, method=False)
upsample_backward = Op("upsample_backward", _upsample_backward, method=False)

_INTERP_MODES = {
    "nearest": (1, 2, 3),
    "nearest-exact": (1, 2, 3),
    "area": (1, 2, 3),
    "linear": (1,),
    "bilinear": (2,),
    "trilinear": (3,),
    "bicubic": (2,),
}


def _interp_sizes(name, shape, size, scale_factor, recompute_scale_factor, mode):
    nd = len(shape) - 2
    if size is not None and scale_factor is not None:
        raise ValueError(f"{name}: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError(f"{name}: either size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(
                f"{name}: recompute_scale_factor is not meaningful with an explicit size"
            )
        out = (size,) * nd if isinstance(size, (int, np.integer)) else tuple(size)
        if len(out) != nd:
            raise ValueError(
                f"{name}: expected size of {nd} ints for input of shape {shape}, got {size!r}"
            )
        return tuple(int(v) for v in out), None
    scales = (scale_factor,) * nd if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(scales) != nd:
        raise ValueError(
            f"{name}: expected scale_factor of {nd} numbers for input of shape {shape}, got "
            f"{scale_factor!r}"
        )
    out = tuple(math.floor(n * float(s)) for n, s in zip(shape[2:], scales))
    if recompute_scale_factor or mode == "area":
        return out, None
    return out, tuple(float(s) for s in scales)


def interpolate(
    input,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    """Resize ``(N, C, *spatial)`` (1 to 3 spatial dims) to ``size`` or by ``scale_factor``.

    Args:
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-d input),
            ``'bilinear'``/``'bicubic'`` (4-d), ``'trilinear'`` (5-d) or ``'area'``
            (adaptive average pooling).
        align_corners: for the interpolating modes: map the corner pixels' centres
            onto each other (default False).
        recompute_scale_factor: compute the coordinates from the output size rather
            than the given ``scale_factor``.

    >>> ember.interpolate(x, scale_factor=2, mode="bilinear")
    """
    shape = tuple(input.shape)
    nd = len(shape) - 2
    if mode not in _INTERP_MODES:
        raise ValueError(
            f"interpolate: unknown mode {mode!r}; expected one of {list(_INTERP_MODES)}"
        )
    if nd not in _INTERP_MODES[mode]:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} supports inputs of {[d + 2 for d in _INTERP_MODES[mode]]} "
            f"dims, got {len(shape)}-d input {shape}"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    interpolating = mode in ("linear", "bilinear", "trilinear", "bicubic")
    if align_corners is not None and not interpolating:
        raise ValueError(
            "interpolate: align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    out, scales = _interp_sizes(
        "interpolate", shape, size, scale_factor, recompute_scale_factor, mode
    )
    if mode == "area":
        return adaptive_avg_pool(input, out)
    kind = "cubic" if mode == "bicubic" else "linear" if interpolating else mode
    return upsample_op(input, out, kind, bool(align_corners), scales)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The old name of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


# ---- grid_sample -----------------------------------------------------------------


def _reflect(xp, c, twice_low, twice_high):
    """Torch's ``reflect_coordinates``, and the sign of its derivative."""
    if twice_low == twice_high:
        return xp.zeros_like(c), xp.zeros_like(c)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    shifted = c - low
    sign = xp.where(shifted < 0, -1.0, 1.0)
    shifted = xp.abs(shifted)
    flips = xp.floor(shifted / span)
    extra = shifted - flips * span
    odd = (flips % 2) == 1
    return xp.where(odd, span - extra, extra) + low, xp.where(odd, -sign, sign)


def _grid_coords(xp, g, n, padding_mode, align_corners):
    """Pixel coordinates of normalized ``g`` along a dim of size ``n``, and d(coord)/d(g)."""
    if align_corners:
        c, dc = (g + 1) / 2 * (n - 1), (n - 1) / 2
    else:
        c, dc = ((g + 1) * n - 1) / 2, n / 2
    dc = xp.full(c.shape, dc, c.dtype)
    if padding_mode == "reflection":
        low, high = (0, 2 * (n - 1)) if align_corners else (-1, 2 * n - 1)
        c, sign = _reflect(xp, c, low, high)
        dc *= sign
    if padding_mode in ("border", "reflection"):
        inside = (c > 0) & (c < n - 1)
        c = xp.clip(c, 0, n - 1)
        dc *= inside
    return c, dc


def _grid_setup(name, input, grid, mode, padding_mode):
    nd = input.ndim - 2
    if (
        nd not in (2, 3)
        or grid.ndim != nd + 2
        or grid.shape[-1] != nd
        or grid.shape[0] != input.shape[0]
    ):
        raise RuntimeError(
            f"{name}: expected input (N, C, H, W) with grid (N, H_out, W_out, 2), or input "
            f"(N, C, D, H, W) with grid (N, D_out, H_out, W_out, 3), got {input.shape} and "
            f"{grid.shape}"
        )
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"{name}: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            f"{name}: padding_mode must be 'zeros', 'border' or 'reflection', got {padding_mode!r}"
        )
    if input.dtype.kind not in "fV" or grid.dtype != input.dtype:
        raise TypeError(
            f"{name}: expected floating input and grid of one dtype, got {input.dtype} and "
            f"{grid.dtype}"
        )
    return nd


def _corners(xp, input, grid, mode, padding_mode, align_corners):
    """Yield ``(flat index (N, P), in bounds, weight, d(weight)/d(grid) per dim)`` per corner."""
    size = input.shape[2:]
    nd = len(size)
    n = grid.shape[0]
    points = int(np.prod(grid.shape[1:-1]))
    # grid's last axis is (x, y[, z]): x indexes the last spatial dim
    coords = [
        _grid_coords(
            xp, grid[..., nd - 1 - i].reshape(n, points), size[i], padding_mode, align_corners
        )
        for i in range(nd)
    ]
    if mode == "nearest":
        idx = [xp.rint(c) for c, _ in coords]  # round half to even, as torch's nearbyint
        yield _corner_index(xp, idx, size) + (xp.ones_like(coords[0][0]), None)
        return
    lows = [xp.floor(c) for c, _ in coords]
    fracs = [c - lo for (c, _), lo in zip(coords, lows)]
    for bits in np.ndindex(*(2,) * nd):
        idx = [lo + b for lo, b in zip(lows, bits)]
        factors = [f if b else 1 - f for f, b in zip(fracs, bits)]
        weight = math.prod(factors)
        dweights = []
        for i, ((_, dc), b) in enumerate(zip(coords, bits)):
            others = math.prod(f for j, f in enumerate(factors) if j != i) if nd > 1 else 1.0
            dweights.append(others * (1 if b else -1) * dc)
        yield _corner_index(xp, idx, size) + (weight, dweights)


def _corner_index(xp, idx, size):
    ok = None
    flat = 0
    for c, n in zip(idx, size):
        inside = (c >= 0) & (c <= n - 1)
        ok = inside if ok is None else ok & inside
        flat = flat * n + xp.clip(c, 0, n - 1).astype(np.int64)
    return flat, ok


def _grid_sampler(xp, input, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    """Sample ``input`` ``(N, C, *in)`` at the normalized points of ``grid`` ``(N, *out, nd)``.

    The primitive behind :func:`grid_sample`; returns ``(N, C, *out)``.
    """
    _grid_setup("grid_sampler", input, grid, mode, padding_mode)
    n, c = input.shape[:2]
    flat_in = input.reshape(n, c, int(np.prod(input.shape[2:])))
    out = xp.zeros((n, c, int(np.prod(grid.shape[1:-1]))), input.dtype)
    for flat, ok, weight, _ in _corners(xp, input, grid, mode, padding_mode, align_corners):
        vals = xp.take_along_axis(flat_in, flat[:, None, :], axis=2)
        out += vals * (weight * ok).astype(input.dtype)[:, None, :]
    return out.reshape((n, c) + grid.shape[1:-1])


def _grid_sampler_backward(
    xp, grad, input, grid, mode="bilinear", padding_mode="zeros", align_corners=False
):
    """The gradients of :func:`grid_sampler` for ``input`` and ``grid``, as a pair."""
    nd = _grid_setup("grid_sampler_backward", input, grid, mode, padding_mode)
    n, c = input.shape[:2]
    flat_in = input.reshape(n, c, int(np.prod(input.shape[2:])))
    g = grad.reshape(n, c, int(np.prod(grad.shape[2:])))
    plane = flat_in.shape[2]
    grad_in = xp.zeros(n * c * plane, input.dtype)
    grad_grid = xp.zeros((n, g.shape[2], nd), grid.dtype)
    base = (xp.arange(n * c) * plane).reshape(n, c, 1)
    for flat, ok, weight, dweights in _corners(xp, input, grid, mode, padding_mode, align_corners):
        w = (weight * ok).astype(input.dtype)[:, None, :]
        xp.add.at(grad_in, (base + flat[:, None, :]).reshape(-1), (g * w).reshape(-1))
        if dweights is None:
            continue
        vals = xp.take_along_axis(flat_in, flat[:, None, :], axis=2)
        gv = (g * vals).sum(axis=1) * ok
        for i, dw in enumerate(dweights):
            grad_grid[..., nd - 1 - i] += gv * dw
    return grad_in.reshape(input.shape), grad_grid.reshape(grid.shape)


grid_sampler = Op("grid_sampler", _grid_sampler, method=False)
grid_sampler_backward = Op("grid_sampler_backward", _grid_sampler_backward, method=False)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` at the points of ``grid``, normalized to ``[-1, 1]``.

    Args:
        input: ``(N, C, H, W)`` (or ``(N, C, D, H, W)``).
        grid: ``(N, H_out, W_out, 2)`` of ``(x, y)`` (or ``(N, D_out, H_out, W_out, 3)``).
        mode: ``'bilinear'`` or ``'nearest'``.
        padding_mode: outside points read ``'zeros'``, the ``'border'``, or a
            ``'reflection'``.
        align_corners: -1 and 1 are the corner pixels' centres (True) or edges
            (False, the default; torch's warning about it is not repeated).
    """
    return grid_sampler(input, grid, mode, padding_mode, bool(align_corners))


def _base_coords(n, align_corners):
    if n <= 1:
        return np.zeros(max(n, 0))
    c = np.linspace(-1.0, 1.0, n)
    return c if align_corners else c * (n - 1) / n


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of affine maps ``theta`` for :func:`grid_sample`.

    ``theta`` ``(N, 2, 3)`` with ``size`` ``(N, C, H, W)`` gives ``(N, H, W, 2)``;
    ``(N, 3, 4)`` with ``(N, C, D, H, W)`` gives ``(N, D, H, W, 3)``.
    """
    size = tuple(int(v) for v in size)
    nd = len(size) - 2
    shape = tuple(theta.shape)
    if nd not in (2, 3) or shape != (size[0], nd, nd + 1):
        raise ValueError(
            f"affine_grid: expected theta of shape (N, {max(nd, 2)}, {max(nd, 2) + 1}) for size "
            f"{size}, got {shape}"
        )
    if not theta.is_floating_point():
        raise TypeError(f"affine_grid: expected a floating theta, got {theta.dtype}")
    spatial = size[2:]
    axes = [_base_coords(n, align_corners) for n in reversed(spatial)]  # x first
    mesh = list(np.meshgrid(*axes[::-1], indexing="ij"))[::-1]  # each (*spatial), x first
    base = np.stack(mesh + [np.ones(spatial)], axis=-1).reshape(1, -1, nd + 1)
    base_t = _dispatch.wrap(theta.device.xp.asarray(base.astype(theta._data.dtype)), theta.device)
    grid = OPS["matmul"](base_t, theta.transpose(1, 2))
    return grid.reshape((size[0],) + spatial + (nd,))


# ---- pixel shuffle ---------------------------------------------------------------


def _pixel_shuffle(xp, input, upscale_factor):
    """``(*, C * r**2, H, W)`` to ``(*, C, H * r, W * r)``, ``r = upscale_factor``."""
    (r,) = ntuple("pixel_shuffle", "upscale_factor", upscale_factor, 1, 1)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise RuntimeError(
            f"pixel_shuffle: expected input (*, C * {r * r}, H, W) with channels divisible "
            f"by upscale_factor**2 = {r * r}, got shape {input.shape}"
        )
    *lead, c, h, w = input.shape
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return xp.ascontiguousarray(x).reshape(*lead, c // (r * r), h * r, w * r)


def _pixel_unshuffle(xp, input, downscale_factor):
    """``(*, C, H * r, W * r)`` to ``(*, C * r**2, H, W)``, ``r = downscale_factor``."""
    (r,) = ntuple("pixel_unshuffle", "downscale_factor", downscale_factor, 1, 1)
    if input.ndim < 3 or input.shape[-1] % r or input.shape[-2] % r:
        raise RuntimeError(
            f"pixel_unshuffle: expected input (*, C, H, W) with H and W divisible by "
            f"downscale_factor={r}, got shape {input.shape}"
        )
    *lead, c, h, w = input.shape
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    x = x.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return xp.ascontiguousarray(x).reshape(*lead, c * r * r, h // r, w // r)


pixel_shuffle = Op("pixel_shuffle", _pixel_shuffle, method=False)
pixel_unshuffle = Op("pixel_unshuffle", _pixel_unshuffle, method=False)
