"""OpInfo rows for ``ember/_ops/shape_copy.py``."""

import numpy as np

import ember
from ember.testing.opinfo import OpInfo, SampleInput
from ember.testing.opinfos.shape import ANY

# ---- joining -----------------------------------------------------------------------------


def _cat_ref(arrays, dim=0):
    dtype = np.result_type(*arrays)
    kept = [a for a in arrays if a.shape != (0,)] or arrays
    return np.concatenate(kept, axis=dim).astype(dtype)


def _cat_samples(make):
    yield SampleInput([make(2, 3), make(4, 3)])
    yield SampleInput([make(2, 3), make(2, 1), make(2, 0)], 1)
    yield SampleInput((make(2, 3), make(0), make(1, 3)), dim=-2)  # legacy 1-D empty: skipped
    yield SampleInput([make(3), make(2, dtype=ember.int16)])  # promotes
    yield SampleInput([make(0), make(0)])


def _stack_samples(make):
    yield SampleInput([make(2, 3), make(2, 3)])
    yield SampleInput([make(2, 3), make(2, 3), make(2, 3)], -1)
    yield SampleInput((make(), make()), dim=0)
    yield SampleInput([make(3), make(3, dtype=ember.uint8)], 1)
    yield SampleInput([make(0, 2)], 1)


OpInfo("cat", _cat_ref, _cat_samples, ANY, grad_order=2)
OpInfo(
    "stack",
    lambda arrays, dim=0: np.stack(arrays, dim).astype(np.result_type(*arrays)),
    _stack_samples,
    ANY,
    grad_order=2,
)

# ---- repeating ---------------------------------------------------------------------------


def _repeat_ref(x, *sizes):
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], tuple) else sizes
    return np.tile(x, sizes)


OpInfo(
    "repeat",
    _repeat_ref,
    lambda make: [
        SampleInput(make(2, 3), 2, 1),
        SampleInput(make(2, 3), (3, 1, 2)),
        SampleInput(make(), 2),
        SampleInput(make(3), 0, 1),
        SampleInput(make(2), 1),
    ],
    ANY,
    grad_order=2,
    torch=lambda torch, x, *s: x.repeat(*s),
)
OpInfo(
    "tile",
    _repeat_ref,
    lambda make: [
        SampleInput(make(2, 3), (2,)),
        SampleInput(make(2, 3), (2, 1, 2)),
        SampleInput(make(), (3,)),
        SampleInput(make(2, 3), ()),
    ],
    ANY,
    grad_order=2,
)


def _repeat_interleave_ref(x, repeats=None, dim=None, output_size=None):
    if repeats is None:
        return np.repeat(np.arange(x.size), x)
    x = x.reshape(-1) if dim is None else x
    return np.repeat(x, repeats, axis=0 if dim is None else dim)


def _repeat_interleave_samples(make):
    yield SampleInput(make(2, 3), 2)
    yield SampleInput(make(2, 3), 2, 1)
    yield SampleInput(make(2, 3), make(2, dtype=ember.int64, low=0, high=4), dim=0)
    yield SampleInput(make(2, 3), make(1, dtype=ember.int64, low=0, high=4), -1)
    yield SampleInput(make(), 3)
    x = make(3)
    yield SampleInput(x, ember.tensor([1, 0, 2], device=x.device), 0, output_size=3)


OpInfo("repeat_interleave", _repeat_interleave_ref, _repeat_interleave_samples, ANY, grad_order=2)

# ---- flipping and rolling ----------------------------------------------------------------


def _flip_ref(x, *dims):
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (list, tuple)) else dims
    return np.flip(x, dims) if x.ndim else x


OpInfo(
    "flip",
    _flip_ref,
    lambda make: [
        SampleInput(make(2, 3, 4), (0, 2)),
        SampleInput(make(2, 3, 4), [-1]),
        SampleInput(make(2, 3), 0, 1),
        SampleInput(make(), (0,)),
        SampleInput(make(0, 2), (0,)),
    ],
    ANY,
    grad_order=2,
    torch=lambda torch, x, *dims: x.flip(*dims),
)
OpInfo(
    "fliplr",
    np.fliplr,
    lambda make: [SampleInput(make(2, 3)), SampleInput(make(2, 3, 4))],
    ANY,
    grad_order=2,
)
OpInfo(
    "flipud",
    np.flipud,
    lambda make: [SampleInput(make(2, 3)), SampleInput(make(4))],
    ANY,
    grad_order=2,
)


def _roll_ref(x, shifts, dims=None):
    if dims is None:
        return np.roll(x.reshape(-1), shifts).reshape(x.shape)
    return np.roll(x, shifts, dims)


OpInfo(
    "roll",
    _roll_ref,
    lambda make: [
        SampleInput(make(3, 4), 1),
        SampleInput(make(3, 4), -2, 1),
        SampleInput(make(3, 4), (1, 5), (0, 1)),
        SampleInput(make(3, 4), shifts=[2], dims=[-1]),
        SampleInput(make(), 3),
        SampleInput(make(0, 2), 1, 0),
    ],
    ANY,
    grad_order=2,
)
OpInfo(
    "rot90",
    lambda x, k=1, dims=(0, 1): np.rot90(x, k, dims),
    lambda make: [
        SampleInput(make(2, 3)),
        SampleInput(make(2, 3), 2),
        SampleInput(make(2, 3, 4), -1, (2, 0)),
        SampleInput(make(2, 3), k=4, dims=[1, 0]),
    ],
    ANY,
    grad_order=2,
)

# ---- triangles and diagonals -------------------------------------------------------------


def _diag_ref(x, diagonal=0):
    return np.diag(x, diagonal)


OpInfo(
    "diag",
    _diag_ref,
    lambda make: [
        SampleInput(make(3)),
        SampleInput(make(3), 1),
        SampleInput(make(3), -2),
        SampleInput(make(3, 4)),
        SampleInput(make(3, 4), diagonal=-1),
        SampleInput(make(0)),
    ],
    ANY,
    grad_order=2,
)


def _diag_embed_ref(x, offset=0, dim1=-2, dim2=-1):
    m = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (m, m), x.dtype)
    for i in range(x.shape[-1]):
        r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
        out[..., r, c] = x[..., i]
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


OpInfo(
    "diag_embed",
    _diag_embed_ref,
    lambda make: [
        SampleInput(make(3)),
        SampleInput(make(2, 3), 1),
        SampleInput(make(2, 3), -1, 0, 2),
        SampleInput(make(2, 3), offset=2, dim1=2, dim2=0),
    ],
    ANY,
    grad_order=2,
)


def _triangle_samples(make):
    yield SampleInput(make(3, 4))
    yield SampleInput(make(3, 4), 1)
    yield SampleInput(make(2, 3, 4), diagonal=-1)
    yield SampleInput(make(4, 3), 5)
    yield SampleInput(make(0, 3))


OpInfo("tril", lambda x, diagonal=0: np.tril(x, diagonal), _triangle_samples, ANY, grad_order=2)
OpInfo("triu", lambda x, diagonal=0: np.triu(x, diagonal), _triangle_samples, ANY, grad_order=2)
