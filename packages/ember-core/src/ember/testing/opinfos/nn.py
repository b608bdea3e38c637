"""OpInfo rows for ``ember/_ops/nn.py``, ``activation.py`` and ``normalization.py``.

References are the textbook NumPy formulas, evaluated in float64.
"""

import math

import numpy as np

import ember
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput

_F = "torch.nn.functional."
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _f64(fn):
    def ref(x, *args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(np.asarray(x, np.float64), *args, **kwargs)

    return ref


def _unary_samples(*variants):
    def samples(make):
        yield SampleInput(make(3, 4))
        yield SampleInput(make())
        yield SampleInput(make(0, 2))
        yield SampleInput(make(2, 5, low=-40, high=40))  # the tails: overflow-prone
        for args, kwargs in variants:
            yield SampleInput(make(2, 3), *args, **kwargs)

    return samples


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x))


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)
_ACTIVATIONS = {
    # name: (reference, kwargs variants, grad_order)
    "gelu": (_gelu, [((), {"approximate": "tanh"})], 2),
    "silu": (lambda x: x / (1 + np.exp(-x)), [], 2),
    "softplus": (_softplus, [((2.0, 5.0), {}), ((), {"beta": 0.5})], 2),
    "elu": (_elu, [((0.5,), {})], 2),
    "selu": (lambda x: _SELU[1] * _elu(x, _SELU[0]), [], 2),
    "celu": (
        lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(x / alpha)),
        [((2.0,), {})],
        2,
    ),
    "leaky_relu": (lambda x, s=0.01: np.where(x > 0, x, s * x), [((0.2,), {})], 2),
    "hardswish": (lambda x: x * np.clip(x + 3, 0, 6) / 6, [], 2),
    "hardsigmoid": (lambda x: np.clip(x + 3, 0, 6) / 6, [], 2),
    "hardshrink": (lambda x, lambd=0.5: np.where(np.abs(x) > lambd, x, 0), [((2.0,), {})], 2),
    "softshrink": (
        lambda x, lambd=0.5: np.where(np.abs(x) > lambd, x - np.sign(x) * lambd, 0),
        [((), {"lambd": 1.5})],
        2,
    ),
    "mish": (lambda x: x * np.tanh(np.logaddexp(0, x)), [], 2),
    "logsigmoid": (lambda x: -np.logaddexp(0, -x), [], 2),
    "softsign": (lambda x: x / (1 + np.abs(x)), [], 2),
    "tanhshrink": (lambda x: x - np.tanh(x), [], 2),
}
for _name, (_ref, _variants, _order) in _ACTIVATIONS.items():
    OpInfo(_name, _f64(_ref), _unary_samples(*_variants), grad_order=_order, torch=_F + _name)

OpInfo(
    "relu",
    lambda x: np.maximum(x, 0),
    _unary_samples(),
    ALL_NUMERIC,
    grad_order=2,
    torch="torch.relu",
)
OpInfo(
    "hardtanh",
    lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val),
    _unary_samples(((-2.0, 3.0), {}), ((), {"min_val": 0.0, "max_val": 6.0})),
    ALL_NUMERIC[1:],  # torch refuses unsigned inputs with a negative min_val
    grad_order=2,
    torch=_F + "hardtanh",
)
OpInfo(
    "threshold",
    lambda x, threshold, value: np.where(x > threshold, x, value),
    lambda make: [
        SampleInput(make(3, 4), 2, 5),
        SampleInput(make(), 0.5, 1),
        SampleInput(make(0, 2), 1, 0),
        SampleInput(make(2, 3), threshold=3, value=4),
    ],
    ALL_NUMERIC,
    grad_order=2,
    torch=_F + "threshold",
)


def _torch_aten(name):
    """The aten op ``name`` called on the sample's arguments (the backward kernels)."""
    return lambda torch, *args: getattr(torch.ops.aten, name)(*args)


