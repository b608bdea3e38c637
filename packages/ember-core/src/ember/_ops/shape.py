"""Shape ops: views where PyTorch documents views, copies where it documents copies.

Views are NumPy/CuPy views (slices, transposes, ``strided_view``) of the input, so a
write through one reaches its base; ``view``/``reshape`` compute strides by
PyTorch's rule, so ``stride()`` agrees with PyTorch's. Ops that copy (``cat``,
``repeat``, ``flip``...) and composites are in :mod:`ember._ops.shape_copy`.
"""

from __future__ import annotations

import itertools
import operator

from ember._ops import Op, wrap_dim, wrap_dims
from ember.tensor import Tensor

__all__ = [
    "reshape",
    "flatten",
    "unflatten",
    "ravel",
    "squeeze",
    "unsqueeze",
    "permute",
    "transpose",
    "swapaxes",
    "swapdims",
    "t",
    "movedim",
    "moveaxis",
    "broadcast_to",
    "narrow",
    "unbind",
    "split",
    "chunk",
    "tensor_split",
    "diagonal",
    "as_strided",
    "hsplit",
    "vsplit",
    "dsplit",
]


# ---- helpers shared with shape_copy.py ------------------------------------------------


def strided_view(xp, x, shape, strides):
    """A view of ``x`` with ``shape`` and byte ``strides`` (writable, unlike broadcast_to)."""
    return xp.lib.stride_tricks.as_strided(x, shape=tuple(shape), strides=tuple(strides))


def int_list(name, values, what="size"):
    """``values`` (ints, or one list/tuple of them) as a tuple of Python ints."""
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = values[0]
    if all(type(v) is int for v in values):
        return tuple(values)
    out = []
    for i, v in enumerate(values):
        try:
            out.append(operator.index(v))
        except TypeError:
            raise TypeError(
                f"{name}: {what} must be a tuple of ints, but got {type(v).__name__} "
                f"at position {i}"
            ) from None
    return tuple(out)


