"""Shared pytest configuration for every package's tests.

Parity tests (folders named ``parity``) compare with PyTorch; they are collected
only where torch is installed, i.e. in ``nox -s parity``.
"""

import importlib.util

HAS_TORCH = importlib.util.find_spec("torch") is not None


def pytest_ignore_collect(collection_path, config):
    if "parity" in collection_path.parts and not HAS_TORCH:
        return True
    return None
