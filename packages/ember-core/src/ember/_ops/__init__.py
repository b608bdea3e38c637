"""The op table: every op Ember knows, declared once.

An :class:`Op` names a kernel written against the array module ``xp`` (NumPy
or CuPy) and a promotion rule that fixes the result dtype. Other packages key
their rule tables on ``Op.name``: ember-autograd's ``DERIVATIVES``,
ember-script's ``LOWERINGS`` and ``FUSIONS``, ember.testing's ``OPINFOS``.

Families (``elementwise``, ``reduction``, ``shape``...) declare ops through the
small factories below, one line per op where the family allows it.
"""

from __future__ import annotations

from types import MethodType as _MethodType

from ember import dispatch as _dispatch
from ember import tensor as _tensor  # noqa: F401 - binds dispatch.Tensor before any op runs

OPS: dict = {}  # name -> Op, in declaration order

# Promotion rules, by the name a declaration uses.
SAME = _dispatch.promote_same
FLOAT = _dispatch.promote_float
INTEGRAL = _dispatch.promote_integral


class Op:
    """One declared op: call it like the PyTorch function it mirrors.

    Args:
        name: the op's name, the key of every rule table.
        kernel: ``kernel(xp, *args, **kwargs)`` returning an array or a tuple of them.
        nin: how many leading arguments take part in type promotion.
        promote: a promotion rule (``SAME``, ``FLOAT``, ``INTEGRAL``) or None.
        view: the output is a view of the first argument.
        returns: a named-tuple type for ops with several named outputs.
        method: also install as a ``Tensor`` method of the same name.
        factory: the op may be called without tensor arguments.
        inplace: the kernel writes into its first argument, which the op returns.
        moves: the output lives where the kernel put it (device transfers).
        into: ``into(xp, out, *args, **kwargs)``, the kernel writing its result into
            ``out`` (the first argument's array): ``Tensor.op_()`` takes it, one pass
            and no temporary, when nothing needs recording (the optimizers' updates).
        family: the module that declared it (``elementwise``, ``shape``...).
    """

    def __init__(
        self,
        name,
        kernel,
        *,
        nin=1,
        promote=None,
        view=False,
        returns=None,
        method=True,
        factory=False,
        inplace=False,
        moves=False,
        into=None,
        family=None,
        doc=None,
    ):
        if name in OPS:
            raise ValueError(f"op {name!r} is declared twice")
        self.name = self.__name__ = self.__qualname__ = name
        self.kernel = kernel
        self.cuda_kernels = None
        self.nin = nin
        self.promote = promote
        self.view = view
        self.returns = returns
        self.method = method
        self.factory = factory
        self.inplace = inplace
        self.moves = moves
        self.into = into
        self.family = family or kernel.__module__.rpartition(".")[2]
        self.__doc__ = doc or kernel.__doc__
        self.__module__ = "ember"
        OPS[name] = self
        self.fast = None
        self.fast = _dispatch.fast_path(self)

    def __call__(self, *args, **kwargs):
        if self.fast is not None and not kwargs and len(args) == self.nin:
            return self.fast(*args)
        return _dispatch.dispatch(self, args, kwargs)

    def __get__(self, obj, objtype=None):
        # An op stored on a class (e.g. Tensor.det) binds like a function.
        return self if obj is None else _MethodType(self, obj)

    def kernel_for(self, device):
        """The kernel to run on ``device``: a CuPy override where one is registered."""
        if device.type == "cuda" and self.cuda_kernels is not None:
            return self.cuda_kernels
        return self.kernel

    def __repr__(self):
        return f"<ember op {self.name}>"


def op(name, *, nin=1, promote=None, **options):
    """Decorator form: declare ``name`` with the decorated function as its kernel.

    >>> @op("softmax")
    ... def softmax(xp, x, dim, dtype=None): ...
    """
    return lambda kernel: Op(name, kernel, nin=nin, promote=promote, **options)


def unary(name, fn, promote=SAME, **options):
    """An elementwise op of one tensor, e.g. ``unary("exp", lambda xp, x: xp.exp(x), FLOAT)``."""
    return Op(name, fn, nin=1, promote=promote, **options)


def binary(name, fn, promote=SAME, **options):
    """An elementwise op of two broadcast operands (tensors or Python numbers)."""
    return Op(name, fn, nin=2, promote=promote, **options)


def cuda_override(name):
    """Register a CuPy kernel for ``name`` that replaces the ``xp`` kernel on GPUs.

    The override must compute the same thing; a test compares the two.
    """

    def register(kernel):
        OPS[name].cuda_kernels = kernel
        return kernel

    return register


def wrap_dim(dim, ndim, name="op"):
    """``dim`` in ``[0, ndim)``; a 0-d tensor accepts dims 0 and -1, as in PyTorch."""
    n = max(ndim, 1)
    try:
        ok = -n <= dim < n
    except TypeError:
        raise TypeError(f"{name}: dim must be an int, got {type(dim).__name__}") from None
    if not ok:
        raise IndexError(
            f"{name}: Dimension out of range (expected to be in range of "
            f"[{-n}, {n - 1}], but got {dim})"
        )
    return dim % n if ndim else 0


def wrap_dims(dim, ndim, name="op"):
    """``dim`` (None, an int, or a sequence) as a sorted tuple of axes, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)) and len(dim) == 1:
        dim = dim[0]  # one dim: no sorting or duplicate check
    if isinstance(dim, (list, tuple)):
        axes = tuple(sorted({wrap_dim(d, ndim, name) for d in dim}))
        if len(axes) != len(dim):
            raise RuntimeError(f"{name}: dim {tuple(dim)} appears multiple times in the list")
        return axes if ndim else ()
    return (wrap_dim(dim, ndim, name),) if ndim else ()
