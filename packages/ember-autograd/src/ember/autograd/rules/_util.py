"""Small pieces the rule tables share; every one is written in ember ops."""

from __future__ import annotations

import math

from ember import dispatch as _dispatch
from ember._ops import OPS, wrap_dims


def conj(t):
    """``t.conj()`` for complex tensors and numbers, ``t`` itself otherwise."""
    if hasattr(t, "_data"):
        return OPS["conj"](t) if t._data.dtype.kind == "c" else t
    return t.conjugate() if isinstance(t, complex) else t


def zeros(shape, like):
    """A tensor of zeros of ``shape`` with ``like``'s dtype and device (a constant)."""
    return _dispatch.wrap(like._device.xp.zeros(tuple(shape), like._data.dtype), like._device)


def zeros_like(t):
    return zeros(t._data.shape, t)


def reduced_axes(shape, dim) -> tuple:
    """The axes a reduction over ``dim`` removes; None, ``()`` and ``[]`` mean all."""
    ndim = len(shape)
    if dim is None or (isinstance(dim, (list, tuple)) and not dim):
        return tuple(range(ndim))
    return wrap_dims(dim, ndim) or tuple(range(ndim))


def count(shape, dim) -> int:
    """How many elements a reduction over ``dim`` folds into each output element."""
    return math.prod(shape[a] for a in reduced_axes(shape, dim))


def unreduce(grad, shape, dim, keepdim):
    """The gradient of a reduction over ``dim``, broadcast back to the input's ``shape``."""
    shape = tuple(shape)
    if not keepdim and len(shape):
        axes = reduced_axes(shape, dim)
        kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))
        if tuple(grad.shape) != kshape:
            grad = grad.reshape(kshape)
    if tuple(grad.shape) == shape:
        return grad
    return grad.expand(shape)


def keep(t, shape, dim, keepdim):
    """A reduction's output ``t`` with the reduced dims kept (size 1), for broadcasting."""
    if keepdim or not len(shape):
        return t
    axes = reduced_axes(shape, dim)
    return t.reshape(tuple(1 if i in axes else s for i, s in enumerate(shape)))


def where(cond, a, b):
    return OPS["where"](cond, a, b)


def real(t):
    """The real part of ``t`` (``t`` itself when real)."""
    return OPS["real"](t) if t._data.dtype.kind == "c" else t


def imag(t):
    return OPS["imag"](t)


def linear(name):
    """The forward-mode rule of an op linear in its first argument: the op on the tangent."""

    def jvp(t, _out, _x, *args, **kwargs):
        return OPS[name](t[0], *args, **kwargs)

    return jvp


def reads_when(rule, mapping):
    """Declare that argument ``i`` of ``rule`` is read only for the gradients of the
    arguments in ``mapping[i]``, so the engine saves (and version-checks) it only then."""
    rule.reads_when = mapping
    return rule


# ---- rule factories for elementwise families -----------------------------------------


def from_input(deriv):
    """(rule, jvp) of a unary op whose derivative is ``deriv(x)``.

    Holomorphic ops pass back ``grad * conj(f'(x))`` and push forward ``t * f'(x)``.
    """
    return (
        lambda grad, _out, x, *_a, **_k: (grad * conj(deriv(x)),),
        lambda t, _out, x, *_a, **_k: t[0] * deriv(x),
    )


def from_output(deriv):
    """(rule, jvp) of a unary op whose derivative is best written from its output."""
    return (
        lambda grad, out, _x, *_a, **_k: (grad * conj(deriv(out)),),
        lambda t, out, _x, *_a, **_k: t[0] * deriv(out),
    )


def linear_unary(fn):
    """(rule, jvp) of a unary op linear in its input, whose adjoint is ``fn``."""
    return (
        lambda grad, _out, _x, *_a, **_k: (fn(grad),),
        lambda t, _out, _x, *_a, **_k: fn(t[0]),
    )


def step():
    """(rule, jvp) of a piecewise-constant op (floor, sign...): zero almost everywhere."""
    return (
        lambda grad, _out, _x, *_a, **_k: (zeros_like(grad),),
        lambda t, out, *_a, **_k: zeros_like(out),
    )


def conj_scalar(a):
    return a.conjugate() if isinstance(a, complex) else a


def add_tangents(*parts):
    """The sum of the tangents that are not None (None if all are)."""
    total = None
    for p in parts:
        if p is not None:
            total = p if total is None else total + p
    return total


def composite(decompose):
    """A rule computed by differentiating ``decompose(*args, **kwargs)``, the op written
    in other ember ops (for ops whose closed form is long and rarely hot).

    With ``create_graph`` the decomposition runs on the op's own inputs, so the
    gradient is itself differentiable.
    """

    def rule(grad, _out, *args, needs_input_grad=(), **kwargs):
        from ember.autograd.engine import execute
        from ember.autograd.grad_mode import STATE

        create = STATE.grad
        wanted = [i for i, a in enumerate(args) if _needs(needs_input_grad, i) and _is_t(a)]
        inputs = list(args)
        if not create:
            for i in wanted:
                inputs[i] = inputs[i].detach().requires_grad_()
        STATE.grad = True
        try:
            out = decompose(*inputs, **kwargs)
        finally:
            STATE.grad = create
        outs, grads = _pairs(out, grad)
        if not outs:
            return (None,) * len(args)
        # With create_graph the gradient may read the decomposition's outputs: keep it.
        found = execute(outs, grads, create, create, [inputs[i] for i in wanted], stop=True)
        result = [None] * len(args)
        for i, g in zip(wanted, found):
            result[i] = g
        return tuple(result)

    return rule


def _needs(needs, i):
    return i < len(needs) and needs[i]


def _is_t(a):
    return hasattr(a, "_data") and a._data.dtype.kind in "fcV"


def _pairs(out, grad):
    if not isinstance(out, (tuple, list)):
        return ([out], [grad]) if out._requires_grad and grad is not None else ([], [])
    pairs = [
        (o, g) for o, g in zip(out, grad) if g is not None and getattr(o, "_requires_grad", False)
    ]
    return [o for o, _ in pairs], [g for _, g in pairs]
