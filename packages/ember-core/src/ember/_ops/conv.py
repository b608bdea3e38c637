"""Convolution: one N-d primitive (direct and transposed), its weight gradient, im2col/col2im.

Every convolution is one GEMM over a window array: ``_im2col`` copies the strided
windows of the padded input once (channels first, into a reused buffer) and one
``matmul`` per group contracts them with the weight. A transposed convolution of
stride 1 is a direct one with the flipped kernel; with a larger stride it runs
the GEMM first and scatters the columns back (``_col2im``), one strided add per
kernel offset. Autograd expresses a convolution's input gradient as the
transposed convolution with the same weight (:func:`convolution_input_grad`) and
its weight gradient through the :func:`convolution_weight_grad` primitive.
"""

from __future__ import annotations

import itertools

import numpy as np

from ember._ops import Op
from ember._ops._scratch import scratch

__all__ = [
    "convolution",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]

_LAYOUTS = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}
_KERNELS = {1: "kL", 2: "kH, kW", 3: "kD, kH, kW"}


# ---- argument checks -------------------------------------------------------------


def ntuple(name, arg, value, n, low=0):
    """``value`` (an int or a sequence of ``n`` ints, each ``>= low``) as a tuple of ``n``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * n
    elif isinstance(value, (tuple, list)) and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        out = tuple(int(v) for v in value) * (n if len(value) == 1 else 1)
    else:
        out = None
    if out is None or len(out) != n:
        raise TypeError(
            f"{name}: expected {arg} to be an int or a tuple of {n} ints, got {value!r}"
        )
    if any(v < low for v in out):
        raise ValueError(f"{name}: expected {arg} to be >= {low}, got {value!r}")
    return out


def _shape(t):
    return tuple(getattr(t, "shape", ()))


def check_conv(name, x_shape, w_shape, b_shape, groups, transposed, nd=None):
    """Check a convolution's shapes; returns the number of spatial dims."""
    nd = len(w_shape) - 2 if nd is None else nd
    if len(w_shape) != nd + 2 or nd < 1:
        kernel = _KERNELS.get(nd, "k...")
        chans = "in_channels, out_channels/groups" if transposed else "out_channels, in/groups"
        raise RuntimeError(
            f"{name}: expected weight with {nd + 2} dims ({chans}, {kernel}), got shape {w_shape}"
        )
    if len(x_shape) not in (nd + 1, nd + 2):
        layout = _LAYOUTS.get(nd, f"(N, C, {nd} spatial dims)")
        raise RuntimeError(
            f"{name}: expected input with {nd + 2} dims {layout} or {nd + 1} "
            f"({layout[4:]}, got shape {x_shape}"
        )
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{name}: expected groups to be a positive int, got {groups!r}")
    c, lead = x_shape[-nd - 1], w_shape[0]
    if lead % groups:
        what = "in_channels" if transposed else "out_channels"
        raise RuntimeError(
            f"{name}: {what} (weight.shape[0]={lead}) must be divisible by groups={groups}"
        )
    expected, out_channels = (
        (lead, w_shape[1] * groups) if transposed else (w_shape[1] * groups, lead)
    )
    if c != expected:
        raise RuntimeError(
            f"{name}: input has {c} channels but weight expects {expected} "
            f"(groups={groups}, weight.shape={w_shape})"
        )
    if b_shape is not None and b_shape != (out_channels,):
        raise RuntimeError(f"{name}: expected bias of shape ({out_channels},), got {b_shape}")
    return nd


def _check_dtypes(name, x, w, b):
    """The weight and bias share the input's dtype (arrays or tensors), as torch requires."""
    for arg, t in (("input", x), ("weight", w)):
        if not hasattr(t, "dtype"):
            raise TypeError(f"{name}: expected {arg} to be a tensor, got {type(t).__name__}")
    for arg, t in (("weight", w), ("bias", b)):
        if t is not None and t.dtype != x.dtype:
            raise RuntimeError(
                f"{name}: expected {arg} of dtype {x.dtype.name} like the input, got {t.dtype.name}"
            )
    if getattr(x.dtype, "kind", "f") not in "fiuV":
        raise TypeError(f"{name}: expected a floating or integer input, got {x.dtype}")


