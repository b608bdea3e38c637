"""Tensor methods that belong to autograd, bound to ``Tensor`` when the core lacks them.

The core's ``Tensor`` defers ``backward`` to this package; these are the other
autograd methods of ``torch.Tensor``. They are installed at import only where
``Tensor`` does not define the name itself, so a core that grows its own
delegating methods takes precedence.
"""

from __future__ import annotations

from ember.autograd import hooks as _hooks
from ember.tensor import Tensor


def _register_hook(self, hook):
    """Call ``hook(grad)`` with this tensor's gradient; it may return a replacement."""
    return _hooks.register_hook(self, hook)


def _register_post_accumulate_grad_hook(self, hook):
    """Call ``hook(self)`` after a gradient was accumulated into this leaf's ``.grad``."""
    return _hooks.register_post_accumulate_grad_hook(self, hook)


def _retain_grad(self):
    """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
    _hooks.retain_grad(self)


METHODS = {
    "register_hook": _register_hook,
    "register_post_accumulate_grad_hook": _register_post_accumulate_grad_hook,
    "retain_grad": _retain_grad,
    "retains_grad": property(_hooks.retains_grad, doc="Whether ``retain_grad()`` was called."),
}


def install() -> None:
    for name, fn in METHODS.items():
        if name not in Tensor.__dict__:
            setattr(Tensor, name, fn)
