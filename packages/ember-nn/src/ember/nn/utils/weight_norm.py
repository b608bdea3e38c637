"""Hook-based weight normalization (``torch.nn.utils.weight_norm``), kept for old checkpoints.

``module.<name>`` is replaced by parameters ``<name>_g`` (the norms) and ``<name>_v``
(the direction), and a forward pre-hook recomputes ``module.<name> = g * v / ||v||``
before every call. The state_dict keys are therefore ``<name>_g`` and ``<name>_v``,
as in checkpoints written by PyTorch's ``weight_norm``. New code can use
:func:`ember.nn.utils.parametrizations.weight_norm`, which reads these keys too.
"""

from __future__ import annotations

from ember.nn.module import Module
from ember.nn.parameter import Parameter, is_lazy
from ember.nn.utils.parametrizations import _norm_except_dim, _weight_norm

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]


class WeightNorm:
    """The forward pre-hook that rebuilds ``module.<name>`` from ``<name>_g`` and ``<name>_v``.

    A class rather than a closure so that hooked modules can be pickled and deep-copied,
    and so that :func:`remove_weight_norm` can find it among the module's hooks.
    """

    def __init__(self, name: str, dim) -> None:
        self.name = name
        # PyTorch's convention: -1 (like None) means one norm over the whole tensor.
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim) -> WeightNorm:
        weight = _hookable_parameter(module, name, WeightNorm, "weight_norm", "weight")
        fn = WeightNorm(name, dim)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        # A plain attribute (neither parameter nor buffer), so it stays out of the state_dict.
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module))


def _hookable_parameter(module: Module, name: str, kind: type, fn: str, what: str) -> Parameter:
    """``module``'s parameter ``name``, checked for a norm hook of class ``kind`` (``fn``
    in messages, normalizing ``what``): not hooked already, present and initialized."""
    if _find_hook(module, kind, name) is not None:
        raise RuntimeError(f"Cannot register two {fn} hooks on the same parameter {name}")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"Module '{module}' has no parameter with name '{name}'")
    if is_lazy(weight):
        raise ValueError(
            f"The module passed to `{kind.__name__}` can't have uninitialized parameters. "
            f"Make sure to run the dummy forward before applying {what} normalization"
        )
    return weight


def _find_hook(module: Module, kind: type, name: str):
    """The id of ``module``'s forward pre-hook of class ``kind`` acting on ``name``, or None."""
    for hook_id, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            return hook_id
    return None


def weight_norm(module: Module, name: str = "weight", dim=0) -> Module:
    """Reparametrize ``module.<name>`` as ``<name>_g * <name>_v / ||<name>_v||``.

    The norm is over every dim but ``dim`` (``dim=None`` or ``-1``: over the whole
    tensor, with a scalar ``g``), so ``g`` has ``v``'s shape with every other dim 1.
    ``module.<name>`` is recomputed before each forward. Returns ``module``.

    >>> layer = weight_norm(ember.nn.Linear(20, 40), name="weight")
    >>> tuple(layer.weight_g.shape), tuple(layer.weight_v.shape)
    ((40, 1), (40, 20))
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`weight_norm`: ``module.<name>`` becomes a plain parameter again,
    holding the current ``g * v / ||v||``.

    >>> layer = remove_weight_norm(weight_norm(ember.nn.Linear(20, 40)))
    """
    _unhook(module, name, WeightNorm, "weight_norm")
    return module


def _unhook(module: Module, name: str, kind: type, fn: str) -> None:
    """Take ``module``'s norm hook of class ``kind`` on ``name`` off and undo it."""
    hook_id = _find_hook(module, kind, name)
    if hook_id is None:
        raise ValueError(f"{fn} of '{name}' not found in {module}")
    module._forward_pre_hooks[hook_id].remove(module)
    del module._forward_pre_hooks[hook_id]
