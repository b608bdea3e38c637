"""OpInfo rows for ``ember/_ops/pooling.py`` and ``adaptive.py``, against loop references.

Each reference visits every output position (small shapes only); the backward
primitives are checked against the adjoint of their forward reference.
"""

import itertools
import math

import numpy as np

from ember._ops import OPS
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput


def adjoint(forward, shape, grad, *args):
    """``J^T grad`` of the linear ``forward`` at ``shape``, one basis input at a time."""
    out = np.zeros(shape)
    for idx in np.ndindex(*shape):
        e = np.zeros(shape)
        e[idx] = 1.0
        out[idx] = np.sum(np.asarray(grad, np.float64) * forward(e, *args))
    return out


def torch_vjp(forward):
    """A torch callable for a backward op ``(grad, input_shape, *args)``: the VJP of
    ``forward(torch, x, grad, *args)`` at zeros of ``input_shape``.
    """

    def run(torch, grad, shape, *args, **kwargs):
        x = torch.zeros(shape, dtype=grad.dtype, requires_grad=True)
        (g,) = torch.autograd.grad(forward(torch, x, grad, *args, **kwargs), x, grad)
        return g

    return run


def _fn(torch, kind, x):
    return getattr(torch.nn.functional, f"{kind}{x.ndim - 2}d")


def _windows(size, k, s, p, d, ceil_mode):
    """Per dim, the list of window start positions (torch's output size rule)."""
    starts = []
    for n, kk, ss, pp, dd in zip(size, k, s, p, d):
        o = (n + 2 * pp - dd * (kk - 1) - 1 + (ss - 1 if ceil_mode else 0)) // ss + 1
        if ceil_mode and (o - 1) * ss >= n + pp:
            o -= 1
        starts.append([i * ss - pp for i in range(o)])
    return starts


def max_pool_ref(x, k, s, p, d, ceil_mode):
    size = x.shape[2:]
    starts = _windows(size, k, s, p, d, ceil_mode)
    out = np.zeros(x.shape[:2] + tuple(len(v) for v in starts), x.dtype)
    idx = np.zeros(out.shape, np.int64)
    for o in itertools.product(*(range(len(v)) for v in starts)):
        for nc in np.ndindex(*x.shape[:2]):
            best, where = -np.inf, -1
            for off in itertools.product(*(range(v) for v in k)):
                pos = [st[oo] + f * dd for st, oo, f, dd in zip(starts, o, off, d)]
                if all(0 <= q < n for q, n in zip(pos, size)):
                    v = x[(*nc, *pos)]
                    if v > best or np.isnan(v) or where < 0:
                        best, where = v, int(np.ravel_multi_index(pos, size))
            out[(*nc, *o)], idx[(*nc, *o)] = best, where
    return out, idx


def _max_pool_samples(make):
    yield SampleInput(make(2, 3, 7), (3,), (2,), (1,), (1,), False)
    yield SampleInput(make(2, 2, 5, 6), (2, 2), (2, 2), (0, 0), (1, 1), False)
    yield SampleInput(make(1, 2, 7, 6), (3, 2), (2, 1), (1, 1), (1, 2), True)
    yield SampleInput(make(1, 2, 4, 5, 4), (2, 2, 2), (2, 1, 2), (1, 0, 0), (1, 1, 1), True)
    yield SampleInput(make(0, 2, 4, 4), (2, 2), (2, 2), (0, 0), (1, 1), False)


def _max_pool_backward_samples(make):
    for sample in _max_pool_samples(make):
        x = sample.args[0]
        values, indices = OPS["max_pool"](*sample.args)
        yield SampleInput(make(*values.shape), indices, tuple(x.shape))


def _max_pool_backward_ref(grad, indices, shape):
    out = np.zeros((shape[0] * shape[1], int(np.prod(shape[2:]))))
    cols = int(np.prod(grad.shape[2:]))
    g, i = grad.reshape(len(out), cols), indices.reshape(len(out), cols)
    for plane, col in np.ndindex(*g.shape):
        out[plane, i[plane, col]] += g[plane, col]
    return out.reshape(shape)


