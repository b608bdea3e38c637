"""Derivatives of ``ember/_ops/sampling.py``: padding, resampling, grid sampling and
pixel shuffles. Padding and upsampling are linear: each backward op's rule is the
forward op (its adjoint).

``grid_sampler``'s first derivative is the core's ``grid_sampler_backward`` kernel.
That kernel's own derivative (grid_sample's second) is the vector-Jacobian product of
grid sampling written in differentiable ops (coordinates, padding, corner weights,
gathers), so double backward comes with it, as for ``stft`` in ``spectral.py``.
"""

from __future__ import annotations

import itertools
import math

from ember._ops import OPS
from ember.autograd.functional import vjp
from ember.autograd.rules._util import composite, where, zeros_like

DERIVATIVES: dict = {}
JVPS: dict = {}


def _pad(grad, _out, _input, pad, mode="constant", value=None):
    return (OPS["pad_backward"](grad, tuple(_input.shape), pad, mode),)


def _pad_backward(grad, _out, _g, _input_shape, pad, mode="constant"):
    return (OPS["pad"](grad, pad, mode),)


def _upsample(grad, _out, _input, _output_size, mode="nearest", align_corners=False, scales=None):
    return (OPS["upsample_backward"](grad, tuple(_input.shape), mode, align_corners, scales),)


def _upsample_backward(
    grad, _out, _g, _input_shape, mode="nearest", align_corners=False, scales=None
):
    return (OPS["upsample"](grad, tuple(_g.shape[2:]), mode, align_corners, scales),)


# ---- grid sampling -------------------------------------------------------------------


def _grid_sampler(
    grad, _out, input, grid, mode="bilinear", padding_mode="zeros", align_corners=False
):
    gi, gg = OPS["grid_sampler_backward"](grad, input, grid, mode, padding_mode, align_corners)
    return gi, gg


def _clip(c, n):
    """``c`` clamped to ``[0, n - 1]``, with torch's derivative: 1 strictly inside, else 0
    (``clamp``'s rule counts the end points as inside)."""
    inside = (c > 0) & (c < n - 1)
    return where(inside, c, c.detach().clamp(0, n - 1))


def _reflect(c, twice_low, twice_high):
    """``c`` folded into ``[twice_low / 2, twice_high / 2]``, as torch's
    ``reflect_coordinates``. The fold is a triangle wave, so ``floor`` folds offsets
    below ``low`` too; its kinks all land on the ends, where ``_clip`` zeroes the
    derivative, as torch does."""
    if twice_low == twice_high:
        return zeros_like(c)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    flips = ((c.detach() - low) / span).floor()
    extra = c - low - flips * span
    return where(flips.remainder(2) == 1, span - extra, extra) + low


def _source_coords(g, n, padding_mode, align_corners):
    """Pixel coordinates of normalized ``g`` along a dim of size ``n``."""
    c = (g + 1) / 2 * (n - 1) if align_corners else ((g + 1) * n - 1) / 2
    if padding_mode == "reflection":
        c = _reflect(c, *((0, 2 * (n - 1)) if align_corners else (-1, 2 * n - 1)))
    if padding_mode in ("border", "reflection"):
        c = _clip(c, n)
    return c


def _corners(coords, mode):
    """``(integer coordinates, weight)`` per corner read; nearest reads one, weight 1."""
    if mode == "nearest":
        # round half to even, as the kernel (and torch's nearbyint)
        yield [c.detach().round() for c in coords], None
        return
    lows = [c.detach().floor() for c in coords]
    fracs = [c - lo for c, lo in zip(coords, lows)]
    for bits in itertools.product((0, 1), repeat=len(coords)):
        idx = [lo + b for lo, b in zip(lows, bits)]
        yield idx, math.prod(f if b else 1 - f for f, b in zip(fracs, bits))


def _flat_index(idx, size):
    """The flat index of each point (clamped in range) and a 0/1 mask of those inside."""
    ok, flat = None, 0
    for c, n in zip(idx, size):
        inside = (c >= 0) & (c <= n - 1)
        ok = inside if ok is None else ok & inside
        flat = flat * n + c.clamp(0, n - 1)
    return flat.long(), ok.to(idx[0].dtype)


def _grid_sample_decomposed(input, grid, mode, padding_mode, align_corners):
    """``grid_sampler`` written in differentiable ops, for its higher derivatives."""
    size = tuple(input.shape[2:])
    nd = len(size)
    n, ch = input.shape[:2]
    flat_in = input.reshape(n, ch, -1)
    points = grid.reshape(n, -1, nd)
    # grid's last axis is (x, y[, z]): x indexes the last spatial dim
    coords = [
        _source_coords(points[..., nd - 1 - i], size[i], padding_mode, align_corners)
        for i in range(nd)
    ]
    out = 0
    for idx, weight in _corners(coords, mode):
        flat, ok = _flat_index(idx, size)
        vals = OPS["gather"](flat_in, 2, flat[:, None, :].expand(n, ch, flat.shape[-1]))
        out = out + vals * (ok if weight is None else weight * ok)[:, None, :]
    return out.reshape(tuple(input.shape[:2]) + tuple(grid.shape[1:-1]))


def _grid_sampler_backward_decomposed(
    grad, input, grid, mode="bilinear", padding_mode="zeros", align_corners=False
):
    """``grid_sampler_backward`` as the VJP of the decomposition, built differentiably."""
    _, grads = vjp(
        lambda x, g: _grid_sample_decomposed(x, g, mode, padding_mode, align_corners),
        (input, grid),
        grad,
        create_graph=True,
    )
    return grads


DERIVATIVES["pad"] = _pad
DERIVATIVES["pad_backward"] = _pad_backward
DERIVATIVES["upsample"] = _upsample
DERIVATIVES["upsample_backward"] = _upsample_backward
DERIVATIVES["grid_sampler"] = _grid_sampler
DERIVATIVES["grid_sampler_backward"] = composite(_grid_sampler_backward_decomposed)
DERIVATIVES["pixel_shuffle"] = lambda grad, _out, _input, upscale_factor: (
    OPS["pixel_unshuffle"](grad, upscale_factor),
)
DERIVATIVES["pixel_unshuffle"] = lambda grad, _out, _input, downscale_factor: (
    OPS["pixel_shuffle"](grad, downscale_factor),
)
JVPS["pad"] = lambda t, _o, _x, pad, mode="constant", value=None: OPS["pad"](t[0], pad, mode)
JVPS["pixel_shuffle"] = lambda t, _o, _x, r: OPS["pixel_shuffle"](t[0], r)
JVPS["pixel_unshuffle"] = lambda t, _o, _x, r: OPS["pixel_unshuffle"](t[0], r)
