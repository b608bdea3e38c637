"""The Tensor: an array (NumPy or CuPy) on a device, plus autograd's bookkeeping.

Every computation goes through the op table (``ember._ops``); methods and
Python operators are installed from it by :func:`install_methods`, so a
``Tensor`` method and the ``ember`` function of the same name are one op.
"""

from __future__ import annotations

import importlib
import sys

import numpy as np

from ember import dispatch as _dispatch
from ember import dtypes as _dt
from ember._tensor_views import OPS as _OPS
from ember._tensor_views import ViewMethods
from ember.devices import CPU, as_device

__all__ = ["Tensor", "Size"]


class Size(tuple):
    """A tensor's shape: a tuple of ints, as ``torch.Size``."""

    __slots__ = ()

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"ember.Size([{', '.join(map(str, self))}])"

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r


def _autograd():
    """ember.autograd, imported on first need, or a clear error naming the package."""
    try:
        return importlib.import_module("ember.autograd")
    except ImportError as e:
        if e.name not in ("ember.autograd",):
            raise
        raise RuntimeError(
            "gradients need the ember-autograd distribution, which is not installed: "
            "pip install ember-autograd"
        ) from None


class Tensor(ViewMethods):
    """A multi-dimensional array on a device, with PyTorch's methods and semantics.

    Make one with ``ember.tensor``, ``ember.zeros``... rather than this class.
    """

    __slots__ = (
        "__weakref__",
        "_base",
        "_data",
        "_device",
        "_grad",
        "_meta",
        "_requires_grad",
        "_vc",
        "grad_fn",
    )
    __array_priority__ = 1000  # so ndarray + Tensor defers to Tensor.__radd__

    def __init__(self, data=None):
        from ember._ops.creation import tensor

        t = tensor([] if data is None else data)
        self._data, self._device = t._data, t._device
        self._requires_grad, self.grad_fn, self._grad, self._base, self._vc = (
            False,
            None,
            None,
            None,
            0,
        )

    # ---- basic attributes -----------------------------------------------------------

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self) -> _dt.dtype:
        return _dt.FROM_NUMPY[self._data.dtype]

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    def is_floating_point(self) -> bool:
        return self.dtype.category == _dt.FLOATING

    def is_complex(self) -> bool:
        return self.dtype.category == _dt.COMPLEX

    # ---- memory layout --------------------------------------------------------------

    def stride(self, dim=None):
        """Strides in elements, as PyTorch reports them."""
        size = self._data.dtype.itemsize
        st = tuple(s // size for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim, "stride")]

    def storage_offset(self) -> int:
        """Offset in elements of this tensor's first element from its base's first element."""
        root = self._base
        if root is None:
            return 0
        return (self.data_ptr() - root.data_ptr()) // self._data.dtype.itemsize

    def data_ptr(self) -> int:
        if isinstance(self._data, np.ndarray):
            return self._data.__array_interface__["data"][0]
        return self._data.data.ptr

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    @property
    def _version(self) -> int:
        """Bumped by every in-place change to this tensor or a view of its storage."""
        root = self._base if self._base is not None else self
        return root._vc

    def _bump_version(self) -> None:
        root = self._base if self._base is not None else self
        root._vc += 1

    # ---- autograd's fields (the engine lives in ember-autograd) ---------------------

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value:
            _autograd()
            if self.dtype.category < _dt.FLOATING:
                raise RuntimeError(
                    f"only tensors of floating point and complex dtype can "
                    f"require gradients, got {self.dtype}"
                )
            if self.grad_fn is not None:
                raise RuntimeError("requires_grad can only be changed on leaf tensors")
        elif self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use detach()"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None and value.shape != self.shape:
            raise RuntimeError(
                f"assigned grad has shape {tuple(value.shape)}, expected {tuple(self.shape)}"
            )
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute gradients of this tensor w.r.t. graph leaves (needs ember-autograd)."""
        _autograd().backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    @property
    def data(self) -> Tensor:
        """This tensor's storage, detached from autograd."""
        return _dispatch.wrap(self._data, self._device)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data
        self._device = value._device

    def detach(self) -> Tensor:
        """A tensor sharing storage with this one, cut from the autograd graph."""
        t = _dispatch.wrap(self._data, self._device)
        t._base = self._base if self._base is not None else self
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ---- conversions ----------------------------------------------------------------

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self.cpu()._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The NumPy array behind a CPU tensor (no copy)."""
        if self._device is not CPU:
            if not force:
                raise TypeError(f"can't convert {self._device} tensor to numpy; use .cpu() first")
            return self._data.get()
        if self._requires_grad and not force:
            raise RuntimeError(
                "can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self._data if self._device is CPU else self._data.get()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __dlpack__(self, *args, **kwargs):
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    @property
    def __cuda_array_interface__(self):
        if self._device is CPU:
            raise AttributeError("__cuda_array_interface__ is only defined for CUDA tensors")
        return self._data.__cuda_array_interface__

    def to(self, *args, **kwargs) -> Tensor:
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other)``.

        Returns ``self`` when nothing changes, as PyTorch does.
        """
        device, dtype, copy = _parse_to(args, kwargs)
        out = self
        if device is not None and as_device(device) is not self._device:
            out = _to_device(out, as_device(device))
        if dtype is not None and _dt.as_dtype(dtype) is not out.dtype:
            out = _OPS["to_dtype"](out, _dt.as_dtype(dtype))
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self) -> Tensor:
        return self.to(CPU)

    def cuda(self, device=None) -> Tensor:
        return self.to(as_device("cuda" if device is None else device))

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def type(self, dtype=None):
        if dtype is None:
            return f"ember.{self.dtype.name}"
        return self.to(_dt.as_dtype(dtype))

    # ---- Python protocol ------------------------------------------------------------

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} elements is ambiguous"
            )
        return bool(self._data.reshape(()))

    def is_nonzero(self) -> bool:
        """``bool(self)`` for a one-element tensor; other sizes raise."""
        return bool(self)

    def __int__(self):
        return int(self.item())

    def __float__(self):
        return float(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self.dtype.category not in (_dt.INTEGRAL, _dt.BOOL) or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from ember._printing import tensor_repr

        return tensor_repr(self)

    def __reduce_ex__(self, protocol):
        from ember._ops.creation import tensor

        return (tensor, (self.cpu()._data.copy(),))

    def __deepcopy__(self, memo):
        t = self.clone().detach()
        t._requires_grad = self._requires_grad
        memo[id(self)] = t
        return t

    def where(self, condition, other) -> Tensor:
        """``ember.where(condition, self, other)`` (PyTorch's method argument order)."""
        return _OPS["where"](condition, self, other)

    # ---- in-place helpers shared by the generated ``op_`` methods --------------------

    def _assign(self, result: Tensor, name: str) -> Tensor:
        """Write ``result`` into this tensor's storage, as an in-place op ``name`` does."""
        if not _dt.can_cast(result.dtype, self.dtype):
            raise RuntimeError(
                f"{name}: result type {result.dtype.name} can't be cast to "
                f"the desired output type {self.dtype.name}"
            )
        if result.shape != self.shape:
            if np.broadcast_shapes(result.shape, self.shape) != tuple(self.shape):
                raise RuntimeError(
                    f"{name}: output with shape {list(self.shape)} doesn't "
                    f"match the broadcast shape {list(result.shape)}"
                )
        return _OPS["copy_"](self, result)


def _conversion(name, dtype):
    def method(self, memory_format=None) -> Tensor:
        return self.to(dtype)

    method.__name__ = name
    method.__doc__ = f"``self.to(ember.{dtype.name})``; ``self`` itself if it has that dtype."
    return method


# PyTorch's dtype shorthands: x.float(), x.long()...
for _name, _dtype in {
    "float": _dt.float32,
    "double": _dt.float64,
    "half": _dt.float16,
    "bfloat16": _dt.bfloat16,
    "long": _dt.int64,
    "int": _dt.int32,
    "short": _dt.int16,
    "char": _dt.int8,
    "byte": _dt.uint8,
    "bool": _dt.bool,
    "cfloat": _dt.complex64,
    "cdouble": _dt.complex128,
}.items():
    setattr(Tensor, _name, _conversion(_name, _dtype))


def _wrap_dim(dim, ndim, name):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{name}: dimension out of range (expected to be in range of "
            f"[{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def _parse_to(args, kwargs):
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (_dt.dtype, type, np.dtype)):
            dtype = a
        elif a is not None:
            device = a
    return device, dtype, copy


def _to_device(t, device):
    if device is CPU:
        data = t._data.get()
    else:
        xp = device.xp
        with xp.cuda.Device(device.index):
            data = xp.asarray(t._data)
    return _OPS["to_device"](t, data, device)


# Python operators -> (op name, reflected)
_OPERATORS = {
    "__add__": ("add", False),
    "__radd__": ("add", True),
    "__sub__": ("sub", False),
    "__rsub__": ("sub", True),
    "__mul__": ("mul", False),
    "__rmul__": ("mul", True),
    "__truediv__": ("div", False),
    "__rtruediv__": ("div", True),
    "__floordiv__": ("floor_divide", False),
    "__rfloordiv__": ("floor_divide", True),
    "__mod__": ("remainder", False),
    "__rmod__": ("remainder", True),
    "__pow__": ("pow", False),
    "__rpow__": ("pow", True),
    "__matmul__": ("matmul", False),
    "__rmatmul__": ("matmul", True),
    "__and__": ("bitwise_and", False),
    "__rand__": ("bitwise_and", True),
    "__or__": ("bitwise_or", False),
    "__ror__": ("bitwise_or", True),
    "__xor__": ("bitwise_xor", False),
    "__rxor__": ("bitwise_xor", True),
    "__lshift__": ("bitwise_left_shift", False),
    "__rshift__": ("bitwise_right_shift", False),
    "__eq__": ("eq", False),
    "__ne__": ("ne", False),
    "__lt__": ("lt", False),
    "__le__": ("le", False),
    "__gt__": ("gt", False),
    "__ge__": ("ge", False),
}
_INPLACE_OPERATORS = {
    "__iadd__": "add",
    "__isub__": "sub",
    "__imul__": "mul",
    "__itruediv__": "div",
    "__ifloordiv__": "floor_divide",
    "__imod__": "remainder",
    "__ipow__": "pow",
    "__iand__": "bitwise_and",
    "__ior__": "bitwise_or",
    "__ixor__": "bitwise_xor",
}
# Ops PyTorch exposes as Tensor properties rather than methods.
_PROPERTIES = ("real", "imag")
_UNARY_OPERATORS = {
    "__neg__": "neg",
    "__abs__": "abs",
    "__invert__": "bitwise_not",
    "__pos__": "positive",
}


def _binary_method(op, reflected):
    call = _dispatch.dispatch
    if op.fast is not None:
        fast = op.fast
        if reflected:
            return lambda self, other: fast(other, self)
        return fast
    if reflected:
        return lambda self, other: call(op, (other, self), {})
    return lambda self, other: call(op, (self, other), {})


def _method(op):
    call = _dispatch.dispatch
    if op.fast is not None and op.nin == 1:
        fast = op.fast

        def unary_method(self, *args, **kwargs):
            if args or kwargs:
                return call(op, (self, *args), kwargs)
            return fast(self)

        unary_method.__name__ = op.name
        unary_method.__doc__ = op.__doc__
        return unary_method

    def method(self, *args, **kwargs):
        return call(op, (self, *args), kwargs)

    method.__name__ = op.name
    method.__doc__ = op.__doc__
    return method


def _writes_directly(self, args):
    """Whether ``self.op_(*args)`` may run ``op.into`` on the arrays at once: floating or
    complex CPU tensors of one dtype (or Python numbers), no observer or autocast, and
    nothing recorded (no input requires grad, or grad mode is off, as in an optimizer's
    step): there is nothing to record, promote or cast."""
    if self._device is not CPU or _dispatch.OBSERVERS or _dispatch.CASTS:
        return False
    dtype = self._data.dtype
    if dtype.kind not in "fc":
        return False
    grad = self._requires_grad
    for a in args:
        ta = type(a)
        if ta is Tensor or isinstance(a, Tensor):  # Parameter too
            if a._device is not CPU or a._data.dtype is not dtype:
                return False
            grad = grad or a._requires_grad
        elif ta is not float and ta is not int:
            return False
    return not grad or not _dispatch.RECORDING[0]()


def _inplace_method(op):
    call = _dispatch.dispatch
    marker = _dispatch.INPLACE_SELF
    name = op.name + "_"
    into = op.into

    def method(self, *args, **kwargs):
        if 0 in self._data.strides:  # refuse an expanded target before computing anything
            _dispatch.expect_no_internal_overlap(name, self._data)
        if into is not None and _writes_directly(self, args):
            vals = [a._data if isinstance(a, Tensor) else a for a in args]
            try:
                into(np, self._data, self._data, *vals, **kwargs)
            except (TypeError, ValueError):
                pass  # checked before any write (shapes, options): dispatch names the error
            else:
                self._bump_version()
                return self
        marker[0] = self
        try:
            result = call(op, (self, *args), kwargs)
        finally:
            marker[0] = None
        return self._assign(result, name)

    method.__name__ = name
    method.__doc__ = f"In-place :func:`ember.{op.name}`."
    return method


def _method_aliases():
    """(alias, op) for each alias a family exports of an op that is a method
    (``swapaxes`` of ``transpose``, ``subtract`` of ``sub``...): the alias is one too.
    """
    from ember._ops import Op

    for name, module in list(sys.modules.items()):
        if name.startswith("ember._ops.") and module is not None:
            for alias in getattr(module, "__all__", ()):
                op = getattr(module, alias, None)
                if isinstance(op, Op) and op.name != alias and op.method:
                    yield alias, op


def install_methods(ops: dict) -> None:
    """Give ``Tensor`` a method for every op (and ``op_`` for elementwise ones)."""
    _OPS.update(ops)
    for name, op in ops.items():
        if op.method and name not in Tensor.__dict__:
            setattr(Tensor, name, _method(op))
        inplace = name + "_"
        if op.promote is not None and op.method and inplace not in Tensor.__dict__:
            setattr(Tensor, inplace, _inplace_method(op))
    for alias, op in _method_aliases():
        for suffix in ("", "_"):
            method = Tensor.__dict__.get(op.name + suffix)
            if method is not None and alias + suffix not in Tensor.__dict__:
                setattr(Tensor, alias + suffix, method)
    for name in _PROPERTIES:
        if name in ops:
            setattr(Tensor, name, property(_method(ops[name]), doc=ops[name].__doc__))
    for dunder, (name, reflected) in _OPERATORS.items():
        if name in ops:
            setattr(Tensor, dunder, _binary_method(ops[name], reflected))
    for dunder, name in _INPLACE_OPERATORS.items():
        if name + "_" in Tensor.__dict__:
            setattr(Tensor, dunder, Tensor.__dict__[name + "_"])
    for dunder, name in _UNARY_OPERATORS.items():
        if name in ops:
            setattr(Tensor, dunder, _method(ops[name]))


_dispatch.Tensor = Tensor