def dim_list(name, dims, ndim):
    """``dims`` (an int or a sequence) as a tuple of wrapped dims, in the given order."""
    dims = (dims,) if not isinstance(dims, (tuple, list)) else dims
    out = tuple(wrap_dim(d, ndim, name) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{name}: repeated dim in {list(dims)}")
    return out


def _infer_shape(name, shape, numel):
    """Resolve one ``-1`` in ``shape`` and check the element count."""
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{name}: only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"{name}: invalid shape dimension {s} at index {i} of {shape}")
        known *= s if s != -1 else 1
    if -1 in shape:
        if known == 0 or numel % known:
            if known == 0:
                raise RuntimeError(
                    f"{name}: cannot reshape tensor of 0 elements into shape {shape} because "
                    f"the unspecified dimension size -1 can be any value and is ambiguous"
                )
            raise RuntimeError(f"{name}: shape {shape} is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(f"{name}: shape {shape} is invalid for input of size {numel}")
    return tuple(shape)


def _view_strides(shape, strides, itemsize, new):
    """Byte strides of a view of (shape, strides) as ``new``, or None if it needs a copy.

    PyTorch's ``computeStride``: dims of the old shape are cut into chunks that are
    contiguous in memory, and each chunk must be rebuilt exactly by whole new dims.
    """
    if not shape:
        return (itemsize,) * len(new)
    numel = 1
    for s in shape:
        numel *= s
    if numel == 0:  # any strides do; use contiguous ones
        out, step = [0] * len(new), itemsize
        for d in range(len(new) - 1, -1, -1):
            out[d], step = step, step * max(new[d], 1)
        return tuple(out)
    out = [0] * len(new)
    view_d = len(new) - 1
    base, tensor_numel, view_numel = strides[-1], 1, 1
    for d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or new[view_d] == 1):
                out[view_d] = view_numel * base
                view_numel *= new[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base, tensor_numel, view_numel = strides[d - 1], 1, 1
    return tuple(out) if view_d == -1 else None


def reshape_array(xp, x, shape, name="reshape", copy_ok=True):
    """``x`` as ``shape`` (sizes already resolved): a view if possible, else a copy."""
    if x.flags.c_contiguous or x.shape == shape:
        return x.reshape(shape)
    strides = _view_strides(x.shape, x.strides, x.itemsize, shape)
    if strides is not None:
        return strided_view(xp, x, shape, strides)
    if not copy_ok:
        raise RuntimeError(
            f"{name}: view size is not compatible with input tensor's size and stride (at "
            f"least one dimension spans across two contiguous subspaces). "
            f"Use .reshape(...) instead."
        )
    return xp.ascontiguousarray(x).reshape(shape)


def expand_array(xp, x, sizes, name="expand"):
    """A zero-stride view of ``x`` broadcast to ``sizes`` (-1 keeps a dim), as ``expand``."""
    new = len(sizes) - x.ndim
    if new < 0:
        raise RuntimeError(
            f"{name}: the number of sizes provided ({len(sizes)}) must be greater or equal "
            f"to the number of dimensions in the tensor ({x.ndim})"
        )
    shape, strides = list(sizes), [0] * len(sizes)
    for d, size in enumerate(sizes):
        if d < new:
            if size < 0:
                raise RuntimeError(
                    f"{name}: the expanded size of the tensor ({size}) isn't allowed in a "
                    f"leading, non-existing dimension {d}"
                )
            continue
        old = x.shape[d - new]
        if size == -1 or size == old:
            shape[d], strides[d] = old, x.strides[d - new]
        elif old != 1:
            raise RuntimeError(
                f"{name}: the expanded size of the tensor ({size}) must match the existing "
                f"size ({old}) at non-singleton dimension {d}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(x.shape)}"
            )
        elif size < 0:
            raise RuntimeError(f"{name}: invalid expanded size {size} at dimension {d}")
    return strided_view(xp, x, shape, strides)


def slice_dim(x, dim, start, stop, step=1):
    """``x`` sliced along ``dim`` (a view)."""
    return x[(slice(None),) * dim + (slice(start, stop, step),)]


# ---- reshaping -----------------------------------------------------------------------


def _reshape(xp, x, *shape):
    """``input`` with the same data in a new shape: a view when the strides allow, else
    a copy. One dim may be ``-1`` (inferred). ``Tensor.reshape`` also takes ``*shape``.
    """
    shape = _infer_shape("reshape", int_list("reshape", shape), x.size)
    return reshape_array(xp, x, shape)


def _view(xp, x, *shape):
    """A view of ``input`` with a new shape (``Tensor.view(*shape)``); never copies.

    Raises:
        RuntimeError: the strides make a view impossible (use ``reshape``).
    """
    shape = _infer_shape("view", int_list("view", shape), x.size)
    return reshape_array(xp, x, shape, "view", copy_ok=False)


def _view_dtype(xp, x, dtype):
    """A view of ``input``'s bytes as ``dtype`` (``Tensor.view(dtype)``).

    With a different element size the last dim must be contiguous and is rescaled.
    """
    new = dtype.np
    if new.itemsize != x.itemsize:
        what = f"to view {x.dtype} as {new} (different element sizes)"
        if x.ndim == 0:
            raise RuntimeError(f"view_dtype: self.dim() cannot be 0 {what}")
        if x.shape[-1] != 1 and x.strides[-1] != x.itemsize:
            step = x.strides[-1] // x.itemsize
            raise RuntimeError(f"view_dtype: self.stride(-1) must be 1 {what}, but got {step}")
        if new.itemsize > x.itemsize and (x.shape[-1] * x.itemsize) % new.itemsize:
            ratio = new.itemsize // x.itemsize
            raise RuntimeError(
                f"view_dtype: self.size(-1) must be divisible by {ratio} {what}, got {x.shape[-1]}"
            )
    return x.view(new)


def _flatten(xp, x, start_dim=0, end_dim=-1):
    """``input`` with dims ``start_dim..end_dim`` merged into one (a view when possible)."""
    if x.ndim == 0:
        return x.reshape(1)
    s, e = wrap_dim(start_dim, x.ndim, "flatten"), wrap_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten: start_dim cannot come after end_dim")
    merged = 1
    for n in x.shape[s : e + 1]:
        merged *= n
    return reshape_array(xp, x, x.shape[:s] + (merged,) + x.shape[e + 1 :])


def _unflatten(xp, x, dim, sizes):
    """``input`` with dim ``dim`` split into ``sizes`` (one may be -1); a view if possible."""
    d = wrap_dim(dim, x.ndim, "unflatten")
    sizes = int_list("unflatten", (sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape("unflatten", sizes, x.shape[d])
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({x.shape[d]}) in the input tensor"
        ) from None
    return reshape_array(xp, x, x.shape[:d] + sizes + x.shape[d + 1 :])


def _ravel(xp, x):
    """``input`` as a contiguous 1-D tensor: a view if it is contiguous, else a copy."""
    return xp.ascontiguousarray(x).reshape(-1)


def _squeeze(xp, x, dim=None):
    """A view of ``input`` without its size-1 dims (only those in ``dim`` if given; an
    int or a tuple). Dims in ``dim`` whose size is not 1 are left alone, as in PyTorch.
    """
    axes = wrap_dims(dim, x.ndim, "squeeze")
    if axes is None:
        axes = range(x.ndim)
    return x.squeeze(axis=tuple(a for a in axes if x.shape[a] == 1))


def _unsqueeze(xp, x, dim):
    """A view of ``input`` with a size-1 dim inserted at ``dim`` (in ``[-ndim-1, ndim]``)."""
    d = wrap_dim(dim, x.ndim + 1, "unsqueeze")
    return x.reshape(x.shape[:d] + (1,) + x.shape[d:])  # always a view; faster than expand_dims


# ---- permuting -----------------------------------------------------------------------


def _permute(xp, x, *dims):
    """A view of ``input`` with its dims reordered as ``dims`` (a permutation)."""
    dims = int_list("permute", dims, "dims")
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute: number of dims don't match in permute: input.dim() = {x.ndim} "
            f"is not equal to len(dims) = {len(dims)}"
        )
    axes = [wrap_dim(d, x.ndim, "permute") for d in dims]
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"permute: duplicate dims are not allowed, got {list(dims)}")
    return x.transpose(axes)


