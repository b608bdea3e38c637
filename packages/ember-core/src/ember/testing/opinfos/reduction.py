"""OpInfo rows for ``ember/_ops/reduction.py``.

References are written with PyTorch's semantics in plain NumPy, the index-returning ones
as loops over slices, so that they do not share the kernels' tricks.
"""

import math

import numpy as np

import ember
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput

WITH_BOOL = (ember.bool,) + ALL_NUMERIC


# ---- samples ---------------------------------------------------------------------

# Samples holding nan or tied values, by op name. They are checked against the reference
# (tests/ops) and PyTorch (tests/parity) like the rows' samples, but kept out of the rows:
# those also feed finite-difference gradient checks, which nan and ties defeat.
SPECIAL_SAMPLES: dict = {}


def special(*names):
    """Register a ``samples(make)`` function as the special samples of ``names``."""

    def register(fn):
        for name in names:
            SPECIAL_SAMPLES[name] = fn
        return fn

    return register


def tied(make, *shape):
    """A sample of small whole numbers, so that floating samples have ties too."""
    t = make(*shape)
    a = np.round(np.array(t.cpu()._data) / 3).astype(t.dtype.np)
    return ember.from_numpy(a).to(t.device)


def scalar(make):
    """A 0-d sample, made from one element (make_tensor fails on 0-d bool tensors)."""
    return make(1).reshape(())


def with_nan(make, *shape):
    """A floating sample holding nan at every third element (integers: a plain sample)."""
    t = make(*shape)
    if not t.dtype.is_floating_point or t.numel() == 0:
        return t
    a = np.array(t.cpu()._data)
    a.reshape(-1)[::3] = np.nan
    return ember.from_numpy(a).to(t.device)


def reduction_samples(make, empty=True):
    """Dims as None, an int, a negative int and a tuple; keepdim; 0-d and empty inputs."""
    yield SampleInput(make(3, 4))
    yield SampleInput(make(3, 4), 1)
    yield SampleInput(make(2, 3, 4), (0, 2), True)
    yield SampleInput(make(2, 3, 4), (-1, 0))
    yield SampleInput(make(2, 3), dim=-1, keepdim=True)
    yield SampleInput(make(2, 3), None, True)
    yield SampleInput(scalar(make))
    yield SampleInput(scalar(make), 0, True)
    yield SampleInput(make(0, 3), 1)
    if empty:
        yield SampleInput(make(0, 3), 0)
        yield SampleInput(make(0, 3))


def dim_samples(make, empty=True):
    """Ops along one dim (``dim`` an int, as a position or a keyword) with keepdim."""
    yield SampleInput(make(3, 4), 1)
    yield SampleInput(make(3, 4), -2, True)
    yield SampleInput(make(2, 3, 4), dim=1, keepdim=True)
    yield SampleInput(make(5), 0)
    yield SampleInput(scalar(make), 0)
    yield SampleInput(scalar(make), -1, True)
    yield SampleInput(make(0, 3), 1)
    yield SampleInput(make(3, 0), 0)
    if empty:
        yield SampleInput(make(0, 3), 0)


def scan_samples(make):
    yield SampleInput(make(3, 4), 1)
    yield SampleInput(make(2, 3, 4), -3)
    yield SampleInput(make(7), dim=0)
    yield SampleInput(scalar(make), 0)
    yield SampleInput(make(0, 3), 0)
    yield SampleInput(make(0, 3), 1)


# ---- references ------------------------------------------------------------------


def axes_of(dim, ndim):
    """PyTorch's dims as NumPy axes: None, () and [] mean all."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return None
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(d % ndim for d in dims) if ndim else None


def acc(x, dtype):
    if dtype is not None:
        return dtype.np
    return np.int64 if x.dtype.kind in "biu" else None


def np_reduce(fn, with_dtype=False):
    def ref(x, dim=None, keepdim=False, dtype=None):
        kw = {"dtype": acc(x, dtype)} if with_dtype else {}
        return fn(x, axis=axes_of(dim, x.ndim), keepdims=keepdim, **kw)

    return ref


def rows_of(a):
    """The 1-D slices along the last axis of ``a``, as a 2-D array."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])


def slices(x, dim, keepdim, fn, nout=2):
    """``fn(slice) -> nout values`` over the 1-D slices along ``dim``: a tuple of arrays."""
    a = x.reshape(1) if x.ndim == 0 else x
    d = dim % a.ndim
    moved = np.moveaxis(a, d, -1)
    results = [fn(row) for row in rows_of(moved)]
    outs = []
    for j in range(nout):
        col = np.array([r[j] for r in results]).reshape(moved.shape[:-1])
        if x.ndim == 0:
            col = col.reshape(())
        elif keepdim:
            col = np.expand_dims(col, d)
        outs.append(col)
    return tuple(outs)


