"""Grad modes: whether ops on tensors that require grad are recorded.

The state is thread-local, as in PyTorch: a ``no_grad`` block in one thread does
not switch recording off in another. Each mode is a context manager and a
decorator (``@no_grad()`` or ``@no_grad``).
"""

from __future__ import annotations

import functools
import inspect
import threading

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
]


class _State(threading.local):
    """Per-thread autograd switches; class attributes are each new thread's defaults."""

    grad = True  # record ops on tensors that require grad
    inference = False  # inside inference_mode
    anomaly = False  # detect_anomaly: keep forward traces, check backward for nan
    anomaly_nan = True
    capture = None  # a checkpoint's forward: collects the outside tensors that need grad
    forward_tangents = None  # inside a dual_level: id(tensor) -> (weakref, tangent)


STATE = _State()


def is_grad_enabled() -> bool:
    """True when ops on tensors that require grad are being recorded in this thread."""
    return STATE.grad


def is_inference_mode_enabled() -> bool:
    """True inside an ``inference_mode()`` block."""
    return STATE.inference


class _Mode:
    """Base of the grad modes: a context manager that is also a decorator."""

    def __new__(cls, *args, **kwargs):
        # ``@no_grad`` without parentheses: the class is called with the function.
        if cls in (no_grad, enable_grad) and len(args) == 1 and callable(args[0]):
            return cls()(args[0])
        return super().__new__(cls)

    def _set(self):
        raise NotImplementedError

    def __enter__(self):
        self._prev = (STATE.grad, STATE.inference)
        self._set()
        return self

    def __exit__(self, *exc):
        STATE.grad, STATE.inference = self._prev
        return False

    def clone(self):
        return type(self)()

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, func):
        # The mode holds while the generator runs, not while its caller does.
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            gen = func(*args, **kwargs)
            try:
                with self.clone():
                    value = next(gen)
                while True:
                    sent = yield value
                    with self.clone():
                        value = gen.send(sent)
            except StopIteration as stop:
                return stop.value

        return wrapper


class no_grad(_Mode):  # noqa: N801 - PyTorch's name
    """Switch recording off: results of ops do not require grad.

    >>> with ember.no_grad():
    ...     y = x * 2  # y.requires_grad is False
    """

    def _set(self):
        STATE.grad = False


class enable_grad(_Mode):  # noqa: N801 - PyTorch's name
    """Switch recording back on inside a ``no_grad`` block (or a decorated function)."""

    def _set(self):
        STATE.grad = True


class set_grad_enabled(_Mode):  # noqa: N801 - PyTorch's name
    """Switch recording on or off; takes effect at once, so it also works as a call.

    Args:
        mode: True to record, False not to.
    """

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}")
        self.mode = mode
        self._prev = (STATE.grad, STATE.inference)
        STATE.grad = mode

    def __enter__(self):
        return self

    def __call__(self, func):
        # As a decorator the mode must not stay set from the decoration on.
        STATE.grad, STATE.inference = self._prev
        return super().__call__(func)

    def _set(self):
        STATE.grad = self.mode

    def clone(self):
        return _Switch(self.mode)


class _Switch(_Mode):
    """set_grad_enabled used as a decorator: sets the mode only while the function runs."""

    def __init__(self, mode):
        self.mode = mode

    def _set(self):
        STATE.grad = self.mode

    def clone(self):
        return _Switch(self.mode)


class inference_mode(_Mode):  # noqa: N801 - PyTorch's name
    """Like ``no_grad``, for inference code: no op is recorded.

    Ember keeps no separate "inference tensor" kind: tensors made inside the block
    are plain tensors that do not require grad.

    Args:
        mode: False makes the block a no-op.
    """

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # bare ``@inference_mode``
            self = super().__new__(cls)
            self.__init__(True)
            return self(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        self.mode = mode if isinstance(mode, bool) else True

    def _set(self):
        if self.mode:
            STATE.grad = False
            STATE.inference = True

    def clone(self):
        return inference_mode(self.mode)
