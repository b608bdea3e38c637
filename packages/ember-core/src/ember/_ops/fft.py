"""fft ops."""

from __future__ import annotations

__all__: list = []


def stft(*args, **kwargs):
    raise NotImplementedError("stft")
