"""Elementwise ops: one line each, through the ``unary`` and ``binary`` factories."""

from __future__ import annotations

from ember._ops import FLOAT, SAME, binary, unary

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "positive",
    "exp",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "subtract",
    "multiply",
    "divide",
    "true_divide",
]


def _add(xp, x, y, *, alpha=1):
    """``input + alpha * other``, broadcasting."""
    return xp.add(x, y) if alpha == 1 else xp.add(x, xp.multiply(y, alpha))


def _sub(xp, x, y, *, alpha=1):
    """``input - alpha * other``, broadcasting."""
    return xp.subtract(x, y) if alpha == 1 else xp.subtract(x, xp.multiply(y, alpha))


def _div(xp, x, y, *, rounding_mode=None):
    """``input / other``; ``rounding_mode`` is None (true division), 'trunc' or 'floor'."""
    if rounding_mode is None:
        return xp.true_divide(x, y)
    if rounding_mode == "floor":
        return xp.floor_divide(x, y)
    if rounding_mode == "trunc":
        q = xp.true_divide(x, y)
        return xp.trunc(q).astype(q.dtype if x.dtype.kind in "fc" else x.dtype)
    raise ValueError(f"rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")


def _div_promote(op, vals, kwargs):
    # True division always gives a floating result; rounded division keeps integers.
    (SAME if kwargs.get("rounding_mode") else FLOAT)(op, vals, kwargs)


add = binary("add", _add)
sub = binary("sub", _sub)
mul = binary("mul", lambda xp, x, y: xp.multiply(x, y), doc="``input * other``.")
div = binary("div", _div, promote=_div_promote)
neg = unary("neg", lambda xp, x: xp.negative(x), doc="``-input``.")
positive = unary("positive", lambda xp, x: x, doc="``+input`` (the input itself).")
exp = unary("exp", lambda xp, x: xp.exp(x), FLOAT, doc="``e ** input``.")

eq = binary("eq", lambda xp, x, y: xp.equal(x, y), doc="``input == other``, elementwise.")
ne = binary("ne", lambda xp, x, y: xp.not_equal(x, y), doc="``input != other``, elementwise.")
lt = binary("lt", lambda xp, x, y: xp.less(x, y), doc="``input < other``, elementwise.")
le = binary("le", lambda xp, x, y: xp.less_equal(x, y), doc="``input <= other``.")
gt = binary("gt", lambda xp, x, y: xp.greater(x, y), doc="``input > other``, elementwise.")
ge = binary("ge", lambda xp, x, y: xp.greater_equal(x, y), doc="``input >= other``.")

# PyTorch's aliases are the same op objects.
subtract, multiply, divide, true_divide = sub, mul, div, div