OpInfo(
    "threshold_backward",
    lambda g, x, threshold: np.where(x <= threshold, 0, g),
    lambda make: [
        SampleInput(make(3, 4), make(3, 4), 0),
        SampleInput(make(2, 5), make(2, 5), 0.5),
        SampleInput(make(), make(), -1),
        SampleInput(make(0, 2), make(0, 2), 0),
    ],
    grad_order=2,
    torch=_torch_aten("threshold_backward"),
)
OpInfo(
    "hardtanh_backward",
    lambda g, x, min_val, max_val: np.where((x <= min_val) | (x >= max_val), 0, g),
    lambda make: [
        SampleInput(make(3, 4), make(3, 4), -1.0, 1.0),
        SampleInput(make(2, 5), make(2, 5), 0.0, 6.0),
        SampleInput(make(), make(), -0.5, 0.5),
        SampleInput(make(0, 2), make(0, 2), -1.0, 1.0),
    ],
    grad_order=2,
    torch=_torch_aten("hardtanh_backward"),
)


OpInfo(
    "hardsigmoid_backward",
    lambda g, x: np.where((x > -3) & (x < 3), g / 6, 0),
    lambda make: [
        SampleInput(make(3, 4, low=-5, high=5), make(3, 4, low=-5, high=5)),
        SampleInput(make(), make()),
        SampleInput(make(0, 2), make(0, 2)),
    ],
    grad_order=2,
    torch=_torch_aten("hardsigmoid_backward"),
)
for _name in ("hardshrink_backward", "softshrink_backward"):
    OpInfo(
        _name,
        lambda g, x, lambd: np.where(np.abs(x) <= lambd, 0, g),
        lambda make: [
            SampleInput(make(3, 4), make(3, 4), 0.5),
            SampleInput(make(2, 5), make(2, 5), 2.0),
            SampleInput(make(), make(), 0.1),
            SampleInput(make(0, 2), make(0, 2), 0.5),
        ],
        grad_order=2,
        torch=_torch_aten(_name),
    )


def _glu(x, dim=-1):
    a, b = np.split(np.asarray(x, np.float64), 2, axis=dim)
    return a / (1 + np.exp(-b))


OpInfo(
    "glu",
    _glu,
    lambda make: [
        SampleInput(make(3, 4)),
        SampleInput(make(4, 2, 3), 0),
        SampleInput(make(2, 6, 1), dim=1),
        SampleInput(make(0, 4)),
    ],
    grad_order=2,
    torch=_F + "glu",
)


def _prelu(x, w):
    w = w.reshape((-1,) + (1,) * (x.ndim - 2)) if w.size > 1 else w.reshape(())
    return np.where(x > 0, x, w * x)


OpInfo(
    "prelu",
    _prelu,
    lambda make: [
        SampleInput(make(2, 3, 4), make(3)),
        SampleInput(make(2, 3), make(1)),
        SampleInput(make(5), make(1)),
        SampleInput(make(), make(1)),
        SampleInput(make(0, 3, 2), make(3)),
    ],
    grad_order=2,
    torch="torch.prelu",
)


# ---- softmax -----------------------------------------------------------------------


def _softmax(x, dim, dtype=None):
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max(axis=dim, keepdims=True)) if x.size else x
    return e / e.sum(axis=dim, keepdims=True) if x.size else x


def _log_softmax(x, dim, dtype=None):
    x = np.asarray(x, np.float64)
    if not x.size:
        return x
    m = x.max(axis=dim, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=dim, keepdims=True))


def _softmax_samples(make):
    yield SampleInput(make(3, 4), 1)
    yield SampleInput(make(2, 3, 4), 0)
    yield SampleInput(make(2, 5, low=-300, high=300), -1)  # would overflow without the shift
    yield SampleInput(make(), 0)
    yield SampleInput(make(0, 3), 1)
    yield SampleInput(make(2, 3), dim=-1, dtype=ember.float64)


OpInfo("softmax", _softmax, _softmax_samples, grad_order=2, torch="torch.softmax")
OpInfo("log_softmax", _log_softmax, _softmax_samples, grad_order=2, torch="torch.log_softmax")


