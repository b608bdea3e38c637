"""Grad modes: context managers, decorators, thread-locality."""

import threading

import pytest

import ember
from ember.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)


def leaf():
    return ember.ones(2, requires_grad=True)


def test_no_grad_stops_recording():
    x = leaf()
    with no_grad():
        y = x * 2
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_enable_grad_inside_no_grad():
    x = leaf()
    with no_grad():
        with enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_set_grad_enabled_as_call_and_context():
    x = leaf()
    with set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert is_grad_enabled()
    set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_set_grad_enabled_refuses_non_bool():
    with pytest.raises(TypeError, match="set_grad_enabled: mode must be a bool"):
        set_grad_enabled(1)


def test_decorators_with_and_without_parentheses():
    x = leaf()

    @no_grad()
    def f():
        return x * 2

    @no_grad
    def g():
        return x * 2

    @set_grad_enabled(False)
    def h():
        return x * 2

    assert is_grad_enabled()  # decorating did not switch anything
    assert not f().requires_grad and not g().requires_grad and not h().requires_grad
    assert f.__name__ == "f"


def test_decorated_generator_keeps_the_mode_while_it_runs():
    x = leaf()

    @no_grad()
    def gen():
        for _ in range(2):
            yield (x * 2).requires_grad

    assert list(gen()) == [False, False]
    assert (x * 2).requires_grad


def test_inference_mode():
    x = leaf()
    with inference_mode():
        assert is_inference_mode_enabled() and not is_grad_enabled()
        assert not (x * 2).requires_grad
    with inference_mode(False):
        assert (x * 2).requires_grad

    @inference_mode
    def f():
        return x * 2

    assert not f().requires_grad and not is_inference_mode_enabled()


def test_modes_are_thread_local():
    seen = {}

    def worker():
        seen["other"] = is_grad_enabled()

    with no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["other"] is True


def test_mode_restored_after_an_exception():
    with pytest.raises(ValueError), no_grad():
        raise ValueError("boom")
    assert is_grad_enabled()
