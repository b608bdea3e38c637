"""``autocast``: run chosen ops in lower precision, others in float32, as ``torch.autocast``.

Inside ``autocast(device_type)``, ops on tensors of that device type have their
floating inputs cast before they run, following PyTorch's op lists:

* ``LOWER`` ops (matmul, convolution, addmm, bmm...) run in the autocast dtype;
* ``FP32`` ops (exp, log, softmax on CUDA, norms, losses...) run in float32;
* ``PROMOTE`` ops (cat, stack...) run in the widest floating input dtype.

float64 tensors are never cast down. The casts are ordinary ``to`` ops, so
autograd differentiates through them and gradients come back in each leaf's
own dtype. The cast happens in the core's dispatcher through its ``CASTS``
table (op name -> caster), which this module fills while a region is active;
Python composites (losses in ``ember.nn.functional``) opt in with
:func:`autocast_op`.

>>> with ember.amp.autocast("cpu"):
...     y = model(x)          # matmuls in bfloat16
>>> loss = loss_fn(y.float(), target)
"""

from __future__ import annotations

import functools
import warnings

import ember
from ember import dispatch as _dispatch

__all__ = [
    "autocast",
    "autocast_op",
    "custom_fwd",
    "custom_bwd",
    "is_autocast_available",
    "is_autocast_enabled",
    "get_autocast_dtype",
    "LOWER",
    "FP32",
    "PROMOTE",
]

_LOW_COMMON = {"convolution", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
               "conv_transpose2d", "conv_transpose3d", "prelu", "addmm", "matmul", "mm",
               "linalg_vecdot", "linear", "addbmm", "baddbmm", "bmm",
               "scaled_dot_product_attention"}  # fmt: skip
_LOSSES = {"mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "cross_entropy_loss", "kl_div", "poisson_nll_loss", "cosine_embedding_loss",
           "hinge_embedding_loss", "margin_ranking_loss", "multilabel_margin_loss",
           "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss",
           "binary_cross_entropy_with_logits", "multilabel_soft_margin_loss",
           "gaussian_nll_loss"}  # fmt: skip

# PyTorch's autocast op lists (aten/src/ATen/autocast_mode.cpp), by ember op or function name.
LOWER = {
    "cuda": _LOW_COMMON | {"addmv", "addr", "einsum", "mv", "chain_matmul", "linalg_multi_dot",
                           "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"},
    "cpu": set(_LOW_COMMON),
}  # fmt: skip
FP32 = {
    "cuda": _LOSSES | {"acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2",
                       "log1p", "reciprocal", "rsqrt", "sinh", "tan", "pow", "softplus",
                       "layer_norm", "group_norm", "norm", "linalg_vector_norm",
                       "linalg_matrix_norm", "cosine_similarity", "dist", "pdist", "cdist",
                       "renorm", "logsumexp", "softmax", "log_softmax", "cumprod", "cumsum",
                       "prod", "sum", "upsample", "interpolate"},
    "cpu": _LOSSES | {"avg_pool3d", "binary_cross_entropy", "grid_sampler", "polar", "prod",
                      "quantile", "nanquantile", "stft", "cdist", "trace", "linalg_cholesky",
                      "linalg_inv", "linalg_inv_ex", "linalg_pinv", "linalg_qr", "linalg_svd",
                      "linalg_svdvals", "linalg_eig", "linalg_eigh", "linalg_eigvals",
                      "linalg_eigvalsh", "linalg_solve", "linalg_lstsq", "linalg_det",
                      "linalg_slogdet", "linalg_matrix_exp", "linalg_matrix_norm",
                      "linalg_matrix_rank", "linalg_matrix_power", "linalg_cholesky_ex",
                      "max_unpool", "adaptive_avg_pool3d", "fft_fft", "fft_ifft", "fft_fftn",
                      "fft_ifftn", "fft_rfft", "fft_irfft", "fft_rfftn", "fft_irfftn",
                      "fft_hfft", "fft_ihfft", "ctc_loss"},
}  # fmt: skip
PROMOTE = {
    "cuda": {"addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "grid_sampler",
             "index_put", "scatter_add", "tensordot", "cat", "stack", "index_copy"},
    "cpu": {"cat", "stack", "index_copy"},
}  # fmt: skip
_SUPPORTED = {"cuda": (ember.float16, ember.bfloat16), "cpu": (ember.bfloat16, ember.float16)}
_DEFAULT_DTYPE = {"cuda": ember.float16, "cpu": ember.bfloat16}