def _transpose(xp, x, dim0, dim1):
    """A view of ``input`` with dims ``dim0`` and ``dim1`` swapped."""
    if x.ndim == 0:  # dims 0 and -1 of a 0-d tensor: nothing to swap
        wrap_dim(dim0, 0, "transpose"), wrap_dim(dim1, 0, "transpose")
        return x
    return xp.swapaxes(x, wrap_dim(dim0, x.ndim, "transpose"), wrap_dim(dim1, x.ndim, "transpose"))


def _t(xp, x):
    """The transpose of a matrix (a view); 0-D and 1-D tensors are returned as they are."""
    if x.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return x.T


def _movedim(xp, x, source, destination):
    """A view of ``input`` with dims ``source`` moved to positions ``destination``
    (ints or sequences of the same length); the other dims keep their order.
    """
    src = dim_list("movedim", source, x.ndim)
    dst = dim_list("movedim", destination, x.ndim)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    return xp.moveaxis(x, src, dst)


def _expand(xp, x, *sizes):
    """A view of ``input`` with singleton dims repeated to ``sizes`` (stride 0), without
    copying. ``-1`` keeps a dim's size; new leading dims may be added.

    >>> ember.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    return expand_array(xp, x, int_list("expand", sizes), "expand")


def _narrow(xp, x, dim, start, length):
    """A view of ``input`` holding ``length`` items of dim ``dim`` from ``start``."""
    d = wrap_dim(dim, x.ndim, "narrow")
    size, start, length = x.shape[d], operator.index(start), operator.index(length)
    if not -size <= start <= size:
        raise IndexError(
            f"narrow: start out of range (expected to be in range of [{-size}, {size}], "
            f"but got {start})"
        )
    start %= max(size, 1)
    if length < 0:
        raise RuntimeError("narrow: length must be non-negative")
    if start + length > size:
        raise RuntimeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size})"
        )
    return slice_dim(x, d, start, start + length)


def _unbind(xp, x, dim=0):
    """The slices of ``input`` along ``dim``, as a tuple of views."""
    if x.ndim == 0:
        raise IndexError("unbind: dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, x.ndim, "unbind")
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


def _pieces(x, d, sizes):
    """Consecutive views of ``x`` along ``d`` of the given sizes."""
    out, start = [], 0
    for n in sizes:
        out.append(slice_dim(x, d, start, start + n))
        start += n
    return tuple(out)


def _split_dim(name, x, dim):
    if x.ndim == 0:
        raise RuntimeError(f"{name}: expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, x.ndim, name)
    return d, x.shape[d]


def _split(xp, x, split_size_or_sections, dim=0):
    """``input`` cut along ``dim`` into views of ``split_size_or_sections`` items each
    (the last may be smaller), or into pieces of the listed sizes.

    >>> [t.tolist() for t in ember.arange(5).split([2, 3])]
    [[0, 1], [2, 3, 4]]
    """
    d, n = _split_dim("split", x, dim)
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = int_list("split", (split_size_or_sections,), "split_sizes")
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split: split_with_sizes expects split_sizes to sum exactly to {n} (input "
                f"tensor's size at dimension {d}), but got split_sizes={list(sizes)}"
            )
        return _pieces(x, d, sizes)
    size = operator.index(split_size_or_sections)
    if size < 0 or (size == 0 and n):
        raise RuntimeError(
            f"split: split_size can only be 0 if dimension size is 0, and never negative; "
            f"got split_size={size} for dimension size {n}"
        )
    count = max(-(-n // size), 1) if size else 1
    return _pieces(x, d, [min(size, n - i * size) for i in range(count)])


def _chunk(xp, x, chunks, dim=0):
    """``input`` cut along ``dim`` into at most ``chunks`` views of equal size (the last
    may be smaller, and there may be fewer than ``chunks``).
    """
    d, n = _split_dim("chunk", x, dim)
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk: expects `chunks` to be greater than 0, got: {chunks}")
    if n == 0:
        return _pieces(x, d, [0] * chunks)
    return _split(xp, x, -(-n // chunks), d)


def _tensor_split(xp, x, indices_or_sections, dim=0):
    """``input`` cut along ``dim`` into ``sections`` views of nearly equal size (the
    first ``n % sections`` one item longer), or at the listed ``indices``.
    """
    d, n = _split_dim("tensor_split", x, dim)
    arg = indices_or_sections
    if hasattr(arg, "dtype"):  # a tensor: 0-D means sections, 1-D means indices
        if arg.dtype.kind not in "iu" or arg.ndim > 1:
            raise RuntimeError(
                f"tensor_split: expected indices_or_sections to be a 0-D or 1-D integer "
                f"tensor, got {arg.ndim}-D {arg.dtype}"
            )
        arg = int(arg) if arg.ndim == 0 else arg.tolist()
    if isinstance(arg, (list, tuple)):
        bounds = (0,) + int_list("tensor_split", (arg,), "indices") + (None,)
        return tuple(slice_dim(x, d, a, b) for a, b in itertools.pairwise(bounds))
    sections = operator.index(arg)
    if sections <= 0:
        raise RuntimeError(
            f"tensor_split: number of sections must be larger than 0, got {sections}"
        )
    q, r = divmod(n, sections)
    return _pieces(x, d, [q + 1] * r + [q] * (sections - r))


def diagonal_view(xp, x, offset, d1, d2):
    """The writable diagonal view of ``x`` over dims ``d1``, ``d2`` (already wrapped)."""
    rest = [d for d in range(x.ndim) if d not in (d1, d2)]
    y = x.transpose(rest + [d1, d2])
    n1, n2 = y.shape[-2:]
    if offset >= 0:
        length = max(0, min(n1, n2 - offset))
        y = y[..., min(offset, n2) :]
    else:
        length = max(0, min(n1 + offset, n2))
        y = y[..., min(-offset, n1) :, :]
    return strided_view(xp, y, y.shape[:-2] + (length,), y.strides[:-2] + (sum(y.strides[-2:]),))


def _diagonal(xp, x, offset=0, dim1=0, dim2=1):
    """A view of the diagonal of ``input`` over dims ``dim1`` and ``dim2``, as a last dim.

    ``offset`` > 0 is above the main diagonal, < 0 below.
    """
    d1, d2 = wrap_dim(dim1, x.ndim, "diagonal"), wrap_dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: diagonal dimensions cannot be identical {dim1}, {dim2}")
    return diagonal_view(xp, x, operator.index(offset), d1, d2)


# ---- as_strided: a view of the input's storage -------------------------------------------


def _ptr(a) -> int:
    """The address of ``a``'s first element (NumPy or CuPy)."""
    iface = getattr(a, "__array_interface__", None)
    return iface["data"][0] if iface is not None else a.data.ptr