def conv_out_size(name, size, k, s, p, d):
    """Spatial output size of a convolution; raises when the kernel does not fit."""
    out = tuple(
        (n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, ss, pp, dd in zip(size, k, s, p, d)
    )
    if any(o <= 0 for o in out):
        padded = tuple(n + 2 * pp for n, pp in zip(size, p))
        dilated = tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))
        raise RuntimeError(
            f"{name}: input spatial size {tuple(size)} (padded {padded}) is smaller than "
            f"the dilated kernel {dilated}"
        )
    return out


# ---- window machinery ------------------------------------------------------------


def _as_strided(xp, a, shape, strides):
    if xp is np:
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


def pad_spatial(xp, x, lo, hi=None, fill=0):
    """``x`` padded with ``fill`` by ``lo``/``hi`` on its trailing dims (negative values crop).

    Returns ``x`` itself when there is nothing to pad.
    """
    hi = lo if hi is None else hi
    if not any(lo) and not any(hi):
        return x
    nd = len(lo)
    size = x.shape[-nd:]
    shape = x.shape[:-nd] + tuple(n + a + b for n, a, b in zip(size, lo, hi))
    out = xp.full(shape, fill, x.dtype) if fill else xp.zeros(shape, x.dtype)
    dst = tuple(
        slice(max(a, 0), max(a, 0) + n + min(a, 0) + min(b, 0)) for n, a, b in zip(size, lo, hi)
    )
    src = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, a, b in zip(size, lo, hi))
    out[(Ellipsis,) + dst] = x[(Ellipsis,) + src]
    return out


def _windows(xp, xpad, k, s, d, out, lead=2):
    """A read-only view ``(*lead dims, *k, *out)`` of the windows of ``xpad``."""
    st = xpad.strides
    sp = st[lead:]
    strides = st[:lead] + tuple(a * b for a, b in zip(sp, d)) + tuple(a * b for a, b in zip(sp, s))
    return _as_strided(xp, xpad, xpad.shape[:lead] + tuple(k) + tuple(out), strides)


def _im2col(xp, x, k, s, p, d, out, batch_first=False):
    """The windows of ``x`` ``(N, C, *size)`` as GEMM columns ``(C * prod(k), N * prod(out))``.

    Channels first, so one GEMM covers the batch (as fast as one per sample when
    idle, up to 10x faster when the cores are shared), in the reused buffer: use
    it before the next call. ``batch_first``: a new ``(N, C * prod(k), prod(out))``.
    """
    n, c = x.shape[:2]
    nd = len(k)
    kk, pp = int(np.prod(k)), int(np.prod(out))
    if batch_first:
        cols = xp.empty((n, c, *k, *out), x.dtype)
        xp.copyto(cols, _windows(xp, pad_spatial(xp, x, p), k, s, d, out))
        return cols.reshape(n, c * kk, pp)
    view = _windows(xp, pad_spatial(xp, x.swapaxes(0, 1), p), k, s, d, out)  # (C, N, *k, *out)
    view = view.transpose(0, *range(2, 2 + nd), 1, *range(2 + nd, 2 + 2 * nd))
    cols = scratch(xp, view.shape, x.dtype, "im2col")
    xp.copyto(cols, view)
    return cols.reshape(c * kk, n * pp)


