"""Tensor hooks, ``retain_grad`` and the hooks of nodes, as the engine runs them.

A non-leaf tensor's hooks live on its ``grad_fn`` (keyed by which output the
tensor is); a leaf has no node, so its hooks live in a table keyed by the
tensor's id, dropped when the tensor dies.
"""

from __future__ import annotations

import weakref

from ember.autograd.graph import RemovableHandle
from ember.tensor import Tensor

__all__ = [
    "register_hook",
    "register_post_accumulate_grad_hook",
    "retain_grad",
    "retains_grad",
]


class _LeafHooks:
    __slots__ = ("__weakref__", "post", "pre", "ref")

    def __init__(self, t):
        self.pre: list = []
        self.post: list = []
        self.ref = weakref.ref(t, _forget(id(t)))


LEAF_HOOKS: dict = {}  # id(leaf) -> _LeafHooks


def _forget(key):
    """The callback that drops a leaf's hooks when the leaf dies."""
    return lambda _ref: LEAF_HOOKS.pop(key, None)


def _leaf_hooks(t) -> _LeafHooks:
    entry = LEAF_HOOKS.get(id(t))
    if entry is None or entry.ref() is not t:
        entry = LEAF_HOOKS[id(t)] = _LeafHooks(t)
    return entry


def _require_grad(t, what):
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: expected a Tensor, got {type(t).__name__}")
    if not t._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")


def register_hook(t, hook) -> RemovableHandle:
    """Call ``hook(grad)`` with the gradient of ``t`` each time one is computed.

    The hook may return a tensor, which replaces the gradient from then on.

    >>> h = x.register_hook(lambda g: g * 2)  # doubles x's gradient
    >>> h.remove()
    """
    _require_grad(t, "register_hook")
    fn = t.grad_fn
    if fn is None:
        hooks = _leaf_hooks(t).pre
    else:
        hooks = fn.node_hooks().tensor_pre.setdefault(fn.output_nr(t), [])
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def register_post_accumulate_grad_hook(t, hook) -> RemovableHandle:
    """Call ``hook(t)`` after a gradient has been accumulated into leaf ``t``'s ``.grad``."""
    _require_grad(t, "register_post_accumulate_grad_hook")
    if t.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    hooks = _leaf_hooks(t).post
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def retain_grad(t) -> None:
    """Keep the gradient of non-leaf ``t`` in its ``.grad`` after backward."""
    if not t._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    fn = t.grad_fn
    if fn is None:
        return  # leaves keep theirs anyway
    fn.node_hooks().retains[fn.output_nr(t)] = weakref.ref(t)


def retains_grad(t) -> bool:
    fn = t.grad_fn
    if fn is None or fn.hooks is None:
        return False
    ref = fn.hooks.retains.get(fn.output_nr(t))
    return ref is not None and ref() is t


# ---- run by the engine ------------------------------------------------------------


def run_prehooks(node, buf):
    """Tensor hooks, ``retain_grad`` and node pre-hooks, on the gradients of node's outputs."""
    h = node.hooks
    single = node.n_out == 1
    grads = [buf] if single else list(buf) if buf is not None else [None] * node.n_out
    if h.tensor_pre:
        for nr, hooks in h.tensor_pre.items():
            for hook in list(hooks):
                if grads[nr] is not None:
                    r = hook(grads[nr])
                    if r is not None:
                        grads[nr] = r
    if h.retains:
        for nr, ref in h.retains.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr]
                t._grad = g if t._grad is None else t._grad + g
    for hook in list(h.pre):
        r = hook(tuple(grads))
        if r is not None:
            grads = list(r)
    return grads[0] if single else grads


def run_posthooks(node, grads, buf):
    outs = (buf,) if node.n_out == 1 else tuple(buf)
    for h in list(node.hooks.post):
        r = h(tuple(grads), outs)
        if r is not None:
            grads = list(r)
    return grads


def run_tensor_hooks(t, g):
    entry = LEAF_HOOKS.get(id(t)) if LEAF_HOOKS else None
    if entry is None or entry.ref() is not t:
        return g
    for h in list(entry.pre):
        r = h(g)
        if r is not None:
            g = r
    return g


def run_post_accumulate(t) -> None:
    entry = LEAF_HOOKS.get(id(t)) if LEAF_HOOKS else None
    if entry is None or entry.ref() is not t:
        return
    for h in list(entry.post):
        h(t)