# Per device type: None (off) or the active region's (dtype, cache_enabled).
_STATE: dict = {"cpu": None, "cuda": None}
_DEPTH: dict = {"cpu": 0, "cuda": 0}
_CACHE: dict = {}  # id(leaf) -> (leaf, cast): low-precision copies of weights, per region
_warned_no_hook = False


def is_autocast_available(device_type: str) -> bool:
    """Whether ``device_type`` supports autocast (``"cpu"`` and ``"cuda"`` do)."""
    return device_type in _STATE


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """Whether an autocast region is active for ``device_type``."""
    return _STATE.get(device_type) is not None


def get_autocast_dtype(device_type: str = "cuda"):
    """The lower-precision dtype autocast uses (or would use) on ``device_type``."""
    state = _STATE.get(device_type)
    return state[0] if state is not None else _DEFAULT_DTYPE[device_type]


def _eligible(t) -> bool:
    # float64 keeps its precision: autocast only lowers float32/float16/bfloat16 maths.
    return t.is_floating_point() and t.dtype is not ember.float64


def _cast_tensor(t, dtype, device_type, cache_enabled):
    if not (isinstance(t, ember.Tensor) and t.device.type == device_type and _eligible(t)):
        return t
    if t.dtype is dtype:
        return t
    cacheable = (
        cache_enabled
        and dtype is not ember.float32
        and t.dtype is ember.float32
        and t.requires_grad
        and t.is_leaf
    )
    if cacheable:
        hit = _CACHE.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
    out = t.to(dtype)
    if cacheable:
        _CACHE[id(t)] = (t, out)
    return out


def _cast(value, dtype, device_type, cache_enabled=False):
    """Cast every eligible tensor in ``value`` (nested lists, tuples, dicts) to ``dtype``."""
    if isinstance(value, ember.Tensor):
        return _cast_tensor(value, dtype, device_type, cache_enabled)
    if isinstance(value, (list, tuple)) and value:
        items = [_cast(v, dtype, device_type, cache_enabled) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, dict):
        return {k: _cast(v, dtype, device_type, cache_enabled) for k, v in value.items()}
    return value


def _tensors(values):
    for v in values:
        if isinstance(v, ember.Tensor):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from _tensors(v)


def _device_type(args, kwargs):
    for t in _tensors((*args, *kwargs.values())):
        return t.device.type
    return None


def _policy_dtype(name, device_type, args, kwargs):
    """The dtype ``name``'s inputs get under the active region, or None for no cast."""
    state = _STATE.get(device_type)
    if state is None:
        return None
    if name in LOWER[device_type]:
        return state[0]
    if name in FP32[device_type]:
        return ember.float32
    if name in PROMOTE[device_type]:
        floats = [t.dtype for t in _tensors((*args, *kwargs.values())) if t.is_floating_point()]
        if len(set(floats)) > 1:
            widest = floats[0]
            for d in floats[1:]:
                widest = ember.promote_types(widest, d)
            return widest
    return None


def _make_caster(name):
    def caster(args, kwargs):
        device_type = _device_type(args, kwargs)
        dtype = _policy_dtype(name, device_type, args, kwargs)
        if dtype is None:
            return args, kwargs
        cache = _STATE[device_type][1] and name in LOWER[device_type]
        args = tuple(_cast(a, dtype, device_type, cache) for a in args)
        if kwargs:
            kwargs = {k: _cast(v, dtype, device_type, cache) for k, v in kwargs.items()}
        return args, kwargs

    caster.__name__ = f"autocast_{name}"
    return caster


