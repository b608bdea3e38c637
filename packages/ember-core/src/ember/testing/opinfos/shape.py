"""OpInfo rows for ``ember/_ops/shape.py`` and ``ember/_ops/shape_copy.py``."""

import numpy as np

import ember
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput

# Shape ops move items without computing on them. bool and complex64 are tested in
# tests/ops/test_shape.py: make_tensor cannot make 0-d tensors of those dtypes yet.
ANY = ALL_NUMERIC


def _np_size(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


# ---- reshaping ---------------------------------------------------------------------------


def _reshape_samples(make):
    yield SampleInput(make(3, 4), 2, 6)
    yield SampleInput(make(3, 4), (-1,))
    yield SampleInput(make(2, 3, 4), 4, -1)
    yield SampleInput(make(), (1, 1))
    yield SampleInput(make(0, 3), (3, 0, 5))
    yield SampleInput(make(4, 3).transpose(0, 1), 12)  # not viewable: reshape copies


def _view_samples(make):
    yield SampleInput(make(3, 4), 2, 6)
    yield SampleInput(make(3, 4), (-1,))
    yield SampleInput(make(6, 4), 2, 3, 4)
    yield SampleInput(make(4, 3).transpose(0, 1), 3, 1, 4)  # viewable with strides
    yield SampleInput(make(), 1, 1)
    yield SampleInput(make(0, 3), 3, 0)


def _view_dtype_samples(make):
    x = make(2, 4)
    yield SampleInput(x, ember.uint8)
    yield SampleInput(x, x.dtype)
    if x.dtype.itemsize == 4:
        yield SampleInput(x, ember.float32 if x.dtype is not ember.float32 else ember.int32)


OpInfo(
    "reshape",
    lambda x, *s: x.reshape(_np_size(s)),
    _reshape_samples,
    ANY,
    grad_order=2,
    torch=lambda torch, x, *s: x.reshape(*s),
)
OpInfo(
    "view",
    lambda x, *s: x.reshape(_np_size(s)),
    _view_samples,
    ANY,
    grad_order=2,
    torch=lambda torch, x, *s: x.view(*s),
)
OpInfo(
    "view_dtype",
    lambda x, d: x.view(d.np),
    _view_dtype_samples,
    ANY,
    grad_order=0,
    torch=lambda torch, x, d: x.view(getattr(torch, d.name)),
    skip_noncontiguous=True,  # a different item size needs a contiguous last dim
)


def _flatten_ref(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1 :])


OpInfo(
    "flatten",
    _flatten_ref,
    lambda make: [
        SampleInput(make(2, 3, 4)),
        SampleInput(make(2, 3, 4), 1),
        SampleInput(make(2, 3, 4, 5), start_dim=1, end_dim=-2),
        SampleInput(make(2, 3), 1, 1),
        SampleInput(make()),
        SampleInput(make(2, 0, 3), 0, 1),
    ],
    ANY,
    grad_order=2,
)


def _unflatten_ref(x, dim, sizes):
    d = dim % x.ndim
    return x.reshape(x.shape[:d] + tuple(sizes) + x.shape[d + 1 :])


OpInfo(
    "unflatten",
    _unflatten_ref,
    lambda make: [
        SampleInput(make(2, 12), 1, (3, 4)),
        SampleInput(make(2, 12), -1, (2, -1, 3)),
        SampleInput(make(6), 0, [6]),
        SampleInput(make(0, 4), 0, (0, 5)),
    ],
    ANY,
    grad_order=2,
)
OpInfo(
    "ravel",
    np.ravel,
    lambda make: [SampleInput(make(3, 4)), SampleInput(make()), SampleInput(make(3, 4).t())],
    ANY,
    grad_order=2,
)


def _squeeze_ref(x, dim=None):
    if dim is None:
        return np.squeeze(x)
    dims = tuple(d % max(x.ndim, 1) for d in (dim if isinstance(dim, tuple) else (dim,)))
    return np.squeeze(x, tuple(d for d in dims if x.ndim and x.shape[d] == 1))


OpInfo(
    "squeeze",
    _squeeze_ref,
    lambda make: [
        SampleInput(make(1, 3, 1, 4)),
        SampleInput(make(1, 3, 1, 4), 2),
        SampleInput(make(1, 3, 1, 4), 1),  # not of size 1: left alone
        SampleInput(make(1, 3, 1, 4), dim=(0, -2)),
        SampleInput(make()),
        SampleInput(make(), 0),
        SampleInput(make(0, 1), -1),
    ],
    ANY,
    grad_order=2,
)
OpInfo(
    "unsqueeze",
    lambda x, dim: np.expand_dims(x, dim),
    lambda make: [
        SampleInput(make(3, 4), 0),
        SampleInput(make(3, 4), -1),
        SampleInput(make(3, 4), 1),
        SampleInput(make(), 0),
        SampleInput(make(0), dim=1),
    ],
    ANY,
    grad_order=2,
)

# ---- permuting ---------------------------------------------------------------------------

