"""Forward-mode AD: dual tensors carrying a tangent through each op.

>>> import ember.autograd.forward_ad as fwAD
>>> with fwAD.dual_level():
...     x = fwAD.make_dual(primal, tangent)
...     y = x.sin() * 2
...     jvp = fwAD.unpack_dual(y).tangent  # 2 * cos(primal) * tangent

Inside a ``dual_level`` the dispatcher tells :func:`_observe` about every op
call; when an input carries a tangent, the op's forward rule (``JVPS``) gives
the output's. Ops without one use their reverse-mode rule transposed: the
reverse rule is linear in the output gradient ``g``, so the tangent ``J t`` is
the gradient with respect to ``g`` of ``<rule(g), t>``.
"""

from __future__ import annotations

import weakref
from collections import namedtuple

from ember import dispatch as _dispatch
from ember._ops import OPS
from ember.autograd.grad_mode import STATE
from ember.autograd.rules import DERIVATIVES, JVPS, NOT_DIFFERENTIABLE
from ember.tensor import Tensor

__all__ = ["dual_level", "make_dual", "unpack_dual", "enter_dual_level", "exit_dual_level"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
_SEQ = (list, tuple)
_active_threads = [0]


def enter_dual_level() -> int:
    """Start a level of forward AD in this thread (levels do not nest); returns 0."""
    if STATE.forward_tangents is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    STATE.forward_tangents = {}
    if _active_threads[0] == 0:
        _dispatch.add_observer(_observe)
    _active_threads[0] += 1
    return 0


def exit_dual_level(*, level=None) -> None:
    """End the level: every dual tensor made in it loses its tangent."""
    if STATE.forward_tangents is None:
        raise RuntimeError("exit_dual_level: no dual level is active")
    STATE.forward_tangents = None
    _active_threads[0] -= 1
    if _active_threads[0] == 0:
        _dispatch.remove_observer(_observe)


class dual_level:  # noqa: N801 - PyTorch's name
    """Context manager for a level of forward AD: dual tensors live inside it."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _table():
    table = STATE.forward_tangents
    if table is None:
        raise RuntimeError(
            "forward AD: no dual level is active; "
            "use `with ember.autograd.forward_ad.dual_level():`"
        )
    return table


def set_tangent(t, tangent) -> None:
    table = STATE.forward_tangents
    key = id(t)
    table[key] = (weakref.ref(t, lambda _, k=key, tb=table: tb.pop(k, None)), tangent)


def get_tangent(t):
    table = STATE.forward_tangents
    if not table:
        return None
    entry = table.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    return entry[1]


def make_dual(tensor, tangent, *, level=None):
    """A tensor equal to ``tensor`` that carries ``tangent`` through the ops applied to it.

    Args:
        tensor: the primal (floating or complex).
        tangent: the direction, of the same shape and dtype.
    """
    _table()
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError("make_dual: expected the primal and the tangent to be Tensors")
    if tuple(tensor.shape) != tuple(tangent.shape):
        raise ValueError(
            f"make_dual: Trying to set a forward gradient that has a different size than "
            f"that of the original Tensor, this is not supported. Tensor is of size "
            f"{list(tensor.shape)} while the given forward gradient is of size "
            f"{list(tangent.shape)}."
        )
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(
            f"make_dual: Expected primal to be floating point or complex, got {tensor.dtype}"
        )
    dual = _alias(tensor)
    set_tangent(dual, tangent if tangent.dtype is tensor.dtype else tangent.to(tensor.dtype))
    return dual


def _alias(t):
    prev = STATE.forward_tangents
    STATE.forward_tangents = None  # the alias starts without the primal's tangent
    try:
        return OPS["reshape"](t, tuple(t.shape))
    finally:
        STATE.forward_tangents = prev


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of a dual tensor; the tangent is None for a plain tensor."""
    if STATE.forward_tangents is None or not isinstance(tensor, Tensor):
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_alias(tensor), get_tangent(tensor))


# ---- propagation -------------------------------------------------------------------


def _observe(op, args, kwargs, out):
    table = STATE.forward_tangents
    if not table:
        return
    tangents, found = _tangents_of(args)
    if not found:
        return
    rule = DERIVATIVES.get(op.name)
    if rule is NOT_DIFFERENTIABLE:
        return
    STATE.forward_tangents = None  # the rule's own ops carry no tangents
    prev_grad = STATE.grad
    try:
        if op.inplace:
            result = _inplace_tangent(op, tangents, args, kwargs)
        else:
            jvp = JVPS.get(op.name)
            if jvp is not None:
                result = jvp(tangents, out, *args, **kwargs)
            else:
                result = _transposed(op, rule, tangents, out, args, kwargs)
    finally:
        STATE.forward_tangents, STATE.grad = table, prev_grad
    _assign(out, result)


