"""The dispatcher: the one hot function every op call goes through.

``dispatch(op, args, kwargs)`` unwraps tensors, checks that they share a
device, promotes dtypes by PyTorch's rules, runs the op's kernel against the
device's array module, wraps the result and only then tells the observers that
are switched on (the autograd recorder, the tracer). With no observer on, the
cost above the kernel itself is a few attribute reads and one call.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes as _dt
from ember.devices import CPU, device_of

# Observers see op calls after they ran: fn(op, args, kwargs, out). OBSERVERS see
# every call (the tracer); GRAD_OBSERVERS only calls with an input that requires
# grad (the autograd recorder), so plain tensors never pay for autograd.
OBSERVERS: list = []
GRAD_OBSERVERS: list = []
# op name -> caster(args, kwargs) -> (args, kwargs), consulted before an op runs while
# ember.amp's autocast is active; filled and cleared in place (never rebound).
CASTS: dict = {}
# check(op, target) before an in-place kernel writes into a tensor that requires grad:
# ember-autograd refuses writes into leaves there, before any data changes.
INPLACE_CHECKS: list = []
# The tensor whose ``Tensor.op_()`` method is computing its new value right now (the
# out-of-place op before ``copy_``), so autograd can save ``self`` before it is
# overwritten. One slot per process: in-place methods are not reentrant.
INPLACE_SELF: list = [None]
# ember-autograd's zero-argument answer to "would a call on tensors that require grad be
# recorded in this thread now?" (grad mode on, or a checkpoint capturing its inputs);
# None while autograd is not imported.
RECORDING: list = [None]

_FROM_NUMPY = _dt.FROM_NUMPY
_SCALAR_CATEGORY = {bool: _dt.BOOL, int: _dt.INTEGRAL, float: _dt.FLOATING, complex: _dt.COMPLEX}
_ndarray = np.ndarray
_np = np
_SEQUENCES = (list, tuple)
Tensor = None  # set by ember.tensor to break the import cycle


def add_observer(fn, *, grad_only=False) -> None:
    """Call ``fn(op, args, kwargs, out)`` after every op call.

    With ``grad_only``, only after calls where some tensor input requires grad.
    """
    table = GRAD_OBSERVERS if grad_only else OBSERVERS
    if fn not in table:
        table.append(fn)


def remove_observer(fn) -> None:
    for table in (OBSERVERS, GRAD_OBSERVERS):
        if fn in table:
            table.remove(fn)


def wrap(array, device) -> Tensor:
    """A new tensor around ``array`` (no copy)."""
    t = _new(Tensor)
    t._data = array
    t._device = device
    t._requires_grad = False
    t.grad_fn = None
    t._grad = None
    t._base = None
    t._vc = 0
    return t


_new = object.__new__


def _unwrap_seq(op, seq, device):
    """Unwrap a list or tuple of tensors (``cat``, ``stack``...); returns (values, device)."""
    out = []
    for x in seq:
        if isinstance(x, Tensor):
            if device is not x._device:
                device = _same_device(op, device, x._device)
            out.append(x._data)
        else:
            out.append(x)
    return out, device


def _same_device(op, seen, dev):
    if seen is None:
        return dev
    raise RuntimeError(
        f"{op.name}: expected all tensors to be on the same device, "
        f"but found at least two devices, {seen} and {dev}"
    )


def dispatch(op, args, kwargs):
    """Run ``op`` on ``args``; see the module docstring."""
    if CASTS:
        cast = CASTS.get(op.name)
        if cast is not None:
            args, kwargs = cast(args, kwargs)
    device = None
    grad = False
    seqs = False  # a list or tuple that may hold tensors (cat, stack, index lists...)
    vals = []
    append = vals.append
    for a in args:
        if isinstance(a, Tensor):
            if device is not a._device:
                device = _same_device(op, device, a._device)
            grad = grad or a._requires_grad
            append(a._data)
        elif type(a) in _SEQUENCES and a and isinstance(a[0], Tensor):
            seq, device = _unwrap_seq(op, a, device)
            append(seq)
            seqs = True
        else:
            if type(a) in _SEQUENCES and a and a[0] is None:
                seqs = True  # optional tensors (index lists): checked below
            append(a)
    call_kwargs = kwargs
    if kwargs:
        for k, a in kwargs.items():
            if isinstance(a, Tensor):
                if device is not a._device:
                    device = _same_device(op, device, a._device)
                grad = grad or a._requires_grad
                if call_kwargs is kwargs:
                    call_kwargs = dict(kwargs)  # observers still see the tensors
                call_kwargs[k] = a._data
    if device is None:
        if not op.factory:
            raise TypeError(
                f"{op.name}: expected at least one tensor argument, got "
                f"({', '.join(type(a).__name__ for a in args)})"
            )
        device = CPU
    if op.promote is not None:
        op.promote(op, vals, call_kwargs)
    if op.inplace and INPLACE_CHECKS and args[0]._requires_grad:
        for check in INPLACE_CHECKS:
            check(op, args[0])
    try:
        if device is CPU:
            out = op.kernel(_np, *vals, **call_kwargs)
        else:
            out = op.kernel_for(device)(device.xp, *vals, **call_kwargs)
    except (ValueError, TypeError, IndexError, RuntimeError, OverflowError) as e:
        raise _named(op, e) from None
    if op.inplace:
        out = args[0]
        out._bump_version()
    elif type(out) is _ndarray and not op.view:
        out = wrap(out, device)
    else:
        out = _wrap_out(op, out, device_of(out) if op.moves else device, args)
    if OBSERVERS:
        for obs in OBSERVERS:
            obs(op, args, kwargs, out)
    if grad or (seqs and GRAD_OBSERVERS and _seq_requires_grad(args)):
        for obs in GRAD_OBSERVERS:
            obs(op, args, kwargs, out)
    return out


def expect_no_internal_overlap(name, x):
    """Refuse to write into ``x`` when several of its elements share one memory location
    (a stride-0 dim, as ``expand`` makes): the result would depend on write order."""
    if x.size > 1 and any(st == 0 and n > 1 for st, n in zip(x.strides, x.shape)):
        raise RuntimeError(
            f"{name}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location. Please clone() the tensor before "
            "performing the operation."
        )


def _seq_requires_grad(args):
    return any(
        type(a) in _SEQUENCES and any(getattr(x, "_requires_grad", False) for x in a) for a in args
    )


def fast_path(op):
    """A call for the commonest case of an elementwise op, or None if it has none.

    Tensors of one dtype on the CPU (or a tensor and a Python scalar of no higher
    category), no observers, nothing requiring grad: the kernel runs at once and
    the rest of ``dispatch`` is skipped. Anything else goes through ``dispatch``.
    """
    if op.view or op.inplace or op.moves:
        return None  # those need the bookkeeping in dispatch
    kernel = op.kernel
    floating = op.promote is promote_float

    if op.nin == 2 and op.promote is promote_same:

        def call2(a, b):
            if (
                type(a) is Tensor
                and a._device is CPU
                and not a._requires_grad
                and not OBSERVERS
                and not CASTS
            ):
                x = a._data
                tb = type(b)
                try:
                    if tb is Tensor:
                        if b._device is CPU and not b._requires_grad and x.dtype is b._data.dtype:
                            return _wrap_cpu(kernel(_np, x, b._data))
                    elif tb is float and x.dtype.kind in "fc":
                        return _wrap_cpu(kernel(_np, x, b))
                except Exception:
                    pass  # dispatch raises it again, with the op's name
            return dispatch(op, (a, b), {})

        return call2
    if op.nin == 1 and op.promote is not None and op.promote is not promote_integral:

        def call1(a):
            if (
                type(a) is Tensor
                and a._device is CPU
                and not a._requires_grad
                and not OBSERVERS
                and not CASTS
            ):
                x = a._data
                if not floating or x.dtype.kind in "fc":
                    try:
                        return _wrap_cpu(kernel(_np, x))
                    except Exception:
                        pass  # dispatch raises it again, with the op's name
            return dispatch(op, (a,), {})

        return call1
    return None


def _wrap_cpu(array):
    if type(array) is not _ndarray:
        array = _np.asarray(array)
    t = _new(Tensor)
    t._data = array
    t._device = CPU
    t._requires_grad = False
    t.grad_fn = None
    t._grad = None
    t._base = None
    t._vc = 0
    return t


def _wrap_out(op, out, device, args):
    if type(out) is _ndarray:
        t = wrap(out, device)
        if op.view:
            _link_view(t, args[0])
        return t
    if isinstance(out, (tuple, list)):
        items = [x if _is_plain(x) else _wrap_out(op, x, device, args) for x in out]
        return op.returns(*items) if op.returns is not None else tuple(items)
    if isinstance(out, np.generic) or np.isscalar(out):
        return wrap(np.asarray(out), device)
    return wrap(out, device_of(out))  # a CuPy array


def _is_plain(x):
    # type(), not isinstance: NumPy's float64 scalars subclass float but are results.
    return x is None or type(x) in (int, float, str, bool)


def _link_view(t, base):
    # A view shares its base's version counter (through the root base), so an
    # in-place change through either is seen by autograd's saved-tensor check.
    if isinstance(base, Tensor) and np.may_share_memory(t._data, base._data):
        t._base = base._base if base._base is not None else base


def _named(op, e):
    msg = str(e)
    if not msg.startswith(op.name + ":"):
        msg = f"{op.name}: {msg}"
    return type(e)(msg)


# ---- type promotion ---------------------------------------------------------------


def _category_of(v):
    if type(v) is _ndarray or hasattr(v, "dtype"):
        return _FROM_NUMPY[v.dtype].category
    return _SCALAR_CATEGORY.get(type(v), _dt.FLOATING)


def result_dtype(vals) -> _dt.dtype:
    """PyTorch's result type of arrays and Python scalars (see ``ember.result_type``)."""
    dim = zero = wrapped = None
    for v in vals:
        if hasattr(v, "dtype") and hasattr(v, "ndim"):
            d = _FROM_NUMPY[v.dtype]
            if v.ndim:
                dim = d if dim is None else _dt.promote_types(dim, d)
            else:
                zero = d if zero is None else _dt.promote_types(zero, d)
        elif v is not None:
            s = _dt._scalar_dtype(v)
            wrapped = s if wrapped is None else _dt.promote_types(wrapped, s)
    return _dt._combine(dim, _dt._combine(zero, wrapped))


