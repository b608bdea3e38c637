"""The autograd graph: one :class:`Node` per recorded op call.

The dispatcher calls :func:`record` after every op call with an input that
requires grad. It makes one :class:`OpNode` holding the op's derivative rule,
its arguments (by reference, no copies) and one edge per tensor input, and sets
the outputs' ``grad_fn`` to it. Edges point from a node to the nodes (or leaf
tensors) that made its inputs, so the graph holds no cycles: a node keeps its
inputs alive, never its outputs (it keeps their arrays and a weak reference).

An edge is ``(target, output_nr, shape, dtype)``: the node (or leaf tensor) the
gradient flows to, which of that node's outputs the input was, and the input's
shape and NumPy dtype, which the engine uses to reduce broadcast dimensions and
cast the gradient once, so that rules never do it.
"""

from __future__ import annotations

import inspect
import traceback
import weakref

from ember import dispatch as _dispatch
from ember._ops import OPS
from ember.autograd.grad_mode import STATE
from ember.autograd.rules import DERIVATIVES, NOT_DIFFERENTIABLE
from ember.devices import device_of
from ember.tensor import Tensor

__all__ = ["Node", "OpNode", "AccumulateGrad", "RemovableHandle", "record"]

_wrap = _dispatch.wrap
_ref = weakref.ref
_SEQ = (list, tuple)

FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the graph "
    "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
    "you need to backward through the graph a second time or if you need to access saved "
    "tensors after calling backward."
)


class RemovableHandle:
    """Returned by ``register_hook`` methods: ``handle.remove()`` unregisters the hook."""

    __slots__ = ("_hook", "_hooks")

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class NodeHooks:
    """A node's hooks, made on first registration (most nodes never have any)."""

    __slots__ = ("post", "pre", "retains", "tensor_pre")

    def __init__(self):
        self.post: list = []
        self.pre: list = []
        self.tensor_pre: dict = {}  # output nr -> hooks of the tensor that output is
        self.retains: dict = {}  # output nr -> weakref of a tensor that retains its grad


