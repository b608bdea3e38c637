"""Higher-level differentiation of functions: ``vjp``, ``jvp``, ``jacobian``, ``hessian``,
``vhp`` and ``hvp``, as ``torch.autograd.functional``.

Each takes ``func`` and its ``inputs`` (a tensor or a tuple of tensors) and
differentiates ``func`` at ``inputs`` without touching their ``.grad``. Results
are detached unless ``create_graph``, and come back as tuples exactly where the
inputs (or outputs) were given as tuples.
"""

from __future__ import annotations

from ember import dispatch as _dispatch
from ember._ops import OPS
from ember.autograd.engine import grad as _grad
from ember.autograd.grad_mode import enable_grad
from ember.tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _tuple(x, what, fn):
    if isinstance(x, Tensor):
        return False, (x,)
    if isinstance(x, (tuple, list)) and all(isinstance(t, Tensor) for t in x):
        return True, tuple(x)
    raise TypeError(
        f"{fn}: the {what} must be a Tensor or a tuple of Tensors, got {type(x).__name__}"
    )


def _prepare(inputs, create_graph):
    """Inputs the function will see: detached, requiring grad (linked if create_graph)."""
    out = []
    for t in inputs:
        if create_graph and t._requires_grad:
            out.append(OPS["reshape"](t, tuple(t.shape)))  # a view, still in t's graph
        else:
            d = t.detach()
            d.requires_grad = True
            out.append(d)
    return tuple(out)


def _finish(ts, create_graph):
    if create_graph:
        return ts
    return tuple(t.detach() if isinstance(t, Tensor) else t for t in ts)


def _zeros_like(t):
    return _dispatch.wrap(t._device.xp.zeros(t._data.shape, t._data.dtype), t._device)


def _fill(grads, like, strict, fn, what="input"):
    out = []
    for i, (g, t) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"{fn}: the output of the user-provided function is independent of "
                    f"{what} {i}. This is not allowed in strict mode."
                )
            g = _zeros_like(t)
        out.append(g)
    return tuple(out)


