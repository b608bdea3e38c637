"""Activations: the elementwise nonlinearities of ``torch.nn.functional``.

Those whose numerics need care (overflow in ``exp``, cancellation near zero) are
primitives with stable kernels; ``relu6`` and ``rrelu`` compose from them. The
functions take torch's ``inplace=`` flag and then call the op's in-place
``name_`` method. Half inputs are computed in float32, as torch's CPU kernels do.
"""

from __future__ import annotations

import math

import numpy as np

from ember import dispatch as _dispatch
from ember import dtypes as _dt
from ember._ops import OPS, SAME, Op, wrap_dim
from ember.random import generator_for

__all__ = [
    "relu",
    "relu6",
    "gelu",
    "silu",
    "softplus",
    "elu",
    "selu",
    "celu",
    "leaky_relu",
    "hardtanh",
    "hardswish",
    "hardsigmoid",
    "hardshrink",
    "softshrink",
    "mish",
    "logsigmoid",
    "softsign",
    "tanhshrink",
    "threshold",
    "glu",
    "prelu",
    "rrelu",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def floating(name, x):
    """Half floats computed in float32, as torch's CPU kernels do; integers refused."""
    if x.dtype.kind not in "fV":
        raise TypeError(f"{name}: expected a floating point input, got {_dt.from_numpy(x.dtype)}")
    return x.astype(np.float32) if x.dtype.itemsize < 4 else x


def _back(y, x):
    return y.astype(x.dtype, copy=False)


def quiet():
    """inf/nan from ``exp`` in an unselected ``where`` branch are expected: no warning."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")


def _activation(name, kernel, doc):
    """A float activation op: ``kernel(xp, x32, *args)`` sees float32 for half inputs."""

    def run(xp, x, *args, **kwargs):
        with quiet():
            return _back(kernel(xp, floating(name, x), *args, **kwargs), x)

    run.__doc__ = doc
    return Op(name, run, promote=SAME)


# ---- activations: primitives ---------------------------------------------------


def _relu(xp, x):
    """``max(input, 0)``, elementwise (NaN stays NaN)."""
    return xp.maximum(x, x.dtype.type(0))


def _hardtanh(xp, x, min_val=-1.0, max_val=1.0):
    """``input`` clipped to ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError(
            f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})"
        )
    if x.dtype.kind in "iu":
        min_val, max_val = math.ceil(min_val), math.floor(max_val)
    return xp.clip(x, min_val, max_val).astype(x.dtype, copy=False)


def _threshold(xp, x, threshold, value):
    """``value`` where ``input <= threshold``, else ``input`` (so nan stays nan)."""
    return xp.where(x <= threshold, xp.asarray(value, dtype=x.dtype), x)


def _gelu(xp, x, approximate="none"):
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + xp.tanh(inner))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    erf = OPS["erf"].kernel(xp, x * np.asarray(1 / math.sqrt(2.0), x.dtype))
    return 0.5 * x * (1.0 + erf)


def _softplus(xp, x, beta=1.0, threshold=20.0):
    bx = x * beta
    # Above the threshold softplus(x) == x to working precision; exp would overflow.
    soft = xp.log1p(xp.exp(xp.minimum(bx, threshold))) / beta
    return xp.where(bx > threshold, x, soft)


def _elu_core(xp, x, alpha, scale=1.0, input_scale=1.0):
    neg = alpha * xp.expm1(xp.minimum(x, 0) * input_scale)  # expm1: exact near zero
    return scale * xp.where(x > 0, x, neg)


def _leaky_relu(xp, x, negative_slope=0.01):
    return xp.where(x > 0, x, x * negative_slope)


def _hardswish(xp, x):
    return x * xp.clip(x + 3.0, 0.0, 6.0) / 6.0


def _hardsigmoid(xp, x):
    return xp.clip(x + 3.0, 0.0, 6.0) / 6.0


def _shrink(xp, x, lambd, soft):
    drop = xp.abs(x) <= lambd  # a nan is kept, as in PyTorch
    return xp.where(drop, 0, x - xp.sign(x) * lambd if soft else x)


def _mish(xp, x):
    return x * xp.tanh(_softplus(xp, x))


def _logsigmoid(xp, x):
    # log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): no overflow, exact for large |x|.
    return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))


def _silu(xp, x):
    return x / (1.0 + xp.exp(-x))  # exp(-x) -> inf for x << 0 gives the right limit, -0


# Signed integers of a float's width: a gradient's bits are masked through them.
_BITS = {2: np.int16, 4: np.int32, 8: np.int64}


def _dropped(xp, grad, drop):
    """``grad`` with exactly 0 where the bool ``drop`` is True (a nan or inf included).

    ``where`` is slow on a random mask in NumPy (about ten multiplies' time), and
    ``grad * mask`` turns a dropped inf or nan into nan. ANDing the float's bits with
    0 or all ones drops exactly, in two passes over the mask and one over ``grad``.
    """
    bits = _BITS.get(grad.dtype.itemsize)
    if grad.dtype.kind not in "fV" or bits is None:
        return xp.where(drop, xp.zeros((), grad.dtype), grad)
    keep = xp.subtract(drop.view(xp.int8), xp.int8(1))  # 0 where dropped, else all bits set
    return xp.bitwise_and(grad.view(bits), keep).view(grad.dtype)


