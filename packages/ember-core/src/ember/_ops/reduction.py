"""Reductions over one, several or all dims, with PyTorch's ``dim``/``keepdim``, and scans.

The sort-based half of the family (sort, topk, median, unique...) is in ``sorting.py``.
``diff``, ``trapezoid``, ``cumulative_trapezoid``, ``cov``, ``corrcoef`` and ``renorm``
compose from other ops, as PyTorch's do, so they are differentiable without rules.
"""

from __future__ import annotations

import collections
import functools
import math
import operator
import types
import warnings

import numpy as np

from ember import dtypes as _dt
from ember._ops import OPS, SAME, Op, wrap_dim, wrap_dims
from ember.dispatch import result_dtype
from ember.tensor import Tensor

__all__ = [
    "sum",
    "trace",
    "mean",
    "nansum",
    "nanmean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "aminmax",
    "std",
    "var",
    "std_mean",
    "var_mean",
    "norm",
    "logsumexp",
    "cumsum",
    "cumprod",
    "cummax",
    "cummin",
    "logcumsumexp",
    "all",
    "any",
    "count_nonzero",
    "diff",
    "trapezoid",
    "cumulative_trapezoid",
    "cov",
    "corrcoef",
    "renorm",
]


def _return_type(name, fields=("values", "indices")):
    """A named tuple for an op's outputs, as ``torch.return_types.<name>``."""
    cls = collections.namedtuple(name, fields)
    cls.__module__, cls.__qualname__ = __name__, f"return_types.{name}"  # so pickle finds it
    return cls


# Every named result of the family (this module and sorting.py), by op name.
return_types = types.SimpleNamespace(
    **{
        name: _return_type(name)
        for name in (
            "max",
            "min",
            "cummax",
            "cummin",
            "sort",
            "topk",
            "kthvalue",
            "median",
            "nanmedian",
            "mode",
        )
    },
    aminmax=_return_type("aminmax", ("min", "max")),
)


# ---- shared helpers -------------------------------------------------------------


def is_floating(x) -> bool:
    """Floating or complex arrays (``V`` is ml_dtypes' bfloat16)."""
    return x.dtype.kind in "fcV"


def reduce_axes(dim, ndim, name):
    """``dim`` as xp axes; None, ``()`` and ``[]`` all mean every dim, as in PyTorch."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return None
    return wrap_dims(dim, ndim, name) or None  # a 0-d input reduces to itself


def check_nonempty(name, x, axes):
    """Ops without an identity (max, amax...) refuse to reduce a zero-size dim."""
    if x.size:
        return
    for axis in range(x.ndim) if axes is None else axes:
        if x.shape[axis] == 0:
            raise IndexError(f"{name}: Expected reduction dim {axis} to have non-zero size.")


def along(x, dim, name):
    """``(x, axis)`` for ops along one dim; a 0-d input acts as one element."""
    axis = wrap_dim(dim, x.ndim, name)
    return (x.reshape(1), 0) if x.ndim == 0 else (x, axis)


def finish(out, axis, keepdim, like):
    """Shape a keepdims result of an op along ``axis`` as PyTorch returns it for ``like``."""
    if like.ndim == 0:
        return out.reshape(())
    return out if keepdim else out.squeeze(axis)


def _acc_dtype(x, dtype):
    """Integer and bool sums accumulate in int64 unless a dtype is asked for."""
    if dtype is not None:
        return _dt.as_dtype(dtype).np
    return np.int64 if x.dtype.kind in "biu" else None


def _quietly(fn, *args, **kwargs):
    """``fn`` with NumPy's floating-point warnings off (nan or inf are the answer)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def _float_only(name, x, dtype=None):
    """mean-like ops are defined for floating (or complex) inputs or ``dtype`` only."""
    given = None if dtype is None else _dt.as_dtype(dtype)
    if given is not None and given.category < _dt.FLOATING:
        raise RuntimeError(
            f"{name}: could not infer output dtype. Optional dtype must be either "
            f"a floating point or complex dtype. Got: {given.name}"
        )
    if given is None and not is_floating(x):
        raise RuntimeError(
            f"{name}: could not infer output dtype. Input dtype must be either "
            f"a floating point or complex dtype. Got: {_dt.from_numpy(x.dtype).name}"
        )


