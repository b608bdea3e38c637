"""OpInfo rows for ``ember/_ops/scatter.py``.

The references loop over index positions, independently of the kernels' flat positions.
"""

import numpy as np

import ember
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput

_I64 = ember.int64


def _targets(index, dim):
    """(position in index, position it addresses in the input) for every index item."""
    for pos in np.ndindex(index.shape):
        target = list(pos)
        target[dim] = int(index[pos])
        yield pos, tuple(target)


def _one_d(ref):
    """``ref`` for 0-d tensors too: they act as 1-D tensors of one item."""

    def run(x, dim, index, *args, **kwargs):
        if x.ndim:
            return ref(x, dim, index, *args, **kwargs)
        args = [a.reshape(1) if isinstance(a, np.ndarray) else a for a in args]
        return ref(x.reshape(1), 0, index.reshape(-1), *args, **kwargs).reshape(x.shape)

    return run


@_one_d
def _gather_ref(x, dim, index, sparse_grad=False):
    out = np.empty(index.shape, x.dtype)
    for pos, target in _targets(index, dim % x.ndim):
        out[pos] = x[target]
    return out


@_one_d
def _scatter_ref(x, dim, index, src=None, value=None, reduce=None):
    src = value if src is None else src
    out = x.copy()
    for pos, target in _targets(index, dim % x.ndim):
        item = src[pos] if isinstance(src, np.ndarray) else src
        if reduce == "add":
            out[target] += item
        elif reduce == "multiply":
            out[target] *= item
        else:
            out[target] = item
    return out


def _reduce(values, reduce, dtype):
    values = np.array(values, dtype=dtype)
    if reduce == "mean":
        total = values.astype(np.float64).sum()
        return np.floor(total / len(values)) if dtype.kind in "iu" else total / len(values)
    return {"sum": np.sum, "prod": np.prod, "amax": np.max, "amin": np.min}[reduce](values)


def _scatter_reduce_ref(x, dim, index, src, reduce, include_self=True):
    groups = {}
    for pos, target in _targets(index, dim % x.ndim):
        groups.setdefault(target, [x[target]] if include_self else []).append(src[pos])
    out = x.copy()
    for target, values in groups.items():
        out[target] = np.asarray(_reduce(values, reduce, x.dtype)).astype(x.dtype)
    return out


def _unique_index(make):
    # Along dim 0, no column repeats an index, so which write wins is defined.
    x = make(3, 4)
    return x, ember.tensor([[0, 1, 2, 0], [2, 0, 1, 1]], device=x.device)


def _scatter_samples(make):
    x, index = _unique_index(make)
    yield SampleInput(x, 0, index, make(2, 5))
    yield SampleInput(make(3, 4), 0, index[:1, :3], value=2)
    yield SampleInput(make(4, 3), 1, index.t(), make(4, 2))
    yield SampleInput(make(3, 4), 0, index, make(2, 4), reduce="add")
    yield SampleInput(make(), 0, ember.tensor(0, device=x.device), make())


def _reduce_samples(make):
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        index = make(3, 4, dtype=_I64, low=0, high=3)
        yield SampleInput(make(3, 4), 0, index, make(4, 5), reduce)
        yield SampleInput(make(3, 4), 1, index, make(3, 4), reduce, include_self=False)
    yield SampleInput(make(2), 0, make(0, dtype=_I64), make(0), "mean")


