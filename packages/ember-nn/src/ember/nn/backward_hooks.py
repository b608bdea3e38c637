"""Full module backward hooks, as PyTorch's ``torch.utils.hooks.BackwardHook``.

A module call with backward hooks passes its tensor inputs, and then its tensor
outputs, through an identity :class:`~ember.autograd.Function`. The node in
front of the outputs sees the gradients of the outputs first (``grad_output``):
a pre-hook on it runs the module's backward pre-hooks. The node in front of
the inputs is the last the gradient crosses inside the module: a hook on it
sees the gradients of the inputs (``grad_input``) and runs the module's full
backward hooks with both. Either kind of hook may return replacements.
"""

from __future__ import annotations

from ember.autograd import Function, is_grad_enabled
from ember.tensor import Tensor

__all__ = ["BackwardHook", "BackwardHookFunction"]


class BackwardHookFunction(Function):
    """Identity on its tensor arguments; its node is where module hooks attach."""

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *grads):
        return grads


class BackwardHook:
    """Wraps one call of ``module`` so that its backward (pre-)hooks run.

    ``user_hooks`` and ``user_pre_hooks`` are the module's hook tables (dicts of
    ``id -> hook``), read when the backward pass reaches them.
    """

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.n_inputs = -1
        self.input_tensors_index = None

    @staticmethod
    def _pack_with_none(indices, values, size):
        res = [None] * size
        for idx, val in zip(indices, values):
            res[idx] = val
        return tuple(res)

    @staticmethod
    def _unpack_none(indices, values):
        return tuple(values[idx] for idx in indices)

    def _set_user_hook(self, grad_fn):
        def hook(grad_input, _grad_output):
            if self.grad_outputs is None:
                # The gradient did not come through this call's outputs (e.g. only
                # some inputs were differentiated): there is nothing to report.
                return None
            res = self._pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
            for user_hook in list(self.user_hooks.values()):
                out = user_hook(self.module, res, self.grad_outputs)
                if out is None:
                    continue
                out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
                if len(out) != len(res):
                    raise RuntimeError(
                        "Backward hook returned an invalid number of grad_input, got "
                        f"{len(out)}, but expected {len(res)}"
                    )
                res = out
            self.grad_outputs = None
            return self._unpack_none(self.input_tensors_index, res)

        grad_fn.register_hook(hook)

    def _apply_on_tensors(self, fn, args):
        """Pass the tensors of ``args`` through the identity; ``fn`` gets its node."""
        tensors_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in tensors_idx]
        requires_grad = any(t.requires_grad for t in tensors)
        if not (requires_grad and is_grad_enabled()):
            return args, None
        new_tensors = BackwardHookFunction.apply(*tensors)
        grad_fns = [
            t.grad_fn
            for t in new_tensors
            if t.grad_fn is not None and t.grad_fn.name() == "BackwardHookFunctionBackward"
        ]
        if not grad_fns:
            raise RuntimeError("Error while setting up backward hooks: no hook node was made")
        fn(grad_fns[0])
        out = list(args)
        for idx, val in zip(tensors_idx, new_tensors):
            out[idx] = val
        return tuple(out), tensors_idx

    def setup_input_hook(self, args):
        """Route the tensor inputs through the identity; returns the new ``args``."""
        res, input_idx = self._apply_on_tensors(self._set_user_hook, args)
        self.n_inputs = len(args)
        self.input_tensors_index = input_idx
        return res

    def _output_prehook(self, grad_output):
        self.grad_outputs = self._pack_with_none(
            self.output_tensors_index, grad_output, self.n_outputs
        )
        expected = len(self.grad_outputs)
        for pre_hook in list(self.user_pre_hooks.values()):
            out = pre_hook(self.module, self.grad_outputs)
            if out is None:
                continue
            out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            if len(out) != expected:
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, got "
                    f"{len(out)}, but expected {expected}"
                )
            self.grad_outputs = out
        if self.input_tensors_index is None:
            # No input requires grad: the input node never runs, so report here.
            grad_inputs = self._pack_with_none([], [], self.n_inputs)
            for user_hook in list(self.user_hooks.values()):
                res = user_hook(self.module, grad_inputs, self.grad_outputs)
                if res is not None and not (isinstance(res, tuple) and all(r is None for r in res)):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients."
                    )
            self.grad_outputs = None
            return None
        return tuple(self.grad_outputs[i] for i in self.output_tensors_index)

    def setup_output_hook(self, result):
        """Route the tensor outputs through the identity; returns the new result."""

        def fn(grad_fn):
            grad_fn.register_prehook(self._output_prehook)

        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        res, output_idx = self._apply_on_tensors(fn, args)
        self.n_outputs = len(args)
        self.output_tensors_index = output_idx
        if not is_tuple:
            return res[0]
        return res if type(result) is tuple else type(result)(*res)
