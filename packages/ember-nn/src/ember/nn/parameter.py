"""``Parameter`` and ``Buffer``: tensors a Module registers by attribute assignment."""

from __future__ import annotations

import ember
from ember.dispatch import wrap


class Parameter(ember.Tensor):
    """A tensor that is a module parameter: assigning one to a Module attribute registers it.

    Shares storage with ``data``; requires grad unless told otherwise.

    >>> w = ember.nn.Parameter(ember.zeros(3, 2))
    """

    __slots__ = ()

    def __new__(cls, data=None, requires_grad: bool = True):
        if data is None:
            data = ember.empty(0)
        t = object.__new__(cls)
        src = wrap(data._data, data.device)
        for slot in ("_data", "_device", "_requires_grad", "grad_fn", "_grad", "_base", "_vc"):
            setattr(t, slot, getattr(src, slot))
        if requires_grad:
            t.requires_grad = True
        return t

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.detach(), self.requires_grad))

    def __deepcopy__(self, memo):
        p = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = p
        return p


class Buffer(ember.Tensor):
    """Marks a tensor as a buffer when assigned to a Module attribute.

    ``persistent=False`` keeps it out of ``state_dict``.
    """

    __slots__ = ("persistent",)

    def __new__(cls, data=None, *, persistent: bool = True):
        data = ember.empty(0) if data is None else data
        t = object.__new__(cls)
        src = wrap(data._data, data.device)
        for slot in ("_data", "_device", "_requires_grad", "grad_fn", "_grad", "_base", "_vc"):
            setattr(t, slot, getattr(src, slot))
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent: bool = True):
        pass


def is_lazy(param) -> bool:
    """Whether ``param`` is an :class:`UninitializedParameter` still waiting for its shape."""
    return isinstance(param, UninitializedParameter)


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known until a lazy module sees its first input.

    ``materialize(shape)`` turns it, in place, into an ordinary :class:`Parameter`
    (uninitialised values), so references held elsewhere stay valid.
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return super().__new__(cls, ember.empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None) -> Parameter:
        """Give this parameter ``shape`` (and a device/dtype) and make it a Parameter."""
        data = ember.empty(*tuple(shape), device=device or self.device, dtype=dtype or self.dtype)
        self._data = data._data
        self._device = data._device
        self.__class__ = self.cls_to_become
        return self

    def __repr__(self):
        return "<UninitializedParameter>"

    def __reduce_ex__(self, protocol):
        return (UninitializedParameter, (self.requires_grad,))

    def __deepcopy__(self, memo):
        p = UninitializedParameter(self.requires_grad, self.device, self.dtype)
        memo[id(self)] = p
        return p