def _check_v(v, like, fn):
    if len(v) != len(like):
        raise RuntimeError(f"{fn}: v has {len(v)} entries, expected {len(like)}")
    for i, (a, b) in enumerate(zip(v, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(
                f"{fn}: Mismatch in shape: v[{i}] has a shape of {list(a.shape)} "
                f"and the corresponding tensor has a shape of {list(b.shape)}"
            )


def _call(func, inputs, fn):
    out = func(*inputs)
    tuple_out, outs = _tuple(out, "outputs of the user-provided function", fn)
    return tuple_out, outs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``.

    Args:
        v: the output gradient; may be None only when ``func`` returns one element.
    """
    tuple_in, inputs = _tuple(inputs, "inputs", "vjp")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        tuple_out, outs = _call(func, inputs, "vjp")
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError(
                    "vjp: The vector v can only be None if the user-provided function "
                    "returns a single Tensor with a single element."
                )
            vs = None
        else:
            vs = _tuple(v, "v", "vjp")[1]
            _check_v(vs, outs, "vjp")
        live = [(o, None if vs is None else vs[i]) for i, o in enumerate(outs) if o._requires_grad]
        grads = (None,) * len(inputs)
        if live:
            grads = _grad(
                [o for o, _ in live],
                inputs,
                None if vs is None else [g for _, g in live],
                create_graph=create_graph,
                allow_unused=True,
            )
        grads = _fill(grads, inputs, strict, "vjp")
    outs = _finish(outs, create_graph)
    grads = _finish(grads, create_graph)
    return (outs if tuple_out else outs[0]), (grads if tuple_in else grads[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product at ``inputs``.

    Computed with two reverse passes (the output gradient ``u`` enters the first
    linearly, so differentiating ``J^T u`` in ``u`` gives ``J v``).
    """
    _, inputs = _tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(
                "jvp: The vector v can only be None if the input to the user-provided "
                "function is a single Tensor with a single element."
            )
        vs = (_ones_like(inputs[0]),)
    else:
        vs = _tuple(v, "v", "jvp")[1]
        _check_v(vs, inputs, "jvp")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        tuple_out, outs = _call(func, inputs, "jvp")
        us = []
        for o in outs:
            u = _zeros_like(o)
            u.requires_grad = True
            us.append(u)
        live = [(o, u) for o, u in zip(outs, us) if o._requires_grad]
        result = (None,) * len(outs)
        if live:
            g = _grad(
                [o for o, _ in live],
                inputs,
                [u for _, u in live],
                create_graph=True,
                allow_unused=True,
            )
            pairs = [(gi, vi) for gi, vi in zip(g, vs) if gi is not None and gi._requires_grad]
            if pairs:
                result = _grad(
                    [p[0] for p in pairs],
                    us,
                    [p[1] for p in pairs],
                    create_graph=create_graph,
                    allow_unused=True,
                )
        result = _fill(result, outs, strict, "jvp", "output")
    outs = _finish(outs, create_graph)
    result = _finish(result, create_graph)
    return (outs if tuple_out else outs[0]), (result if tuple_out else result[0])


def _ones_like(t):
    return _dispatch.wrap(t._device.xp.ones(t._data.shape, t._data.dtype), t._device)


def jacobian(
    func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"
):
    """The Jacobian of ``func`` at ``inputs``: for output ``i`` and input ``j``, a tensor
    of shape ``output_i.shape + input_j.shape``.

    Returns a tensor (one input, one output), a tuple over inputs or outputs, or a
    tuple over outputs of tuples over inputs.
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )
    tuple_in, inputs = _tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        tuple_out, outs = _call(func, inputs, "jacobian")
        table = [_jacobian_rows(o, inputs, create_graph, strict) for o in outs]
    table = [_finish(row, create_graph) for row in table]
    if not tuple_out:
        return table[0] if tuple_in else table[0][0]
    return tuple(row if tuple_in else row[0] for row in table)


def _jacobian_rows(o, inputs, create_graph, strict):
    """For one output: one ``o.shape + x.shape`` tensor per input."""
    n = o.numel()
    rows = [[] for _ in inputs]
    flat = o.reshape(-1)
    for k in range(n):
        if o._requires_grad:
            g = _grad(
                OPS["narrow"](flat, 0, k, 1),
                inputs,
                retain_graph=True,
                create_graph=create_graph,
                allow_unused=True,
            )
        else:
            g = (None,) * len(inputs)
        g = _fill(g, inputs, strict, "jacobian")
        for r, gi in zip(rows, g):
            r.append(gi)
    out = []
    for r, x in zip(rows, inputs):
        if n:
            stacked = OPS["stack"](r, 0)
        else:
            stacked = _dispatch.wrap(
                x._device.xp.zeros((0,) + tuple(x.shape), x._data.dtype), x._device
            )
        out.append(stacked.reshape(tuple(o.shape) + tuple(x.shape)))
    return tuple(out)


def hessian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    outer_jacobian_strategy="reverse-mode",
):
    """The Hessian of scalar ``func`` at ``inputs`` (the Jacobian of its gradient)."""
    tuple_in, inputs = _tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError(
                "hessian: The Tensor returned by the function given to hessian should "
                "contain a single element"
            )
        g = jacobian(func, xs, create_graph=True, strict=strict)
        return g if isinstance(g, tuple) else (g,)

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict)
    if not tuple_in:
        return result[0][0] if isinstance(result[0], tuple) else result[0]
    return result


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for scalar ``func``: a vector-Hessian product."""
    tuple_in, inputs = _tuple(inputs, "inputs", "vhp")
    vs = _tuple(v, "v", "vhp")[1] if v is not None else None
    if vs is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(
                "vhp: The vector v can only be None if the input to the user-provided "
                "function is a single Tensor with a single element."
            )
        vs = (_ones_like(inputs[0]),)
    _check_v(vs, inputs, "vhp")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        out = func(*inputs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError(
                "vhp: The function given to vhp should return a single Tensor with a single element"
            )
        g = _grad(out, inputs, create_graph=True, allow_unused=True)
        pairs = [(gi, vi) for gi, vi in zip(g, vs) if gi is not None and gi._requires_grad]
        result = (None,) * len(inputs)
        if pairs:
            result = _grad(
                [p[0] for p in pairs],
                inputs,
                [p[1] for p in pairs],
                create_graph=create_graph,
                allow_unused=True,
            )
        result = _fill(result, inputs, strict, "vhp")
    out = _finish((out,), create_graph)[0]
    result = _finish(result, create_graph)
    return out, (result if tuple_in else result[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for scalar ``func``; equal to ``vhp`` as H is symmetric."""
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)