OpInfo(
    "gather",
    _gather_ref,
    lambda make: [
        SampleInput(make(3, 4), 1, make(3, 2, dtype=_I64, low=0, high=4)),
        SampleInput(make(3, 4), 0, make(2, 3, dtype=_I64, low=0, high=3)),
        SampleInput(make(3, 4), -1, make(0, 4, dtype=_I64)),
        SampleInput(make(), 0, make(dtype=_I64, low=0, high=1)),
    ],
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo("scatter", _scatter_ref, _scatter_samples, ALL_NUMERIC, grad_order=2)
OpInfo(
    "scatter_add",
    lambda x, dim, index, src: _scatter_ref(x, dim, index, src, reduce="add"),
    lambda make: [
        SampleInput(make(3, 4), 0, make(5, 4, dtype=_I64, low=0, high=3), make(5, 4)),
        SampleInput(make(3, 4), 1, make(2, 6, dtype=_I64, low=0, high=4), make(3, 7)),
    ],
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo("scatter_reduce", _scatter_reduce_ref, _reduce_samples, ALL_NUMERIC, grad_order=1)

# ---- index_* -------------------------------------------------------------------------------


def _index_ref(fn):
    @_one_d
    def ref(x, dim, index, *args, **kwargs):
        out = np.moveaxis(x.copy(), dim, 0)
        args = (np.moveaxis(a, dim, 0) if isinstance(a, np.ndarray) and a.ndim else a for a in args)
        fn(out, index.reshape(-1), *args, **kwargs)
        return np.moveaxis(out, 0, dim)

    return ref


def _add_rows(out, index, source, alpha=1):
    for i, row in zip(index, source):
        out[i] += row * alpha


def _copy_rows(out, index, source):
    out[index] = source


OpInfo(
    "index_select",
    _one_d(lambda x, dim, index: np.take(x, index.reshape(-1), axis=dim)),
    lambda make: [
        SampleInput(make(3, 4), 1, make(5, dtype=_I64, low=0, high=4)),
        SampleInput(make(3, 4), 0, make(dtype=_I64, low=0, high=3)),
        SampleInput(make(3, 4), -1, make(0, dtype=_I64)),
        SampleInput(make(), 0, make(1, dtype=_I64, low=0, high=1)),
    ],
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo(
    "index_add",
    _index_ref(_add_rows),
    lambda make: [
        SampleInput(make(3, 4), 0, make(5, dtype=_I64, low=0, high=3), make(5, 4)),
        SampleInput(make(3, 4), 1, make(2, dtype=_I64, low=0, high=4), make(3, 2), alpha=2),
        SampleInput(make(), 0, make(dtype=_I64, low=0, high=1), make()),
    ],
    ALL_NUMERIC,
    grad_order=2,
)


def _index_copy_samples(make):
    x = make(3, 4)
    yield SampleInput(x, 0, ember.tensor([2, 0], device=x.device), make(2, 4))
    yield SampleInput(make(3, 4), -1, ember.tensor([3, 1, 0], device=x.device), make(3, 3))


OpInfo("index_copy", _index_ref(_copy_rows), _index_copy_samples, ALL_NUMERIC, grad_order=2)
OpInfo(
    "index_fill",
    _index_ref(lambda out, index, value: out.__setitem__(index, value)),
    lambda make: [
        SampleInput(make(3, 4), 1, make(3, dtype=_I64, low=-4, high=4), 2),
        SampleInput(make(3, 4), 0, make(1, dtype=_I64, low=0, high=3), make()),
    ],
    ALL_NUMERIC,
    grad_order=2,
)


def _index_put_ref(x, indices, values, accumulate=False):
    out = x.copy()
    if accumulate:
        np.add.at(out, tuple(indices), values)
    else:
        out[tuple(indices)] = values
    return out


def _index_put_samples(make):
    x = make(3, 4)
    rows, cols = ember.tensor([0, 2, 1], device=x.device), ember.tensor([3, 3, 0], device=x.device)
    yield SampleInput(x, (rows, cols), make(3))
    yield SampleInput(make(3, 4), (rows,), make(4))
    yield SampleInput(make(3, 4), [make(3, 4, dtype=ember.bool)], make())
    yield SampleInput(make(3, 4), (make(5, dtype=_I64, low=-3, high=3),), make(5, 4), True)
    yield SampleInput(make(3, 4), (rows[:2], cols[:1]), make(2), accumulate=True)


OpInfo("index_put", _index_put_ref, _index_put_samples, ALL_NUMERIC, grad_order=2)


# ---- the *_scatter ops: refs write through NumPy's own views of a copy ------------------


def _written(region):
    """A ref: a copy of ``x`` with ``region(copy, *args)`` set to ``src``."""

    def ref(x, src, *args, **kwargs):
        out = x.copy()
        region(out, *args, **kwargs)[...] = src
        return out

    return ref


def _diagonal_region(out, offset=0, dim1=0, dim2=1):
    # np.diagonal's view is read-only; take the same items through index arrays instead.
    d1, d2 = dim1 % out.ndim + 1, dim2 % out.ndim + 1  # dims of np.indices' stack
    return _Setter(out, np.diagonal(np.indices(out.shape), offset, d1, d2))


class _Setter:
    """``out[idx] = value`` written through ``self[...] = value`` (idx: stacked indices)."""

    def __init__(self, out, idx):
        self.out, self.idx = out, tuple(idx)

    def __setitem__(self, _key, value):
        self.out[self.idx] = value


OpInfo(
    "diagonal_scatter",
    _written(_diagonal_region),
    lambda make: [
        SampleInput(make(3, 4), make(3)),
        SampleInput(make(3, 4), make(2), 2),
        SampleInput(make(3, 4), make(2), -1),
        SampleInput(make(2, 3, 4), make(3, 2), 0, 0, 2),
        SampleInput(make(2, 3, 4), make(2, 2), offset=1, dim1=-1, dim2=1),
        SampleInput(make(2, 2), make(0), 5),
    ],
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo(
    "select_scatter",
    _written(lambda out, dim, index: out[(slice(None),) * (dim % out.ndim) + (index, ...)]),
    lambda make: [
        SampleInput(make(3, 4), make(4), 0, 1),
        SampleInput(make(3, 4), make(3), -1, -1),
        SampleInput(make(2, 3, 4), make(2, 4), 1, 2),
        SampleInput(make(3), make(), 0, 2),
    ],
    ALL_NUMERIC,
    grad_order=2,
)


def _slice_region(out, dim=0, start=None, end=None, step=1):
    return out[(slice(None),) * (dim % out.ndim) + (slice(start, end, step),)]


OpInfo(
    "slice_scatter",
    _written(_slice_region),
    lambda make: [
        SampleInput(make(4, 3), make(4, 3)),
        SampleInput(make(4, 3), make(2, 3), 0, 1, 3),
        SampleInput(make(3, 5), make(3, 2), 1, 1, None, 2),
        SampleInput(make(3, 5), make(3, 2), -1, -3, 10, 2),
        SampleInput(make(2, 3, 4), make(2, 3, 1), dim=2, start=3),
        SampleInput(make(3, 4), make(3, 0), 1, 3, 1),
    ],
    ALL_NUMERIC,
    grad_order=2,
)
