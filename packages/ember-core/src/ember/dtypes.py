"""Ember's dtypes and PyTorch's type-promotion rules.

A :class:`dtype` wraps a NumPy dtype (CuPy uses the same objects). Promotion
follows PyTorch, not NumPy: Python scalars are "weak" (they never widen a
tensor of the same category), 0-d tensors rank below dimensioned ones, and an
integer tensor meeting a float scalar becomes the *default* float dtype.
"""

from __future__ import annotations

import builtins

import ml_dtypes
import numpy as np

__all__ = [
    "dtype",
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "half",
    "float",
    "double",
    "short",
    "int",
    "long",
    "cfloat",
    "cdouble",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "result_type",
    "can_cast",
    "finfo",
    "iinfo",
]

# Categories, ordered: a higher category always wins over a lower one.
BOOL, INTEGRAL, FLOATING, COMPLEX = 0, 1, 2, 3


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, e.g. ``ember.float32``.

    Attributes mirror ``torch.dtype``: ``is_floating_point``, ``is_complex``,
    ``is_signed`` and ``itemsize``.
    """

    __slots__ = ("category", "is_signed", "itemsize", "name", "np")

    def __init__(self, name: str, np_dtype, category: int, is_signed: builtins.bool):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.is_signed = is_signed
        self.itemsize = self.np.itemsize

    @property
    def is_floating_point(self) -> builtins.bool:
        return self.category == FLOATING

    @property
    def is_complex(self) -> builtins.bool:
        return self.category == COMPLEX

    def to_real(self) -> dtype:
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        return {float64: complex128, complex128: complex128}.get(self, complex64)

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool = dtype("bool", np.bool_, BOOL, False)
uint8 = dtype("uint8", np.uint8, INTEGRAL, False)
int8 = dtype("int8", np.int8, INTEGRAL, True)
int16 = dtype("int16", np.int16, INTEGRAL, True)
int32 = dtype("int32", np.int32, INTEGRAL, True)
int64 = dtype("int64", np.int64, INTEGRAL, True)
float16 = dtype("float16", np.float16, FLOATING, True)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, FLOATING, True)
float32 = dtype("float32", np.float32, FLOATING, True)
float64 = dtype("float64", np.float64, FLOATING, True)
complex64 = dtype("complex64", np.complex64, COMPLEX, True)
complex128 = dtype("complex128", np.complex128, COMPLEX, True)

# PyTorch's aliases.
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128

ALL = (
    bool,
    uint8,
    int8,
    int16,
    int32,
    int64,
    float16,
    bfloat16,
    float32,
    float64,
    complex64,
    complex128,
)
INTEGRALS = (uint8, int8, int16, int32, int64)
FLOATS = (float16, bfloat16, float32, float64)
COMPLEXES = (complex64, complex128)

# Lookup from a NumPy dtype (or its scalar type) to ember's; hot in the dispatcher.
FROM_NUMPY: dict = {}
for _d in ALL:
    FROM_NUMPY[_d.np] = _d
    FROM_NUMPY[_d.np.type] = _d


def _by_name(name: str) -> dtype:
    return globals()[name]


def from_numpy(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype; a clear TypeError for unsupported ones."""
    try:
        return FROM_NUMPY[np_dtype]
    except (KeyError, TypeError):
        pass
    d = np.dtype(np_dtype)
    if d in FROM_NUMPY:
        return FROM_NUMPY[d]
    # NumPy's wider unsigned types have no PyTorch counterpart in this table.
    if d.kind == "u":
        return int64
    raise TypeError(
        f"dtype {d} is not supported by ember (supported: {', '.join(x.name for x in ALL)})"
    )


def as_dtype(d) -> dtype:
    """Accept an ember dtype, a NumPy dtype, a Python type or a name."""
    if isinstance(d, dtype):
        return d
    if d is builtins.float:
        return _default[0]
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    if d is builtins.complex:
        return _default[0].to_complex()
    if isinstance(d, str) and d in globals() and isinstance(globals()[d], dtype):
        return globals()[d]
    return from_numpy(d)


_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype of floating tensors made from Python floats (``float32`` unless set)."""
    return _default[0]


def set_default_dtype(d) -> None:
    """Set the default floating dtype; only float16, bfloat16, float32, float64 are allowed."""
    d = as_dtype(d)
    if d not in FLOATS:
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {d}")
    _default[0] = d


def promote_types(a, b) -> dtype:
    """The smallest dtype both ``a`` and ``b`` can be cast to, by PyTorch's table.

    >>> promote_types(ember.uint8, ember.int8)
    ember.int16
    """
    a, b = as_dtype(a), as_dtype(b)
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == COMPLEX and lo is float64:
            return complex128
        return hi
    if a.category == FLOATING and {a, b} == {float16, bfloat16}:
        return float32  # neither holds the other's range and precision
    return FROM_NUMPY[np.promote_types(a.np, b.np)]


def _scalar_dtype(x) -> dtype:
    """The dtype a Python number takes when it must become a tensor on its own."""
    t = type(x)
    if t is builtins.bool or isinstance(x, np.bool_):
        return bool
    if isinstance(x, (builtins.int, np.integer)):
        return int64
    if isinstance(x, (builtins.float, np.floating)):
        return _default[0]
    if isinstance(x, (builtins.complex, np.complexfloating)):
        return _default[0].to_complex()
    raise TypeError(f"expected a tensor or a number, got {type(x).__name__}")


def _combine(higher, lower):
    # PyTorch's combine_categories: a lower-priority class only matters when it
    # brings a higher category (e.g. a float scalar added to an int tensor).
    if higher is None:
        return lower
    if lower is None or higher.category >= lower.category:
        return higher
    if lower.category == COMPLEX and higher.category == FLOATING:
        return higher.to_complex()
    return lower


def result_type(*operands) -> dtype:
    """The dtype of an elementwise op over ``operands`` (tensors and Python numbers).

    Follows PyTorch: dimensioned tensors, then 0-d tensors, then Python scalars,
    each class able only to raise the category of the classes above it.

    >>> result_type(ember.tensor([1, 2]), 1.5)
    ember.float32
    """
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            s = _scalar_dtype(x)
            wrapped = s if wrapped is None else promote_types(wrapped, s)
    out = _combine(dim, _combine(zero, wrapped))
    if out is None:
        raise TypeError("result_type: expected at least one tensor or number")
    return out


def can_cast(from_, to) -> builtins.bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` in in-place ops.

    Only a cast to a lower category is refused (float to int, complex to float...).
    """
    return as_dtype(from_).category <= as_dtype(to).category


class finfo:  # noqa: N801
    """Machine limits of a floating dtype: ``bits, eps, max, min, tiny, resolution``."""

    def __init__(self, type=None):
        d = as_dtype(type if type is not None else _default[0])
        if d.category < FLOATING:
            raise TypeError(f"finfo: expected a floating or complex dtype, got {d}")
        info = ml_dtypes.finfo(d.to_real().np)
        self.dtype = d.to_real().name
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.tiny)
        self.resolution = builtins.float(info.resolution)

    def __repr__(self):
        return (
            f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801
    """Limits of an integer dtype: ``bits, min, max``."""

    def __init__(self, type):
        d = as_dtype(type)
        if d.category not in (INTEGRAL, BOOL):
            raise TypeError(f"iinfo: expected an integer dtype, got {d}")
        info = np.iinfo(d.np) if d is not bool else np.iinfo(np.uint8)
        self.dtype = d.name
        self.bits, self.min, self.max = info.bits, builtins.int(info.min), builtins.int(info.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