def _threshold_backward(xp, grad_output, input, threshold):
    """The gradient of ``threshold`` (and of ``relu``, with the output and 0): 0 where
    ``input <= threshold``, ``grad_output`` elsewhere, as in PyTorch."""
    return _dropped(xp, grad_output, xp.less_equal(input, threshold))


def _hardtanh_backward(xp, grad_output, input, min_val, max_val):
    """The gradient of ``hardtanh`` (and ``relu6``): 0 where ``input <= min_val`` or
    ``input >= max_val``, ``grad_output`` elsewhere (a nan input passes it), as in PyTorch."""
    drop = xp.less_equal(input, min_val)
    drop |= xp.greater_equal(input, max_val)
    return _dropped(xp, grad_output, drop)


def _shrink_backward(xp, grad_output, input, lambd):
    """The gradient of ``hardshrink`` and ``softshrink``: 0 where ``|input| <= lambd``,
    ``grad_output`` elsewhere (a nan input passes it), as in PyTorch."""
    return _dropped(xp, grad_output, xp.less_equal(xp.abs(input), lambd))


def _hardsigmoid_backward(xp, grad_output, input):
    """The gradient of ``hardsigmoid``: ``grad_output / 6`` inside ``(-3, 3)``, 0 elsewhere
    (a nan input and a dropped inf gradient included), as in PyTorch."""
    inside = xp.greater(input, -3)
    inside &= xp.less(input, 3)
    return _dropped(xp, grad_output / 6, xp.logical_not(inside))


relu_op = Op("relu", _relu, promote=SAME)
threshold_backward_op = Op(
    "threshold_backward", _threshold_backward, nin=2, promote=SAME, method=False
)
hardtanh_backward_op = Op(
    "hardtanh_backward", _hardtanh_backward, nin=2, promote=SAME, method=False
)
hardsigmoid_backward_op = Op(
    "hardsigmoid_backward", _hardsigmoid_backward, nin=2, promote=SAME, method=False
)
hardshrink_backward_op = Op(
    "hardshrink_backward", _shrink_backward, nin=2, promote=SAME, method=False
)
softshrink_backward_op = Op(
    "softshrink_backward", _shrink_backward, nin=2, promote=SAME, method=False
)
hardtanh_op = Op("hardtanh", _hardtanh, promote=SAME)
threshold_op = Op("threshold", _threshold, promote=SAME)
gelu_op = _activation(
    "gelu",
    _gelu,
    "GELU ``x * Phi(x)``: exact through ``erf`` (``approximate='none'``) or the tanh form.",
)
silu_op = _activation("silu", _silu, "SiLU (swish) ``x * sigmoid(x)``.")
softplus_op = _activation(
    "softplus",
    _softplus,
    "``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold``.",
)
elu_op = _activation(
    "elu",
    lambda xp, x, alpha=1.0: _elu_core(xp, x, alpha),
    "ELU: ``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.",
)
selu_op = _activation(
    "selu",
    lambda xp, x: _elu_core(xp, x, _SELU_ALPHA, _SELU_SCALE),
    "SELU: ``scale * elu(x, alpha)`` with the self-normalising constants.",
)
celu_op = _activation(
    "celu",
    lambda xp, x, alpha=1.0: _elu_core(xp, x, alpha, 1.0, 1.0 / alpha),
    "CELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.",
)
leaky_relu_op = _activation(
    "leaky_relu", _leaky_relu, "``x`` for ``x > 0``, else ``negative_slope * x``."
)
hardswish_op = _activation("hardswish", _hardswish, "``x * relu6(x + 3) / 6``.")
hardsigmoid_op = _activation("hardsigmoid", _hardsigmoid, "``relu6(x + 3) / 6``.")
hardshrink_op = _activation(
    "hardshrink",
    lambda xp, x, lambd=0.5: _shrink(xp, x, lambd, False),
    "``x`` where ``|x| > lambd``, else 0.",
)
softshrink_op = _activation(
    "softshrink",
    lambda xp, x, lambd=0.5: _shrink(xp, x, lambd, True),
    "``x - sign(x) * lambd`` where ``|x| > lambd``, else 0.",
)
mish_op = _activation("mish", _mish, "Mish ``x * tanh(softplus(x))``.")
logsigmoid_op = _activation(
    "logsigmoid", _logsigmoid, "``log(sigmoid(x))``, computed without overflow."
)
softsign_op = _activation("softsign", lambda xp, x: x / (1.0 + xp.abs(x)), "``x / (1 + |x|)``.")
tanhshrink_op = _activation("tanhshrink", lambda xp, x: x - xp.tanh(x), "``x - tanh(x)``.")


