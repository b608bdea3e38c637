"""Helpers shared by the elementwise op modules (``elementwise``, ``math``, ``special``,
``logical``): kernels without NumPy's floating-point warnings, dtype checks, promotion
over arguments that may come by keyword. No ops are declared here.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from ember import dispatch as _dispatch
from ember import dtypes as _dt

# NumPy dtype kinds. ml_dtypes' bfloat16 has kind "V".
NUMERIC = "iufcV"  # everything but bool
INTEGER = "biu"  # bool counts: the ops that pass integers through pass bool too

try:  # NumPy 2 keeps its error state in a context variable. Setting it directly costs
    # ~0.4 us a call, entering ``np.errstate`` ~1.5 us (measured on a 100-element div).
    from numpy._core.umath import _extobj_contextvar as _ERRSTATE
    from numpy._core.umath import _make_extobj

    _IGNORE = _make_extobj(all="ignore")
except ImportError:  # NumPy 1.x
    _ERRSTATE = None


def quiet(kernel):
    """``kernel`` run with NumPy's floating-point warnings off.

    PyTorch returns inf and nan silently (``log(0)``, ``0 / 0``, ``sqrt(-1)``); NumPy
    warns, and the test suite turns warnings into errors. CuPy never warns.
    """
    if _ERRSTATE is None:
        return functools.wraps(kernel)(np.errstate(all="ignore")(kernel))

    @functools.wraps(kernel)
    def run(xp, *args, **kwargs):
        token = _ERRSTATE.set(_IGNORE)
        try:
            return kernel(xp, *args, **kwargs)
        finally:
            _ERRSTATE.reset(token)

    return run


# NumPy's floating-point warnings, as it words them ("overflow encountered in exp").
FP_WARNING = r"(overflow|invalid value|divide by zero|underflow) encountered"


def silence_kernel_warnings() -> None:
    """Hide NumPy's floating-point warnings from ember's kernels, as PyTorch gives its
    inf and nan silently.

    The hottest kernels (``add``, ``mul``, ``exp``...) skip ``quiet``: switching the
    error state would cost a fifth of such a call. This filter costs nothing per call.
    It matches only warnings raised in ember's own modules, so NumPy code elsewhere
    warns as before, and a filter added later (``-W error``, pytest's
    ``filterwarnings``) still takes precedence.
    """
    warnings.filterwarnings(
        "ignore", message=FP_WARNING, category=RuntimeWarning, module=r"ember\."
    )


def dtype_of(x, y=None):
    """The NumPy dtype of ``x``, or of ``y`` where ``x`` is a Python number (after
    promotion both share it). On the hot path: a try costs nothing when it succeeds."""
    try:
        return x.dtype
    except AttributeError:
        return y.dtype


def name_of(np_dtype) -> str:
    return _dt.from_numpy(np_dtype).name


def expect(name, np_dtype, kinds, what):
    """Raise a TypeError naming op ``name`` unless ``np_dtype``'s kind is in ``kinds``."""
    if np_dtype.kind not in kinds:
        raise TypeError(f"{name}: expected {what}, got a tensor of dtype {name_of(np_dtype)}")


def expect_real(name, x, y=None):
    """Refuse complex operands, as PyTorch does for ordered or real-only math."""
    d = dtype_of(x, y)
    if d.kind == "c":
        raise TypeError(f"{name}: complex tensors are not supported, got {name_of(d)}")
    return d


def compute_dtype(np_dtype):
    """float16 and bfloat16 are computed in float32 (PyTorch's opmath type), then rounded."""
    return np.dtype(np.float32) if np_dtype.itemsize == 2 and np_dtype.kind in "fV" else np_dtype


def argument(vals, kwargs, index, key):
    """Argument ``key`` (position ``index``), passed either way, or None."""
    if len(vals) > index:
        return vals[index]
    return kwargs.get(key)


def cast_arguments(vals, kwargs, slots, target) -> None:
    """Cast the arrays among ``slots`` ((index, key) pairs) to ``target``, where they are.

    Python numbers stay as they are (NumPy treats them as weak, like PyTorch) but for
    bfloat16, where ml_dtypes would widen the result: there they become typed scalars.
    """
    np_t = target.np
    for index, key in slots:
        if len(vals) > index:
            holder, where = vals, index
        elif key in kwargs:
            holder, where = kwargs, key
        else:
            continue
        v = holder[where]
        if hasattr(v, "dtype"):
            if v.dtype != np_t:
                holder[where] = v.astype(np_t)
        elif v is not None and np_t.kind == "V":
            holder[where] = np_t.type(v)


def promote_over(slots):
    """A promotion rule over ``slots`` ((index, key) pairs), e.g. ``clamp``'s min and max,
    which may come by position or by keyword. Arguments that are None or missing do not
    take part.
    """

    def promote(op, vals, kwargs):
        present = [argument(vals, kwargs, i, k) for i, k in slots]
        target = _dispatch.result_dtype([v for v in present if v is not None])
        cast_arguments(vals, kwargs, slots, target)

    return promote
