"""The functional side of every layer and activation, with ``torch.nn.functional``'s signatures.

Most entries re-export the core's kernels (``ember.conv2d`` is ``F.conv2d``); the rest
(``linear``, ``bilinear``, ``embedding_bag``, ``gumbel_softmax``, ``channel_shuffle``...)
compose core ops, so autograd differentiates them without rules of their own.
"""

from __future__ import annotations

import ember
from ember import adaptive_avg_pool1d as adaptive_avg_pool1d
from ember import adaptive_avg_pool2d as adaptive_avg_pool2d
from ember import adaptive_avg_pool3d as adaptive_avg_pool3d
from ember import adaptive_max_pool1d as adaptive_max_pool1d
from ember import adaptive_max_pool2d as adaptive_max_pool2d
from ember import adaptive_max_pool3d as adaptive_max_pool3d
from ember import affine_grid as affine_grid
from ember import alpha_dropout as alpha_dropout
from ember import avg_pool1d as avg_pool1d
from ember import avg_pool2d as avg_pool2d
from ember import avg_pool3d as avg_pool3d
from ember import batch_norm as batch_norm
from ember import celu as celu
from ember import conv1d as conv1d
from ember import conv2d as conv2d
from ember import conv3d as conv3d
from ember import conv_transpose1d as conv_transpose1d
from ember import conv_transpose2d as conv_transpose2d
from ember import conv_transpose3d as conv_transpose3d
from ember import cosine_similarity as cosine_similarity
from ember import dropout as dropout
from ember import dropout1d as dropout1d
from ember import dropout2d as dropout2d
from ember import dropout3d as dropout3d
from ember import elu as elu
from ember import feature_alpha_dropout as feature_alpha_dropout
from ember import gelu as gelu
from ember import glu as glu
from ember import grid_sample as grid_sample
from ember import group_norm as group_norm
from ember import hardshrink as hardshrink
from ember import hardsigmoid as hardsigmoid
from ember import hardswish as hardswish
from ember import hardtanh as hardtanh
from ember import instance_norm as instance_norm
from ember import interpolate as interpolate
from ember import layer_norm as layer_norm
from ember import leaky_relu as leaky_relu
from ember import local_response_norm as local_response_norm
from ember import log_softmax as log_softmax
from ember import logsigmoid as logsigmoid
from ember import lp_pool1d as lp_pool1d
from ember import lp_pool2d as lp_pool2d
from ember import lp_pool3d as lp_pool3d
from ember import max_pool1d as max_pool1d
from ember import max_pool1d_with_indices as max_pool1d_with_indices
from ember import max_pool2d as max_pool2d
from ember import max_pool2d_with_indices as max_pool2d_with_indices
from ember import max_pool3d as max_pool3d
from ember import max_pool3d_with_indices as max_pool3d_with_indices
from ember import max_unpool1d as max_unpool1d
from ember import max_unpool2d as max_unpool2d
from ember import max_unpool3d as max_unpool3d
from ember import mish as mish
from ember import normalize as normalize
from ember import one_hot as one_hot
from ember import pad as pad
from ember import pairwise_distance as pairwise_distance
from ember import pdist as pdist
from ember import pixel_shuffle as pixel_shuffle
from ember import pixel_unshuffle as pixel_unshuffle
from ember import prelu as prelu
from ember import relu as relu
from ember import relu6 as relu6
from ember import rms_norm as rms_norm
from ember import rrelu as rrelu
from ember import selu as selu
from ember import sigmoid as sigmoid
from ember import silu as silu
from ember import softmax as softmax
from ember import softmin as softmin
from ember import softplus as softplus
from ember import softshrink as softshrink
from ember import softsign as softsign
from ember import tanh as tanh
from ember import tanhshrink as tanhshrink
from ember import threshold as threshold
from ember import upsample as upsample
from ember._ops import OPS as _OPS
from ember._ops.conv import fold as _fold
from ember._ops.conv import unfold as _unfold
from ember.autograd import no_grad as _no_grad

__all__ = [
    # linear
    "linear",
    "bilinear",
    # convolution
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "unfold",
    "fold",
    # pooling
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    # normalization
    "batch_norm",
    "instance_norm",
    "layer_norm",
    "group_norm",
    "rms_norm",
    "local_response_norm",
    "normalize",
    # dropout
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    # sparse
    "embedding",
    "embedding_bag",
    "one_hot",
    # vision
    "pad",
    "interpolate",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "grid_sample",
    "affine_grid",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "native_channel_shuffle",
    # distances
    "cosine_similarity",
    "pairwise_distance",
    "pdist",
    # activations
    "threshold",
    "threshold_",
    "relu",
    "relu_",
    "relu6",
    "hardtanh",
    "hardtanh_",
    "hardswish",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "leaky_relu",
    "leaky_relu_",
    "prelu",
    "rrelu",
    "rrelu_",
    "glu",
    "gelu",
    "logsigmoid",
    "hardshrink",
    "tanhshrink",
    "softsign",
    "softplus",
    "softmin",
    "softmax",
    "softshrink",
    "gumbel_softmax",
    "log_softmax",
    "tanh",
    "sigmoid",
    "hardsigmoid",
    "silu",
    "mish",
]


