"""Random test tensors and the devices tests run on."""

from __future__ import annotations

import numpy as np

import ember
from ember import dtypes as _dt


def devices() -> list:
    """``["cpu"]``, plus ``"cuda"`` when CuPy sees a GPU."""
    return ["cpu", "cuda"] if ember.cuda.is_available() else ["cpu"]


def make_tensor(
    *shape,
    dtype=ember.float32,
    device="cpu",
    low=None,
    high=None,
    noncontiguous=False,
    exclude_zero=False,
    rng=None,
    requires_grad=False,
):
    """A random tensor for tests, as ``torch.testing.make_tensor``.

    Floats are uniform in ``[low, high)`` (default ``[-9, 9)``), integers in
    ``[low, high)`` (default ``[-9, 10)``, or ``[0, 10)`` for uint8). With
    ``noncontiguous`` the result is a strided view of a larger tensor, equal in
    value, to exercise stride handling.
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    rng = rng if rng is not None else np.random.default_rng(0)
    dtype = _dt.as_dtype(dtype)
    if dtype is _dt.bool:
        arr = np.asarray(rng.random(shape) < 0.5)
    elif dtype.category == _dt.INTEGRAL:
        lo = (0 if not dtype.is_signed else -9) if low is None else int(low)
        hi = 10 if high is None else int(high)
        arr = rng.integers(lo, hi, size=shape).astype(dtype.np)
    else:
        lo = -9.0 if low is None else low
        hi = 9.0 if high is None else high
        arr = rng.uniform(lo, hi, size=shape)
        if dtype.category == _dt.COMPLEX:
            arr = arr + 1j * rng.uniform(lo, hi, size=shape)
        arr = arr.astype(dtype.np)
    if exclude_zero:
        one = np.ones((), dtype=arr.dtype)
        arr = np.where(arr == 0, one, arr)
    if noncontiguous and arr.size > 1:
        wide = np.repeat(arr[..., None], 2, axis=-1)
        wide[..., 1] = 0
        arr = wide[..., 0]
    t = ember.from_numpy(np.asarray(arr))
    if device != "cpu":
        t = t.to(device)
    if requires_grad:
        t.requires_grad_()
    return t
