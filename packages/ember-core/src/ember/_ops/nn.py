"""Neural-network kernels: softmax, dropout, embedding, one_hot and distances.

``softmax`` and ``log_softmax`` are primitives (stable: the maximum is subtracted
first); dropout draws a constant mask and composes from ``mul`` and ``add``; the
distances compose from norms. This module also exports the families split into
``activation.py``, ``adaptive.py`` (adaptive pooling), ``normalization.py`` (norms,
attention) and ``sampling.py`` (pad, interpolate, grid_sample, pixel_shuffle).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ember import dispatch as _dispatch
from ember import dtypes as _dt
from ember._ops import OPS, SAME, Op, wrap_dim
from ember._ops import activation as _activation
from ember._ops import adaptive as _adaptive
from ember._ops import losses as _losses  # noqa: F401  (declares its ops)
from ember._ops import normalization as _normalization
from ember._ops import sampling as _sampling
from ember._ops._numerics import quiet as _quiet
from ember._ops.activation import *  # noqa: F403
from ember._ops.adaptive import *  # noqa: F403
from ember._ops.normalization import *  # noqa: F403
from ember._ops.sampling import *  # noqa: F403
from ember.random import generator_for
from ember.tensor import Tensor

__all__ = [
    "softmax",
    "log_softmax",
    "softmin",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "embedding",
    "one_hot",
    "cosine_similarity",
    "pairwise_distance",
    "pdist",
    "cdist",
    "dist",
    "normalize",
]
__all__ += _activation.__all__ + _adaptive.__all__ + _normalization.__all__ + _sampling.__all__


# ---- softmax ---------------------------------------------------------------------


def _softmax_dim(name, ndim, dim, stacklevel=4):
    if dim is not None:
        return dim
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_prep(name, x, dim, dtype):
    if dtype is not None:
        x = x.astype(_dt.as_dtype(dtype).np)
    if x.dtype.kind not in "fV":
        raise TypeError(
            f"{name}: expected a floating point input (or dtype=), got {_dt.from_numpy(x.dtype)}"
        )
    axis = wrap_dim(dim, x.ndim, name)
    wide = x.astype(np.float32) if x.dtype.itemsize < 4 else x
    return x, wide, axis


@_quiet  # inf - inf in a row of infinities is nan, silently, as in PyTorch
def _softmax(xp, input, dim, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, the maximum subtracted first (no overflow).

    Args:
        dim: the dim that sums to one.
        dtype: cast ``input`` to this dtype first (e.g. to compute half inputs in float32).
    """
    x, wide, axis = _softmax_prep("softmax", input, dim, dtype)
    if x.ndim == 0 or x.size == 0:
        return xp.exp(wide - wide).astype(x.dtype) if x.ndim == 0 else x.copy()
    e = xp.exp(wide - wide.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e.astype(x.dtype, copy=False)


@_quiet
def _log_softmax(xp, input, dim, dtype=None):
    """``x - logsumexp(x)`` along ``dim``, computed as ``x - max - log(sum(exp(x - max)))``."""
    x, wide, axis = _softmax_prep("log_softmax", input, dim, dtype)
    if x.ndim == 0 or x.size == 0:
        return (wide - wide).astype(x.dtype) if x.ndim == 0 else x.copy()
    shifted = wide - wide.max(axis=axis, keepdims=True)
    shifted -= xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted.astype(x.dtype, copy=False)


def _softmax_backward(xp, grad_output, output, dim):
    """The gradient of ``softmax`` from its output ``y``: ``y * (g - sum(g * y))`` along
    ``dim``, in float32 for half outputs."""
    name = "softmax_backward"
    g, y = _activation.floating(name, grad_output), _activation.floating(name, output)
    axis = wrap_dim(dim, y.ndim, name) if y.ndim else None
    gy = g * y
    gy -= y * gy.sum(axis=axis, keepdims=True)
    return gy.astype(output.dtype, copy=False)


@_quiet  # exp(-inf) of a zero probability is 0, not a warning
def _log_softmax_backward(xp, grad_output, output, dim):
    """The gradient of ``log_softmax`` from its output ``y``: ``g - exp(y) * sum(g)``
    along ``dim``, in float32 for half outputs."""
    name = "log_softmax_backward"
    g, y = _activation.floating(name, grad_output), _activation.floating(name, output)
    axis = wrap_dim(dim, y.ndim, name) if y.ndim else None
    out = g - xp.exp(y) * g.sum(axis=axis, keepdims=True)
    return out.astype(output.dtype, copy=False)


softmax_op = Op("softmax", _softmax)
log_softmax_op = Op("log_softmax", _log_softmax)
# The backward kernels (one pass each, where the composition is four dispatched ops);
# their derivatives are in ember-autograd, so double backward goes through them.
softmax_backward_op = Op("softmax_backward", _softmax_backward, nin=2, promote=SAME, method=False)
log_softmax_backward_op = Op(
    "log_softmax_backward", _log_softmax_backward, nin=2, promote=SAME, method=False
)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along ``dim``: non-negative, summing to one; stable for large inputs.

    >>> ember.softmax(logits, dim=-1)
    """
    return softmax_op(input, _softmax_dim("softmax", input.ndim, dim), dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(input))`` along ``dim``, without forming the softmax (no underflow)."""
    return log_softmax_op(input, _softmax_dim("log_softmax", input.ndim, dim), dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-input)`` along ``dim``."""
    dim = _softmax_dim("softmin", input.ndim, dim)
    if dtype is not None:
        input = input.to(dtype)
    return softmax_op(-input, dim)


# ---- dropout: a random mask is a constant, so these compose from mul and add ------


def _check_p(name, p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input, p, shape, generator):
    """A constant tensor of ``shape``: 1 where an element is kept (probability ``1 - p``)."""
    xp = input.device.xp
    keep = generator_for(xp, generator).rng.random(shape, dtype=np.float32) >= p
    return keep


def _constant(input, array):
    return _dispatch.wrap(array.astype(input._data.dtype, copy=False), input.device)


def _dropout(name, input, p, training, inplace, generator, shape):
    _check_p(name, p)
    if not training or p == 0.0:
        return input
    keep = _keep_mask(input, p, shape, generator)
    scale = keep * (1.0 / (1.0 - p)) if p < 1.0 else keep & False
    mask = _constant(input, scale)
    return input.mul_(mask) if inplace else input * mask


def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The identity when not ``training``; ``p=1`` gives zeros. ``generator`` (an
    ``ember.Generator``) makes the mask reproducible.
    """
    return _dropout("dropout", input, p, training, inplace, generator, tuple(input.shape))


def _feature_shape(name, input, nd):
    shape = tuple(input.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{name}: expected a {nd + 1}-d (unbatched) or {nd + 2}-d (batched) input, "
            f"got shape {shape}"
        )
    batch = len(shape) - nd - 1  # channels are dim 0 unbatched, dim 1 batched
    return shape[: batch + 1] + (1,) * nd


def dropout1d(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels of ``(N, C, L)`` (or ``(C, L)``) with probability ``p``."""
    shape = _feature_shape("dropout1d", input, 1)
    return _dropout("dropout1d", input, p, training, inplace, generator, shape)


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels of ``(N, C, H, W)`` (or ``(C, H, W)``) with probability ``p``.

    A 3-d input is taken as ``(N, C, L)``, with torch's warning.
    """
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim.",
            UserWarning,
            stacklevel=2,
        )
        return dropout1d(input, p, training, inplace, generator)
    shape = _feature_shape("dropout2d", input, 2)
    return _dropout("dropout2d", input, p, training, inplace, generator, shape)


def dropout3d(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) with probability ``p``."""
    shape = _feature_shape("dropout3d", input, 3)
    return _dropout("dropout3d", input, p, training, inplace, generator, shape)


def _alpha_dropout(name, input, p, training, inplace, generator, shape):
    # torch's affine correction keeps SELU's zero mean and unit variance.
    _check_p(name, p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        zeros = _constant(input, input.device.xp.zeros(shape))
        return input.mul_(zeros) if inplace else input * zeros
    keep = _keep_mask(input, p, shape, generator)
    alpha = 1.7580993408473766
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    scale = _constant(input, keep * a)
    shift = _constant(input, (keep - 1.0) * (alpha * a) + alpha * a * p)
    return input.mul_(scale).add_(shift) if inplace else input * scale + shift


def alpha_dropout(input, p=0.5, training=False, inplace=False, generator=None):
    """Dropout for SELU networks: dropped elements take SELU's negative saturation value,
    then an affine map restores zero mean and unit variance.
    """
    return _alpha_dropout(
        "alpha_dropout", input, p, training, inplace, generator, tuple(input.shape)
    )


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False, generator=None):
    """:func:`alpha_dropout` of whole channels (dim 1) of a batched input."""
    shape = tuple(input.shape)[:2] + (1,) * (input.ndim - 2)
    return _alpha_dropout("feature_alpha_dropout", input, p, training, inplace, generator, shape)


# ---- embedding and one_hot -------------------------------------------------------


def _check_indices(name, indices, num):
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer indices, got {_dt.from_numpy(indices.dtype)}")
    if indices.size and (int(indices.min()) < -num or int(indices.max()) >= num):
        raise IndexError(
            f"{name}: index out of range: indices span [{int(indices.min())}, "
            f"{int(indices.max())}] for {num} rows"
        )


def _embedding(xp, weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` ``(num_embeddings, dim)`` picked by integer ``indices``.

    ``torch.embedding``'s argument order (weight first); :func:`embedding` is the
    ``F.embedding`` entry point.
    """
    if weight.ndim != 2:
        raise RuntimeError(
            f"embedding: expected a 2-d weight (num_embeddings, dim), got {weight.shape}"
        )
    _check_indices("embedding", indices, weight.shape[0])
    return xp.take(weight, indices, axis=0)


def _embedding_backward(xp, grad, indices, num_weights, padding_idx=-1, scale_grad_by_freq=False):
    """The gradient of :func:`embedding` for its weight: ``grad`` rows summed per index.

    Rows at ``padding_idx`` get no gradient; ``scale_grad_by_freq`` divides each
    row by how often its index occurs in ``indices``.
    """
    dim = grad.shape[-1]
    flat = indices.reshape(-1) % num_weights
    g = grad.reshape(flat.size, dim)
    out = xp.zeros((num_weights, dim), grad.dtype)
    counts = xp.bincount(flat, minlength=num_weights)
    if scale_grad_by_freq:
        g = g / counts[flat].reshape(-1, 1).astype(g.dtype)
    xp.add.at(out, flat, g)
    if padding_idx is not None and padding_idx >= 0:
        out[padding_idx] = 0
    return out


def _embedding_renorm(xp, weight, indices, max_norm, norm_type):
    """Scale the rows of ``weight`` used by ``indices`` to norm at most ``max_norm``, in place."""
    rows = xp.unique(indices.reshape(-1) % weight.shape[0])
    sub = weight[rows].astype(np.float64)
    if norm_type == math.inf:
        norms = xp.abs(sub).max(axis=1)
    else:
        norms = (xp.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight[rows] = (sub * scale[:, None]).astype(weight.dtype)
    return weight


embedding_op = Op("embedding", _embedding, method=False)
embedding_backward = Op("embedding_backward", _embedding_backward, method=False)
embedding_renorm_ = Op("embedding_renorm_", _embedding_renorm, method=False, inplace=True)


def embedding(
    input,
    weight,
    padding_idx=None,
    max_norm=None,
    norm_type=2.0,
    scale_grad_by_freq=False,
    sparse=False,
):
    """Look up rows of ``weight`` ``(num_embeddings, dim)`` for integer ``input``.

    Args:
        padding_idx: this row gets no gradient (negative counts from the end).
        max_norm: first rescale, in place, the rows used to a ``norm_type`` norm of
            at most ``max_norm``, as torch does.

    Returns:
        ``input.shape + (dim,)``.
    """
    num = weight.shape[0] if weight.ndim == 2 else 0
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(
                f"embedding: padding_idx {padding_idx} must be within num_embeddings {num}"
            )
        padding_idx = padding_idx % num
    if max_norm is not None:
        _check_indices("embedding", input._data, num)
        embedding_renorm_(weight, input, max_norm, norm_type)
    return embedding_op(
        weight, input, -1 if padding_idx is None else padding_idx, scale_grad_by_freq, sparse
    )


def _one_hot(xp, input, num_classes=-1):
    """``(*, num_classes)`` int64 rows with a 1 at each value of integer ``input``."""
    if input.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: expected an integer (index) tensor, got {_dt.from_numpy(input.dtype)}"
        )
    if num_classes == -1:
        if input.size == 0:
            raise RuntimeError("one_hot: can not infer the number of classes from an empty tensor")
        num_classes = int(input.max()) + 1
    if input.size and int(input.min()) < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {int(input.min())}")
    if input.size and int(input.max()) >= num_classes:
        raise RuntimeError(
            f"one_hot: class values must be smaller than num_classes={num_classes}, "
            f"got {int(input.max())}"
        )
    return (input[..., None] == xp.arange(num_classes)).astype(np.int64)


one_hot = Op("one_hot", _one_hot, method=False)


# ---- distances: composed from norms ----------------------------------------------


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    norm = OPS["linalg_vector_norm"](input, p, dim, True)
    return input / OPS["clamp"](norm, min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``.

    The inputs are broadcast first, then each is divided by its norm (as torch,
    which keeps the result within [-1, 1]).
    """
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1.expand(shape), x2.expand(shape)
    norm, clamp = OPS["linalg_vector_norm"], OPS["clamp"]
    x1n = x1 / clamp(norm(x1, 2, dim, True), min=eps)
    x2n = x2 / clamp(norm(x2, 2, dim, True), min=eps)
    return OPS["sum"](x1n * x2n, dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dim, broadcasting."""
    dim = max(x1.ndim, x2.ndim) - 1
    return OPS["linalg_vector_norm"](x1 - x2 + eps, p, max(dim, 0), keepdim)


def pdist(input, p=2.0):
    """The ``p``-norm distances between each pair of rows of ``(N, M)``, as a flat
    ``N * (N - 1) / 2`` vector (the upper triangle, row by row).
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist: expected a 2-d input (N, M), got shape {tuple(input.shape)}")
    i, j = np.triu_indices(input.shape[0], 1)
    rows = _dispatch.wrap(input.device.xp.asarray(i), input.device)
    cols = _dispatch.wrap(input.device.xp.asarray(j), input.device)
    pick = OPS["index_select"]
    return OPS["linalg_vector_norm"](pick(input, 0, rows) - pick(input, 0, cols), p, 1)


_CDIST_MODES = (
    "use_mm_for_euclid_dist_if_necessary",
    "use_mm_for_euclid_dist",
    "donot_use_mm_for_euclid_dist",
)


def _check_cdist(x1, x2, p, compute_mode):
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"cdist: {compute_mode} is not a valid value for compute_mode")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(
                f"cdist: cdist only supports at least 2D tensors, {name} got: {x.ndim}D"
            )
        if not x.dtype.is_floating_point:
            raise RuntimeError(
                f"cdist: cdist only supports floating-point dtypes, {name} got: {x.dtype.name}"
            )
    if x1.dtype != x2.dtype:
        raise RuntimeError(
            f"cdist: X1 and X2 must have the same dtype, got {x1.dtype.name} and {x2.dtype.name}"
        )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"cdist: X1 and X2 must have the same number of columns. "
            f"X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError(f"cdist: cdist only supports non-negative p values, got {p}")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distance between each row of ``x1`` ``(*, P, M)`` and each row of
    ``x2`` ``(*, R, M)``: a ``(*, P, R)`` tensor; batch dims broadcast.

    ``p`` is any value ``>= 0``, ``inf`` included (``0`` counts the differing entries).
    ``compute_mode`` is accepted for PyTorch's signature: distances are always taken
    from the differences, never through ``x1 @ x2.T`` (slower, but no cancellation).

    >>> ember.cdist(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0], [0.0, 1.0]]))
    tensor([[5., 1.]])
    """
    _check_cdist(x1, x2, p, compute_mode)
    if x1.shape[-1] == 0:  # no coordinates: every distance is 0 (even for p = inf)
        p = 2.0
    return OPS["linalg_vector_norm"](x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other`` (broadcast), over all elements: a 0-d tensor.

    >>> ember.dist(ember.tensor([1.0, 2.0]), ember.tensor([4.0, 6.0]))
    tensor(5.)
    """
    for name, x in (("input", input), ("other", other)):
        if not (x.dtype.is_floating_point or x.dtype.is_complex):
            raise RuntimeError(
                f"dist: {name} should be a floating point or complex tensor, got {x.dtype.name}"
            )
    return OPS["linalg_vector_norm"](input - other, p)


Tensor.dist = dist  # a Tensor method too, as in PyTorch
