"""Derivatives of ``ember/_ops/conv.py``: convolutions and im2col/col2im.

A convolution's input gradient is the transposed convolution of the output
gradient (and the other way round); its weight gradient is the core's
``convolution_weight_grad`` op, bilinear in input and output gradient, whose own
rule is again a pair of convolutions, so convolutions differentiate twice.
"""

from __future__ import annotations

from ember._ops import OPS

DERIVATIVES: dict = {}
JVPS: dict = {}


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _output_padding(in_size, out_size, kernel, stride, padding, dilation):
    """The output_padding that makes a transposed convolution give back ``in_size``."""
    return tuple(
        n - ((o - 1) * s - 2 * p + d * (k - 1) + 1)
        for n, o, k, s, p, d in zip(in_size, out_size, kernel, stride, padding, dilation)
    )


def _batched(t, nd):
    return t if t.ndim == nd + 2 else t.unsqueeze(0)


def input_grad(grad, weight, in_shape, stride, padding, dilation, transposed, groups):
    """The gradient of a convolution's input (``in_shape`` batched or not)."""
    nd = weight.ndim - 2
    s, p, d = _tuple(stride, nd), _tuple(padding, nd), _tuple(dilation, nd)
    if transposed:
        return OPS["convolution"](grad, weight, None, s, p, d, False, (0,) * nd, groups)
    k = tuple(weight.shape[2:])
    op = _output_padding(in_shape[-nd:], tuple(grad.shape[-nd:]), k, s, p, d)
    return OPS["convolution"](grad, weight, None, s, p, d, True, op, groups)


def weight_grad(input, grad, weight_shape, stride, padding, dilation, transposed, groups):
    """The gradient of a convolution's weight."""
    nd = len(weight_shape) - 2
    x, g = _batched(input, nd), _batched(grad, nd)
    s, p, d = _tuple(stride, nd), _tuple(padding, nd), _tuple(dilation, nd)
    if transposed:
        x, g = g, x
    return OPS["convolution_weight_grad"](x, g, tuple(weight_shape), s, p, d, groups)


def _convolution(
    grad,
    _out,
    input,
    weight,
    bias,
    stride,
    padding,
    dilation,
    transposed,
    output_padding,
    groups,
    needs_input_grad=(True, True, True),
):
    gx = gw = gb = None
    if needs_input_grad[0]:
        gx = input_grad(
            grad, weight, tuple(input.shape), stride, padding, dilation, transposed, groups
        )
    if needs_input_grad[1]:
        gw = weight_grad(
            input, grad, tuple(weight.shape), stride, padding, dilation, transposed, groups
        )
    if bias is not None and needs_input_grad[2]:
        channel = 1 if grad.ndim == weight.ndim else 0
        gb = grad.sum(tuple(i for i in range(grad.ndim) if i != channel))
    return gx, gw, gb


def _convolution_weight_grad(
    gw,
    _out,
    input,
    grad_output,
    _weight_shape,
    stride,
    padding,
    dilation,
    groups,
    needs_input_grad=(True, True),
):
    # W = G(x, go) is bilinear; with a weight gradient gw: dx is the input gradient of a
    # convolution with weight gw, dgo is the convolution of x with gw.
    nd = len(_weight_shape) - 2
    s, p, d = _tuple(stride, nd), _tuple(padding, nd), _tuple(dilation, nd)
    gx = ggo = None
    if needs_input_grad[0]:
        gx = input_grad(grad_output, gw, tuple(input.shape), s, p, d, False, groups)
    if needs_input_grad[1]:
        ggo = OPS["convolution"](input, gw, None, s, p, d, False, (0,) * nd, groups)
    return gx, ggo


DERIVATIVES["convolution"] = _convolution
DERIVATIVES["convolution_weight_grad"] = _convolution_weight_grad


def _convolution_jvp(
    t, _out, input, weight, bias, stride, padding, dilation, transposed, output_padding, groups
):
    conv = OPS["convolution"]
    parts = []
    if t[0] is not None:
        parts.append(
            conv(t[0], weight, None, stride, padding, dilation, transposed, output_padding, groups)
        )
    if t[1] is not None:
        parts.append(
            conv(input, t[1], None, stride, padding, dilation, transposed, output_padding, groups)
        )
    if len(t) > 2 and t[2] is not None:
        channel = 1 if input.ndim == weight.ndim else 0
        parts.append(t[2].reshape((-1,) + (1,) * (input.ndim - channel - 1)))
    total = parts[0]
    for q in parts[1:]:
        total = total + q
    return total


JVPS["convolution"] = _convolution_jvp
DERIVATIVES["im2col"] = lambda grad, _out, _input, kernel_size, dilation=1, padding=0, stride=1: (
    OPS["col2im"](grad, tuple(_input.shape[-2:]), kernel_size, dilation, padding, stride),
)
DERIVATIVES["col2im"] = (
    lambda grad, _out, _input, _size, kernel_size, dilation=1, padding=0, stride=1: (
        OPS["im2col"](grad, kernel_size, dilation, padding, stride),
    )
)