def cast_to(vals, n, target) -> None:
    """Cast the first ``n`` entries of ``vals`` to ``target`` in place of the list.

    Python scalars stay Python scalars: NumPy treats them as weak, like PyTorch.
    """
    np_t = target.np
    for i in range(n):
        v = vals[i]
        if hasattr(v, "dtype"):
            if v.dtype != np_t:
                vals[i] = v.astype(np_t)
        elif target.category < _SCALAR_CATEGORY.get(type(v), _dt.FLOATING):
            raise TypeError(f"cannot combine {type(v).__name__} with {target}")
        elif np_t.kind == "V":
            # ml_dtypes' bfloat16 does not treat Python scalars as weak: make one typed.
            vals[i] = np_t.type(v)


def promote_same(op, vals, kwargs=None) -> None:
    """Binary and n-ary elementwise ops: every operand to the common dtype."""
    n = op.nin
    if n == 2:
        # Fast paths: two arrays of one dtype, or an array and a scalar of no higher
        # category (NumPy keeps Python scalars weak, as PyTorch does).
        first, second = vals[0], vals[1]
        fd = getattr(first, "dtype", None)
        if fd is not None:
            sd = getattr(second, "dtype", None)
            if fd is sd:
                return
            if (
                sd is None
                and fd.kind != "V"
                and _SCALAR_CATEGORY.get(type(second), 9) <= _FROM_NUMPY[fd].category
            ):
                return
    elif n == 1:
        return
    cast_to(vals, n, result_dtype(vals[:n]))


def promote_float(op, vals, kwargs=None) -> None:
    """Ops whose result is floating: promote, then integers and bool to the default float."""
    n = op.nin
    if n == 1 and getattr(vals[0], "dtype", _np).kind in "fc":
        return
    target = result_dtype(vals[:n])
    if target.category < _dt.FLOATING:
        target = _dt.get_default_dtype()
    cast_to(vals, n, target)


def promote_integral(op, vals, kwargs=None) -> None:
    """Bitwise and shift ops: integer and bool operands only."""
    target = result_dtype(vals[: op.nin])
    if target.category > _dt.INTEGRAL:
        raise TypeError(f"{op.name}: expected integer or bool tensors, got {target}")
    cast_to(vals, op.nin, target)
