"""Derivatives of ``ember/_ops/spectral.py`` (``stft``, ``istft``)."""

from __future__ import annotations

from ember.autograd.rules import not_implemented

DERIVATIVES: dict = {
    "stft": not_implemented("stft"),
    "istft": not_implemented("istft"),
}
