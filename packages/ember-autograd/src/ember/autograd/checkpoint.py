"""Activation checkpointing: keep a segment's inputs, recompute its graph in backward.

``checkpoint(fn, *args)`` runs ``fn`` without recording a graph, so none of its
intermediate activations stay alive; the backward pass runs ``fn`` again with
recording on (from the same random-number state, so dropout draws the same
masks) and differentiates that. Tensors that ``fn`` uses without receiving them
as arguments (a module's parameters) are found during the first run: the
recorder notes each outside tensor that requires grad.
"""

from __future__ import annotations

import copy

from ember.autograd import engine as _engine
from ember.autograd.function import Function
from ember.autograd.grad_mode import STATE
from ember.tensor import Tensor

__all__ = ["checkpoint"]


def _generators():
    from ember import random as _random

    _random.default_generator()
    return list(_random._defaults.values())


def _get_state(g):
    if hasattr(g, "get_state"):
        return g.get_state()
    try:
        return copy.deepcopy(g.rng.bit_generator.state)
    except AttributeError:
        return copy.deepcopy(g.rng)


def _set_state(g, state) -> None:
    if hasattr(g, "set_state"):
        g.set_state(state)
    elif isinstance(state, dict):
        g.rng.bit_generator.state = copy.deepcopy(state)
    else:
        g.rng = copy.deepcopy(state)


def rng_states() -> list:
    """The state of every default generator, to replay random draws."""
    return [(g, _get_state(g)) for g in _generators()]


def set_rng_states(states) -> None:
    for g, s in states:
        _set_state(g, s)


class _Segment:
    """What the first run of a checkpointed segment leaves for its backward."""

    __slots__ = ("args", "fn", "kwargs", "n_args", "out", "rng", "tensors")


class _Checkpoint(Function):
    @staticmethod
    def forward(ctx, seg, *tensors):
        ctx.seg = seg
        return seg.out

    @staticmethod
    def backward(ctx, *grads):
        seg = ctx.seg
        tensors = seg.tensors
        current = rng_states() if seg.rng is not None else None
        if seg.rng is not None:
            set_rng_states(seg.rng)
        prev = STATE.grad
        STATE.grad = True
        try:
            args = [_fresh(a) for a in seg.args]
            out = seg.fn(*args, **seg.kwargs)
        finally:
            STATE.grad = prev
            if current is not None:
                set_rng_states(current)
        outs = out if isinstance(out, tuple) else (out,)
        pairs = [
            (o, g)
            for o, g in zip(outs, grads)
            if isinstance(o, Tensor) and o._requires_grad and g is not None
        ]
        # The inputs as the recomputed graph saw them (fresh leaves), then the outside
        # tensors it reached; gradients stop at both, the outer backward goes on from there.
        targets = [a for a in args[: seg.n_args] if isinstance(a, Tensor) and a._requires_grad]
        targets += tensors[len(targets) :]
        found = [None] * len(targets)
        if pairs and targets:
            found = _engine.execute(
                [o for o, _ in pairs], [g for _, g in pairs], False, prev, targets, stop=True
            )
        return (None, *found)


def _fresh(a):
    if isinstance(a, Tensor) and a._requires_grad:
        d = a.detach()
        d.requires_grad = True
        return d
    return a


def checkpoint(
    function,
    *args,
    use_reentrant=None,
    context_fn=None,
    determinism_check="default",
    debug=False,
    preserve_rng_state=True,
    **kwargs,
):
    """Run ``function(*args, **kwargs)`` without keeping its activations for backward.

    Args:
        function: the segment to checkpoint.
        preserve_rng_state: replay the random-number state in the recomputation.

    >>> y = ember.autograd.checkpoint(block, x)  # block's activations are recomputed
    """
    if not STATE.grad:
        return function(*args, **kwargs)
    rng = rng_states() if preserve_rng_state else None
    found: dict = {}
    prev_capture, prev_grad = STATE.capture, STATE.grad
    STATE.capture, STATE.grad = found, False
    try:
        out = function(*args, **kwargs)
    finally:
        STATE.capture, STATE.grad = prev_capture, prev_grad
    if prev_capture is not None:
        prev_capture.update(found)  # an enclosing checkpoint needs these too
    inputs = [a for a in args if isinstance(a, Tensor) and a._requires_grad]
    seen = {id(a) for a in inputs}
    outside = [t for k, t in found.items() if k not in seen]
    if not inputs and not outside:
        return out
    seg = _Segment()
    seg.fn, seg.args, seg.kwargs, seg.rng, seg.out = function, args, kwargs, rng, out
    seg.n_args = len(args)
    seg.tensors = inputs + outside
    return _Checkpoint.apply(seg, *seg.tensors)