def _refresh_casts() -> None:
    """Fill the dispatcher's ``CASTS`` with the ops of the device types now autocasting."""
    global _warned_no_hook
    table = getattr(_dispatch, "CASTS", None)
    active = [d for d, s in _STATE.items() if s is not None]
    if table is None:
        if active and not _warned_no_hook:
            _warned_no_hook = True
            warnings.warn(
                "this ember-core's dispatcher has no autocast hook (ember.dispatch.CASTS): "
                "inside autocast only functions marked with ember.amp.autocast_op are cast",
                UserWarning,
                stacklevel=3,
            )
        return
    names = set()
    for d in active:
        names |= LOWER[d] | FP32[d] | PROMOTE[d]
    table.clear()
    table.update({n: _CASTERS.setdefault(n, _make_caster(n)) for n in names if n in ember.OPS})


_CASTERS: dict = {}


class autocast:  # noqa: N801 - torch.autocast's name
    """Context manager (and decorator) enabling autocast for one device type.

    Args:
        device_type: ``"cuda"`` or ``"cpu"``.
        dtype: the lower precision (default float16 on cuda, bfloat16 on cpu).
        enabled: ``False`` turns autocast off inside the region (e.g. for a sub-block).
        cache_enabled: reuse the low-precision copy of each weight within the region.
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(
                f"User specified an unsupported autocast device_type '{device_type}'"
            )
        self.device = device_type
        self.fast_dtype = _DEFAULT_DTYPE[device_type] if dtype is None else dtype
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        self._enabled = enabled
        if enabled and self.fast_dtype not in _SUPPORTED[device_type]:
            if device_type == "cpu":
                warnings.warn(
                    "In CPU autocast, but the target dtype is not supported. Disabling "
                    f"autocast.\nCPU Autocast only supports dtype of "
                    f"{', '.join(str(d) for d in _SUPPORTED['cpu'])} currently.",
                    UserWarning,
                    stacklevel=2,
                )
                self._enabled = False
            else:
                raise RuntimeError(
                    f"In CUDA autocast, but the target dtype {self.fast_dtype} is not supported."
                )
        self._saved: list = []

    def __enter__(self):
        self._saved.append(_STATE[self.device])
        _STATE[self.device] = (self.fast_dtype, self._cache_enabled) if self._enabled else None
        _DEPTH[self.device] += 1
        _refresh_casts()
        return self

    def __exit__(self, *exc):
        _DEPTH[self.device] -= 1
        if _DEPTH[self.device] == 0:
            _CACHE.clear()
        _STATE[self.device] = self._saved.pop()
        _refresh_casts()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)

        return decorated


def autocast_op(name: str):
    """Mark a Python composite (e.g. a loss) as the op ``name`` of the autocast lists.

    Inside an autocast region its floating inputs are cast by ``name``'s policy; an
    FP32 composite then runs with autocast off, as the single op it stands for would.

    >>> @autocast_op("mse_loss")
    ... def mse_loss(input, target, reduction="mean"): ...
    """

    def wrap(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if _STATE["cpu"] is None and _STATE["cuda"] is None:
                return func(*args, **kwargs)  # no region active: nothing to look up
            device_type = _device_type(args, kwargs)
            dtype = _policy_dtype(name, device_type, args, kwargs)
            if dtype is None:
                return func(*args, **kwargs)
            args = tuple(_cast(a, dtype, device_type) for a in args)
            kwargs = {k: _cast(v, dtype, device_type) for k, v in kwargs.items()}
            if name in FP32[device_type]:
                with autocast(device_type, enabled=False):
                    return func(*args, **kwargs)
            return func(*args, **kwargs)

        return wrapper

    return wrap


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorator for an ``autograd.Function``'s ``forward`` under autocast.

    With ``cast_inputs``, floating inputs are cast to it and the body runs with
    autocast off; otherwise the body runs as the surrounding region dictates.
    """
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._fwd_used_autocast = is_autocast_enabled(device_type)
        ctx._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None or not ctx._fwd_used_autocast:
            return fwd(*args, **kwargs)
        with autocast(device_type, enabled=False):
            return fwd(
                *_cast(args, cast_inputs, device_type),
                **_cast(kwargs, cast_inputs, device_type),
            )

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorator for an ``autograd.Function``'s ``backward``: same autocast state as forward."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type, dtype=ctx._dtype, enabled=ctx._fwd_used_autocast):
            return bwd(*args, **kwargs)

    return decorate_bwd