# ---- input checks shared by the layers -------------------------------------------


def check_dims(layer: str, input, dims, layout: str) -> None:
    """Raise when ``input`` does not have one of ``dims`` dimensions.

    ``layout`` spells the expected shapes, e.g. ``"(N, C, H, W) or (C, H, W)"``.
    """
    if not isinstance(input, ember.Tensor):
        raise TypeError(f"{layer}: expected a Tensor input, got {type(input).__name__}")
    if input.ndim not in dims:
        dims = tuple(dims)
        if len(dims) > 2:
            expected = f"{min(dims)}D or more"
        else:
            expected = " or ".join(f"{d}D" for d in dims)
        raise ValueError(
            f"{layer}: expected {expected} input {layout}, got {input.ndim}D input of shape "
            f"{tuple(input.shape)}"
        )


def check_channels(layer: str, input, channels: int, dim: int, what: str = "num_features"):
    """Raise when ``input.shape[dim]`` is not ``channels``."""
    if input.shape[dim] != channels:
        raise ValueError(
            f"{layer}: expected input with {channels} channels ({what}) in dim {dim}, got "
            f"shape {tuple(input.shape)}"
        )


# ---- linear ----------------------------------------------------------------------


def linear(input, weight, bias=None):
    """``y = input @ weight.T + bias``; ``weight`` is ``(out_features, in_features)``.

    >>> F.linear(ember.ones(2, 3), ember.ones(4, 3)).shape
    ember.Size([2, 4])
    """
    return _OPS["linear"](input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """``y[..., k] = input1 @ weight[k] @ input2 + bias[k]``; ``weight`` is ``(out, in1, in2)``."""
    if weight.ndim != 3:
        raise RuntimeError(
            f"bilinear: expected weight of 3 dims (out, in1, in2), got {tuple(weight.shape)}"
        )
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear: input1 {tuple(input1.shape)} and input2 {tuple(input2.shape)} must "
            "have the same batch dimensions"
        )
    if input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear: expected input1 (*, {weight.shape[1]}) and input2 (*, {weight.shape[2]}) "
            f"for weight {tuple(weight.shape)}, got {tuple(input1.shape)} and "
            f"{tuple(input2.shape)}"
        )
    # (..., in1) @ (in1, out*in2) keeps the work a GEMM rather than a 3-way einsum loop.
    out_f, in1, in2 = weight.shape
    tmp = input1.matmul(weight.permute(1, 0, 2).reshape(in1, out_f * in2))
    out = (tmp.reshape(*input1.shape[:-1], out_f, in2) * input2.unsqueeze(-2)).sum(-1)
    return out if bias is None else out + bias


# ---- convolution helpers ---------------------------------------------------------


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of ``(N, C, H, W)`` as columns ``(N, C*kH*kW, L)`` (im2col)."""
    return _unfold(input, kernel_size, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns ``(N, C*kH*kW, L)`` back into ``(N, C, *output_size)`` (col2im)."""
    return _fold(input, output_size, kernel_size, dilation, padding, stride)


# ---- embeddings ------------------------------------------------------------------


def embedding(
    input,
    weight,
    padding_idx=None,
    max_norm=None,
    norm_type=2.0,
    scale_grad_by_freq=False,
    sparse=False,
):
    """Rows of ``weight`` ``(num_embeddings, dim)`` at integer ``input``: ``(*input, dim)``.

    ``padding_idx``'s row gets no gradient; ``max_norm`` first rescales, in place and
    outside autograd (as PyTorch), the rows looked up to a norm of at most ``max_norm``.
    """
    if max_norm is not None:
        with _no_grad():
            _OPS["embedding_renorm_"](weight, input, max_norm, norm_type)
    return ember.embedding(input, weight, padding_idx, None, norm_type, scale_grad_by_freq, sparse)


# ---- embedding bag ---------------------------------------------------------------