# ---- sums and means --------------------------------------------------------------


def _sum(xp, x, dim=None, keepdim=False, *, dtype=None):
    """Sum of ``input`` over ``dim`` (an int, a tuple, or None for all dims).

    Integer and bool inputs sum to int64 unless ``dtype`` is given.
    """
    axes = reduce_axes(dim, x.ndim, "sum")
    # NumPy's Python-level wrappers (np.sum, ndarray.sum) cost more than the reduction of
    # a bias-sized gradient, which every backward pass sums once per layer.
    if xp is np:
        return np.add.reduce(x, axis=axes, keepdims=keepdim, dtype=_acc_dtype(x, dtype))
    return x.sum(axis=axes, keepdims=keepdim, dtype=_acc_dtype(x, dtype))


def _trace(xp, x):
    """The sum of a matrix's diagonal (integers sum to int64, as ``sum`` does)."""
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    if x.dtype.kind == "b":
        raise TypeError("trace: bool tensors are not supported")
    return _sum(xp, xp.diagonal(x))


def _nansum(xp, x, dim=None, keepdim=False, *, dtype=None):
    """Sum of ``input`` over ``dim``, treating nan as zero."""
    axes = reduce_axes(dim, x.ndim, "nansum")
    return xp.nansum(x, axis=axes, keepdims=keepdim, dtype=_acc_dtype(x, dtype))


def _mean(xp, x, dim=None, keepdim=False, *, dtype=None):
    """Mean of ``input`` over ``dim``; floating or complex inputs (or ``dtype``) only."""
    _float_only("mean", x, dtype)
    axes = reduce_axes(dim, x.ndim, "mean")
    dtype = None if dtype is None else _dt.as_dtype(dtype).np
    if x.size == 0:  # the mean of nothing is nan, silently, as in PyTorch
        return _quietly(xp.mean, x, axis=axes, keepdims=keepdim, dtype=dtype)
    return xp.mean(x, axis=axes, keepdims=keepdim, dtype=dtype)