def first_extreme(row, largest):
    """(value, index) of the first extreme of a slice; nan is the most extreme."""
    values = row.tolist()
    for i, v in enumerate(values):
        if v != v:
            return v, i
    best = max(values) if largest else min(values)
    return best, values.index(best)


def extreme_ref(largest):
    def ref(x, dim=None, keepdim=False, *, other=None):
        if isinstance(dim, np.ndarray) or other is not None:
            other = dim if other is None else other
            return np.maximum(x, other) if largest else np.minimum(x, other)
        if dim is None:
            return np.asarray(first_extreme(x.reshape(-1), largest)[0])
        return slices(x, dim, keepdim, lambda r: first_extreme(r, largest))

    return ref


def arg_extreme_ref(largest):
    def ref(x, dim=None, keepdim=False):
        if dim is None:
            i = first_extreme(x.reshape(-1), largest)[1]
            return np.full((1,) * x.ndim if keepdim else (), i)
        return slices(x, dim, keepdim, lambda r: first_extreme(r, largest))[1]

    return ref


def aminmax_ref(x, *, dim=None, keepdim=False):
    axes = None if dim is None else axes_of(dim, x.ndim)
    return np.min(x, axis=axes, keepdims=keepdim), np.max(x, axis=axes, keepdims=keepdim)