def _softmax_backward(g, y, dim):
    g, y = np.asarray(g, np.float64), np.asarray(y, np.float64)
    axis = dim if y.ndim else None
    return y * (g - (g * y).sum(axis=axis, keepdims=True))


def _log_softmax_backward(g, y, dim):
    g, y = np.asarray(g, np.float64), np.asarray(y, np.float64)
    axis = dim if y.ndim else None
    return g - np.exp(y) * g.sum(axis=axis, keepdims=True)


def _backward_samples(forward):
    """(gradient, output, dim): the outputs of real (log-)softmax calls."""

    def samples(make):
        for s in _softmax_samples(make):
            x, dim = s.args[0], s.args[1] if len(s.args) > 1 else s.kwargs["dim"]
            y = forward(x.detach(), dim)
            yield SampleInput(make(*y.shape), y, dim)

    return samples


def _torch_backward(name):
    """torch's ``_softmax_backward_data`` or ``_log_softmax_backward_data``."""
    fn = f"_{name}_backward_data"
    return lambda torch, g, y, dim: getattr(torch.ops.aten, fn)(g, y, dim, y.dtype)


for _name, _ref, _forward in (
    ("softmax", _softmax_backward, ember.softmax),
    ("log_softmax", _log_softmax_backward, ember.log_softmax),
):
    OpInfo(
        f"{_name}_backward",
        _ref,
        _backward_samples(_forward),
        grad_order=2,
        torch=_torch_backward(_name),
    )


# ---- embedding and one_hot ---------------------------------------------------------


def _indices(*shape, high=5):
    rng = np.random.default_rng(len(shape))
    return ember.from_numpy(rng.integers(0, high, size=shape))


def _embedding_samples(make):
    yield SampleInput(make(5, 3), _indices(2, 4))
    yield SampleInput(make(5, 3), _indices(6), 2)
    yield SampleInput(make(5, 2), _indices(), padding_idx=1)
    yield SampleInput(make(5, 3), _indices(0, 2))


def _embedding_backward_ref(grad, idx, num, padding_idx=-1, scale_grad_by_freq=False):
    out = np.zeros((num, grad.shape[-1]))
    flat, g = idx.reshape(-1), grad.reshape(-1, grad.shape[-1])
    counts = np.bincount(flat, minlength=num)
    for i, row in zip(flat, g):
        out[i] += row / (counts[i] if scale_grad_by_freq else 1)
    if padding_idx >= 0:
        out[padding_idx] = 0
    return out


def _embedding_backward_samples(make):
    yield SampleInput(make(2, 4, 3), _indices(2, 4), 5)
    yield SampleInput(make(6, 2), _indices(6), 5, 2, True)
    yield SampleInput(make(0, 2), _indices(0), 5)


def _renorm_ref(w, idx, max_norm, norm_type):
    w = np.asarray(w, np.float64).copy()
    for i in np.unique(idx):
        norm = np.linalg.norm(w[i], norm_type)
        if norm > max_norm:
            w[i] *= max_norm / (norm + 1e-7)
    return w


def _one_hot_samples(make):
    yield SampleInput(_indices(3, 4))
    yield SampleInput(_indices(5), 7)
    yield SampleInput(_indices(), 5)
    yield SampleInput(_indices(0, 2), 3)


OpInfo(
    "embedding",
    lambda w, i, *a, **k: w[i],
    _embedding_samples,
    grad_order=2,
    torch="torch.embedding",
)
OpInfo(
    "embedding_backward",
    _embedding_backward_ref,
    _embedding_backward_samples,
    grad_order=2,
    torch=lambda torch, g, i, n, p=-1, s=False: torch.ops.aten.embedding_dense_backward(
        g, i, n, p, s
    ),
)
OpInfo(
    "embedding_renorm_",
    _renorm_ref,
    lambda make: [
        SampleInput(make(5, 3), _indices(2, 3), 4.0, 2.0),
        SampleInput(make(5, 3), _indices(4), 6.0, 1.0),
    ],
    grad_order=0,
    torch="torch.embedding_renorm_",
    skip_noncontiguous=True,
)
OpInfo(
    "one_hot",
    lambda x, n=-1: np.eye(x.max() + 1 if n == -1 else n, dtype=np.int64)[x],
    _one_hot_samples,
    (ember.int64,),
    grad_order=0,
    torch=_F + "one_hot",
)