def avg_pool_ref(x, k, s=None, p=0, ceil_mode=False, count_include_pad=True, divisor=None):
    nd = x.ndim - 2
    s = k if s is None else s
    k, s, p = (tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd for v in (k, s, p))
    size = x.shape[2:]
    starts = _windows(size, k, s, p, (1,) * nd, ceil_mode)
    out = np.zeros(x.shape[:2] + tuple(len(v) for v in starts))
    for o in itertools.product(*(range(len(v)) for v in starts)):
        lo = [st[oo] for st, oo in zip(starts, o)]
        hi = [min(a + kk, n + pp) for a, kk, n, pp in zip(lo, k, size, p)]
        full = math.prod(b - a for a, b in zip(lo, hi))
        lo_in = [max(a, 0) for a in lo]
        hi_in = [min(b, n) for b, n in zip(hi, size)]
        window = x[(Ellipsis, *(slice(a, b) for a, b in zip(lo_in, hi_in)))]
        valid = math.prod(b - a for a, b in zip(lo_in, hi_in))
        count = divisor or (full if count_include_pad else valid)
        out[(Ellipsis, *o)] = window.reshape(x.shape[:2] + (valid,)).sum(-1) / count
    return out


def _avg_pool_samples(make):
    yield SampleInput(make(2, 3, 7), (3,), (2,), (1,))
    yield SampleInput(make(2, 2, 6, 5), (2, 2))
    yield SampleInput(make(1, 2, 7, 6), (3, 2), (2, 1), (1, 1), True, False)
    yield SampleInput(make(1, 2, 7, 6), (3, 3), (2, 2), (1, 1), ceil_mode=True)
    yield SampleInput(make(1, 2, 5, 4, 5), (2, 2, 3), (2, 1, 2), (1, 0, 1), True, True, 3)
    yield SampleInput(make(0, 2, 4, 4), (2, 2))


def _avg_pool_backward_samples(make):
    for sample in _avg_pool_samples(make):
        x, *rest = sample.args
        if x.shape[0] == 0:
            continue
        out = OPS["avg_pool"](x, *rest, **sample.kwargs)
        yield SampleInput(make(*out.shape), tuple(x.shape), *rest, **sample.kwargs)


def _avg_pool_backward_ref(grad, shape, *args, **kwargs):
    return adjoint(lambda e: avg_pool_ref(e, *args, **kwargs), shape, grad)


