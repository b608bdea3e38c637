"""Module hooks: their registration, their calling around ``forward``, and removable handles
(``torch.utils.hooks.RemovableHandle``)."""

from __future__ import annotations

import itertools

_ids = itertools.count()


class RemovableHandle:
    """Returned by ``register_*_hook``; ``remove()`` (or leaving a ``with`` block) unregisters."""

    def __init__(self, *tables):
        self.id = next(_ids)
        self._tables = tables

    def remove(self) -> None:
        for table in self._tables:
            if isinstance(table, set):  # the ids of hooks registered with_kwargs
                table.discard(self.id)
            else:
                table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class ModuleHooks:
    """The hook half of :class:`~ember.nn.Module`: ``register_*_hook`` and the hooked call.

    The tables (``_forward_pre_hooks``...) are made by ``Module.__init__``.
    """

    def _call_with_hooks(self, args, kwargs):
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {res}."
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        if self._backward_hooks or self._backward_pre_hooks:
            from ember.nn.backward_hooks import BackwardHook

            bw = BackwardHook(self, self._backward_hooks, self._backward_pre_hooks)
            args = bw.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
        else:
            bw = None
            result = self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_hooks.items()):
            if hid in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, result)
            else:
                res = hook(self, args, result)
            if res is not None:
                result = res
        if bw is not None:
            result = bw.setup_output_hook(result)
        return result

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` (or ``(module, args, kwargs)``) runs before ``forward``."""
        return self._add_hook(
            self._forward_pre_hooks, hook, prepend, with_kwargs, self._forward_pre_hooks_with_kwargs
        )

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args, output)`` runs after ``forward``; may replace the output."""
        return self._add_hook(
            self._forward_hooks, hook, prepend, with_kwargs, self._forward_hooks_with_kwargs
        )

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` runs once the input grads are known."""
        return self._add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` runs before the module's input grads are computed."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    def register_state_dict_pre_hook(self, hook):
        """``hook(module, prefix, keep_vars)`` runs before ``state_dict`` collects entries."""
        return self._add_hook(self._state_dict_pre_hooks, hook, False)

    def register_state_dict_post_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata)`` may edit the result in place."""
        return self._add_hook(self._state_dict_hooks, hook, False)

    _register_state_dict_hook = register_state_dict_post_hook

    def register_load_state_dict_pre_hook(self, hook):
        """``hook(module, state_dict, prefix, metadata, strict, missing, unexpected, errors)``."""
        return self._add_hook(self._load_state_dict_pre_hooks, hook, False)

    def register_load_state_dict_post_hook(self, hook):
        """``hook(module, incompatible_keys)`` runs after ``load_state_dict``."""
        return self._add_hook(self._load_state_dict_post_hooks, hook, False)

    @staticmethod
    def _add_hook(table, hook, prepend, with_kwargs=False, kwargs_set=None):
        handle = RemovableHandle(table, kwargs_set if kwargs_set is not None else {})
        table[handle.id] = hook
        if prepend:
            table.move_to_end(handle.id, last=False)
        if with_kwargs and kwargs_set is not None:
            kwargs_set.add(handle.id)
        return handle
