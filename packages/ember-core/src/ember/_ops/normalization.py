"""Normalization layers' kernels and attention.

``batch_norm``, ``layer_norm``, ``group_norm`` and ``rms_norm`` are primitives:
each computes its statistics in one place, two-pass (the mean first), in float32
at least. ``instance_norm``, ``local_response_norm`` and
``scaled_dot_product_attention`` compose from ops.
"""

from __future__ import annotations

import math

import numpy as np

from ember import dispatch as _dispatch
from ember import dtypes as _dt
from ember._ops import OPS, Op

__all__ = [
    "batch_norm",
    "layer_norm",
    "group_norm",
    "instance_norm",
    "rms_norm",
    "local_response_norm",
    "scaled_dot_product_attention",
]


def _wide(name, x):
    if x.dtype.kind not in "fV":
        raise TypeError(f"{name}: expected a floating point input, got {_dt.from_numpy(x.dtype)}")
    return x.astype(np.float32) if x.dtype.itemsize < 4 else x


def _param(name, arg, t, shape):
    """An optional affine parameter, checked to have ``shape``."""
    if t is not None and tuple(t.shape) != tuple(shape):
        raise RuntimeError(f"{name}: expected {arg} of shape {tuple(shape)}, got {tuple(t.shape)}")
    return t


def _affine(y, weight, bias, shape):
    if weight is not None:
        y *= weight.reshape(shape).astype(y.dtype, copy=False)
    if bias is not None:
        y += bias.reshape(shape).astype(y.dtype, copy=False)
    return y


def _normalized(xp, x, axes, eps):
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (biased variance), and the stats."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    centred *= 1.0 / xp.sqrt(var + eps)
    return centred, mean, var


# ---- batch norm ------------------------------------------------------------------


def _update_running(stat, value, factor):
    """``stat = (1 - factor) * stat + factor * value``, in place."""
    stat *= 1.0 - factor
    stat += (factor * value).astype(stat.dtype, copy=False)