def _bounds(n, o):
    return [(i * n // o, -(-(i + 1) * n // o)) for i in range(o)]


def adaptive_ref(x, output_size, reduce):
    size = x.shape[2:]
    out_size = tuple(n if o is None else o for n, o in zip(size, output_size))
    bounds = [_bounds(n, o) for n, o in zip(size, out_size)]
    values = np.zeros(x.shape[:2] + out_size)
    indices = np.zeros(values.shape, np.int64)
    for o in itertools.product(*(range(v) for v in out_size)):
        sl = tuple(slice(*b[i]) for b, i in zip(bounds, o))
        window = x[(Ellipsis, *sl)].reshape(
            x.shape[:2] + (math.prod(s.stop - s.start for s in sl),)
        )
        if reduce == "mean":
            values[(Ellipsis, *o)] = window.mean(-1)
            continue
        arg = window.argmax(-1)
        values[(Ellipsis, *o)] = window.max(-1)
        local = np.unravel_index(arg, tuple(s.stop - s.start for s in sl))
        pos = [loc + s.start for loc, s in zip(local, sl)]
        indices[(Ellipsis, *o)] = np.ravel_multi_index(pos, size)
    return values if reduce == "mean" else (values, indices)


def _adaptive_samples(make):
    yield SampleInput(make(2, 3, 7), (3,))
    yield SampleInput(make(2, 2, 6, 5), (2, 4))
    yield SampleInput(make(1, 2, 5, 7), (1, 1))  # global pooling
    yield SampleInput(make(1, 2, 8, 6), (None, 3))
    yield SampleInput(make(1, 2, 5, 4, 6), (2, 3, 4))
    yield SampleInput(make(0, 2, 4, 4), (2, 2))


def _adaptive_backward_samples(make):
    for sample in _adaptive_samples(make):
        x, size = sample.args
        if x.shape[0]:
            out = OPS["adaptive_avg_pool"](x, size)
            yield SampleInput(make(*out.shape), tuple(x.shape))


def _max_unpool_samples(make):
    x = make(2, 3, 6, 4)
    values, indices = OPS["max_pool"](x, (2, 2), (2, 2), (0, 0), (1, 1), False)
    yield SampleInput(values, indices, (6, 4))
    yield SampleInput(values, indices, (7, 5))
    values, indices = OPS["max_pool"](make(1, 2, 7), (3,), (2,), (1,), (1,), False)
    yield SampleInput(values, indices, (8,))


def _max_unpool_ref(x, indices, size):
    out = np.zeros((x.shape[0] * x.shape[1], math.prod(size)), x.dtype)
    for plane, col in np.ndindex(out.shape[0], indices[0, 0].size):
        out[plane, indices.reshape(out.shape[0], -1)[plane, col]] = x.reshape(out.shape[0], -1)[
            plane, col
        ]
    return out.reshape(x.shape[:2] + tuple(size))


OpInfo(
    "max_pool",
    max_pool_ref,
    _max_pool_samples,
    ALL_NUMERIC,
    grad_order=1,
    torch=lambda torch, x, *a: getattr(torch.nn.functional, f"max_pool{x.ndim - 2}d")(
        x, *a, return_indices=True
    ),
)
OpInfo(
    "max_pool_backward",
    _max_pool_backward_ref,
    _max_pool_backward_samples,
    grad_order=2,
    torch=lambda torch, g, i, shape: (
        torch.zeros(shape[0] * shape[1], math.prod(shape[2:]), dtype=g.dtype)
        .scatter_add_(1, i.flatten(0, 1).flatten(1), g.flatten(0, 1).flatten(1))
        .reshape(shape)
    ),
)
OpInfo(
    "avg_pool",
    avg_pool_ref,
    _avg_pool_samples,
    grad_order=2,
    torch=lambda torch, x, *a, **k: getattr(torch.nn.functional, f"avg_pool{x.ndim - 2}d")(
        x, *a, **k
    ),
)
OpInfo(
    "avg_pool_backward",
    _avg_pool_backward_ref,
    _avg_pool_backward_samples,
    grad_order=2,
    torch=torch_vjp(lambda torch, x, g, *a, **k: _fn(torch, "avg_pool", x)(x, *a, **k)),
)
OpInfo(
    "adaptive_avg_pool",
    lambda x, size: adaptive_ref(x, size, "mean"),
    _adaptive_samples,
    grad_order=2,
    torch=lambda torch, x, size: getattr(torch.nn.functional, f"adaptive_avg_pool{x.ndim - 2}d")(
        x, size
    ),
)
OpInfo(
    "adaptive_avg_pool_backward",
    lambda g, shape: adjoint(lambda e: adaptive_ref(e, g.shape[2:], "mean"), shape, g),
    _adaptive_backward_samples,
    grad_order=2,
    torch=torch_vjp(lambda torch, x, g: _fn(torch, "adaptive_avg_pool", x)(x, g.shape[2:])),
)
OpInfo(
    "adaptive_max_pool",
    lambda x, size: adaptive_ref(x, size, "max"),
    _adaptive_samples,
    grad_order=1,
    torch=lambda torch, x, size: getattr(torch.nn.functional, f"adaptive_max_pool{x.ndim - 2}d")(
        x, size, True
    ),
)
OpInfo(
    "max_unpool",
    _max_unpool_ref,
    _max_unpool_samples,
    grad_order=2,
    torch=lambda torch, x, i, size: (
        torch.zeros(x.shape[0] * x.shape[1], math.prod(size), dtype=x.dtype)
        .scatter_(1, i.reshape(len(x) * x.shape[1], -1), x.reshape(len(x) * x.shape[1], -1))
        .reshape(*x.shape[:2], *size)
    ),
)


# ---- resampling: ember/_ops/sampling.py -------------------------------------------


def _pad_pairs(x, pad):
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)][::-1]
    return [(0, 0)] * (x.ndim - len(pairs)) + pairs