def _bag_segments(name, input, offsets, include_last_offset):
    """Flat indices, the bag of each index and the number of bags."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                f"{name}: if input is 2D, then offsets has to be None, as input is treated as a "
                "mini-batch of fixed length sequences"
            )
        bags, length = input.shape
        seg = ember.arange(bags, device=input.device).repeat_interleave(length)
        return input.reshape(-1), seg, bags
    if input.ndim != 1:
        raise ValueError(f"{name}: input has to be 1D or 2D Tensor, but got shape {input.shape}")
    if offsets is None:
        raise ValueError(f"{name}: offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError(f"{name}: offsets has to be a 1D Tensor, got shape {offsets.shape}")
    n = input.shape[0]
    starts = offsets[:-1] if include_last_offset else offsets
    bags = starts.shape[0]
    if bags and (int(starts[0].item()) != 0 or int(starts.max().item()) > n):
        raise ValueError(
            f"{name}: offsets must start at 0 and not exceed the input length {n}, got "
            f"{offsets.tolist()}"
        )
    # Each bag start adds one to the running bag number of the indices from it on.
    marks = ember.zeros(n + 1, dtype=ember.int64, device=input.device)
    marks = marks.index_add(0, starts.to(ember.int64), ember.ones_like(starts, dtype=ember.int64))
    seg = marks[:n].cumsum(0) - 1
    return input, seg, bags


def _bag_weights(name, flat, mode, per_sample_weights, padding_idx, dtype):
    """One weight per index (None when all are 1): per-sample weights, padding zeroed."""
    w = None
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                f"{name}: per_sample_weights was not None. per_sample_weights is only supported "
                f"for mode='sum' (got mode='{mode}')"
            )
        w = per_sample_weights.reshape(-1)
        if w.shape[0] != flat.shape[0]:
            raise ValueError(
                f"{name}: expected per_sample_weights of the input's shape, got "
                f"{tuple(per_sample_weights.shape)}"
            )
    if padding_idx is not None:
        keep = (flat != padding_idx).to(dtype)
        w = keep if w is None else w * keep
    return w


def embedding_bag(
    input,
    weight,
    offsets=None,
    max_norm=None,
    norm_type=2,
    scale_grad_by_freq=False,
    mode="mean",
    sparse=False,
    per_sample_weights=None,
    include_last_offset=False,
    padding_idx=None,
):
    """Sums, means or maxes of bags of embeddings, without building the ``(*, dim)`` lookup.

    ``input`` is 2D (one bag per row) or 1D with ``offsets`` (the start of each bag).
    Indices equal to ``padding_idx`` do not count; empty bags give zeros.

    >>> F.embedding_bag(ember.tensor([1, 2, 4, 5]), w, ember.tensor([0, 2]), mode="sum")
    """
    name = "embedding_bag"
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{name}: mode has to be one of sum, mean or max, got {mode!r}")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"{name}: padding_idx must be within num_embeddings {num}")
        padding_idx %= num
    flat, seg, bags = _bag_segments(name, input, offsets, include_last_offset)
    emb = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    w = _bag_weights(name, flat, mode, per_sample_weights, padding_idx, weight.dtype)
    dim = weight.shape[1]
    zeros = ember.zeros(bags, dim, dtype=weight.dtype, device=weight.device)
    if mode == "max":
        if padding_idx is not None:
            keep = flat != padding_idx
            emb, seg = emb[keep], seg[keep]
        index = seg.unsqueeze(1).expand(seg.shape[0], dim)
        return zeros.scatter_reduce(0, index, emb, reduce="amax", include_self=False)
    out = zeros.index_add(0, seg, emb if w is None else emb * w.unsqueeze(1))
    if mode == "mean":
        ones = ember.ones(flat.shape[0], dtype=weight.dtype, device=weight.device)
        count = ember.zeros(bags, dtype=weight.dtype, device=weight.device)
        count = count.index_add(0, seg, ones if w is None else w)
        out = out / count.clamp(min=1).unsqueeze(1)
    return out


# ---- vision ----------------------------------------------------------------------


def upsample_nearest(input, size=None, scale_factor=None):
    """Nearest-neighbour upsampling (``interpolate(..., mode='nearest')``)."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Bilinear upsampling with ``align_corners=True``, as torch's deprecated helper."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def channel_shuffle(input, groups):
    """Split the channels (dim 1) of ``(N, C, *)`` into ``groups`` and interleave them.

    >>> F.channel_shuffle(ember.arange(4.0).reshape(1, 4, 1), 2).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
    """
    if input.ndim < 3:
        raise ValueError(
            f"channel_shuffle: expected an input (N, C, *) of 3 or more dims, got shape "
            f"{tuple(input.shape)}"
        )
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"channel_shuffle: expected groups to be a positive int, got {groups!r}")
    n, c = input.shape[:2]
    if c % groups:
        raise ValueError(
            f"channel_shuffle: number of channels ({c}) must be divisible by groups ({groups})"
        )
    rest = tuple(input.shape[2:])
    out = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return out.reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


# ---- activations: in-place forms and composites -----------------------------------


def threshold_(input, threshold, value):
    """In-place :func:`threshold`."""
    return ember.threshold(input, threshold, value, inplace=True)


def relu_(input):
    """In-place :func:`relu`."""
    return ember.relu(input, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place :func:`hardtanh`."""
    return ember.hardtanh(input, min_val, max_val, inplace=True)


def elu_(input, alpha=1.0):
    """In-place :func:`elu`."""
    return ember.elu(input, alpha, inplace=True)


def selu_(input):
    """In-place :func:`selu`."""
    return ember.selu(input, inplace=True)


def celu_(input, alpha=1.0):
    """In-place :func:`celu`."""
    return ember.celu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """In-place :func:`leaky_relu`."""
    return ember.leaky_relu(input, negative_slope, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place :func:`rrelu`."""
    return ember.rrelu(input, lower, upper, training, inplace=True)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1, generator=None):
    """Samples from the Gumbel-softmax distribution (soft, or one-hot with ``hard``).

    With ``hard`` the forward value is one-hot while the gradient is the soft
    sample's (the straight-through estimator).
    """
    noise = ember.empty_like(logits).exponential_(generator=generator)
    y_soft = ((logits - noise.log()) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = ember.zeros_like(logits).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
