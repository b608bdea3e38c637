"""``ember/_ops/logical.py``: comparisons, predicates and bitwise ops have bool or
integer results, so no gradient."""

from __future__ import annotations

from ember.autograd.rules import NOT_DIFFERENTIABLE

DERIVATIVES: dict = dict.fromkeys(
    (
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "isclose",
        "allclose",
        "equal",
        "logical_and",
        "logical_or",
        "logical_xor",
        "logical_not",
        "bitwise_and",
        "bitwise_or",
        "bitwise_xor",
        "bitwise_not",
        "bitwise_left_shift",
        "bitwise_right_shift",
        "isnan",
        "isinf",
        "isposinf",
        "isneginf",
        "isfinite",
        "isreal",
        "signbit",
    ),
    NOT_DIFFERENTIABLE,
)