def pad_ref(x, pad, mode="constant", value=None):
    pairs = _pad_pairs(x, pad)
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, (a, b) in zip(x.shape, pairs))
    width = [(max(a, 0), max(b, 0)) for a, b in pairs]
    if mode == "constant":
        return np.pad(x[crop], width, constant_values=0 if value is None else value)
    return np.pad(
        x, width, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    )


def _pad_samples(make):
    yield SampleInput(make(2, 3, 4), (1, 2))
    yield SampleInput(make(2, 3, 4, 5), (2, 1, 0, 3), value=1.5)
    yield SampleInput(make(2, 3, 4, 5), (-1, 2, 1, -2))  # negative: crop
    yield SampleInput(make(3), (2, 2))
    yield SampleInput(make(0, 3), (1, 1))
    for mode in ("reflect", "replicate", "circular"):
        yield SampleInput(make(2, 3, 4), (3, 1), mode)
        yield SampleInput(make(1, 2, 4, 5), (2, 1, 1, 3), mode=mode)
        yield SampleInput(make(1, 2, 3, 4, 4), (1, 1, 2, 0, 1, 2), mode)


def _pad_backward_samples(make):
    for sample in _pad_samples(make):
        x, pad, *mode = sample.args
        mode = mode[0] if mode else sample.kwargs.get("mode", "constant")
        if x.numel() and (mode != "constant" or x.ndim == 4):
            out = pad_ref(np.zeros(x.shape), pad, mode)
            yield SampleInput(make(*out.shape), tuple(x.shape), pad, mode)


_A = -0.75  # torch's bicubic coefficient


def _near(u):
    return ((_A + 2) * u - (_A + 3)) * u * u + 1


def _far(u):
    return ((_A * u - 5 * _A) * u + 8 * _A) * u - 4 * _A


def _interp_dim(x, axis, n_out, mode, align_corners, scale):
    """One dim of torch's interpolation, one output position at a time."""
    n_in = x.shape[axis]
    step = 1.0 / scale if scale else n_in / n_out
    rows = []
    for o in range(n_out):
        if mode in ("nearest", "nearest-exact"):
            shift = np.float32(0.5 if mode == "nearest-exact" else 0.0)
            i = min(int(np.floor((np.float32(o) + shift) * np.float32(step))), n_in - 1)
            rows.append(np.take(x, i, axis))
            continue
        if align_corners:
            src = o * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            src = step * (o + 0.5) - 0.5
            src = max(src, 0.0) if mode == "linear" else src
        i, t = math.floor(src), src - math.floor(src)
        if mode == "linear":
            taps, weights = [i, min(i + 1, n_in - 1)], [1 - t, t]
        else:
            taps = [min(max(i + j, 0), n_in - 1) for j in (-1, 0, 1, 2)]
            weights = [_far(t + 1), _near(t), _near(1 - t), _far(2 - t)]
        rows.append(sum(w * np.take(x, j, axis) for j, w in zip(taps, weights)))
    return np.stack(rows, axis)


def upsample_ref(x, size, mode="nearest", align_corners=False, scales=None):
    y = x.astype(np.float64)
    for i, n in enumerate(size):
        y = _interp_dim(y, 2 + i, n, mode, align_corners, None if scales is None else scales[i])
    return y


def _upsample_samples(make):
    yield SampleInput(make(2, 3, 5), (9,))
    yield SampleInput(make(2, 2, 4, 5), (7, 3), "nearest", False, (1.75, 0.6))
    yield SampleInput(make(1, 2, 5, 4), (3, 9), "nearest-exact")
    yield SampleInput(make(2, 2, 5), (8,), "linear", True)
    yield SampleInput(make(1, 2, 4, 5), (7, 3), mode="linear", scales=(1.75, 0.7))
    yield SampleInput(make(1, 2, 3, 4, 3), (5, 3, 4), "linear", False)
    yield SampleInput(make(1, 2, 4, 5), (6, 8), "cubic", False)
    yield SampleInput(make(1, 2, 4, 5), (6, 3), "cubic", True)
    yield SampleInput(make(0, 2, 4, 5), (6, 8), "linear")