class Node:
    """A step of the backward graph: maps gradients of its outputs to its inputs'.

    ``tensor.grad_fn`` is the node that made ``tensor``. ``next_functions`` lists,
    for each tensor input, the node that made it (an :class:`AccumulateGrad` for
    a leaf that requires grad, None for an input that does not) and which of its
    outputs the input was.
    """

    __slots__ = ("__weakref__", "edges", "freed", "hooks", "n_out", "out_index", "trace")

    def _init(self, edges, n_out=1):
        self.edges = edges
        self.n_out = n_out
        self.out_index = self.hooks = self.trace = None
        self.freed = False

    def apply(self, grad):
        """Gradients for this node's edges from ``grad`` (one tensor, or a list per output)."""
        raise NotImplementedError

    def release(self) -> None:
        """Drop what was saved for backward (after a backward without ``retain_graph``)."""
        self.freed = True

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        return tuple((_as_function(e[0]), e[1]) for e in self.edges)

    @property
    def metadata(self) -> dict:
        return {}

    def output_nr(self, tensor) -> int:
        """Which of this node's outputs ``tensor`` is."""
        if self.n_out == 1:
            return 0
        return self.out_index.get(id(tensor), 0)

    def node_hooks(self) -> NodeHooks:
        if self.hooks is None:
            self.hooks = NodeHooks()
        return self.hooks

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` after this node ran; may return new grad_inputs."""
        post = self.node_hooks().post
        post.append(fn)
        return RemovableHandle(post, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs)`` before this node runs; may return new grad_outputs."""
        pre = self.node_hooks().pre
        pre.append(fn)
        return RemovableHandle(pre, fn)

    def __call__(self, *grads):
        out = self.apply(grads[0] if self.n_out == 1 else list(grads))
        return out[0] if len(out) == 1 else tuple(out)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """The ``next_functions`` entry of a leaf tensor: gradients end up in its ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self._init((), 1)
        self.variable = variable

    def apply(self, grad):
        return []


def _as_function(target):
    if target is None or isinstance(target, Node):
        return target
    return AccumulateGrad(target)


class OpNode(Node):
    """The node of one op call: runs the op's derivative rule on the saved arguments."""

    __slots__ = (
        "args",
        "info",
        "kwargs",
        "op",
        "out",
        "rule",
        "saved",
        "simple",
        "slots",
        "tuple_out",
    )

    def name(self) -> str:
        return _backward_name(self.op.name)

    def release(self) -> None:
        self.freed = True
        self.args = self.kwargs = self.saved = self.out = None

    @property
    def metadata(self) -> dict:
        return {"op": self.op.name}

    def apply(self, grad):
        if self.freed:
            raise RuntimeError(FREED_MSG)
        if self.saved is not None:
            check_versions(self, self.saved)
        out = unpack_out(self) if self.out is not None else None
        if self.tuple_out and self.n_out == 1:  # a one-item tuple (split into one piece)
            grad = (grad,)
        rule = self.rule
        if self.info[0]:
            res = rule(grad, out, *self.args, needs_input_grad=self._needs(), **self.kwargs)
        else:
            res = rule(grad, out, *self.args, **self.kwargs)
        if self.simple and type(res) is not dict:
            n = len(res)
            return [res[p] if p < n else None for p in self.slots]
        if type(res) is dict:
            return [_pick_named(res, s) for s in self.slots]
        return [_pick(res, s) for s in self.slots]

    def _needs(self) -> tuple:
        needs = [False] * len(self.args)
        for s, e in zip(self.slots, self.edges):
            pos = s if self.simple else s[0]
            if e[0] is not None and type(pos) is int:
                needs[pos] = True
        return tuple(needs)


def _pick(res, slot):
    pos, sub = slot
    if type(pos) is not int or pos >= len(res):
        return None
    g = res[pos]
    if sub >= 0 and g is not None:
        g = g[sub]
    return g


def _pick_named(res, slot):
    pos, sub = (slot, -1) if type(slot) is int else slot
    g = res.get(pos)
    if sub >= 0 and g is not None:
        g = g[sub]
    return g


def _backward_name(op_name: str) -> str:
    camel = "".join(p[:1].upper() + p[1:] for p in op_name.strip("_").split("_"))
    return camel + "Backward0"


def check_versions(node, saved) -> None:
    """Fail if a tensor saved for ``node`` was modified in place since it was saved."""
    for t, version in saved:
        root = t._base if t._base is not None else t
        if root._vc != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified "
                f"by an inplace operation: [{t.dtype.name} {list(t.shape)}], which is an input "
                f"of {node.name()}, is at version {root._vc}; expected version {version} "
                "instead. Hint: the in-place op came after the op that saved it; use an "
                "out-of-place op or clone() the tensor first."
            )


def unpack_out(node):
    """The saved output(s) of ``node``: the live tensors, or new ones over their arrays."""
    saved = node.out
    if node.n_out == 1 and not getattr(node, "tuple_out", False):
        return _unpack_one(node, saved, 0)
    return tuple(_unpack_one(node, s, i) for i, s in enumerate(saved))


def _unpack_one(node, saved, index):
    if saved is None or not isinstance(saved, tuple):
        return saved  # a plain (non-tensor) output
    data, ref, version = saved
    t = ref()
    if t is not None:
        if version is not None and t._version != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified "
                f"by an inplace operation: [{t.dtype.name} {list(t.shape)}], which is output "
                f"{index} of {node.name()}, is at version {t._version}; expected version "
                f"{version} instead."
            )
        return t
    t = _wrap(data, device_of(data))
    if STATE.grad and data.dtype.kind in "fcV":
        # Double backward through a dropped output: the new tensor stands for it.
        t._requires_grad = True
        t.grad_fn = node
        if node.n_out > 1:
            node.out_index[id(t)] = index
    return t


# ---- recording ---------------------------------------------------------------------

_INFO: dict = {}  # rule -> (takes needs_input_grad, positions whose values it reads, reads out)


def rule_info(rule) -> tuple:
    """What the engine needs to know about a rule, from its signature.

    A rule's ``differentiable_outputs`` attribute (a tuple of output positions)
    limits which outputs of a several-output op get a ``grad_fn``.

    A rule ``(grad, out, x, y, ..., needs_input_grad=..., **kwargs)`` reads the
    values of the arguments it names; an argument whose parameter name starts
    with ``_`` is used for its shape, dtype or device only, so modifying it in
    place later does not invalidate the graph. The same holds for ``out``. A
    rule's ``reads_when`` attribute (``{i: (j, ...)}``) says argument ``i`` is
    read only for the gradients of arguments ``j``: ``mul`` needs ``y`` only
    when ``x`` needs a gradient.
    """
    info = _INFO.get(rule)
    if info is not None:
        return info
    params = list(inspect.signature(rule).parameters.values())
    takes_needs = any(p.name == "needs_input_grad" for p in params[2:])
    positional = [p for p in params[2:] if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    reads = frozenset(i for i, p in enumerate(positional) if not p.name.startswith("_"))
    if any(p.kind is p.VAR_POSITIONAL and not p.name.startswith("_") for p in params):
        reads = None  # *args: every argument counts
    reads_out = len(params) > 1 and not params[1].name.startswith("_")
    when = getattr(rule, "reads_when", None)
    if when and reads is not None:
        reads = reads - frozenset(when)
    info = _INFO[rule] = (takes_needs, reads, reads_out, when)
    return info


def _missing_rule(op):
    def rule(_grad, _out, *_args, **_kwargs):
        raise NotImplementedError(f"the derivative for '{op.name}' is not implemented")

    return rule


def recording() -> bool:
    """Whether :func:`record` would act on a call in this thread now."""
    st = STATE
    return st.grad or st.capture is not None


def record(op, args, kwargs, out):
    """The dispatcher's grad observer: add the node of one op call to the graph."""
    st = STATE
    if not st.grad:
        if st.capture is not None:
            capture_inputs(st.capture, args, kwargs)
        return
    rule = DERIVATIVES.get(op.name)
    if rule is NOT_DIFFERENTIABLE:
        if op.inplace:
            _check_inplace_leaf(out)
        return
    if rule is None:
        rule = _missing_rule(op)
    info = _INFO.get(rule) or rule_info(rule)
    if kwargs and _has_tensor(kwargs.values()):
        args, kwargs = bind_kwargs(op, args, kwargs)
    reads = info[1]
    edges, slots, saved, simple = [], [], None, True
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            edges.append(edge_to(a))
            slots.append(i)
            if reads is None or i in reads:
                saved = _save(saved, a)
        elif type(a) in _SEQ and a and isinstance(a[0], Tensor):
            simple = False
            for j, b in enumerate(a):
                if isinstance(b, Tensor):
                    edges.append(edge_to(b))
                    slots.append((i, j))
                    if reads is None or i in reads:
                        saved = _save(saved, b)
    for k, a in kwargs.items():
        if isinstance(a, Tensor):  # a keyword-only tensor: the rule returns a dict
            simple = False
            edges.append(edge_to(a))
            slots.append((k, -1))
    if info[3] is not None:
        saved = _save_when(info[3], args, edges, slots, saved)
    if saved is not None and saved[0][0] is args[0] and _in_place_method(args[0]):
        args, saved[0] = _keep_old_self(args, saved[0])
    if not simple:
        slots = [(s, -1) if type(s) is int else s for s in slots]
    node = _new_op_node(OpNode)
    node.edges, node.n_out, node.out_index = tuple(edges), 1, None
    node.hooks = node.trace = None
    node.freed, node.simple, node.tuple_out = False, simple, False
    node.op, node.rule, node.info = op, rule, info
    node.args, node.kwargs, node.slots, node.saved, node.out = args, kwargs, slots, saved, None
    if st.anomaly:
        node.trace = traceback.format_stack()[:-3]
    _hang_outputs(node, op, out, info)


def _hang_outputs(node, op, out, info):
    """Make ``node`` the ``grad_fn`` of the call's differentiable outputs."""
    if op.inplace:
        from ember.autograd.inplace import rebase

        rebase(node, out)
    elif isinstance(out, Tensor):
        if out._data.dtype.kind in "fcV":
            out._requires_grad = True
            out.grad_fn = node
        if info[2]:
            node.out = (out._data, _ref(out), out._version)
    else:
        _set_outputs(node, out, info[2])


_new_op_node = object.__new__


def _in_place_method(target) -> bool:
    """True when this op computes the new value of ``target.op_()``.

    The core runs ``x.op_(y)`` as ``op(x, y)`` followed by ``copy_`` into ``x``, and
    marks ``x`` in ``dispatch.INPLACE_SELF`` meanwhile, so a rule that reads ``x``
    must keep a copy of it.
    """
    return _dispatch.INPLACE_SELF[0] is target


def _keep_old_self(args, entry):
    """Save a copy of ``self`` before ``copy_`` overwrites it, as PyTorch saves
    ``original_self``; the copy is recorded, so double backward still sees it."""
    old = OPS["clone"](args[0])
    return (old, *args[1:]), (old, old._vc)


def _save_when(when, args, edges, slots, saved):
    """Save the arguments whose values are read only for another argument's gradient."""
    needed = {s if type(s) is int else s[0] for s, e in zip(slots, edges) if e[0] is not None}
    for i, others in when.items():
        if i < len(args) and isinstance(args[i], Tensor) and needed.intersection(others):
            saved = _save(saved, args[i])
    return saved


def _has_tensor(values) -> bool:
    return any(isinstance(v, Tensor) for v in values)


def _save(saved, t):
    root = t._base if t._base is not None else t
    if saved is None:
        return [(t, root._vc)]
    saved.append((t, root._vc))
    return saved


def edge_to(t) -> tuple:
    """The edge from a consumer of tensor ``t`` back to where ``t`` came from.

    ``(target, output_nr, shape, dtype, single)``: ``single`` says the target keeps
    one gradient buffer (a leaf, or a node with one output).
    """
    data = t._data
    if not t._requires_grad:
        return (None, 0, data.shape, data.dtype, True)
    fn = t.grad_fn
    if fn is None:
        return (t, 0, data.shape, data.dtype, True)
    if fn.n_out == 1:
        return (fn, 0, data.shape, data.dtype, True)
    return (fn, fn.out_index.get(id(t), 0), data.shape, data.dtype, False)


def _set_outputs(node, outs, reads_out):
    """Several outputs (``unbind``, ``max(dim)``...): each differentiable one gets the node."""
    node.n_out = len(outs)
    node.tuple_out = True
    index = node.out_index = {}
    saved = []
    only = getattr(node.rule, "differentiable_outputs", None)
    for k, o in enumerate(outs):
        if isinstance(o, Tensor):
            if o._data.dtype.kind in "fcV" and (only is None or k in only):
                o._requires_grad = True
                o.grad_fn = node
                index[id(o)] = k
            saved.append((o._data, _ref(o), None))
        else:
            saved.append(o)
    if reads_out:
        node.out = tuple(saved)


_PARAMS: dict = {}


def bind_kwargs(op, args, kwargs):
    """Move tensor keyword arguments to their positions, so rules see them positionally.

    ``conv2d(x, w, bias=b)`` is recorded as ``conv2d(x, w, b)``; keyword-only
    tensors stay keywords (the rule then returns a dict of gradients).
    """
    params = _PARAMS.get(op.name)
    if params is None:
        sig = inspect.signature(op.kernel)
        params = _PARAMS[op.name] = [
            p
            for p in list(sig.parameters.values())[1:]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    names = [p.name for p in params]
    last = -1
    for k, v in kwargs.items():
        if isinstance(v, Tensor) and k in names:
            last = max(last, names.index(k))
    if last < len(args):
        return args, kwargs
    args, kwargs = list(args), dict(kwargs)
    for j in range(len(args), last + 1):
        p = params[j]
        args.append(kwargs.pop(p.name) if p.name in kwargs else p.default)
    return tuple(args), kwargs


def capture_inputs(found: dict, args, kwargs) -> None:
    """During a checkpoint's forward: note each outside tensor that requires grad."""
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor):
            if a._requires_grad:
                found.setdefault(id(a), a)
        elif type(a) in _SEQ:
            for b in a:
                if isinstance(b, Tensor) and b._requires_grad:
                    found.setdefault(id(b), b)


def refuse_leaf_write(op, t) -> None:
    """The dispatcher's in-place check: no write into a leaf that requires grad (or a
    view of one) while grad mode is on, raised before the kernel changes any data."""
    if not STATE.grad:
        return
    _check_inplace_leaf(t)
    base = t._base
    if base is not None and base._requires_grad and base.grad_fn is None and t.grad_fn:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )


def _check_inplace_leaf(t) -> None:
    if isinstance(t, Tensor) and t._requires_grad and t.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
