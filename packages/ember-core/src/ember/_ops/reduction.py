"""Reductions over one, several or all dims, with PyTorch's ``dim``/``keepdim``."""

from __future__ import annotations

import warnings

import numpy as np

from ember import dtypes as _dt
from ember._ops import Op, wrap_dims

__all__ = ["sum", "mean"]


def _acc_dtype(x, dtype):
    """Integer and bool sums accumulate in int64 unless a dtype is asked for."""
    if dtype is not None:
        return _dt.as_dtype(dtype).np
    return np.int64 if x.dtype.kind in "biu" else None


def _sum(xp, x, dim=None, keepdim=False, *, dtype=None):
    """Sum of ``input`` over ``dim`` (all dims when None)."""
    axes = wrap_dims(dim, x.ndim, "sum")
    return xp.sum(x, axis=axes, keepdims=keepdim, dtype=_acc_dtype(x, dtype))


def _mean(xp, x, dim=None, keepdim=False, *, dtype=None):
    """Mean of ``input`` over ``dim``; floating or complex inputs only, as in PyTorch."""
    if dtype is None and x.dtype.kind not in "fcV":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either "
            f"a floating point or complex dtype. Got: "
            f"{_dt.from_numpy(x.dtype).name}"
        )
    axes = wrap_dims(dim, x.ndim, "mean")
    if x.size == 0:  # the mean of nothing is nan, silently, as in PyTorch
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return xp.mean(x, axis=axes, keepdims=keepdim, dtype=_acc_dtype(x, dtype))
    return xp.mean(x, axis=axes, keepdims=keepdim, dtype=_acc_dtype(x, dtype))


sum = Op("sum", _sum)
mean = Op("mean", _mean)
