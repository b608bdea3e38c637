"""Custom differentiable ops: ``ember.autograd.Function``, as ``torch.autograd.Function``.

>>> class Exp(ember.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         y = x.exp()
...         ctx.save_for_backward(y)
...         return y
...
...     @staticmethod
...     def backward(ctx, grad):
...         (y,) = ctx.saved_tensors
...         return grad * y
>>> Exp.apply(ember.ones(3, requires_grad=True)).sum().backward()
"""

from __future__ import annotations

import functools
import weakref

from ember import dispatch as _dispatch
from ember.autograd.grad_mode import STATE
from ember.autograd.graph import FREED_MSG, Node, check_versions, edge_to
from ember.tensor import Tensor

__all__ = ["Function", "FunctionCtx", "once_differentiable", "BackwardCFunction"]

_wrap = _dispatch.wrap


class FunctionCtx:
    """The ``ctx`` of a custom Function: what ``forward`` leaves for ``backward``."""

    def __init__(self):
        self.needs_input_grad: tuple = ()
        self.to_save: tuple = ()
        self.materialize_grads = True
        self._dirty: tuple = ()
        self._non_differentiable: tuple = ()
        self._saved = None
        self._node = None

    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` (or None) for ``backward``; read them as ``ctx.saved_tensors``."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save tensors or None, got {type(t).__name__}"
                )
        self.to_save = tensors

    save_for_forward = save_for_backward

    def mark_dirty(self, *tensors) -> None:
        """Declare the input tensors that ``forward`` modified in place."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that have no gradient (indices, masks...)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` gets None rather than zeros for outputs without gradient."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        node = self._node() if self._node is not None else None
        if self._saved is None:
            if self.to_save and self._node is None:
                return tuple(self.to_save)  # no graph was recorded: plain references
            if self._node is not None:
                raise RuntimeError(FREED_MSG)
            return ()
        return self._saved.unpack(node)

    saved_variables = saved_tensors


class _Saved:
    """Tensors saved by ``save_for_backward``; outputs only weakly, to avoid a cycle."""

    __slots__ = ("items", "versions")

    def __init__(self, tensors, outputs):
        out_ids = {id(o) for o in outputs}
        self.items = []
        self.versions = []
        for t in tensors:
            if t is None:
                self.items.append(None)
            elif id(t) in out_ids:
                self.items.append((t._data, weakref.ref(t)))
            else:
                self.items.append(t)
                self.versions.append((t, t._version))

    def unpack(self, node) -> tuple:
        if node.freed:
            raise RuntimeError(FREED_MSG)
        check_versions(node, self.versions)
        out = []
        for item in self.items:
            if type(item) is tuple:
                data, ref = item
                t = ref()
                if t is None:
                    t = _wrap(data, _device(data))
                    t._requires_grad, t.grad_fn = True, node
                item = t
            out.append(item)
        return tuple(out)


def _device(data):
    from ember.devices import device_of

    return device_of(data)


class BackwardCFunction(Node):
    """The node of one ``Function.apply`` call."""

    __slots__ = ("cls", "ctx", "n_args", "out_meta", "slots")

    def name(self) -> str:
        return f"{self.cls.__name__}Backward"

    def release(self) -> None:
        self.freed = True
        self.ctx._saved = None
        self.ctx.to_save = ()

    def apply(self, grad):
        grads = [grad] if self.n_out == 1 else list(grad)
        if self.ctx.materialize_grads:
            for i, g in enumerate(grads):
                if g is None:
                    shape, dtype, device = self.out_meta[i]
                    grads[i] = _wrap(device.xp.zeros(shape, dtype), device)
        res = self.cls.backward(self.ctx, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        if len(res) < self.n_args:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {self.n_args}, got {len(res)})"
            )
        if len(res) > self.n_args and any(r is not None for r in res[self.n_args :]):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {self.n_args}, got {len(res)})"
            )
        return [res[pos] for pos in self.slots]