# ---- normalization ------------------------------------------------------------------


def _normalize(x, axes, eps):
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


def _batch_norm(x, rm, rv, w=None, b=None, training=False, momentum=0.1, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    axes = (0, *range(2, x.ndim))
    y = (
        _normalize(x, axes, eps)
        if training
        else (x - rm.reshape(shape)) / np.sqrt(rv.reshape(shape) + eps)
    )
    y = y * (1 if w is None else w.reshape(shape))
    return y + (0 if b is None else b.reshape(shape))


def _batch_norm_samples(make):
    def stats(c):
        return make(c, low=-1, high=1), make(c, low=0.5, high=2)

    yield SampleInput(make(4, 3), *stats(3), make(3), make(3), True)
    yield SampleInput(make(2, 3, 4), *stats(3), None, None, True, 0.3, 1e-3)
    yield SampleInput(make(2, 3, 2, 2), *stats(3), make(3), make(3), False)
    yield SampleInput(make(2, 2, 3), None, None, training=True)
    yield SampleInput(make(0, 3, 2), *stats(3), training=False)


def _layer_norm(x, shape, w=None, b=None, eps=1e-5):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    y = _normalize(x, tuple(range(x.ndim - len(shape), x.ndim)), eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


def _group_norm(x, groups, w=None, b=None, eps=1e-5):
    n, c = x.shape[:2]
    y = _normalize(x.reshape(n, groups, c // groups * int(np.prod(x.shape[2:]))), 2, eps)
    y = y.reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    return y * (1 if w is None else w.reshape(shape)) + (0 if b is None else b.reshape(shape))


def _rms_norm(x, shape, w=None, eps=None):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    eps = np.finfo(x.dtype).eps if eps is None else eps
    x64 = np.asarray(x, np.float64)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    y = x64 / np.sqrt((x64 * x64).mean(axis=axes, keepdims=True) + eps)
    return y * (1 if w is None else w)


OpInfo(
    "batch_norm",
    _batch_norm,
    _batch_norm_samples,
    grad_order=2,
    rtol=1e-5,
    atol=1e-5,
    torch=_F + "batch_norm",
)
OpInfo(
    "layer_norm",
    _layer_norm,
    lambda make: [
        SampleInput(make(3, 4), (4,)),
        SampleInput(make(2, 3, 4), (3, 4), make(3, 4), make(3, 4)),
        SampleInput(make(2, 5), 5, None, make(5), 1e-3),
        SampleInput(make(0, 3), [3]),
    ],
    grad_order=2,
    rtol=1e-5,
    atol=1e-5,
    torch=lambda torch, x, s, *a: torch.layer_norm(x, (s,) if isinstance(s, int) else s, *a),
)
OpInfo(
    "group_norm",
    _group_norm,
    lambda make: [
        SampleInput(make(2, 4, 3), 2, make(4), make(4)),
        SampleInput(make(3, 6), 3),
        SampleInput(make(1, 4, 2, 2), 4, eps=1e-3),
        SampleInput(make(0, 4, 2), 2),
    ],
    grad_order=2,
    rtol=1e-5,
    atol=1e-5,
    torch="torch.group_norm",
)
OpInfo(
    "rms_norm",
    _rms_norm,
    lambda make: [
        SampleInput(make(3, 4), (4,)),
        SampleInput(make(2, 3, 4), [3, 4], make(3, 4)),
        SampleInput(make(2, 5), 5, None, 1e-3),
        SampleInput(make(0, 3), (3,)),
    ],
    grad_order=2,
    rtol=1e-5,
    atol=1e-5,
    torch=lambda torch, x, s, *a: torch.nn.functional.rms_norm(
        x, (s,) if isinstance(s, int) else s, *a
    ),
)
