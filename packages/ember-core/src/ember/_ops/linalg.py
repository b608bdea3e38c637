"""linalg ops."""

from __future__ import annotations

__all__: list = []
# Ops exported as ember.<name> (matmul, mm, einsum...) rather than ember.linalg.<name>.
TOP_LEVEL: dict = {}
