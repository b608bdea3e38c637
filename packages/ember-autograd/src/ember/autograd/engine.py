"""The backward engine: ``backward`` and ``grad``.

A backward pass counts, for every node reachable from the roots, how many
edges lead into it, then runs nodes whose count has dropped to zero (a
topological order), summing the gradients that arrive for each node's outputs
in a buffer. Gradients reaching a leaf are summed, passed through its hooks and
added to its ``.grad`` (or captured, for ``grad``). Each node's saved tensors
are dropped as soon as it has run, unless ``retain_graph``.
"""

from __future__ import annotations

import math

from ember import dispatch as _dispatch
from ember.autograd import hooks as _hooks
from ember.autograd.grad_mode import STATE
from ember.autograd.graph import Node, edge_to
from ember.tensor import Tensor

__all__ = ["backward", "grad"]

_wrap = _dispatch.wrap


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def backward(
    tensors,
    grad_tensors=None,
    retain_graph=None,
    create_graph=False,
    grad_variables=None,
    inputs=None,
):
    """Accumulate into the leaves' ``.grad`` the gradient of ``tensors``.

    Args:
        tensors: a tensor or a sequence of tensors to differentiate.
        grad_tensors: the gradient of each of ``tensors`` (None for a scalar: 1).
        retain_graph: keep the graph's saved tensors for another backward
            (defaults to ``create_graph``).
        create_graph: record the backward pass, so the gradients can be
            differentiated again.
        inputs: accumulate only into these tensors' ``.grad``.
    """
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _root_grads(tensors, _as_tuple(grad_tensors), "backward")
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty")
        _check_inputs(inputs, "backward")
        found = execute(tensors, grads, keep, create_graph, inputs)
        for t, g in zip(inputs, found):
            if g is not None:
                accumulate(t, g, create_graph)
        return
    execute(tensors, grads, keep, create_graph, None)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """The gradients of ``outputs`` with respect to ``inputs`` (``.grad`` is untouched).

    Args:
        outputs: a tensor or a sequence of tensors to differentiate.
        inputs: the tensors to differentiate with respect to.
        grad_outputs: the gradient of each output (None for a scalar output: 1).
        retain_graph: keep the graph for another backward (defaults to ``create_graph``).
        create_graph: record the backward pass, for higher-order derivatives.
        allow_unused: return None for an input the outputs do not depend on,
            rather than raising.
        materialize_grads: return zeros rather than None for unused inputs.

    Returns:
        A tuple with one gradient per input.

    >>> x = ember.tensor([1., 2.], requires_grad=True)
    >>> ember.autograd.grad((x * x).sum(), x)
    (tensor([2., 4.]),)
    """
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True is not supported")
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: materialize_grads=True needs allow_unused to be True or None")
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("grad requires non-empty inputs.")
    _check_inputs(inputs, "grad")
    grads = _root_grads(outputs, _as_tuple(grad_outputs), "grad")
    keep = create_graph if retain_graph is None else retain_graph
    found = execute(outputs, grads, keep, create_graph, inputs)
    result = []
    for t, g in zip(inputs, found):
        if g is None:
            if materialize_grads:
                g = _zeros(t)
            elif not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
        result.append(g)
    return tuple(result)


def _check_inputs(inputs, name):
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: inputs[{i}] must be a Tensor, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError(
                f"{name}: One of the differentiated Tensors (inputs[{i}]) does not require grad"
            )


