"""Anomaly detection: find the forward op whose backward produced a NaN.

While it is on, every recorded node keeps the stack of the forward call that
made it, and the engine checks each gradient a node returns; at the first NaN
it raises, naming the node and showing where its op was called.
"""

from __future__ import annotations

from ember.autograd.grad_mode import STATE

__all__ = [
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
]


def is_anomaly_enabled() -> bool:
    return STATE.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    return STATE.anomaly and STATE.anomaly_nan


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) switching anomaly detection on.

    Args:
        check_nan: raise at the first NaN a backward node produces.

    >>> with ember.autograd.detect_anomaly():
    ...     loss.backward()  # RuntimeError naming the op, with its forward stack
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = (STATE.anomaly, STATE.anomaly_nan)
        STATE.anomaly, STATE.anomaly_nan = True, self.check_nan
        return self

    def __exit__(self, *exc):
        STATE.anomaly, STATE.anomaly_nan = self._prev
        return False

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly(detect_anomaly):  # noqa: N801 - PyTorch's name
    """Switch anomaly detection on or off; takes effect at once (and undoes on exit)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = (STATE.anomaly, STATE.anomaly_nan)
        self.mode, self.check_nan = mode, check_nan
        STATE.anomaly, STATE.anomaly_nan = mode, check_nan

    def __enter__(self):
        return self


def check_nan(node, grads) -> None:
    """Raise if a gradient ``node`` returned holds a NaN (called by the engine)."""
    if not STATE.anomaly_nan:
        return
    for i, g in enumerate(grads):
        if g is None:
            continue
        data = g._data
        if data.dtype.kind in "fcV" and bool(data.size) and bool(_xp(data).isnan(data).any()):
            where = "".join(node.trace) if node.trace else "(the forward call was not recorded)\n"
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                f"The forward call that created it:\n{where}"
            )


def _xp(a):
    import numpy as np

    return np if isinstance(a, np.ndarray) else __import__("cupy")
