"""OpInfo rows for ``ember/_ops/indexing.py``."""

import numpy as np

import ember
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput

_I64 = ember.int64
_MASK = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])

# Index expressions that PyTorch and NumPy read alike (PyTorch's integers-select-first
# rule is tested against PyTorch in tests/parity/test_indexing_parity.py).
GETITEM_INDICES = [
    1,
    -1,
    (1, 2),
    (slice(None), 2),
    (slice(1, None, 2), slice(None, -1)),
    (slice(5, 10),),
    (None, 1, None),
    (Ellipsis, 1),
    (1, Ellipsis, None),
    (),
    np.array([0, 2, 2]),
    [2, 0],
    [],
    (slice(None), [[0], [2]], [1, 3]),
    ([0, 2], slice(None), [1, 3]),
    (0, [1, 2]),
    _MASK,
    (slice(None), np.array([True, False, True, False])),
    (_MASK[0, :3], 1),
    True,
    (False, 0),
]


def _getitem_samples(make):
    for index in GETITEM_INDICES:
        yield SampleInput(make(3, 4, 5), index)
    for index in [(), None, Ellipsis, (None, Ellipsis)]:
        yield SampleInput(make(), index)
    yield SampleInput(make(0, 3), (slice(None), 1))


def _setitem_ref(x, index, value):
    out = x.copy()
    out[index] = value
    return out


def _setitem_samples(make):
    yield SampleInput(make(3, 4), 1, 7)
    yield SampleInput(make(3, 4), (slice(None), 1), make(3))
    yield SampleInput(make(3, 4), (slice(None, None, 2),), make(4))  # broadcast rows
    yield SampleInput(make(3, 4), (Ellipsis, None), make(1, 1, 4, 1))  # leading 1s dropped
    yield SampleInput(make(3, 4), [0, 2], make(2, 1))
    yield SampleInput(make(3, 4), ([0, 2], [3, 1]), make(2))
    yield SampleInput(make(3, 4), _MASK, make(8))
    yield SampleInput(make(3, 4), (slice(None), np.array([True, False, True, False])), 5)
    yield SampleInput(make(), (), make())


def _torch_setitem(torch, x, index, value):
    x[index] = value
    return x


OpInfo(
    "getitem",
    lambda x, index: x[index],
    _getitem_samples,
    ALL_NUMERIC,
    grad_order=2,
    torch=lambda torch, x, index: x[index],
)
OpInfo(
    "setitem",
    _setitem_ref,
    _setitem_samples,
    ALL_NUMERIC,
    grad_order=1,
    torch=_torch_setitem,
)

# ---- masks ---------------------------------------------------------------------------------


def _masked_fill_ref(x, mask, value):
    return np.where(mask, np.asarray(value).astype(x.dtype), x)


def _mask_samples(make):
    yield SampleInput(make(3, 4), make(3, 4, dtype=ember.bool))
    yield SampleInput(make(3, 4), make(4, dtype=ember.bool))
    yield SampleInput(make(1, 4), make(3, 1, dtype=ember.bool))
    yield SampleInput(make(), make(1, dtype=ember.bool))
    yield SampleInput(make(0, 4), make(0, 4, dtype=ember.bool))


OpInfo(
    "masked_fill",
    _masked_fill_ref,
    lambda make: (
        [SampleInput(*s.args, 3) for s in _mask_samples(make)]
        + [SampleInput(make(3, 4), make(4, dtype=ember.bool), value=make())]
    ),
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo(
    "masked_select",
    lambda x, mask: np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
        np.broadcast_to(mask, np.broadcast_shapes(x.shape, mask.shape))
    ],
    _mask_samples,
    ALL_NUMERIC,
    grad_order=2,
)


def _masked_scatter_ref(x, mask, source):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    out = np.array(np.broadcast_to(x, shape))
    where = np.broadcast_to(mask, shape)
    out[where] = source.reshape(-1)[: int(where.sum())]
    return out


OpInfo(
    "masked_scatter",
    _masked_scatter_ref,
    lambda make: [SampleInput(*s.args, make(15)) for s in _mask_samples(make)],
    ALL_NUMERIC,
    grad_order=2,
)

# ---- flat indices ----------------------------------------------------------------------------


def _put_ref(x, index, source, accumulate=False):
    out = x.copy().reshape(-1)
    if accumulate:
        np.add.at(out, index.reshape(-1), source.reshape(-1))
    else:
        out[index.reshape(-1)] = source.reshape(-1)
    return out.reshape(x.shape)


def _put_samples(make):
    x = make(3, 4)
    yield SampleInput(x, ember.tensor([[0, 5], [-1, 7]], device=x.device), make(2, 2))
    yield SampleInput(make(3, 4), make(6, dtype=_I64, low=-12, high=12), make(6), True)
    yield SampleInput(make(), make(2, dtype=_I64, low=0, high=1), make(2), accumulate=True)


OpInfo(
    "take",
    lambda x, index: np.take(x, index),
    lambda make: [
        SampleInput(make(3, 4), make(2, 3, dtype=_I64, low=-12, high=12)),
        SampleInput(make(), make(4, dtype=_I64, low=-1, high=1)),
        SampleInput(make(3, 4), make(0, dtype=_I64)),
    ],
    ALL_NUMERIC,
    grad_order=2,
)


def _take_along_dim_ref(x, indices, dim=None):
    if dim is None:
        return np.take_along_axis(x.reshape(-1), indices.reshape(-1), 0)
    return np.take_along_axis(x, indices, dim)  # NumPy broadcasts the other dims too


OpInfo(
    "take_along_dim",
    _take_along_dim_ref,
    lambda make: [
        SampleInput(make(3, 4), make(3, 2, dtype=_I64, low=-4, high=4), 1),
        SampleInput(make(3, 4), make(1, 5, dtype=_I64, low=0, high=4), dim=-1),
        SampleInput(make(3, 1), make(2, 6, dtype=_I64, low=0, high=3), 0),
        SampleInput(make(3, 4), make(5, dtype=_I64, low=0, high=12)),
    ],
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo("put", _put_ref, _put_samples, ALL_NUMERIC, grad_order=2)


def _nonzero_ref(x, as_tuple=False):
    if as_tuple:
        return np.nonzero(x.reshape(-1) if x.ndim == 0 else x)
    return np.argwhere(x)


OpInfo(
    "nonzero",
    _nonzero_ref,
    lambda make: [
        SampleInput(make(3, 4, low=-1, high=2)),
        SampleInput(make(2, 3, 4, low=-1, high=2), as_tuple=True),
        SampleInput(make(5, low=0, high=2)),
        SampleInput(make()),
        SampleInput(make(), as_tuple=True),
        SampleInput(make(0, 3)),
    ],
    ALL_NUMERIC,
    grad_order=0,
)