class _FunctionMeta(type):
    """Gives each Function subclass its ``_uses_setup_context`` flag."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        base = globals().get("Function")
        cls._uses_setup_context = base is not None and cls.setup_context is not base.setup_context


class Function(metaclass=_FunctionMeta):
    """Base class of custom ops: define ``forward`` and ``backward``, call ``apply``.

    ``forward(ctx, *args)`` computes the outputs (ops inside it are not recorded);
    ``backward(ctx, *grad_outputs)`` returns one gradient per ``forward`` argument
    (None for non-tensors or inputs without one). With a ``setup_context(ctx,
    inputs, output)`` staticmethod, ``forward`` takes no ``ctx``, as in PyTorch 2.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not defined for this Function")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError(
            "You must implement the jvp function for custom Function to use it with "
            "forward mode AD."
        )

    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            "Function is not meant to be instantiated: call the class's apply() method"
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        recording = STATE.grad and any(ctx.needs_input_grad)
        prev = STATE.grad
        STATE.grad = False
        try:
            if cls._uses_setup_context:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        finally:
            STATE.grad = prev
        if STATE.forward_tangents:
            from ember.autograd.forward_ad import function_jvp

            function_jvp(cls, ctx, args, out)
        if not recording:
            return out
        return _connect(cls, ctx, args, out)


def _connect(cls, ctx, args, out):
    """Make the node of one apply call and hang the outputs on it."""
    node = BackwardCFunction.__new__(BackwardCFunction)
    edges, slots = [], []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            edges.append(edge_to(a))
            slots.append(i)
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    node._init(tuple(edges), len(outs))
    node.cls, node.ctx, node.slots, node.n_args = cls, ctx, slots, len(args)
    ctx._node = weakref.ref(node)  # the node holds ctx; a strong link back would be a cycle
    if STATE.anomaly:
        import traceback

        node.trace = traceback.format_stack()[:-2]
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    dirty = {id(t) for t in ctx._dirty}
    nondiff = {id(t) for t in ctx._non_differentiable}
    new_outs, meta = [], []
    node.out_index = {}
    for k, o in enumerate(outs):
        if isinstance(o, Tensor):
            o = _hang(node, k, o, id(o) in inputs, id(o) in dirty, id(o) in nondiff)
            meta.append((o._data.shape, o._data.dtype, o._device))
        else:
            meta.append(None)
        new_outs.append(o)
    node.out_meta = meta
    ctx._saved = _Saved(ctx.to_save, [o for o in new_outs if isinstance(o, Tensor)])
    ctx.to_save = ()
    return new_outs[0] if single else type(out)(new_outs)


def _hang(node, k, o, is_input, is_dirty, nondiff):
    if is_dirty:
        if o._requires_grad and o.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad has been used in an in-place operation."
            )
    elif is_input:
        # An input returned as is: a new tensor over its storage carries the node.
        alias = _wrap(o._data, o._device)
        alias._base = o._base if o._base is not None else o
        o = alias
    if nondiff or o._data.dtype.kind not in "fcV":
        return o
    o._requires_grad = True
    o.grad_fn = node
    node.out_index[id(o)] = k
    return o


class _DelayedError(Node):
    """Stands for a once-differentiable backward: fails if differentiated again."""

    __slots__ = ("msg",)

    def apply(self, grad):
        raise RuntimeError(self.msg)


def once_differentiable(fn):
    """Mark a ``backward`` as not differentiable: it runs without recording, and a
    double backward through it raises a clear error rather than being silently wrong."""

    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        prev = STATE.grad
        STATE.grad = False
        try:
            outputs = fn(ctx, *grads)
        finally:
            STATE.grad = prev
        if not prev or not any(isinstance(g, Tensor) and g._requires_grad for g in grads):
            return outputs
        single = not isinstance(outputs, tuple)
        items = (outputs,) if single else outputs
        node = _DelayedError.__new__(_DelayedError)
        node._init(tuple(edge_to(g) for g in grads if isinstance(g, Tensor)))
        node.msg = (
            "trying to differentiate twice a function that was marked with @once_differentiable"
        )
        wrapped = []
        for r in items:
            if isinstance(r, Tensor) and r._data.dtype.kind in "fcV":
                r = _wrap(r._data, r._device)
                r._requires_grad, r.grad_fn = True, node
            wrapped.append(r)
        return wrapped[0] if single else tuple(wrapped)

    return wrapper