def _tangents_of(args):
    tangents, found = [], False
    for a in args:
        if isinstance(a, Tensor):
            t = get_tangent(a)
            found = found or t is not None
        elif type(a) in _SEQ and a and isinstance(a[0], Tensor):
            t = [get_tangent(b) for b in a]
            found = found or any(x is not None for x in t)
            t = t if any(x is not None for x in t) else None
        else:
            t = None
        tangents.append(t)
    return tangents, found


def _assign(out, result):
    if result is None:
        return
    if isinstance(out, Tensor):
        if isinstance(result, Tensor) and out._data.dtype.kind in "fcV":
            set_tangent(out, _conform(result, out))
        return
    for o, r in zip(out, result):
        if isinstance(o, Tensor) and isinstance(r, Tensor) and o._data.dtype.kind in "fcV":
            set_tangent(o, _conform(r, o))


def _conform(t, like):
    if tuple(t.shape) != tuple(like.shape):
        t = t.expand(tuple(like.shape))
    if t.dtype is not like.dtype:
        if t.is_complex() and not like.is_complex():
            t = OPS["real"](t)
        t = t.to(like.dtype)
    return t


def _inplace_tangent(op, tangents, args, kwargs):
    dst = args[0]
    if op.name == "copy_":
        src_t = tangents[1]
        return None if src_t is None else src_t.to(dst.dtype).expand(tuple(dst.shape)).clone()
    if op.name == "setitem":
        base = tangents[0].clone() if tangents[0] is not None else _zeros_like(dst)
        value_t = tangents[2] if len(tangents) > 2 else None
        OPS["setitem"](base, args[1], value_t if value_t is not None else 0)
        return base
    return _zeros_like(dst)  # fills and random draws: the new values have no tangent


def _zeros_like(t):
    return _dispatch.wrap(t._device.xp.zeros(t._data.shape, t._data.dtype), t._device)


def _transposed(op, rule, tangents, out, args, kwargs):
    """``J t`` from the reverse rule: the gradient in ``g`` of ``sum(rule(g) * t)``."""
    from ember.autograd.engine import grad, sum_to
    from ember.autograd.graph import bind_kwargs

    if rule is None:
        raise NotImplementedError(f"forward AD: the derivative for '{op.name}' is not implemented")
    outs = (out,) if isinstance(out, Tensor) else tuple(out)
    seeds = []
    for o in outs:
        if isinstance(o, Tensor) and o._data.dtype.kind in "fcV":
            s = _zeros_like(o)
            s._requires_grad = True
            seeds.append(s)
        else:
            seeds.append(None)
    STATE.grad = True
    plain = tuple(_detached(a) for a in args)
    kw = {k: _detached(v) for k, v in kwargs.items()}
    if any(isinstance(v, Tensor) for v in kw.values()):
        plain, kw = bind_kwargs(op, plain, kw)
    dout = tuple(_detached(o) for o in outs)
    g = seeds[0] if isinstance(out, Tensor) else tuple(seeds)
    res = rule(g, dout[0] if isinstance(out, Tensor) else dout, *plain, **kw)
    total = None
    for r, t, a in zip(res, tangents, plain):
        for ri, ti, ai in _pairs(r, t, a):
            part = (sum_to(ri, tuple(ai.shape)) * ti).sum()
            total = part if total is None else total + part
    live = [s for s in seeds if s is not None]
    if total is None or not total._requires_grad:
        return None
    found = grad(total, live, allow_unused=True)
    it = iter(found)
    result = [next(it) if s is not None else None for s in seeds]
    return result[0] if isinstance(out, Tensor) else tuple(result)


def _pairs(r, t, a):
    if r is None or t is None:
        return []
    if isinstance(t, list):
        return [(x, y, z) for x, y, z in zip(r, t, a) if x is not None and y is not None]
    return [(r, t, a)]


def _detached(a):
    if isinstance(a, Tensor):
        return a.detach()
    if type(a) in _SEQ and a and isinstance(a[0], Tensor):
        return type(a)(x.detach() for x in a)
    return a


def function_jvp(cls, ctx, args, out) -> None:
    """A custom Function's ``jvp`` (when it defines one) gives its outputs' tangents."""
    from ember.autograd.function import Function

    if cls.jvp is Function.jvp:
        return  # the tangent flowed through the ops of forward already
    tangents = [get_tangent(a) if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in tangents):
        return
    table = STATE.forward_tangents
    STATE.forward_tangents = None
    try:
        result = cls.jvp(ctx, *tangents)
    finally:
        STATE.forward_tangents = table
    _assign(out, result)