def _nanmean(xp, x, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-nan elements of ``input`` over ``dim``; nan where all are nan."""
    _float_only("nanmean", x, dtype)
    if dtype is not None:
        x = x.astype(_dt.as_dtype(dtype).np)
    axes = reduce_axes(dim, x.ndim, "nanmean")
    total = xp.nansum(x, axis=axes, keepdims=keepdim)
    count = xp.sum(~xp.isnan(x), axis=axes, keepdims=keepdim)
    with np.errstate(invalid="ignore"):  # 0 / 0 for all-nan slices is the nan we want
        return xp.true_divide(total, xp.asarray(count, dtype=total.dtype))


def _prod(xp, x, dim=None, keepdim=False, *, dtype=None):
    """Product of ``input`` over ``dim``; integer and bool inputs give int64.

    Unlike PyTorch, ``dim`` may also be a tuple of dims.
    """
    axes = reduce_axes(dim, x.ndim, "prod")
    return xp.prod(x, axis=axes, keepdims=keepdim, dtype=_acc_dtype(x, dtype))


# ---- extremes --------------------------------------------------------------------


def _extreme(xp, name, x, dim, keepdim, other):
    if other is None and isinstance(dim, xp.ndarray):  # max(input, other)
        dim, other = None, dim
    if other is not None:
        target = result_dtype([x, other]).np
        pick = xp.maximum if name == "max" else xp.minimum
        return pick(x.astype(target, copy=False), other.astype(target, copy=False))
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}: keepdim=True needs a dim")
        if x.size == 0:
            raise RuntimeError(
                f"{name}: Expected reduction dim to be specified for input.numel() == 0. "
                f"Specify the reduction dim with the 'dim' argument."
            )
        return xp.max(x) if name == "max" else xp.min(x)
    y, axis = along(x, dim, name)
    check_nonempty(name, y, (axis,))
    index = (xp.argmax if name == "max" else xp.argmin)(y, axis=axis, keepdims=True)
    values = xp.take_along_axis(y, index, axis=axis)
    return finish(values, axis, keepdim, x), finish(index, axis, keepdim, x)


def _max(xp, x, dim=None, keepdim=False, *, other=None):
    """The largest element of ``input``; with ``dim``, ``(values, indices)`` along it.

    ``max(input, other)`` is the elementwise maximum. nan propagates and counts as the
    largest value; ``indices`` points at the first maximal element of each slice.

    Returns:
        a tensor (no dim), or a named tuple ``(values, indices)``.
    """
    return _extreme(xp, "max", x, dim, keepdim, other)


def _min(xp, x, dim=None, keepdim=False, *, other=None):
    """The smallest element of ``input``; with ``dim``, ``(values, indices)`` along it.

    ``min(input, other)`` is the elementwise minimum. nan propagates; ``indices`` points
    at the first minimal element of each slice.
    """
    return _extreme(xp, "min", x, dim, keepdim, other)


def _amax(xp, x, dim=(), keepdim=False):
    """Maximum of ``input`` over ``dim`` (an int or a tuple; ``()`` means all dims)."""
    axes = reduce_axes(dim, x.ndim, "amax")
    check_nonempty("amax", x, axes)
    return xp.max(x, axis=axes, keepdims=keepdim)


def _amin(xp, x, dim=(), keepdim=False):
    """Minimum of ``input`` over ``dim`` (an int or a tuple; ``()`` means all dims)."""
    axes = reduce_axes(dim, x.ndim, "amin")
    check_nonempty("amin", x, axes)
    return xp.min(x, axis=axes, keepdims=keepdim)


def _arg_extreme(xp, name, x, dim, keepdim):
    pick = xp.argmax if name == "argmax" else xp.argmin
    if dim is None:
        if x.size == 0:
            raise RuntimeError(
                f"{name}: Expected reduction dim to be specified for input.numel() == 0."
            )
        return xp.asarray(pick(x, axis=None, keepdims=keepdim), dtype=np.int64)
    y, axis = along(x, dim, name)
    check_nonempty(name, y, (axis,))
    return finish(pick(y, axis=axis, keepdims=True).astype(np.int64, copy=False), axis, keepdim, x)


def _argmax(xp, x, dim=None, keepdim=False):
    """Index of the first maximum of ``input`` (flattened when ``dim`` is None); int64."""
    return _arg_extreme(xp, "argmax", x, dim, keepdim)


def _argmin(xp, x, dim=None, keepdim=False):
    """Index of the first minimum of ``input`` (flattened when ``dim`` is None); int64."""
    return _arg_extreme(xp, "argmin", x, dim, keepdim)


def _aminmax(xp, x, *, dim=None, keepdim=False):
    """``(min, max)`` of ``input``, over all of it or along one ``dim``."""
    if dim is None:
        if x.size == 0:
            raise RuntimeError(
                "aminmax: cannot compute aminmax over an empty dimension as the "
                "operation has no identity."
            )
        axes = None
    else:
        axes = (wrap_dim(dim, x.ndim, "aminmax"),) if x.ndim else None
        check_nonempty("aminmax", x, axes)
    low, high = xp.min(x, axis=axes, keepdims=keepdim), xp.max(x, axis=axes, keepdims=keepdim)
    return xp.asarray(low), xp.asarray(high)  # arrays, not NumPy scalars, inside a tuple


# ---- spread ----------------------------------------------------------------------


def _ddof(name, dim, unbiased, correction):
    """PyTorch's overloads: ``(dim, unbiased)``, ``(unbiased)`` or ``correction=``."""
    if isinstance(dim, bool):  # std(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}: give either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def _var_parts(xp, name, x, dim, unbiased, keepdim, correction, root, with_mean=False):
    dim, ddof = _ddof(name, dim, unbiased, correction)
    if not is_floating(x):
        raise RuntimeError(
            f"{name}: std and var only support floating point and complex dtypes, "
            f"got {_dt.from_numpy(x.dtype).name}"
        )
    axes = reduce_axes(dim, x.ndim, name)
    n = math.prod(x.shape[a] for a in (range(x.ndim) if axes is None else axes))
    fn = xp.std if root else xp.var
    if n - ddof > 0:
        spread = fn(x, axis=axes, ddof=ddof, keepdims=keepdim)
    else:  # no degrees of freedom left: inf or nan, as in PyTorch
        spread = _quietly(fn, x, axis=axes, ddof=ddof, keepdims=keepdim)
    if not with_mean:
        return spread
    call = xp.mean if n else functools.partial(_quietly, xp.mean)
    return xp.asarray(spread), xp.asarray(call(x, axis=axes, keepdims=keepdim))


def _std(xp, x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim``, dividing by ``N - correction`` (default 1).

    Also takes PyTorch's older ``std(input, unbiased)`` and ``std(input, dim, unbiased,
    keepdim)`` forms. Floating and complex inputs only; complex gives a real result.
    """
    return _var_parts(xp, "std", x, dim, unbiased, keepdim, correction, True)


def _var(xp, x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim``, dividing by ``N - correction`` (default 1).

    Also takes PyTorch's older ``unbiased`` forms, as :func:`std` does.
    """
    return _var_parts(xp, "var", x, dim, unbiased, keepdim, correction, False)


def _std_mean(xp, x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` of ``input`` over ``dim``; arguments as :func:`std`."""
    return _var_parts(xp, "std_mean", x, dim, unbiased, keepdim, correction, True, True)


def _var_mean(xp, x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` of ``input`` over ``dim``; arguments as :func:`var`."""
    return _var_parts(xp, "var_mean", x, dim, unbiased, keepdim, correction, False, True)


# ---- norms and log-sum-exp -------------------------------------------------------


def _nuclear_norm(xp, x, dim, keepdim):
    if dim is None and x.ndim == 2:
        dims = (0, 1)
    elif isinstance(dim, (tuple, list)) and len(dim) == 2:
        dims = tuple(wrap_dim(d, x.ndim, "norm") for d in dim)
    else:
        raise RuntimeError(
            f"norm: 'nuc' needs a 2-D input or two dims, got {x.ndim}-D input and dim={dim}"
        )
    if dims[0] == dims[1]:
        raise RuntimeError(f"norm: 'nuc' needs two different dims, got {tuple(dim)}")
    out = xp.linalg.svd(xp.moveaxis(x, dims, (-2, -1)), compute_uv=False).sum(axis=-1)
    return xp.expand_dims(out, tuple(sorted(dims))) if keepdim else out


def _vector_norm(xp, x, p, axes, keepdim):
    if p == 2:
        a = x if x.dtype.kind != "c" else xp.abs(x)
        return xp.sqrt(xp.sum(a * a, axis=axes, keepdims=keepdim))
    a = xp.abs(x)
    if p == math.inf:
        check_nonempty("norm", x, axes)
        return xp.max(a, axis=axes, keepdims=keepdim)
    if p == -math.inf:
        check_nonempty("norm", x, axes)
        return xp.min(a, axis=axes, keepdims=keepdim)
    if p == 0:
        return xp.sum(a != 0, axis=axes, keepdims=keepdim, dtype=a.dtype)
    if p == 1:
        return xp.sum(a, axis=axes, keepdims=keepdim)
    with np.errstate(divide="ignore"):  # 0 ** negative p is inf, and the norm then 0
        return xp.sum(a**p, axis=axes, keepdims=keepdim) ** (1.0 / p)


def _norm(xp, x, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The ``p``-norm of ``input`` over ``dim`` (all dims when None).

    Args:
        p: ``'fro'`` (the 2-norm of the flattened dims), ``'nuc'`` (sum of singular values
            of a matrix), ``inf``, ``-inf``, ``0`` (count of non-zeros) or any number.
        dtype: cast ``input`` to this dtype first.
    """
    if out is not None:
        raise TypeError("norm: out= is not supported")
    if dtype is not None:
        x = x.astype(_dt.as_dtype(dtype).np)
    if not is_floating(x):
        raise RuntimeError(
            f"norm: Expected a floating point or complex tensor as input. "
            f"Got {_dt.from_numpy(x.dtype).name}"
        )
    if p == "nuc":
        return _nuclear_norm(xp, x, dim, keepdim)
    if p == "fro":
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError(f"norm: 'fro' takes at most two dims, got {tuple(dim)}")
        p = 2
    elif isinstance(p, str) or not isinstance(p, (int, float)):
        raise RuntimeError(f"norm: Order {p!r} not supported.")
    return _vector_norm(xp, x, p, reduce_axes(dim, x.ndim, "norm"), keepdim)


def _logsumexp(xp, x, dim, keepdim=False):
    """``log(sum(exp(input)))`` over ``dim``, computed stably (the max is taken out first).

    A slice of only ``-inf`` gives ``-inf``; integer inputs give the default float dtype.
    """
    if not is_floating(x):
        x = x.astype(_dt.get_default_dtype().np)
    axes = reduce_axes(dim, x.ndim, "logsumexp")
    # log(0) of an empty or all -inf slice is the -inf we want, without NumPy's warning
    with np.errstate(divide="ignore"):
        if x.size == 0:
            return xp.log(xp.sum(xp.exp(x), axis=axes, keepdims=keepdim))
        m = xp.max(x, axis=axes, keepdims=True)
        m = xp.where(xp.isinf(m), 0, m)  # all-inf slices: shifting by inf would give nan
        total = xp.sum(xp.exp(x - m), axis=axes, keepdims=keepdim)
        return xp.log(total) + m.reshape(total.shape)


# ---- scans -----------------------------------------------------------------------


def _scan(xp, ufunc, x, axis):
    """Inclusive scan of a binary ufunc along ``axis``.

    CuPy's ``ufunc.accumulate`` only knows add and multiply, so elsewhere this doubles
    the stride log2(n) times (Hillis-Steele): whole-array steps, no loop over elements.
    """
    if xp is np:
        return ufunc.accumulate(x, axis=axis)
    out = xp.moveaxis(x, axis, -1).copy()
    step, n = 1, out.shape[-1]
    while step < n:
        out[..., step:] = ufunc(out[..., step:], out[..., :-step])
        step *= 2
    return xp.moveaxis(out, -1, axis)


def _cumulative(xp, name, x, dim, dtype):
    y, axis = along(x, dim, name)
    fn = xp.cumsum if name == "cumsum" else xp.cumprod
    return fn(y, axis=axis, dtype=_acc_dtype(x, dtype)).reshape(x.shape)


def _cumsum(xp, x, dim, *, dtype=None):
    """Running sums of ``input`` along ``dim``; integer and bool inputs give int64."""
    return _cumulative(xp, "cumsum", x, dim, dtype)


def _cumprod(xp, x, dim, *, dtype=None):
    """Running products of ``input`` along ``dim``; integer and bool inputs give int64."""
    return _cumulative(xp, "cumprod", x, dim, dtype)


def _cum_extreme(xp, name, x, dim):
    y, axis = along(x, dim, name)
    values = _scan(xp, xp.maximum if name == "cummax" else xp.minimum, y, axis)
    # A position takes over the index when it equals the running value (so ties go to
    # the last one, as in PyTorch) or is nan (nan propagates with its own index).
    takes_over = y == values
    if y.dtype.kind in "fc":
        takes_over |= xp.isnan(y)
    shape = [1] * y.ndim
    shape[axis] = y.shape[axis]
    positions = xp.arange(y.shape[axis], dtype=np.int64).reshape(shape)
    indices = _scan(xp, xp.maximum, xp.where(takes_over, positions, 0), axis)
    return values.reshape(x.shape), indices.reshape(x.shape)


def _cummax(xp, x, dim):
    """Running maxima of ``input`` along ``dim`` and their indices.

    On ties the index moves to the latest maximal element; nan propagates.

    Returns:
        a named tuple ``(values, indices)``.
    """
    return _cum_extreme(xp, "cummax", x, dim)


def _cummin(xp, x, dim):
    """Running minima of ``input`` along ``dim`` and their indices (ties: the latest)."""
    return _cum_extreme(xp, "cummin", x, dim)


def _logcumsumexp(xp, x, dim):
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably.

    Unlike PyTorch, integer inputs are accepted and give the default float dtype.
    """
    if not is_floating(x):
        x = x.astype(_dt.get_default_dtype().np)
    y, axis = along(x, dim, "logcumsumexp")
    with np.errstate(invalid="ignore"):  # nan in, nan out, without NumPy's warning
        return _scan(xp, xp.logaddexp, y, axis).reshape(x.shape)


# ---- logical ---------------------------------------------------------------------


def _logical(xp, name, x, dim, keepdim):
    # Here () reduces no dim at all, as in PyTorch; uint8 inputs give uint8 results.
    axes = None if dim is None else wrap_dims(dim, x.ndim, name)
    out = (xp.all if name == "all" else xp.any)(x, axis=axes, keepdims=keepdim)
    return out.astype(np.uint8) if x.dtype == np.uint8 else out


def _all(xp, x, dim=None, keepdim=False):
    """Whether every element of ``input`` is non-zero, over ``dim`` (an int or a tuple)."""
    return _logical(xp, "all", x, dim, keepdim)


def _any(xp, x, dim=None, keepdim=False):
    """Whether some element of ``input`` is non-zero, over ``dim`` (an int or a tuple)."""
    return _logical(xp, "any", x, dim, keepdim)


def _count_nonzero(xp, x, dim=None):
    """The number of non-zero elements of ``input`` over ``dim``, as int64."""
    axes = reduce_axes(dim, x.ndim, "count_nonzero")
    return xp.asarray(xp.count_nonzero(x, axis=axes), dtype=np.int64)


sum = Op("sum", _sum)
trace = Op("trace", _trace)
mean = Op("mean", _mean)
nansum = Op("nansum", _nansum)
nanmean = Op("nanmean", _nanmean)
prod = Op("prod", _prod)
max = Op("max", _max, returns=return_types.max)
min = Op("min", _min, returns=return_types.min)
amax = Op("amax", _amax)
amin = Op("amin", _amin)
argmax = Op("argmax", _argmax)
argmin = Op("argmin", _argmin)
aminmax = Op("aminmax", _aminmax, returns=return_types.aminmax)
std = Op("std", _std)
var = Op("var", _var)
std_mean = Op("std_mean", _std_mean, method=False)
var_mean = Op("var_mean", _var_mean, method=False)
norm = Op("norm", _norm)
logsumexp = Op("logsumexp", _logsumexp)
# promote=SAME is a no-op for one input; it gives Tensor.cumsum_/cumprod_ as in PyTorch.
cumsum = Op("cumsum", _cumsum, promote=SAME)
cumprod = Op("cumprod", _cumprod, promote=SAME)
cummax = Op("cummax", _cummax, returns=return_types.cummax)
cummin = Op("cummin", _cummin, returns=return_types.cummin)
logcumsumexp = Op("logcumsumexp", _logcumsumexp)
all = Op("all", _all)
any = Op("any", _any)
count_nonzero = Op("count_nonzero", _count_nonzero)


# ---- composites: differences, integrals, covariance, renorm ----------------------


def _slice(x, axis, start, stop):
    """``x[start:stop]`` along ``axis`` (a view), for non-negative ``start <= stop``."""
    return OPS["narrow"](x, axis, start, stop - start)


def _first_last(x, axis):
    n = x.shape[axis]
    return _slice(x, axis, 0, 1).squeeze(axis), _slice(x, axis, n - 1, n).squeeze(axis)


def _diff_edge(name, t, input, axis):
    """Check a ``prepend``/``append`` tensor (or None) against ``input``."""
    if t is None:
        return None
    if not isinstance(t, Tensor):
        raise TypeError(f"diff: argument {name!r} must be Tensor, not {type(t).__name__}")
    if t.ndim != input.ndim:
        raise RuntimeError("diff: diff expects prepend or append to be the same dimension as input")
    for d, (a, b) in enumerate(zip(input.shape, t.shape)):
        if d != axis and a != b:
            raise RuntimeError(
                "diff: diff expects the shape of tensor to prepend or append to match that of "
                f"input except along the differencing dimension; input.size({d}) = {a}, but "
                f"got tensor.size({d}) = {b}"
            )
    return t


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference ``out[i] = input[i + 1] - input[i]`` along ``dim``.

    ``prepend`` and ``append`` are joined to ``input`` along ``dim`` first; bool inputs
    give ``input[i + 1] != input[i]``. Each difference shortens ``dim`` by one.

    >>> ember.diff(ember.tensor([1, 4, 9, 16]))
    tensor([3, 5, 7])
    """
    if input.ndim == 0:
        raise RuntimeError("diff: diff expects input to be at least one-dimensional")
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative but got {n}")
    axis = wrap_dim(dim, input.ndim, "diff")
    edges = [_diff_edge(k, t, input, axis) for k, t in (("prepend", prepend), ("append", append))]
    x = input
    if prepend is not None or append is not None:
        x = OPS["cat"]([t for t in (edges[0], input, edges[1]) if t is not None], axis)
    step = OPS["logical_xor"] if x.dtype.name == "bool" else OPS["sub"]
    for _ in range(n):
        size = x.shape[axis]
        if size == 0:
            break
        x = step(_slice(x, axis, 1, size), _slice(x, axis, 0, size - 1))
    return x


def _integration_axis(name, y, dim):
    if y.ndim == 0:
        raise IndexError(f"{name}: Dimension specified as {dim} but tensor has no dimensions")
    if y.dtype.name == "bool":
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    return wrap_dim(dim, y.ndim, name)


def _spacing(name, x, y, axis):
    """The differences of the sample points ``x`` along ``axis``, broadcastable to ``y``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: x must be a tensor, got {type(x).__name__} (use dx=)")
    if x.dtype.name == "bool":
        raise RuntimeError(f"{name}: received a bool input for `x`, but bool is not supported")
    if x.ndim == 1:  # one point per sample: viewed along dim
        if x.shape[0] != y.shape[axis]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        x = x.reshape((1,) * axis + (-1,) + (1,) * (y.ndim - axis - 1))
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    size = x.shape[axis]
    return _slice(x, axis, 1, size) - _slice(x, axis, 0, size - 1 if size else 0)


def _step(name, x, dx):
    if x is not None and dx is not None:
        raise TypeError(f"{name}: give the sample points x or their spacing dx, not both")
    if dx is None:
        return 1
    if isinstance(dx, (bool, complex)) or not isinstance(dx, (int, float)):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    return dx


def _pairs(y, axis):
    """``y[:-1] + y[1:]`` along ``axis``: each interval's two ends."""
    n = y.shape[axis]
    return _slice(y, axis, 0, n - 1) + _slice(y, axis, 1, n)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of ``y`` along ``dim`` by the trapezoidal rule.

    Samples are ``dx`` apart (default 1), or at the points ``x`` (1-D with one point
    per sample, or broadcastable to ``y``). An empty ``dim`` integrates to zero.

    >>> ember.trapezoid(ember.tensor([1.0, 2.0, 4.0]))
    tensor(4.5000)
    """
    axis = _integration_axis("trapezoid", y, dim)
    step = _step("trapezoid", x, dx)
    if y.shape[axis] == 0:
        return OPS["sum"](y, axis)
    if x is None:  # PyTorch's formula: the sum less half of each end, times the step
        first, last = _first_last(y, axis)
        return (OPS["sum"](y, axis) - (first + last) * 0.5) * step
    return OPS["sum"](_spacing("trapezoid", x, y, axis) * _pairs(y, axis), axis) / 2.0


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral of ``y`` along ``dim`` (one element shorter).

    Arguments as :func:`trapezoid`.

    >>> ember.cumulative_trapezoid(ember.tensor([1.0, 2.0, 4.0]))
    tensor([1.5000, 4.5000])
    """
    axis = _integration_axis("cumulative_trapezoid", y, dim)
    step = _step("cumulative_trapezoid", x, dx)
    if y.shape[axis] == 0:
        return y * step
    if x is None:
        return OPS["cumsum"](_pairs(y, axis) * (step / 2.0), axis)
    dxs = _spacing("cumulative_trapezoid", x, y, axis)
    return OPS["cumsum"](_pairs(y, axis) * dxs, axis) / 2.0


def _cov_weight(name, w, n, integral):
    kind = "integral" if integral else "floating point"
    if w.ndim > 1:
        raise RuntimeError(
            f"cov: expected {name} to have one or fewer dimensions but got {name} with "
            f"{w.ndim} dimensions"
        )
    if (w.dtype.is_floating_point or w.dtype.name == "bool") == integral or w.dtype.is_complex:
        raise RuntimeError(
            f"cov: expected {name} to have {kind} dtype but got {name} with {w.dtype.name} dtype"
        )
    if w.numel() != n:
        raise RuntimeError(
            f"cov: expected {name} to have the same numel as there are observations in the "
            f"input but got {w.numel()} != {n}"
        )
    if n and bool(w.min() < 0):
        raise RuntimeError(f"cov: {name} cannot be negative")
    return w


def _cov_norm(w, w_sum, aweights, correction):
    """The divisor: ``w_sum - correction``, with aweights the effective count's."""
    if w is not None and aweights is not None and correction != 0:
        factor = w_sum - correction * OPS["sum"](w * aweights) / w_sum
    else:
        factor = w_sum - correction
    if float(factor) <= 0:
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "number of observations.",
            UserWarning,
            stacklevel=3,
        )
        return 0
    return factor


def _at_most_2d(name, input):
    if input.ndim > 2:
        raise RuntimeError(
            f"{name}: expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (observations in
    columns); a 1-D input is one variable and gives a 0-d variance.

    Args:
        correction: divide by ``N - correction`` (1: unbiased, 0: the maximum likelihood
            estimate).
        fweights: integer repeat counts of each observation.
        aweights: floating importance weights of each observation.

    >>> ember.cov(ember.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    _at_most_2d("cov", input)
    if input.dtype.name == "bool":
        raise RuntimeError("cov: bool dtype is not supported for input")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None if fweights is None else _cov_weight("fweights", fweights, n, True)
    if aweights is not None:
        aw = _cov_weight("aweights", aweights, n, False)
        w = aw if w is None else w * aw
    w_sum = n if w is None else OPS["sum"](w)
    if w is not None and not bool(w_sum != 0):
        raise RuntimeError("cov: weights sum to zero, can't be normalized")
    weighted = x if w is None else x * w
    centred = x - (OPS["sum"](weighted, 1) / w_sum).unsqueeze(1)
    weighted = centred if w is None else centred * w
    c = OPS["mm"](centred, OPS["conj"](weighted.t()))
    return (c / _cov_norm(w, w_sum, aweights, correction)).squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of ``input``.

    The covariance normalised by the standard deviations, clipped to [-1, 1]; a 1-D
    input gives 1 (nan when its variance is 0, nan or inf).

    >>> ember.corrcoef(ember.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    _at_most_2d("corrcoef", input)
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = OPS["diagonal"](c)
    stddev = OPS["sqrt"](OPS["real"](d) if d.dtype.is_complex else d)
    c = c / stddev.reshape(-1, 1) / stddev.reshape(1, -1)
    if c.dtype.is_complex:  # each part clipped: the best cheap bound on |c| <= 1
        clip = lambda part: OPS["clamp"](part, -1, 1)
        return OPS["complex"](clip(OPS["real"](c)), clip(OPS["imag"](c)))
    return OPS["clamp"](c, -1, 1)


def renorm(input, p, dim, maxnorm):
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm``
    scaled down to norm ``maxnorm`` (as PyTorch: by ``maxnorm / (norm + 1e-7)``).

    >>> ember.renorm(ember.ones(2, 4), 2, 0, 1.0)  # each row: norm 2 -> 1
    tensor([[0.5000, 0.5000, 0.5000, 0.5000],
            [0.5000, 0.5000, 0.5000, 0.5000]])
    """
    for name, v in (("p", p), ("maxnorm", maxnorm)):
        if isinstance(v, complex):
            raise RuntimeError(f"renorm: {name} must be real-valued")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions"
        )
    if not input.dtype.is_floating_point and not input.dtype.is_complex:
        raise RuntimeError(f"renorm: expected a floating point input, got {input.dtype.name}")
    axis = wrap_dim(dim, input.ndim, "renorm")
    dims = tuple(d for d in range(input.ndim) if d != axis)
    norm = OPS["linalg_vector_norm"](input, p, dims, True)
    factor = OPS["where"](norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return input * factor.to(input.dtype)


for _method in ("diff", "cov", "corrcoef", "renorm"):  # Tensor methods too, as in PyTorch
    setattr(Tensor, _method, globals()[_method])