OpInfo(
    "permute",
    lambda x, *dims: np.transpose(x, _np_size(dims)),
    lambda make: [
        SampleInput(make(2, 3, 4), 2, 0, 1),
        SampleInput(make(2, 3, 4), (-1, 0, 1)),
        SampleInput(make(), ()),
        SampleInput(make(0, 2), [1, 0]),
    ],
    ANY,
    grad_order=2,
    torch=lambda torch, x, *dims: x.permute(*dims),
)
OpInfo(
    "transpose",
    lambda x, d0, d1: np.swapaxes(x, d0, d1) if x.ndim else x,
    lambda make: [
        SampleInput(make(2, 3, 4), 0, -1),
        SampleInput(make(2, 3), 1, 1),
        SampleInput(make(), 0, -1),
    ],
    ANY,
    grad_order=2,
)
OpInfo(
    "t",
    lambda x: x.T,
    lambda make: [SampleInput(make(2, 3)), SampleInput(make(3)), SampleInput(make())],
    ANY,
    grad_order=2,
)
OpInfo(
    "movedim",
    np.moveaxis,
    lambda make: [
        SampleInput(make(2, 3, 4), 0, -1),
        SampleInput(make(2, 3, 4), (0, 1), (2, 0)),
        SampleInput(make(2, 3, 4), [2], [0]),
    ],
    ANY,
    grad_order=2,
)


def _expand_ref(x, *sizes):
    sizes = _np_size(sizes)
    lead = len(sizes) - x.ndim
    return np.broadcast_to(
        x, tuple(x.shape[d - lead] if s == -1 else s for d, s in enumerate(sizes))
    )


OpInfo(
    "expand",
    _expand_ref,
    lambda make: [
        SampleInput(make(3, 1), 3, 4),
        SampleInput(make(3, 1), (2, -1, 4)),
        SampleInput(make(), 2, 3),
        SampleInput(make(1), 0),
        SampleInput(make(2, 3), -1, 3),
    ],
    ANY,
    grad_order=2,
    torch=lambda torch, x, *s: x.expand(*s),
)


def _narrow_ref(x, dim, start, length):
    start = start % x.shape[dim] if start < 0 else start
    return np.take(x, range(start, start + length), axis=dim)


OpInfo(
    "narrow",
    _narrow_ref,
    lambda make: [
        SampleInput(make(5, 3), 0, 1, 3),
        SampleInput(make(5, 3), -1, -2, 2),
        SampleInput(make(5, 3), 0, 5, 0),
    ],
    ANY,
    grad_order=2,
)

# ---- splitting ---------------------------------------------------------------------------


def _split_at(x, sizes, dim):
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=dim))


def _split_ref(x, size, dim=0):
    n = x.shape[dim]
    if isinstance(size, (list, tuple)):
        return _split_at(x, size, dim)
    count = max(-(-n // size), 1) if size else 1
    return _split_at(x, [min(size, n - i * size) for i in range(count)], dim)


OpInfo(
    "split",
    _split_ref,
    lambda make: [
        SampleInput(make(5, 4), 2),
        SampleInput(make(5, 4), [1, 3], 1),
        SampleInput(make(5, 4), 5, dim=0),
        SampleInput(make(0, 4), 0),
        SampleInput(make(6), (0, 6, 0)),
    ],
    ANY,
    grad_order=2,
)
OpInfo(
    "chunk",
    lambda x, chunks, dim=0: _split_ref(x, -(-x.shape[dim] // chunks), dim),
    lambda make: [
        SampleInput(make(5, 4), 2),
        SampleInput(make(5, 4), 3, 1),
        SampleInput(make(6), 4),
        SampleInput(make(2, 3), 6, dim=-1),
    ],
    ANY,
    grad_order=2,
)


def _tensor_split_ref(x, arg, dim=0):
    if isinstance(arg, np.ndarray):
        arg = int(arg) if arg.ndim == 0 else arg.tolist()
    return tuple(np.array_split(x, arg, axis=dim))


OpInfo(
    "tensor_split",
    _tensor_split_ref,
    lambda make: [
        SampleInput(make(7, 2), 3),
        SampleInput(make(2, 7), [1, 5, 3, 9], 1),
        SampleInput(make(7), make(2, dtype=ember.int64, low=0, high=7)),
        SampleInput(make(4), 6),
    ],
    ANY,
    grad_order=2,
)
OpInfo(
    "unbind",
    lambda x, dim=0: tuple(np.moveaxis(x, dim, 0)),
    lambda make: [SampleInput(make(2, 3), 1), SampleInput(make(3, 2)), SampleInput(make(0, 2))],
    ANY,
    grad_order=2,
)


def _diagonal_ref(x, offset=0, dim1=0, dim2=1):
    return np.diagonal(x, offset, dim1, dim2)


OpInfo(
    "diagonal",
    _diagonal_ref,
    lambda make: [
        SampleInput(make(3, 4)),
        SampleInput(make(3, 4), 1),
        SampleInput(make(3, 4), -2),
        SampleInput(make(3, 4), 7),
        SampleInput(make(2, 3, 4), offset=1, dim1=-1, dim2=0),
        SampleInput(make(2, 3, 4), 0, 2, 1),
    ],
    ANY,
    grad_order=2,
)


def _as_strided_ref(x, size, stride, storage_offset=0):
    # The samples' inputs are their own storage, so the storage is x laid out flat.
    flat = np.ascontiguousarray(x).reshape(-1)[storage_offset:]
    return np.lib.stride_tricks.as_strided(flat, size, [s * x.itemsize for s in stride]).copy()


OpInfo(
    "as_strided",
    _as_strided_ref,
    lambda make: [
        SampleInput(make(3, 4), (2, 2), (4, 1), 1),
        SampleInput(make(3, 4), (4, 3), (1, 4)),  # a transpose
        SampleInput(make(10), (3, 2), (1, 1), 2),  # overlapping windows: gradients add up
        SampleInput(make(2, 3), [3], [2], storage_offset=0),
        SampleInput(make(2, 3), (), (), 5),
        SampleInput(make(6), (0, 2), (1, 1)),
    ],
    ANY,
    grad_order=2,
    skip_noncontiguous=True,  # as_strided reads the storage, whatever the input's strides
)