def _batch_norm(
    xp,
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training=False,
    momentum=0.1,
    eps=1e-5,
):
    """Normalize each channel (dim 1) of ``(N, C, *)`` by batch or running statistics.

    In ``training`` the batch's mean and (biased) variance normalize and the
    running statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch``, with the unbiased
    variance, as torch. Otherwise the running statistics normalize.
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"batch_norm: expected an input (N, C, *) of 2 or more dims, got {input.shape}"
        )
    c = input.shape[1]
    for arg, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _param("batch_norm", arg, t, (c,))
    x = _wide("batch_norm", input)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    if training:
        count = x.size // max(c, 1)
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"size {input.shape}"
            )
        y, mean, var = _normalized(xp, x, axes, eps)
        if running_mean is not None:
            _update_running(running_mean, mean.reshape(c), momentum)
        if running_var is not None:
            _update_running(running_var, var.reshape(c) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "batch_norm: running_mean and running_var must be given when not training"
            )
        mean = running_mean.reshape(shape).astype(x.dtype, copy=False)
        inv = 1.0 / xp.sqrt(running_var.reshape(shape).astype(x.dtype, copy=False) + eps)
        y = (x - mean) * inv
    return _affine(y, weight, bias, shape).astype(input.dtype, copy=False)


batch_norm_op = Op("batch_norm", _batch_norm, method=False)


def batch_norm(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training=False,
    momentum=0.1,
    eps=1e-5,
    *,
    num_batches_tracked=None,
):
    """Batch normalization over dim 1 of ``(N, C, *)`` (``F.batch_norm``'s argument order).

    Args:
        running_mean, running_var: ``(C,)`` statistics, updated in place in training.
        momentum: the running average's factor; None for a cumulative average, which
            needs ``num_batches_tracked`` (the batches seen, this one included).
    """
    if momentum is None:
        if num_batches_tracked is None:
            raise TypeError(
                "batch_norm: momentum=None (a cumulative average) needs num_batches_tracked"
            )
        momentum = 1.0 / float(num_batches_tracked)
    out = batch_norm_op(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if training:
        for stat in (running_mean, running_var):
            if stat is not None:
                stat._bump_version()
    return out


# ---- layer, group and RMS norm ---------------------------------------------------


def _trailing(name, x, normalized_shape):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k :]) != shape:
        raise RuntimeError(
            f"{name}: given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(x.shape)}"
        )
    return shape, tuple(range(x.ndim - k, x.ndim))


def _layer_norm(xp, input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing ``normalized_shape`` dims, then scale and shift.

    Args:
        normalized_shape: the trailing dims to normalize over (an int or a tuple).
        weight, bias: optional, of shape ``normalized_shape``.
    """
    shape, axes = _trailing("layer_norm", input, normalized_shape)
    _param("layer_norm", "weight", weight, shape)
    _param("layer_norm", "bias", bias, shape)
    y, _, _ = _normalized(xp, _wide("layer_norm", input), axes, eps)
    return _affine(y, weight, bias, shape).astype(input.dtype, copy=False)


def _group_norm(xp, input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize ``(N, C, *)`` over each group of ``C / num_groups`` channels and all of ``*``.

    ``weight`` and ``bias`` ``(C,)`` scale and shift each channel.
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"group_norm: expected an input (N, C, *) of 2 or more dims, got {input.shape}"
        )
    n, c = input.shape[:2]
    if num_groups < 1 or c % num_groups:
        raise RuntimeError(
            f"group_norm: expected the number of channels in input ({c}) to be divisible by "
            f"num_groups={num_groups}"
        )
    _param("group_norm", "weight", weight, (c,))
    _param("group_norm", "bias", bias, (c,))
    x = _wide("group_norm", input).reshape(
        n, num_groups, (c // num_groups) * int(np.prod(input.shape[2:]))
    )
    y, _, _ = _normalized(xp, x, (2,), eps)
    y = y.reshape(input.shape)
    return _affine(y, weight, bias, (1, c) + (1,) * (input.ndim - 2)).astype(
        input.dtype, copy=False
    )


def _rms_norm(xp, input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape`` dims.

    ``eps`` None is the machine epsilon of the input's dtype, as torch.
    """
    shape, axes = _trailing("rms_norm", input, normalized_shape)
    _param("rms_norm", "weight", weight, shape)
    x = _wide("rms_norm", input)
    eps = float(np.finfo(input.dtype).eps) if eps is None else eps
    y = x * (1.0 / xp.sqrt((x * x).mean(axis=axes, keepdims=True) + eps))
    return _affine(y, weight, None, shape).astype(input.dtype, copy=False)


layer_norm_op = Op("layer_norm", _layer_norm, method=False)
group_norm_op = Op("group_norm", _group_norm, method=False)
rms_norm_op = Op("rms_norm", _rms_norm, method=False)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the trailing ``normalized_shape`` dims.

    >>> ember.layer_norm(x, (x.shape[-1],), weight, bias)
    """
    return layer_norm_op(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization of ``(N, C, *)`` in ``num_groups`` groups of channels."""
    return group_norm_op(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """RMS normalization over the trailing ``normalized_shape`` dims (no centring)."""
    return rms_norm_op(input, normalized_shape, weight, eps)


def instance_norm(
    input,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats=True,
    momentum=0.1,
    eps=1e-5,
):
    """Normalize each channel of each sample of ``(N, C, *)`` over its spatial dims.

    A group norm with one channel per group; the running statistics (averaged
    over the batch) are updated in place when given, as torch.
    """
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    shape = tuple(input.shape)
    if len(shape) < 3 or int(np.prod(shape[2:])) <= 1:
        raise ValueError(
            f"instance_norm: expected an input (N, C, *) with more than 1 spatial element, "
            f"got {shape}"
        )
    if running_mean is not None or running_var is not None:
        x = _wide("instance_norm", input._data)
        axes = tuple(range(2, x.ndim))
        count = int(np.prod(shape[2:]))
        if running_mean is not None:
            _update_running(running_mean._data, x.mean(axis=axes).mean(axis=0), momentum)
            running_mean._bump_version()
        if running_var is not None:
            var = x.var(axis=axes).mean(axis=0) * (count / (count - 1))
            _update_running(running_var._data, var, momentum)
            running_var._bump_version()
    return group_norm(input, shape[1], weight, bias, eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalize each element by the squares of its ``size`` neighbouring channels (dim 1):
    ``x / (k + alpha * mean(x**2 over the window)) ** beta``, composed as torch.
    """
    from ember._ops.pooling import avg_pool2d, avg_pool3d
    from ember._ops.sampling import pad

    shape = tuple(input.shape)
    if len(shape) < 3:
        raise ValueError(f"local_response_norm: expected 3 or more dims (N, C, *), got {shape}")
    if input.numel() == 0:
        return input
    div = input * input
    if len(shape) == 3:
        div = pad(div.reshape(shape[0], 1, shape[1], shape[2]), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).reshape(shape)
    else:
        div = div.reshape(shape[0], 1, shape[1], shape[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).reshape(shape)
    return input / OPS["pow"](div * alpha + k, beta)


# ---- attention -------------------------------------------------------------------


def _attention_bias(query, key, attn_mask, is_causal):
    """The additive mask: bool masks and ``is_causal`` become constant 0/-inf tensors."""
    n_q, n_k = query.shape[-2], key.shape[-2]
    xp = query.device.xp
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal")
        attn_mask = xp.tril(xp.ones((n_q, n_k), bool))
    elif attn_mask is None:
        return None
    elif not isinstance(attn_mask, _dispatch.Tensor):
        raise TypeError(
            "scaled_dot_product_attention: attn_mask must be a tensor, got "
            f"{type(attn_mask).__name__}"
        )
    elif attn_mask.dtype is not _dt.bool:
        return attn_mask
    else:
        attn_mask = attn_mask._data
    bias = xp.where(attn_mask, 0.0, -np.inf).astype(query._data.dtype)
    return _dispatch.wrap(bias, query.device)


def scaled_dot_product_attention(
    query,
    key,
    value,
    attn_mask=None,
    dropout_p=0.0,
    is_causal=False,
    scale=None,
    enable_gqa=False,
    generator=None,
):
    """``softmax(query @ key^T * scale + mask) @ value``, torch's math path.

    Args:
        query: ``(..., L, E)``; key ``(..., S, E)``; value ``(..., S, Ev)``.
        attn_mask: a bool mask (True = take part) or an additive float mask,
            broadcastable to ``(..., L, S)``.
        is_causal: mask out keys after each query (top-left aligned).
        scale: defaults to ``1 / sqrt(E)``.
        enable_gqa: key/value with fewer heads (dim -3) than query are shared
            by groups of query heads.

    Rows whose keys are all masked out give zeros, as torch's.
    """
    from ember._ops.nn import dropout, softmax

    q_shape, k_shape = tuple(query.shape), tuple(key.shape)
    if len(q_shape) < 2 or len(k_shape) < 2 or q_shape[-1] != k_shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention: expected query (..., L, E) and key (..., S, E) with "
            f"one E, got {q_shape} and {k_shape}"
        )
    if enable_gqa and len(q_shape) >= 3 and q_shape[-3] != k_shape[-3]:
        if q_shape[-3] % k_shape[-3]:
            raise RuntimeError(
                f"scaled_dot_product_attention: query heads ({q_shape[-3]}) must be a multiple "
                f"of key heads ({k_shape[-3]}) with enable_gqa"
            )
        groups = q_shape[-3] // k_shape[-3]
        key = OPS["repeat_interleave"](key, groups, -3)
        value = OPS["repeat_interleave"](value, groups, -3)
    scale = 1.0 / math.sqrt(q_shape[-1]) if scale is None else scale
    scores = OPS["matmul"](query, key.transpose(-2, -1)) * scale
    bias = _attention_bias(query, key, attn_mask, is_causal)
    if bias is not None:
        scores = scores + bias
    attn = softmax(scores, -1)
    dead = _all_masked(scores)
    if dead is not None:  # zeros instead of 0/0 for rows with nothing to attend to
        attn = OPS["where"](dead, 0.0, attn)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True, generator=generator)
    return OPS["matmul"](attn, value)


def _all_masked(scores):
    xp = scores.device.xp
    dead = xp.isneginf(scores._data).all(axis=-1, keepdims=True)
    return _dispatch.wrap(dead, scores.device) if bool(dead.any()) else None