def var_ref(root, with_mean=False):
    def ref(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        ddof = correction if correction is not None else (0 if unbiased is False else 1)
        axes = axes_of(dim, x.ndim)
        out = (np.std if root else np.var)(x, axis=axes, ddof=ddof, keepdims=keepdim)
        return (out, np.mean(x, axis=axes, keepdims=keepdim)) if with_mean else out

    return ref


def norm_ref(x, p="fro", dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.astype(dtype.np)
    if p == "nuc":
        dims = (0, 1) if dim is None else tuple(d % x.ndim for d in dim)
        s = np.linalg.svd(np.moveaxis(x, dims, (-2, -1)), compute_uv=False).sum(-1)
        return np.expand_dims(s, tuple(sorted(dims))) if keepdim else s
    p = 2 if p == "fro" else p
    a, axes = np.abs(x.astype(np.float64)), axes_of(dim, x.ndim)
    if p == math.inf:
        return np.max(a, axis=axes, keepdims=keepdim)
    if p == -math.inf:
        return np.min(a, axis=axes, keepdims=keepdim)
    if p == 0:
        return np.sum(a != 0, axis=axes, keepdims=keepdim)
    with np.errstate(divide="ignore"):
        return np.sum(a**p, axis=axes, keepdims=keepdim) ** (1 / p)


def logsumexp_ref(x, dim, keepdim=False):
    with np.errstate(divide="ignore"):
        return np.log(
            np.sum(np.exp(x.astype(np.float64)), axis=axes_of(dim, x.ndim), keepdims=keepdim)
        )


def cumulative_ref(fn):
    def ref(x, dim, *, dtype=None):
        a = x.reshape(1) if x.ndim == 0 else x
        return fn(a, axis=dim % a.ndim, dtype=acc(x, dtype)).reshape(x.shape)

    return ref


def running_extreme(row, largest):
    """Running extreme with PyTorch's rule: ties and nan move the index to the latest."""
    values, indices, best, at = [], [], None, 0
    for i, v in enumerate(row.tolist()):
        if best is None or v != v or (best == best and (v >= best if largest else v <= best)):
            best, at = v, i
        values.append(best)
        indices.append(at)
    return values, indices


def cum_extreme_ref(largest):
    def ref(x, dim):
        a = x.reshape(1) if x.ndim == 0 else x
        d = dim % a.ndim
        moved = np.moveaxis(a, d, -1)
        pairs = [running_extreme(r, largest) for r in rows_of(moved)]
        values = np.array([p[0] for p in pairs], dtype=x.dtype).reshape(moved.shape)
        indices = np.array([p[1] for p in pairs], dtype=np.int64).reshape(moved.shape)
        return np.moveaxis(values, -1, d).reshape(x.shape), np.moveaxis(indices, -1, d).reshape(
            x.shape
        )

    return ref


def logcumsumexp_ref(x, dim):
    a = x.reshape(1) if x.ndim == 0 else x.astype(np.float64)
    with np.errstate(divide="ignore"):
        return np.log(np.cumsum(np.exp(a), axis=dim % a.ndim)).reshape(x.shape)


def logical_ref(fn):
    def ref(x, dim=None, keepdim=False):
        # here () reduces nothing, unlike the other reductions
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = None if dim is None else tuple(d % x.ndim for d in dims) if x.ndim else ()
        out = fn(x, axis=axes, keepdims=keepdim)
        return out.astype(np.uint8) if x.dtype == np.uint8 else out

    return ref


def count_nonzero_ref(x, dim=None):
    return np.sum(x != 0, axis=axes_of(dim, x.ndim))


# ---- rows ------------------------------------------------------------------------


def _small(make):
    return lambda *s, **kw: make(*s, **{"low": -2, "high": 2, **kw})


def _dtype_samples(make):
    yield SampleInput(make(3, 4), 1, dtype=ember.float64)
    yield SampleInput(make(3, 4), dtype=ember.int64)


def _nan_reduction_samples(make):
    yield from reduction_samples(make)
    yield SampleInput(with_nan(make, 3, 4), 1)
    yield SampleInput(with_nan(make, 2, 3, 4), (0, 2), True)


def _trace_samples(make):
    yield SampleInput(make(3, 3))
    yield SampleInput(make(2, 4))
    yield SampleInput(make(4, 2))
    yield SampleInput(make(0, 3))


OpInfo(
    "trace",
    lambda x: np.trace(x, dtype=np.int64 if x.dtype.kind in "iu" else None),
    _trace_samples,
    ALL_NUMERIC + (ember.complex64, ember.complex128),
    grad_order=2,
)
OpInfo(
    "sum",
    np_reduce(np.sum, True),
    lambda make: [*reduction_samples(make), *_dtype_samples(make)],
    WITH_BOOL,
    grad_order=2,
)
OpInfo(
    "mean",
    np_reduce(np.mean),
    lambda make: [*reduction_samples(make), SampleInput(make(3, 4), 0, dtype=ember.float64)],
    grad_order=2,
)
OpInfo(
    "nansum",
    np_reduce(np.nansum, True),
    lambda make: [*_nan_reduction_samples(make), *_dtype_samples(make)],
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo("nanmean", np_reduce(np.nanmean), _nan_reduction_samples, grad_order=2)


def _prod_samples(make):
    make = _small(make)
    yield SampleInput(make(3, 4))
    yield SampleInput(make(3, 4), 1)
    yield SampleInput(make(2, 3, 4), -1, True)
    yield SampleInput(make(2, 3), dim=0, keepdim=True, dtype=ember.float64)
    yield SampleInput(scalar(make))
    yield SampleInput(scalar(make), 0)
    yield SampleInput(make(0, 3), 0)
    yield SampleInput(make(0, 3))


OpInfo("prod", np_reduce(np.prod, True), _prod_samples, WITH_BOOL, grad_order=2)


def _extreme_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(scalar(make))
    yield from dim_samples(make, empty=False)
    yield SampleInput(make(3, 4), make(4))  # the binary form broadcasts
    yield SampleInput(make(2, 1), other=make(3))


for _name, _largest in (("max", True), ("min", False)):
    OpInfo(_name, extreme_ref(_largest), _extreme_samples, ALL_NUMERIC, grad_order=2)


def _amax_samples(make):
    yield from reduction_samples(make, empty=False)
    yield SampleInput(make(3, 4), ())


for _name, _fn in (("amax", np.max), ("amin", np.min)):
    OpInfo(_name, np_reduce(_fn), _amax_samples, ALL_NUMERIC, grad_order=2)


def _arg_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(make(3, 4), keepdim=True)
    yield from dim_samples(make, empty=False)


@special("max", "min", "amax", "amin", "argmax", "argmin")
def _extreme_special(make):
    yield SampleInput(with_nan(make, 3, 4))
    yield SampleInput(with_nan(make, 4, 5), 1)
    yield SampleInput(with_nan(make, 4, 5), dim=0)


@special("aminmax")
def _aminmax_special(make):
    yield SampleInput(with_nan(make, 3, 4))
    yield SampleInput(with_nan(make, 4, 5), dim=0)


for _name, _largest in (("argmax", True), ("argmin", False)):
    OpInfo(_name, arg_extreme_ref(_largest), _arg_samples, ALL_NUMERIC, grad_order=0)


def _aminmax_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(scalar(make))
    yield SampleInput(make(3, 4), dim=1)
    yield SampleInput(make(2, 3, 4), dim=-1, keepdim=True)
    yield SampleInput(scalar(make), dim=0)
    yield SampleInput(make(0, 3), dim=1)


OpInfo("aminmax", aminmax_ref, _aminmax_samples, ALL_NUMERIC, grad_order=2)


def _var_samples(make):
    yield from (s for s in reduction_samples(make, empty=False) if s.args[0].numel() != 1)
    yield SampleInput(scalar(make), correction=0)
    yield SampleInput(make(3, 4), 1, correction=0)
    yield SampleInput(make(3, 4), (0, 1), correction=2, keepdim=True)
    yield SampleInput(make(3, 4), dim=0, unbiased=False)
    yield SampleInput(make(3, 4), 1, True, True)  # the old (dim, unbiased, keepdim) form
    yield SampleInput(make(3, 4), False)  # the old (unbiased) form


@special("std", "var", "std_mean", "var_mean")
def _spread_special(make):
    yield SampleInput(scalar(make))  # no degrees of freedom left: nan
    yield SampleInput(make(2, 3), 1, correction=3)  # fewer than none: inf


for _name, _root in (("std", True), ("var", False)):
    OpInfo(_name, var_ref(_root), _var_samples, grad_order=2)
    OpInfo(f"{_name}_mean", var_ref(_root, True), _var_samples, grad_order=2)


def _norm_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(make(3, 4), "fro", (0, 1))
    yield SampleInput(make(3, 4), "nuc")
    yield SampleInput(make(2, 3, 4), "nuc", (2, 0), True)
    yield SampleInput(make(3, 4), 1, 1)
    yield SampleInput(make(3, 4), 2, -1, True)
    yield SampleInput(make(3, 4), 3.5, dim=0)
    yield SampleInput(make(3, 4), -1.5, dim=1)
    yield SampleInput(make(3, 4), math.inf, dim=(0, 1))
    yield SampleInput(make(3, 4), -math.inf)
    yield SampleInput(make(3, 4), 0, 1)
    yield SampleInput(make(3, 4), p=2, dim=1, dtype=ember.float64)
    yield SampleInput(scalar(make))
    yield SampleInput(make(0, 3))
    yield SampleInput(make(0, 3), 1, 0)


OpInfo("norm", norm_ref, _norm_samples, grad_order=2)


def _logsumexp_samples(make):
    yield SampleInput(make(3, 4), 1)
    yield SampleInput(make(2, 3, 4), (0, 2), True)
    yield SampleInput(make(2, 3), dim=-1, keepdim=True)
    yield SampleInput(scalar(make), 0)
    yield SampleInput(make(0, 3), 0)
    yield SampleInput(make(0, 3), 1)
    yield SampleInput(make(3, 4, low=90, high=120), 0)  # exp alone would overflow float32


OpInfo("logsumexp", logsumexp_ref, _logsumexp_samples, ALL_NUMERIC, grad_order=2)


def _cumulative_samples(make):
    yield from scan_samples(_small(make))
    yield SampleInput(_small(make)(3, 4), 0, dtype=ember.float64)


OpInfo("cumsum", cumulative_ref(np.cumsum), _cumulative_samples, WITH_BOOL, grad_order=2)
OpInfo("cumprod", cumulative_ref(np.cumprod), _cumulative_samples, WITH_BOOL, grad_order=2)


@special("cummax", "cummin", "logcumsumexp", "cumsum")
def _scan_special(make):
    yield SampleInput(with_nan(make, 3, 7), 1)
    yield SampleInput(tied(make, 4, 6), -1)


OpInfo("cummax", cum_extreme_ref(True), scan_samples, ALL_NUMERIC, grad_order=2)
OpInfo("cummin", cum_extreme_ref(False), scan_samples, ALL_NUMERIC, grad_order=2)
OpInfo("logcumsumexp", logcumsumexp_ref, scan_samples, grad_order=2)


def _logical_samples(make):
    yield from reduction_samples(lambda *s: make(*s, low=0, high=3))
    yield SampleInput(make(3, 4), ())  # no dim reduced


OpInfo("all", logical_ref(np.all), _logical_samples, WITH_BOOL, grad_order=0)
OpInfo("any", logical_ref(np.any), _logical_samples, WITH_BOOL, grad_order=0)


def _count_samples(make):
    make = _small(make)
    yield SampleInput(make(3, 4))
    yield SampleInput(make(3, 4), 1)
    yield SampleInput(make(2, 3, 4), (0, -1))
    yield SampleInput(make(3, 4), dim=())
    yield SampleInput(scalar(make), 0)
    yield SampleInput(make(0, 3), 0)


OpInfo("count_nonzero", count_nonzero_ref, _count_samples, WITH_BOOL, grad_order=0)