def _root_grads(tensors, grads, name):
    """The gradient to start from for each root, checked against the root."""
    if grads is None:
        grads = (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(
            f"{name}: got {len(grads)} gradients for {len(tensors)} outputs; "
            "expected one per output"
        )
    out = []
    for i, (t, g) in enumerate(zip(tensors, grads)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: outputs[{i}] must be a Tensor, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"{name}: grad can be implicitly created only for scalar outputs, "
                    f"got an output of shape {list(t.shape)}; pass a gradient"
                )
            if t._data.dtype.kind not in "fV":
                raise RuntimeError(
                    f"{name}: grad can be implicitly created only for real scalar outputs, "
                    f"got {t.dtype.name}"
                )
            g = _wrap(t._device.xp.ones(t._data.shape, t._data.dtype), t._device)
        elif not isinstance(g, Tensor):
            raise TypeError(f"{name}: gradient {i} must be a Tensor, got {type(g).__name__}")
        elif g._data.shape != t._data.shape:
            raise RuntimeError(
                f"{name}: Mismatch in shape: grad_output[{i}] has a shape of {list(g.shape)} "
                f"and output[{i}] has a shape of {list(t.shape)}."
            )
        elif g._data.dtype.kind == "c" and t._data.dtype.kind != "c":
            raise RuntimeError(
                f"{name}: For complex Tensors, both grad_output and output are required to "
                f"have the same dtype. Mismatch in dtype: grad_output[{i}] has a dtype of "
                f"{g.dtype.name} and output[{i}] has a dtype of {t.dtype.name}."
            )
        out.append(g)
    return out


def _zeros(t):
    return _wrap(t._device.xp.zeros(t._data.shape, t._data.dtype), t._device)


# ---- the run -----------------------------------------------------------------------


def execute(roots, grads, keep_graph, create_graph, inputs, stop=False):
    """Run backward from ``roots``; returns the gradients of ``inputs`` (or None).

    With ``inputs`` None every leaf reached gets its gradient accumulated into
    ``.grad``; otherwise only the gradients of ``inputs`` are computed, captured
    and returned, and only the nodes leading to them run. With ``stop``, the
    inputs are treated as independent: nothing runs beyond them (a checkpoint's
    backward stops where the outer graph takes over).
    """
    prev = STATE.grad
    STATE.grad = create_graph
    try:
        run = _Run(keep_graph, create_graph, inputs, stop)
        run.start(roots, grads)
        run.loop()
        return run.found
    finally:
        STATE.grad = prev


class _Run:
    """The state of one backward pass."""

    __slots__ = (
        "active",
        "buffers",
        "create",
        "deps",
        "found",
        "keep",
        "owned",
        "ready",
        "seen",
        "stop",
        "targets",
    )

    def __init__(self, keep, create, inputs, stop=False):
        self.keep, self.create, self.stop = keep, create, stop
        self.buffers: dict = {}
        self.deps: dict = {}
        self.ready: list = []
        self.seen: set = set()  # arrays handed to a leaf's .grad in this pass
        self.owned: set = set()  # buffers this pass made by summing, safe to add into
        self.targets = self.found = self.active = None
        if inputs is not None:
            self.found = [None] * len(inputs)
            self.targets = {}
            for i, t in enumerate(inputs):
                fn = t.grad_fn
                key = id(t) if fn is None else (id(fn), fn.output_nr(t))
                self.targets.setdefault(key, []).append(i)

    def start(self, roots, grads):
        starts = []
        for t, g in zip(roots, grads):
            target, nr = edge_to(t)[:2]
            starts.append(target)
            self.seen.add(id(g._data))  # the caller's array: never hand it to a .grad
            self._add(target, nr, g)
        if self.targets is not None:
            self.active = _active_nodes(starts, self.targets, self.stop)
        self._count(starts)
        for target in starts:
            k = id(target)
            if k not in self.deps:  # no other root leads here: it can run at once
                self.deps[k] = 0
                self.ready.append(target)

    def _count(self, starts):
        """How many edges from nodes that will run lead to each node or leaf."""
        deps, active = self.deps, self.active
        stack = [t for t in starts if isinstance(t, Node)]
        visited = {id(t) for t in stack}
        while stack:
            node = stack.pop()
            if active is not None and id(node) not in active:
                continue
            for e in node.edges:
                target = e[0]
                if target is None:
                    continue
                k = id(target)
                deps[k] = deps.get(k, 0) + 1
                if k not in visited and isinstance(target, Node):
                    visited.add(k)
                    stack.append(target)

    def _add(self, target, nr, g):
        """Sum ``g`` into the buffer of ``target``'s output ``nr``."""
        k = id(target)
        buffers = self.buffers
        if isinstance(target, Node) and target.n_out != 1:
            buf = buffers.get(k)
            if buf is None:
                buf = buffers[k] = [None] * target.n_out
            buf[nr] = g if buf[nr] is None else self._sum(buf[nr], g)
        else:
            old = buffers.get(k)
            buffers[k] = g if old is None else self._sum(old, g)

    def _sum(self, old, g):
        """``old + g``; in place once the pass owns the sum (no graph being recorded)."""
        if self.create:
            return old + g
        owned = self.owned
        if id(old) in owned:
            old._data += g._data
            return old
        total = old + g
        owned.add(id(total))
        return total

    def loop(self):
        ready, deps, buffers, active = self.ready, self.deps, self.buffers, self.active
        capture = self.targets is not None
        while ready:
            node = ready.pop()
            buf = buffers.pop(id(node), None)
            if not isinstance(node, Node):
                self._leaf(node, buf)
                continue
            if node.hooks is not None:
                buf = _hooks.run_prehooks(node, buf)
            if capture:
                self._capture_node(node, buf)
                if id(node) not in active:
                    continue
            if buf is None or (node.n_out != 1 and not any(g is not None for g in buf)):
                grads = [None] * len(node.edges)  # nothing flowed in: nothing flows on
            else:
                grads = self._apply(node, buf)
            for e, g in zip(node.edges, grads):
                target = e[0]
                if target is None:
                    continue
                k = id(target)
                if g is not None:
                    data = g._data
                    if data.shape != e[2] or data.dtype != e[3]:
                        g = _conform(g, e, node)
                    if e[4]:
                        old = buffers.get(k)
                        buffers[k] = g if old is None else self._sum(old, g)
                    else:
                        self._add(target, e[1], g)
                c = deps[k] - 1
                deps[k] = c
                if c == 0:
                    ready.append(target)

    def _apply(self, node, buf):
        grads = node.apply(buf)
        if not self.keep:
            node.release()
        if node.hooks is not None and node.hooks.post:
            grads = _hooks.run_posthooks(node, grads, buf)
        if STATE.anomaly:
            from ember.autograd.anomaly_mode import check_nan

            check_nan(node, grads)
        return grads

    def _capture_node(self, node, buf):
        if node.n_out == 1:
            idx = self.targets.get((id(node), 0))
            if idx:
                for i in idx:
                    self.found[i] = buf
            return
        for nr in range(node.n_out):
            idx = self.targets.get((id(node), nr))
            if idx and buf is not None:
                for i in idx:
                    self.found[i] = buf[nr]

    def _leaf(self, t, g):
        if g is None:
            return
        g = _hooks.run_tensor_hooks(t, g)
        if self.targets is not None:
            for i in self.targets.get(id(t), ()):
                self.found[i] = g
            return
        accumulate(t, g, self.create, self.seen)


def _active_nodes(starts, targets, stop=False) -> set:
    """The nodes that lead to a target (and so must run), by id."""
    leaf_keys = {k for k in targets if type(k) is int}
    node_keys = {k[0] for k in targets if type(k) is tuple}
    memo: dict = {}
    for s in starts:
        if not isinstance(s, Node):
            continue
        # An iterative post-order walk: a node is active if any edge leads to a target.
        stack = [(s, False)]
        while stack:
            node, expanded = stack.pop()
            k = id(node)
            if k in memo and not expanded:
                continue
            if stop and k in node_keys:
                memo[k] = False  # a target: its gradient is captured, nothing runs beyond
                continue
            if not expanded:
                stack.append((node, True))
                for e in node.edges:
                    t = e[0]
                    if isinstance(t, Node) and id(t) not in memo:
                        stack.append((t, False))
                continue
            memo[k] = any(_leads(e[0], leaf_keys, node_keys, memo) for e in node.edges)
    return {k for k, v in memo.items() if v}


def _leads(t, leaf_keys, node_keys, memo):
    if t is None:
        return False
    k = id(t)
    if not isinstance(t, Node):
        return k in leaf_keys
    return k in node_keys or memo.get(k, False)


def _conform(g, edge, node):
    """``g`` summed over broadcast dims and cast to the input's dtype (the edge's)."""
    shape, dtype = edge[2], edge[3]
    if g._data.shape != shape:
        g = sum_to(g, shape, node)
    if g._data.dtype != dtype:
        if g._data.dtype.kind == "c" and dtype.kind != "c":
            g = _OPS["real"](g)
        if g._data.dtype != dtype:
            g = _dispatch.dispatch(_OPS["to_dtype"], (g, _FROM_NUMPY[dtype]), {})
    return g


def sum_to(g, shape, node=None):
    """``g`` summed down to ``shape`` (the reverse of broadcasting ``shape`` to g's shape)."""
    gshape = g._data.shape
    lead = len(gshape) - len(shape)
    if lead > 0 and gshape[lead:] == shape:  # a bias: only leading dims were broadcast
        return _sum_dims(g, tuple(range(lead)), False)
    ok = lead >= 0 and all(s in (1, gs) for s, gs in zip(shape, gshape[lead:]))
    if not ok:
        who = node.name() if node is not None else "backward"
        raise RuntimeError(
            f"Function {who} returned an invalid gradient - got {list(gshape)} but expected "
            f"shape compatible with {list(shape)}"
        )
    kept = tuple(i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if kept:
        g = _sum_dims(g, tuple(range(lead)) + kept, True)
    if g._data.shape != shape:
        g = _OPS["reshape"](g, shape)
    return g


def _sum_dims(g, dims, keepdim):
    """``g.sum(dims, keepdim)``; unless the pass is being recorded (or observed), the sum
    kernel runs on the array directly, skipping the dispatcher (once per bias per step)."""
    if STATE.grad or _dispatch.OBSERVERS or g._requires_grad:
        return _OPS["sum"](g, dims, keepdim=keepdim)
    device, xp = g._device, g._device.xp
    return _wrap(xp.asarray(_OPS["sum"].kernel_for(device)(xp, g._data, dims, keepdim)), device)


def accumulate(t, g, create_graph, seen=None):
    """Add ``g`` into leaf ``t``'s ``.grad``, then run its post-accumulate hooks."""
    old = t._grad
    if old is None:
        t._grad = g if create_graph else _owned(g, seen)
    elif create_graph or old._requires_grad or g._requires_grad:
        t._grad = old + g
    elif (
        old._data.flags.writeable
        and old._base is None
        and old._data.base is None
        and old._data.shape == g._data.shape
    ):
        old._data += g._data
    else:
        t._grad = old + g
    _hooks.run_post_accumulate(t)


def _owned(g, seen):
    """``g``, or a dense copy when its array is read-only or strided (a broadcast, a
    transpose) or already given to another leaf in this backward.

    A contiguous view of a fresh gradient (a matmul's result transposed twice, a slice
    of ``cat``'s) is kept as it is: copying it would cost a weight-sized copy per
    parameter and step. ``accumulate`` only adds in place into grads that own their
    memory, so a later accumulation never writes through such a view.
    """
    data = g._data
    shared = (
        not data.flags.writeable
        or not data.flags.c_contiguous
        or (seen is not None and id(data) in seen)
    )
    if shared:
        data = data.copy()
        g = _wrap(data, g._device)
    if seen is not None:
        seen.add(id(data))
    return g


def numel(shape) -> int:
    return math.prod(shape)


from ember._ops import OPS as _OPS  # noqa: E402
from ember.dtypes import FROM_NUMPY as _FROM_NUMPY  # noqa: E402