def _col2im(xp, cols, size, k, s, p, d):
    """Sum columns ``(A, B, *k, *cols_size)`` back into an image ``(A, B, *size)``.

    The adjoint of :func:`_im2col`: one strided add per kernel offset into the
    padded image, then the padding is cropped (a view: callers copy it out in the
    layout they need).
    """
    nd = len(k)
    inner = cols.shape[2 + nd :]
    full = tuple(
        max(n + 2 * pp, (i - 1) * ss + dd * (kk - 1) + 1)
        for n, i, kk, ss, pp, dd in zip(size, inner, k, s, p, d)
    )
    img = xp.zeros(cols.shape[:2] + full, cols.dtype)
    for off in itertools.product(*(range(kk) for kk in k)):
        dst = tuple(
            slice(o * dd, o * dd + (i - 1) * ss + 1, ss) for o, dd, i, ss in zip(off, d, inner, s)
        )
        img[(slice(None), slice(None)) + dst] += cols[(slice(None), slice(None)) + off]
    crop = tuple(slice(pp, pp + n) for pp, n in zip(p, size))
    return img[(slice(None), slice(None)) + crop]


def _compute_dtype(dtype):
    # Half floats go through float32 GEMMs: NumPy has no fast half matmul.
    return np.float32 if dtype.kind in "fV" and dtype.itemsize < 4 else dtype


# ---- kernels ---------------------------------------------------------------------