def _glu(xp, x, dim=-1):
    """Gated linear unit: the first half of ``dim`` times the sigmoid of the second."""
    d = wrap_dim(dim, x.ndim, "glu")
    if x.ndim == 0 or x.shape[d] % 2:
        raise RuntimeError(
            f"glu: halving dimension must be even, but dimension {dim} is size "
            f"{x.shape[d] if x.ndim else 0} (input shape {x.shape})"
        )
    h = x.shape[d] // 2
    a, b = xp.split(floating("glu", x), [h], axis=d)
    with quiet():
        return _back(a / (1.0 + xp.exp(-b)), x)


def _prelu(xp, x, weight):
    """``x`` for ``x > 0``, else ``weight * x``; ``weight`` has 1 or C (dim 1) entries."""
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.ndim > 1 or weight.size not in (1, channels):
        raise RuntimeError(
            f"prelu: weight must hold 1 or {channels} (the input's channels) values, got "
            f"shape {weight.shape} for input {x.shape}"
        )
    floating("prelu", x)
    w = weight.reshape((-1,) + (1,) * (x.ndim - 2)) if weight.size > 1 else weight.reshape(())
    return xp.where(x > 0, x, w * x)


glu_op = Op("glu", _glu, promote=SAME)
prelu_op = Op("prelu", _prelu, nin=2, promote=SAME)


# ---- activations: torch.nn.functional's signatures -------------------------------


def relu(input, inplace=False):
    """``max(input, 0)``; with ``inplace``, written into ``input``."""
    return input.relu_() if inplace else relu_op(input)


def relu6(input, inplace=False):
    """``min(max(input, 0), 6)``, a :func:`hardtanh`."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``input`` clipped to ``[min_val, max_val]``."""
    if inplace:
        return input.hardtanh_(min_val, max_val)
    return hardtanh_op(input, min_val, max_val)


def threshold(input, threshold, value, inplace=False):
    """``input`` where ``input > threshold``, else ``value``."""
    if inplace:
        return input.threshold_(threshold, value)
    return threshold_op(input, threshold, value)


def gelu(input, approximate="none"):
    """GELU ``x * Phi(x)``; ``approximate='tanh'`` uses the tanh approximation.

    The exact form goes through ``erf``, so it is accurate in the tails too.
    """
    return gelu_op(input, approximate=approximate)


def silu(input, inplace=False):
    """SiLU (swish) ``x * sigmoid(x)``."""
    return input.silu_() if inplace else silu_op(input)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``; no overflow."""
    return softplus_op(input, beta, threshold)


def elu(input, alpha=1.0, inplace=False):
    """ELU: ``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return input.elu_(alpha) if inplace else elu_op(input, alpha)


def selu(input, inplace=False):
    """SELU: ``1.0507 * elu(x, 1.6733)``, the self-normalising constants."""
    return input.selu_() if inplace else selu_op(input)


def celu(input, alpha=1.0, inplace=False):
    """CELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return input.celu_(alpha) if inplace else celu_op(input, alpha)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` for ``x > 0``, else ``negative_slope * x``."""
    if inplace:
        return input.leaky_relu_(negative_slope)
    return leaky_relu_op(input, negative_slope)


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``."""
    return input.hardswish_() if inplace else hardswish_op(input)


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``."""
    return input.hardsigmoid_() if inplace else hardsigmoid_op(input)


def hardshrink(input, lambd=0.5):
    """``x`` where ``|x| > lambd``, else 0."""
    return hardshrink_op(input, lambd)


def softshrink(input, lambd=0.5):
    """``x - sign(x) * lambd`` where ``|x| > lambd``, else 0."""
    return softshrink_op(input, lambd)


def mish(input, inplace=False):
    """Mish ``x * tanh(softplus(x))``."""
    return input.mish_() if inplace else mish_op(input)


def logsigmoid(input):
    """``log(sigmoid(x)) = -softplus(-x)``, stable for large ``|x|``."""
    return logsigmoid_op(input)


def softsign(input):
    """``x / (1 + |x|)``."""
    return softsign_op(input)


def tanhshrink(input):
    """``x - tanh(x)``."""
    return tanhshrink_op(input)


def glu(input, dim=-1):
    """Gated linear unit ``a * sigmoid(b)``, ``a`` and ``b`` the halves of ``dim``."""
    return glu_op(input, dim)


def prelu(input, weight):
    """``x`` for ``x > 0``, else ``weight * x``; ``weight``: 1 value or one per channel (dim 1)."""
    return prelu_op(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, generator=None):
    """Randomised leaky ReLU: in training each negative ``x`` gets a slope drawn from
    ``U(lower, upper)``; in evaluation the slope is ``(lower + upper) / 2``.
    """
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    x = input._data
    xp = input.device.xp
    draw = generator_for(xp, generator).rng.random(x.shape, dtype=np.float64)
    slope = xp.where(x > 0, 1.0, lower + (upper - lower) * draw).astype(x.dtype)
    noise = _dispatch.wrap(slope, input.device)
    return input.mul_(noise) if inplace else input * noise