def _owner(x):
    """The outermost array whose memory ``x`` views: the storage that ``as_strided`` indexes.

    ``base`` links are followed through NumPy's ``as_strided`` wrappers (which are not
    arrays themselves) up to the array that owns the memory.
    """
    owner, a = x, x
    while (a := getattr(a, "base", None)) is not None:
        if isinstance(a, type(x)):
            owner = a
    return owner


def storage_span(x):
    """``(count, offset)``: how many items of ``x``'s dtype its storage holds, and where
    ``x``'s first item sits in it (PyTorch's ``storage_offset``).
    """
    owner = _owner(x)
    lo = hi = _ptr(owner)
    if owner.size:
        for n, st in zip(owner.shape, owner.strides):
            lo, hi = (lo + (n - 1) * st, hi) if st < 0 else (lo, hi + (n - 1) * st)
        hi += owner.itemsize
    return (hi - lo) // x.itemsize, (_ptr(x) - lo) // x.itemsize


def _strided_args(size, stride):
    size = int_list("as_strided", (size,), "size")
    stride = int_list("as_strided", (stride,), "stride")
    if len(size) != len(stride):
        raise RuntimeError(
            f"as_strided: mismatch in length of strides and shape: size {list(size)}, "
            f"stride {list(stride)}"
        )
    if any(n < 0 for n in size):
        raise RuntimeError(f"as_strided: sizes must be non-negative, got {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: "
            f"{list(stride)}"
        )
    return size, stride


