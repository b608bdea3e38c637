"""``assert_close``: compare tensors (or arrays, numbers) with dtype-aware tolerances."""

from __future__ import annotations

import numpy as np

from ember import dtypes as _dt
from ember.tensor import Tensor

# Default (rtol, atol) by dtype, as torch.testing uses.
TOLERANCES = {
    _dt.float16: (1e-3, 1e-5),
    _dt.bfloat16: (1.6e-2, 1e-5),
    _dt.float32: (1.3e-6, 1e-5),
    _dt.float64: (1e-7, 1e-7),
    _dt.complex64: (1.3e-6, 1e-5),
    _dt.complex128: (1e-7, 1e-7),
}


def _as_numpy(x):
    if isinstance(x, Tensor):
        return np.asarray(x.detach().cpu()._data)
    if hasattr(x, "get"):
        return x.get()
    return np.asarray(x)


def assert_close(
    actual,
    expected,
    *,
    rtol=None,
    atol=None,
    equal_nan=True,
    check_dtype=True,
    check_shape=True,
    msg="",
):
    """Fail with a readable report unless ``actual`` and ``expected`` are close.

    Sequences (tuples, lists) are compared item by item. Tensors on any device
    are compared on the CPU.
    """
    if isinstance(expected, (tuple, list)) and not isinstance(actual, Tensor):
        assert len(actual) == len(expected), f"{msg} length {len(actual)} != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_close(
                a,
                e,
                rtol=rtol,
                atol=atol,
                equal_nan=equal_nan,
                check_dtype=check_dtype,
                check_shape=check_shape,
                msg=f"{msg}[{i}]",
            )
        return
    a, e = _as_numpy(actual), _as_numpy(expected)
    if check_shape and a.shape != e.shape:
        raise AssertionError(f"{msg} shape mismatch: {a.shape} vs expected {e.shape}")
    if check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor):
        if actual.dtype is not expected.dtype:
            raise AssertionError(f"{msg} dtype mismatch: {actual.dtype} vs {expected.dtype}")
    d = _dt.from_numpy(a.dtype)
    default = TOLERANCES.get(d, (0.0, 0.0))
    rtol = default[0] if rtol is None else rtol
    atol = default[1] if atol is None else atol
    if a.dtype.kind in "biu" and e.dtype.kind in "biu":
        ok = np.array_equal(a, e)
        bad = a != e
    else:
        a64 = a.astype(np.complex128 if a.dtype.kind == "c" or e.dtype.kind == "c" else np.float64)
        e64 = e.astype(a64.dtype)
        close = np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
        ok = bool(np.all(close))
        bad = ~close
    if not ok:
        idx = np.argwhere(bad)
        first = tuple(int(i) for i in idx[0]) if idx.size else ()
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64)) if a.dtype.kind != "c" else None
        worst = "" if diff is None else f", greatest absolute difference {np.nanmax(diff):.3g}"
        raise AssertionError(
            f"{msg} tensors are not close: {int(np.sum(bad))} of {a.size} elements differ"
            f"{worst} (rtol={rtol}, atol={atol}); first at {first}: "
            f"{a[first] if a.ndim else a} vs expected {e[first] if e.ndim else e}"
        )
