"""Derivatives of ``ember/_ops/memory.py``: copies, casts, device moves, fills."""

from __future__ import annotations

from ember.autograd.rules._util import linear

DERIVATIVES: dict = {}
JVPS: dict = {}

# The engine casts each gradient to its input's dtype, so a cast passes it through.
DERIVATIVES["to_dtype"] = lambda grad, _out, _x, _dtype: (grad,)
DERIVATIVES["to_device"] = lambda grad, _out, x, *_: (grad.to(x.device),)
DERIVATIVES["clone"] = lambda grad, _out, _x, **_: (grad,)
DERIVATIVES["contiguous"] = lambda grad, _out, _x, *_, **__: (grad,)
# In-place writes: the old values of the destination are gone, so it gets no gradient.
DERIVATIVES["copy_"] = lambda grad, _out, _dst, _src, *_: (None, grad.to(_src.device))
DERIVATIVES["fill_"] = lambda grad, _out, _x, _value: (None, grad.sum())
DERIVATIVES["zero_"] = lambda grad, _out, _x: (None,)

JVPS["to_dtype"] = linear("to_dtype")
JVPS["clone"] = linear("clone")
JVPS["contiguous"] = linear("contiguous")
JVPS["to_device"] = lambda t, _out, _x, _data, device: t[0].to(device)