def _as_strided(xp, x, size, stride, storage_offset=None):
    """A view of ``input``'s storage with the given ``size``, ``stride`` (in elements)
    and ``storage_offset`` (default: ``input``'s own), whatever ``input``'s layout.

    Several output elements may share one memory location (a sliding window):

    >>> ember.arange(4.0).as_strided((3, 2), (1, 1))
    tensor([[0., 1.],
            [1., 2.],
            [2., 3.]])
    """
    size, stride = _strided_args(size, stride)
    count, here = storage_span(x)
    offset = here if storage_offset is None else operator.index(storage_offset)
    if offset < 0:
        raise RuntimeError(f"as_strided: invalid storage offset {offset}")
    need = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > count:
        raise RuntimeError(
            f"as_strided: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
            f"and itemsize {x.itemsize} requiring a storage size of {need * x.itemsize} are "
            f"out of bounds for storage of size {count * x.itemsize}"
        )
    item = x.itemsize
    # Step back from x's first item to the storage's (a negative stride moves the start),
    # then lay the whole storage out in one line and cut the view from it.
    first = strided_view(xp, x, (here + 1,), (-item,))[here:]
    storage = strided_view(xp, first, (max(count, 1),), (item,))
    return strided_view(xp, storage[offset:], size, tuple(s * item for s in stride))


reshape = Op("reshape", _reshape, view=True)
view = Op("view", _view, view=True, method=False)  # Tensor.view also takes a dtype
view_dtype = Op("view_dtype", _view_dtype, view=True, method=False)
flatten = Op("flatten", _flatten, view=True)
unflatten = Op("unflatten", _unflatten, view=True)
ravel = Op("ravel", _ravel, view=True)
squeeze = Op("squeeze", _squeeze, view=True)
unsqueeze = Op("unsqueeze", _unsqueeze, view=True)
permute = Op("permute", _permute, view=True)
transpose = Op("transpose", _transpose, view=True)
t = Op("t", _t, view=True)
movedim = Op("movedim", _movedim, view=True)
expand = Op("expand", _expand, view=True)  # a method only, as in PyTorch
narrow = Op("narrow", _narrow, view=True)
unbind = Op("unbind", _unbind, view=True)
split = Op("split", _split, view=True)
chunk = Op("chunk", _chunk, view=True)
tensor_split = Op("tensor_split", _tensor_split, view=True)
diagonal = Op("diagonal", _diagonal, view=True)
as_strided = Op("as_strided", _as_strided, view=True)

# PyTorch's aliases are the same op objects (Tensor gets them as methods too).
swapaxes = swapdims = transpose
moveaxis = movedim
broadcast_to = expand


# ---- hsplit, vsplit, dsplit: tensor_split along a fixed dim (views, composites) -----------


def _split_along(name, input, sections, dim, min_ndim):
    if input.ndim < min_ndim:
        raise RuntimeError(
            f"{name}: requires a tensor with at least {min_ndim} dimension, but got a tensor "
            f"with {input.ndim} dimensions!"
        )
    if isinstance(sections, (list, tuple)):
        return tensor_split(input, list(sections), dim)
    sections, size = operator.index(sections), input.shape[dim]
    if sections == 0 or size % sections:
        raise RuntimeError(
            f"{name}: attempted to split along dimension {dim}, but the size of the dimension "
            f"{size} is not divisible by the split_size {sections}!"
        )
    return tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections):
    """``input`` split horizontally: along dim 1, or dim 0 for a 1-D tensor (views).

    An int must divide the dim's size into equal pieces; a list gives split points.

    >>> [t.tolist() for t in ember.arange(4).hsplit(2)]
    [[0, 1], [2, 3]]
    """
    dim = 0 if input.ndim == 1 else 1
    return _split_along("hsplit", input, indices_or_sections, dim, 1)


def vsplit(input, indices_or_sections):
    """``input`` (at least 2-D) split vertically, along dim 0 (views); see ``hsplit``."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """``input`` (at least 3-D) split depthwise, along dim 2 (views); see ``hsplit``."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


for _split_fn in (hsplit, vsplit, dsplit):
    setattr(Tensor, _split_fn.__name__, _split_fn)  # Tensor.hsplit & co., as in PyTorch


# The family's second module (copies and composites); its names are the family's.
from ember._ops import shape_copy as _shape_copy  # noqa: E402
from ember._ops.shape_copy import *  # noqa: E402, F403

__all__ += _shape_copy.__all__
