"""``ember/_ops/logical.py``: comparisons, predicates and bitwise ops have bool or
integer results, so no gradient. The names come from the op table itself, so an op
added to that family is marked without a second list to keep in step."""

from __future__ import annotations

from ember._ops import OPS
from ember.autograd.rules import NOT_DIFFERENTIABLE

DERIVATIVES: dict = {name: NOT_DIFFERENTIABLE for name, op in OPS.items() if op.family == "logical"}
