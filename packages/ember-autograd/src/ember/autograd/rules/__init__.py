"""Derivative rules, one table per op family, mirroring ``ember/_ops/``.

``DERIVATIVES[name]`` is the reverse-mode rule of op ``name``::

    rule(grad, out, *args, needs_input_grad=..., **kwargs) -> tuple

``grad`` is the gradient of the op's output (a tuple, with None for outputs that
got none, when the op has several), ``out`` the op's output and ``args``/``kwargs``
the call's arguments (tensors as tensors). The rule returns one entry per
positional argument: a gradient tensor, None (no gradient, or not a tensor), or
for an argument that is a list of tensors, a list. A keyword-only tensor
argument is given by name in a returned dict. Rules are written in ember ops,
so that the engine can differentiate them again (double backward).

Rules do not reduce broadcast dimensions or cast to the input's dtype: the
engine does both once. A parameter whose name starts with ``_`` tells the
engine that the rule reads only that argument's shape, dtype or device, so
modifying it in place later does not invalidate the graph; taking
``needs_input_grad`` (a tuple of bools by argument position) lets a rule skip
gradients nobody asked for.

``DERIVATIVES[name] = NOT_DIFFERENTIABLE`` marks ops without a derivative
(comparisons, argmax, integer ops); their outputs never require grad.

``JVPS[name]`` is the forward-mode rule: ``jvp(tangents, out, *args, **kwargs)``
returns the output's tangent (a tuple for several outputs), where ``tangents``
has one entry per positional argument (None where there is none). Ops without
one fall back to transposing their reverse-mode rule.
"""

from __future__ import annotations


class _NotDifferentiable:
    def __repr__(self):
        return "NOT_DIFFERENTIABLE"


NOT_DIFFERENTIABLE = _NotDifferentiable()

DERIVATIVES: dict = {}
JVPS: dict = {}


def _load() -> None:
    """Merge the table of every family module here (one per ``ember/_ops/`` module)."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        DERIVATIVES.update(mod.DERIVATIVES)
        JVPS.update(getattr(mod, "JVPS", {}))


def not_implemented(name: str, why: str = ""):
    """A rule for an op whose derivative Ember does not compute yet: recording works,
    backward through it raises NotImplementedError naming the op."""

    def rule(_grad, _out, *_args, **_kwargs):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented{why}")

    rule.not_implemented = True
    return rule


_load()
