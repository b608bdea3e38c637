"""Derivatives of ``ember/_ops/sampling.py``: padding, resampling, grid sampling and
pixel shuffles. Padding and upsampling are linear: each backward op's rule is the
forward op (its adjoint)."""

from __future__ import annotations

from ember._ops import OPS
from ember.autograd.rules import not_implemented

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


def _grid_sampler(
    grad, _out, input, grid, mode="bilinear", padding_mode="zeros", align_corners=False
):
    gi, gg = OPS["grid_sampler_backward"](grad, input, grid, mode, padding_mode, align_corners)
    return gi, gg


DERIVATIVES["pad"] = _pad
DERIVATIVES["pad_backward"] = _pad_backward
DERIVATIVES["upsample"] = _upsample
DERIVATIVES["upsample_backward"] = _upsample_backward
DERIVATIVES["grid_sampler"] = _grid_sampler
DERIVATIVES["grid_sampler_backward"] = not_implemented(
    "grid_sampler_backward", " (the second derivative of grid_sample)"
)
DERIVATIVES["pixel_shuffle"] = lambda grad, _out, _input, upscale_factor: (
    OPS["pixel_unshuffle"](grad, upscale_factor),
)
DERIVATIVES["pixel_unshuffle"] = lambda grad, _out, _input, downscale_factor: (
    OPS["pixel_shuffle"](grad, downscale_factor),
)
JVPS["pad"] = lambda t, _o, _x, pad, mode="constant", value=None: OPS["pad"](t[0], pad, mode)
JVPS["pixel_shuffle"] = lambda t, _o, _x, r: OPS["pixel_shuffle"](t[0], r)
JVPS["pixel_unshuffle"] = lambda t, _o, _x, r: OPS["pixel_unshuffle"](t[0], r)