def _conv_forward(xp, x, w, k, s, p, d, groups):
    n, cout = x.shape[0], w.shape[0]
    out = conv_out_size("convolution", x.shape[2:], k, s, p, d)
    cols = _im2col(xp, x, k, s, p, d, out)  # (C_in * kk, N * P)
    cg = cols.reshape(groups, cols.shape[0] // groups, cols.shape[1])
    y = xp.matmul(w.reshape(groups, cout // groups, cg.shape[1]), cg)
    y = y.reshape(cout, n, int(np.prod(out)))
    return xp.ascontiguousarray(y.swapaxes(0, 1)).reshape((n, cout) + out)


def _conv_transposed(xp, x, w, k, s, p, d, groups, op):
    n, cin = x.shape[:2]
    size = x.shape[2:]
    cout = w.shape[1] * groups
    out = tuple(
        (i - 1) * ss - 2 * pp + dd * (kk - 1) + oo + 1
        for i, kk, ss, pp, dd, oo in zip(size, k, s, p, d, op)
    )
    if any(o <= 0 for o in out):
        raise RuntimeError(f"convolution: transposed output size {out} is not positive")
    direct_cols = cin * int(np.prod(out))  # per kernel offset and sample, of each path
    scatter_cols = cout * int(np.prod(size))
    if all(ss == 1 for ss in s) and direct_cols <= 2 * scatter_cols:
        # Stride 1: a direct convolution with the flipped kernel, in/out channels swapped,
        # measured 2x faster than the column scatter below when their column buffers are
        # alike; with many more input channels (a conv's input gradient into few channels,
        # LeNet's 16 -> 6) the scatter's smaller buffer wins, by 2x there.
        wf = w.reshape((groups, cin // groups, cout // groups) + tuple(k)).swapaxes(1, 2)
        wf = wf[(Ellipsis,) + (slice(None, None, -1),) * len(k)]
        wf = xp.ascontiguousarray(wf).reshape((cout, cin // groups) + tuple(k))
        lo = tuple(dd * (kk - 1) - pp for kk, pp, dd in zip(k, p, d))
        xpad = pad_spatial(xp, x, lo, tuple(a + o for a, o in zip(lo, op)))
        return _conv_forward(xp, xpad, wf, k, s, (0,) * len(k), d, groups)
    wg = w.reshape(groups, cin // groups, -1).swapaxes(1, 2)  # (G, Cout/G * kk, Cin/G)
    xt = xp.ascontiguousarray(x.swapaxes(0, 1)).reshape(
        groups, cin // groups, int(np.prod(size)) * n
    )
    cols = xp.matmul(wg, xt).reshape((cout, *k, n, *size))  # one GEMM per group
    # Scattered channels first, (C_out, N, *k, *size): each kernel offset's columns are
    # then one block per channel, measured 1.8x faster than (N, C_out, ...) on LeNet.
    img = _col2im(xp, xp.moveaxis(cols, 1 + len(k), 1), out, k, s, p, d)
    return xp.ascontiguousarray(img.swapaxes(0, 1))


def _convolution(
    xp, input, weight, bias, stride, padding, dilation, transposed, output_padding, groups
):
    """N-d convolution (or transposed convolution) of ``input`` with ``weight``.

    The primitive behind ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``, as
    ``aten::convolution``: stride, padding, dilation and output_padding are
    tuples (or ints) over the spatial dims; ``padding`` is symmetric.

    Args:
        input: ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``.
        weight: ``(C_out, C_in / groups, *kernel)``, or ``(C_in, C_out / groups, *kernel)``
            when ``transposed``.
        bias: ``(C_out,)`` or None.

    Returns:
        ``(N, C_out, *out)``, unbatched when the input was.
    """
    nd = check_conv(
        "convolution",
        input.shape,
        weight.shape,
        None if bias is None else bias.shape,
        groups,
        transposed,
    )
    _check_dtypes("convolution", input, weight, bias)
    s = ntuple("convolution", "stride", stride, nd, 1)
    p = ntuple("convolution", "padding", padding, nd, 0)
    d = ntuple("convolution", "dilation", dilation, nd, 1)
    op = ntuple("convolution", "output_padding", output_padding, nd, 0)
    if any(o >= max(ss, dd) for o, ss, dd in zip(op, s, d)):
        raise ValueError(
            f"convolution: output_padding {op} must be smaller than either stride {s} "
            f"or dilation {d}"
        )
    unbatched = input.ndim == nd + 1
    x = input[None] if unbatched else input
    dtype, ct = x.dtype, _compute_dtype(x.dtype)
    x, w = x.astype(ct, copy=False), weight.astype(ct, copy=False)
    k = w.shape[2:]
    if transposed:
        y = _conv_transposed(xp, x, w, k, s, p, d, groups, op)
    else:
        y = _conv_forward(xp, x, w, k, s, p, d, groups)
    if bias is not None:
        y += bias.astype(ct, copy=False).reshape((-1,) + (1,) * nd)
    y = y.astype(dtype, copy=False)
    return y[0] if unbatched else y


def _convolution_weight_grad(
    xp, input, grad_output, weight_shape, stride, padding, dilation, groups
):
    """Gradient of a convolution's loss with respect to its weight.

    ``input`` ``(N, C_in, *size)`` and ``grad_output`` ``(N, C_out, *out)`` give
    the ``weight_shape`` ``(C_out, C_in / groups, *kernel)`` gradient. The
    weight gradient of a transposed convolution is this with the roles of
    input and grad_output swapped.
    """
    weight_shape = tuple(int(v) for v in weight_shape)
    nd = check_conv("convolution_weight_grad", input.shape, weight_shape, None, groups, False)
    if grad_output.ndim != input.ndim or grad_output.shape[-nd - 1] != weight_shape[0]:
        raise RuntimeError(
            f"convolution_weight_grad: grad_output of shape {grad_output.shape} does not match "
            f"input {input.shape} and weight {weight_shape}"
        )
    s = ntuple("convolution_weight_grad", "stride", stride, nd, 1)
    p = ntuple("convolution_weight_grad", "padding", padding, nd, 0)
    d = ntuple("convolution_weight_grad", "dilation", dilation, nd, 1)
    if input.ndim == nd + 1:
        input, grad_output = input[None], grad_output[None]
    k, out = weight_shape[2:], grad_output.shape[2:]
    if any(
        (o - 1) * ss + dd * (kk - 1) + 1 > n + 2 * pp
        for o, ss, dd, kk, n, pp in zip(out, s, d, k, input.shape[2:], p)
    ):
        raise RuntimeError(
            f"convolution_weight_grad: grad_output spatial size {out} is too large for input "
            f"{input.shape[2:]} with kernel {k}, stride {s}, padding {p}, dilation {d}"
        )
    dtype, ct = input.dtype, _compute_dtype(input.dtype)
    x, g = input.astype(ct, copy=False), grad_output.astype(ct, copy=False)
    cols = _im2col(xp, x, k, s, p, d, out)  # (C_in * kk, N * P)
    cog = g.shape[1] // groups
    gt = xp.ascontiguousarray(g.swapaxes(0, 1)).reshape(groups, cog, cols.shape[1])
    # (columns @ grad^T)^T: the same GEMM as grad @ columns^T, but this orientation
    # measured 10x faster than it when the cores are shared (and as fast when idle)
    cg = cols.reshape(groups, cols.shape[0] // groups, cols.shape[1])
    dw = xp.matmul(cg, gt.swapaxes(1, 2)).swapaxes(1, 2)
    return dw.reshape(weight_shape).astype(dtype, copy=False)


convolution = Op("convolution", _convolution, method=False)
convolution_weight_grad = Op("convolution_weight_grad", _convolution_weight_grad, method=False)


def convolution_input_grad(grad_output, weight, input_shape, stride, padding, dilation, groups):
    """Gradient of a convolution's loss with respect to its input.

    The transposed convolution of ``grad_output`` with the same weight; the
    ``output_padding`` that recovers ``input_shape`` is computed here. Written
    in ops, so it is itself differentiable.
    """
    nd = weight.ndim - 2
    s = ntuple("convolution_input_grad", "stride", stride, nd, 1)
    p = ntuple("convolution_input_grad", "padding", padding, nd, 0)
    d = ntuple("convolution_input_grad", "dilation", dilation, nd, 1)
    size, out = tuple(input_shape)[-nd:], tuple(grad_output.shape)[-nd:]
    k = tuple(weight.shape)[2:]
    op = tuple(
        n - ((o - 1) * ss - 2 * pp + dd * (kk - 1) + 1)
        for n, o, ss, pp, dd, kk in zip(size, out, s, p, d, k)
    )
    return convolution(grad_output, weight, None, s, p, d, True, op, groups)


# ---- the torch.nn.functional entry points ----------------------------------------


def _same_padding(name, input, nd, k, s, d):
    """Torch's ``padding='same'``: symmetric padding, plus one extra on the right if odd."""
    if any(v != 1 for v in s):
        raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
    total = [dd * (kk - 1) for kk, dd in zip(k, d)]
    left = tuple(t // 2 for t in total)
    extra = [t - 2 * lo for t, lo in zip(total, left)]
    if any(extra):
        from ember._ops.sampling import pad

        pads = []
        for e in reversed(extra):  # F.pad order: the last dim first
            pads += [0, e]
        input = pad(input, pads)
    return input, left


def _check_call(name, nd, input, weight, bias, groups, transposed):
    _check_dtypes(name, input, weight, bias)
    b_shape = None if bias is None else _shape(bias)
    return check_conv(name, _shape(input), _shape(weight), b_shape, groups, transposed, nd)


def _conv(nd, input, weight, bias, stride, padding, dilation, groups):
    name = f"conv{nd}d"
    _check_call(name, nd, input, weight, bias, groups, False)
    s = ntuple(name, "stride", stride, nd, 1)
    d = ntuple(name, "dilation", dilation, nd, 1)
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        elif padding == "same":
            input, padding = _same_padding(name, input, nd, _shape(weight)[2:], s, d)
        else:
            raise ValueError(
                f"{name}: expected padding to be 'valid', 'same', an int or a tuple, "
                f"got {padding!r}"
            )
    p = ntuple(name, "padding", padding, nd, 0)
    conv_out_size(name, _shape(input)[-nd:], _shape(weight)[2:], s, p, d)
    return convolution(input, weight, bias, s, p, d, False, (0,) * nd, groups)


def _conv_t(nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    name = f"conv_transpose{nd}d"
    _check_call(name, nd, input, weight, bias, groups, True)
    s = ntuple(name, "stride", stride, nd, 1)
    p = ntuple(name, "padding", padding, nd, 0)
    op = ntuple(name, "output_padding", output_padding, nd, 0)
    d = ntuple(name, "dilation", dilation, nd, 1)
    return convolution(input, weight, bias, s, p, d, True, op, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution over ``(N, C_in, L)`` with weight ``(C_out, C_in/groups, kL)``.

    ``padding`` is an int, a 1-tuple, ``'valid'`` or ``'same'``.
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution over ``(N, C_in, H, W)`` with weight ``(C_out, C_in/groups, kH, kW)``.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: ``(C_out,)`` or None.
        stride, dilation: an int or a pair.
        padding: an int, a pair, ``'valid'`` (no padding) or ``'same'`` (output size
            equals input size; padded asymmetrically, one more on the right, when the
            dilated kernel is even).
        groups: split the channels into this many independent convolutions.

    >>> y = ember.conv2d(x, w, padding="same")
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution over ``(N, C_in, D, H, W)``; weight ``(C_out, C_in/groups, kD, kH, kW)``."""
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """1-d transposed convolution; weight ``(C_in, C_out/groups, kL)``."""
    return _conv_t(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """2-d transposed convolution ("deconvolution"); weight ``(C_in, C_out/groups, kH, kW)``.

    The output size is ``(in - 1) * stride - 2 * padding + dilation * (k - 1)
    + output_padding + 1`` per spatial dim.
    """
    return _conv_t(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """3-d transposed convolution; weight ``(C_in, C_out/groups, kD, kH, kW)``."""
    return _conv_t(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


# ---- im2col / col2im (F.unfold / F.fold) -----------------------------------------


def _block_args(name, kernel_size, dilation, padding, stride):
    return (
        ntuple(name, "kernel_size", kernel_size, 2, 1),
        ntuple(name, "dilation", dilation, 2, 1),
        ntuple(name, "padding", padding, 2, 0),
        ntuple(name, "stride", stride, 2, 1),
    )


def _im2col_op(xp, input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of ``(N, C, H, W)`` as columns ``(N, C * kH * kW, L)``.

    The primitive behind ``F.unfold``; ``L`` is the number of blocks.
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"im2col: expected input with 4 dims (N, C, H, W) or 3 (C, H, W), got shape "
            f"{input.shape}"
        )
    k, d, p, s = _block_args("im2col", kernel_size, dilation, padding, stride)
    x = input[None] if input.ndim == 3 else input
    out = conv_out_size("im2col", x.shape[2:], k, s, p, d)
    cols = _im2col(xp, x, k, s, p, d, out, batch_first=True)
    return cols[0] if input.ndim == 3 else cols


def _col2im_op(xp, input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns ``(N, C * kH * kW, L)`` into an image ``(N, C, *output_size)``.

    The primitive behind ``F.fold``, the adjoint of ``im2col``.
    """
    size = ntuple("col2im", "output_size", output_size, 2, 1)
    k, d, p, s = _block_args("col2im", kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"col2im: expected input with 3 dims (N, C * kH * kW, L) or 2, got shape {input.shape}"
        )
    x = input[None] if input.ndim == 2 else input
    kk = k[0] * k[1]
    blocks = conv_out_size("col2im", size, k, s, p, d)
    if x.shape[1] % kk or x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"col2im: expected input of shape (N, C * {kk}, {blocks[0] * blocks[1]}) for "
            f"output_size {size} and kernel_size {k}, got {input.shape}"
        )
    cols = x.reshape((x.shape[0], x.shape[1] // kk) + k + blocks)
    y = xp.ascontiguousarray(_col2im(xp, cols, size, k, s, p, d))
    return y[0] if input.ndim == 2 else y


im2col = Op("im2col", _im2col_op, method=False)
col2im = Op("col2im", _col2im_op, method=False)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """``F.unfold``: sliding blocks of ``(N, C, H, W)`` as ``(N, C * prod(kernel_size), L)``."""
    return im2col(input, kernel_size, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """``F.fold``: sum blocks ``(N, C * prod(kernel_size), L)`` into ``(N, C, *output_size)``."""
    return col2im(input, output_size, kernel_size, dilation, padding, stride)