def _upsample_backward_samples(make):
    for sample in _upsample_samples(make):
        x, size, *rest = sample.args
        if x.numel():
            yield SampleInput(make(*x.shape[:2], *size), tuple(x.shape), *rest, **sample.kwargs)


def _upsample_backward_ref(grad, shape, *args, **kwargs):
    return adjoint(lambda e: upsample_ref(e, grad.shape[2:], *args, **kwargs), shape, grad)


def _source_coord(g, n, padding_mode, align_corners):
    c = (g + 1) / 2 * (n - 1) if align_corners else ((g + 1) * n - 1) / 2
    if padding_mode == "reflection":
        low, high = (0.0, n - 1.0) if align_corners else (-0.5, n - 0.5)
        span = high - low
        if span <= 0:
            return 0.0
        d = abs(c - low)
        flips, extra = divmod(d, span)
        c = (low + extra) if flips % 2 == 0 else (high - extra)
    if padding_mode in ("border", "reflection"):
        c = min(max(c, 0.0), n - 1.0)
    return c


def grid_sampler_ref(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    x, grid = x.astype(np.float64), grid.astype(np.float64)
    nd = x.ndim - 2
    size = x.shape[2:]
    out = np.zeros(x.shape[:2] + grid.shape[1:-1])
    for n in range(x.shape[0]):
        for pos in np.ndindex(*grid.shape[1:-1]):
            g = grid[(n, *pos)][::-1]  # (x, y[, z]) -> spatial order
            c = [_source_coord(g[i], size[i], padding_mode, align_corners) for i in range(nd)]
            if mode == "nearest":
                corners = [([int(np.rint(ci)) for ci in c], 1.0)]
            else:
                corners = []
                for bits in itertools.product((0, 1), repeat=nd):
                    idx = [math.floor(ci) + b for ci, b in zip(c, bits)]
                    w = math.prod(
                        ci - math.floor(ci) if b else 1 - (ci - math.floor(ci))
                        for ci, b in zip(c, bits)
                    )
                    corners.append((idx, w))
            for idx, w in corners:
                if all(0 <= i < s for i, s in zip(idx, size)):
                    out[(n, slice(None), *pos)] += w * x[(n, slice(None), *idx)]
    return out


def _grid_samples(make):
    yield SampleInput(make(2, 3, 4, 5), make(2, 3, 2, 2, low=-1.2, high=1.2))
    yield SampleInput(make(1, 2, 4, 5), make(1, 2, 3, 2, low=-1.4, high=1.4), "bilinear", "border")
    yield SampleInput(
        make(1, 2, 5, 4),
        make(1, 3, 2, 2, low=-1.6, high=1.6),
        padding_mode="reflection",
        align_corners=True,
    )
    yield SampleInput(
        make(1, 2, 5, 4), make(1, 3, 2, 2, low=-1.6, high=1.6), "bilinear", "reflection", False
    )
    yield SampleInput(
        make(1, 2, 4, 5), make(1, 2, 3, 2, low=-1.1, high=1.1), "nearest", "zeros", True
    )
    yield SampleInput(make(1, 2, 3, 4, 3), make(1, 2, 2, 2, 3, low=-1.2, high=1.2))


def _grid_backward_ref(grad, x, grid, *args):
    # input: the adjoint of the linear map; grid: central differences in float64
    grad64, grid64 = grad.astype(np.float64), grid.astype(np.float64)
    gin = adjoint(lambda e: grid_sampler_ref(e, grid64, *args), x.shape, grad64)
    ggrid = np.zeros(grid.shape)
    h = 1e-6
    for idx in np.ndindex(*grid.shape):
        up, down = grid64.copy(), grid64.copy()
        up[idx] += h
        down[idx] -= h
        diff = grid_sampler_ref(x, up, *args) - grid_sampler_ref(x, down, *args)
        ggrid[idx] = np.sum(grad64 * diff) / (2 * h)
    return gin, ggrid


def _grid_backward_samples(make):
    for sample in list(_grid_samples(make))[:5]:
        x, grid, *rest = sample.args
        names = ("mode", "padding_mode", "align_corners")
        full = dict(zip(names, ["bilinear", "zeros", False])) | dict(zip(names, rest))
        full.update(sample.kwargs)
        g = make(*x.shape[:2], *grid.shape[1:-1])
        yield SampleInput(g, x, grid, *full.values())


def _grid_backward_torch(torch, grad, x, grid, *args):
    x, grid = x.clone().requires_grad_(), grid.clone().requires_grad_()
    out = torch.nn.functional.grid_sample(x, grid, *args)
    # create_graph: the parity test differentiates these once more
    return torch.autograd.grad(out, (x, grid), grad, create_graph=True)


def pixel_shuffle_ref(x, r):
    *lead, c, h, w = x.shape
    out = np.zeros((*lead, c // (r * r), h * r, w * r), x.dtype)
    for ch, i, j in itertools.product(range(c // (r * r)), range(h * r), range(w * r)):
        out[..., ch, i, j] = x[..., ch * r * r + (i % r) * r + j % r, i // r, j // r]
    return out


def pixel_unshuffle_ref(x, r):
    *lead, c, h, w = x.shape
    out = np.zeros((*lead, c * r * r, h // r, w // r), x.dtype)
    for ch, i, j in itertools.product(range(c * r * r), range(h // r), range(w // r)):
        base, rest = divmod(ch, r * r)
        out[..., ch, i, j] = x[..., base, i * r + rest // r, j * r + rest % r]
    return out


def _interp_torch(torch, x, size, mode="nearest", align_corners=False, scales=None):
    nd = x.ndim - 2
    name = {"linear": ("linear", "bilinear", "trilinear")[nd - 1], "cubic": "bicubic"}.get(
        mode, mode
    )
    if scales is not None:
        return torch.nn.functional.interpolate(
            x,
            scale_factor=scales,
            mode=name,
            align_corners=align_corners if "linear" in name or "cubic" in name else None,
        )
    return torch.nn.functional.interpolate(
        x,
        size,
        mode=name,
        align_corners=align_corners if "linear" in name or "cubic" in name else None,
    )


OpInfo(
    "pad",
    pad_ref,
    _pad_samples,
    ALL_NUMERIC,
    grad_order=2,
    torch=lambda torch, x, *a, **k: torch.nn.functional.pad(x, *a, **k),
)
OpInfo(
    "pad_backward",
    lambda g, shape, *a: adjoint(lambda e: pad_ref(e, *a), shape, g),
    _pad_backward_samples,
    grad_order=2,
    torch=torch_vjp(lambda torch, x, g, *a: torch.nn.functional.pad(x, *a)),
)
OpInfo(
    "upsample",
    upsample_ref,
    _upsample_samples,
    grad_order=2,
    rtol=1e-5,
    atol=1e-5,
    torch=_interp_torch,
)
OpInfo(
    "upsample_backward",
    _upsample_backward_ref,
    _upsample_backward_samples,
    grad_order=2,
    rtol=1e-5,
    atol=1e-5,
    torch=torch_vjp(lambda torch, x, g, *a, **k: _interp_torch(torch, x, g.shape[2:], *a, **k)),
)
OpInfo(
    "grid_sampler",
    grid_sampler_ref,
    _grid_samples,
    grad_order=2,
    rtol=1e-5,
    atol=1e-5,
    torch=lambda torch, *a, **k: torch.nn.functional.grid_sample(*a, **k),
)
OpInfo(
    "grid_sampler_backward",
    _grid_backward_ref,
    _grid_backward_samples,
    grad_order=1,
    rtol=1e-4,
    atol=1e-4,
    torch=_grid_backward_torch,
)
OpInfo(
    "pixel_shuffle",
    pixel_shuffle_ref,
    lambda make: [
        SampleInput(make(2, 8, 3, 2), 2),
        SampleInput(make(9, 2, 2), 3),
        SampleInput(make(2, 1, 4, 1, 2), 1),
    ],
    ALL_NUMERIC,
    grad_order=2,
    torch="torch.pixel_shuffle",
)
OpInfo(
    "pixel_unshuffle",
    pixel_unshuffle_ref,
    lambda make: [SampleInput(make(2, 2, 4, 6), 2), SampleInput(make(1, 6, 3), 3)],
    ALL_NUMERIC,
    grad_order=2,
    torch="torch.pixel_unshuffle",
)
