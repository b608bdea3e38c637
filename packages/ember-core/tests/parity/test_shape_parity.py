"""Parity with PyTorch for the shape and indexing families: every OpInfo sample, every
dtype, compared in value, shape and dtype; then the composites and Tensor's view methods.
"""

import functools
import warnings

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.testing import assert_close, load_opinfos, make_tensor

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

FAMILIES = ("shape", "shape_copy", "indexing", "scatter")
ROWS = [info for info in load_opinfos().values() if OPS[info.name].family in FAMILIES]
CASES = [(info, dtype) for info in ROWS for dtype in info.dtypes]


def to_torch(v):
    """Ember tensors and arrays as PyTorch's (copies: ops may write in place)."""
    if isinstance(v, ember.Tensor):
        return torch.from_numpy(np.array(v.cpu()._data))
    if isinstance(v, np.ndarray):
        return torch.from_numpy(v.copy())
    if isinstance(v, tuple):
        return tuple(to_torch(i) for i in v)
    if isinstance(v, list):
        return [to_torch(i) for i in v]
    return v


def assert_same(ours, theirs, msg=""):
    """Same type of result, shape, dtype and values."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple), f"{msg}: expected a tuple, got {type(ours).__name__}"
        assert len(ours) == len(theirs), f"{msg}: {len(ours)} results, expected {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{msg}[{i}]")
        return
    expected = str(theirs.dtype).removeprefix("torch.")
    assert ours.dtype.name == expected, f"{msg}: dtype {ours.dtype.name}, expected {expected}"
    assert tuple(ours.shape) == tuple(theirs.shape), f"{msg}: shape {tuple(ours.shape)}"
    assert_close(ours, theirs.detach().numpy(), check_dtype=False, msg=msg)


def _torch_fn(info):
    if info.torch is None:
        return getattr(torch, info.name)
    if isinstance(info.torch, str):
        return functools.reduce(getattr, info.torch.split(".")[1:], torch)
    return functools.partial(info.torch, torch)


def _samples(info, dtype):
    rng = np.random.default_rng(0)

    def make(*shape, **kw):
        kw.setdefault("dtype", dtype)
        return make_tensor(*shape, rng=rng, **kw)

    return list(info.samples(make))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0].name}-{c[1].name}")
def test_matches_torch(case):
    info, dtype = case
    fn = _torch_fn(info)
    for sample in _samples(info, dtype):
        args, kwargs = to_torch(sample.args), to_torch(sample.kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's deprecation notes (scatter's reduce)
            theirs = fn(*args, **{k: to_torch(v) for k, v in kwargs.items()})
        ours = OPS[info.name](*sample.args, **sample.kwargs)
        assert_same(ours, theirs, f"{info.name}{sample}")


# ---- composites and aliases (not ops, so without OpInfo rows) ------------------------------


def _pair(*shape, dtype=ember.float32, seed=0):
    t = make_tensor(*shape, dtype=dtype, rng=np.random.default_rng(seed))
    return t, to_torch(t)


COMPOSITES = {
    "hstack": [[(2, 3), (2, 1)], [(3,), (2,)], [(), (2,)]],
    "vstack": [[(2, 3), (3,)], [(), ()]],
    "row_stack": [[(2, 3), (1, 3)]],
    "dstack": [[(2, 3), (2, 3, 2)], [(3,), (3,)], [(), ()]],
    "column_stack": [[(3,), (3, 2)], [(), ()]],
    "atleast_1d": [[()], [(2,)], [(), (2, 3)]],
    "atleast_2d": [[()], [(2,)], [(2, 3, 4)], [(), (2,)]],
    "atleast_3d": [[()], [(2,)], [(2, 3)], [(2, 3, 4, 5)]],
    "broadcast_tensors": [[(2, 1), (3,)], [(), (2, 3)]],
    "concat": [[(2, 3), (1, 3)]],
    "concatenate": [[(2, 3), (1, 3)]],
}


@pytest.mark.parametrize(
    "name, shapes",
    [(n, s) for n, cases in COMPOSITES.items() for s in cases],
    ids=lambda v: str(v),
)
def test_composites_match_torch(name, shapes):
    pairs = [_pair(*s, seed=i) for i, s in enumerate(shapes)]
    ours, theirs = [p[0] for p in pairs], [p[1] for p in pairs]
    if name in ("hstack", "vstack", "row_stack", "dstack", "column_stack", "concat", "concatenate"):
        assert_same(getattr(ember, name)(ours), getattr(torch, name)(theirs), name)
    else:
        assert_same(getattr(ember, name)(*ours), getattr(torch, name)(*theirs), name)
        if name.startswith("atleast"):  # a list gives a tuple, also of one tensor
            assert_same(getattr(ember, name)(ours), getattr(torch, name)(theirs), name)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(3,), (), (4,)], [(2,)]])
def test_meshgrid_matches_torch(shapes, indexing):
    pairs = [_pair(*s, seed=i) for i, s in enumerate(shapes)]
    ours = ember.meshgrid(*[p[0] for p in pairs], indexing=indexing)
    assert_same(ours, torch.meshgrid(*[p[1] for p in pairs], indexing=indexing), "meshgrid")
    listed = ember.meshgrid([p[0] for p in pairs], indexing=indexing)
    assert_same(listed, torch.meshgrid([p[1] for p in pairs], indexing=indexing), "meshgrid")


def test_broadcast_shapes_matches_torch():
    for shapes in [((2, 1), (3,)), ((), (4, 1, 2), 1), ((0, 1), (3,))]:
        assert tuple(ember.broadcast_shapes(*shapes)) == tuple(torch.broadcast_shapes(*shapes))


@pytest.mark.parametrize(
    "method, args",
    [
        ("swapaxes", (0, 2)),
        ("swapdims", (-1, 1)),
        ("moveaxis", ((0, 1), (2, 0))),
        ("broadcast_to", ((2, 2, 3, 4),)),
        ("argwhere", ()),
    ],
)
def test_aliases_match_torch(method, args):
    x, xt = _pair(2, 3, 4, dtype=ember.int64)
    assert_same(getattr(x, method)(*args), getattr(xt, method)(*args), method)
    if method != "broadcast_to":
        fn = getattr(ember, method)
        assert_same(fn(x, *args), getattr(torch, method)(xt, *args), method)


# ---- Tensor's view methods and layouts ------------------------------------------------------

VIEWS = {
    "slice": lambda t: t[1:, ::2],
    "row": lambda t: t[2],
    "column": lambda t: t[:, 1],
    "transpose": lambda t: t.transpose(0, 1),
    "T": lambda t: t.T,
    "mT": lambda t: t.mT,
    "permute": lambda t: t.permute(1, 0),
    "expand": lambda t: t[:, :1].expand(4, 5),
    "expand_new_dims": lambda t: t.expand(2, 4, 5),
    "diagonal": lambda t: t.diagonal(1),
    "diagonal_below": lambda t: t.diagonal(-2),
    "narrow": lambda t: t.narrow(1, 2, 3),
    "view": lambda t: t.view(2, 2, 5),
    "view_of_slice": lambda t: t[1:3].view(-1),
    "view_strided": lambda t: t[::2].view(2, 5),
    "unflatten": lambda t: t.unflatten(1, (5, 1)),
    "chunk": lambda t: t.chunk(2, 1)[1],
    "split": lambda t: t.split([1, 3])[1],
    "unbind": lambda t: t.unbind(1)[3],
    "squeeze": lambda t: t[:1].squeeze(0),
    "select_then_slice": lambda t: t[1][1::2],
    "movedim": lambda t: t.movedim(0, 1),
    "diag_of_T": lambda t: t.T.diagonal(),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_view_layout_matches_torch(name):
    x = ember.arange(20.0).reshape(4, 5)
    xt = torch.arange(20.0).reshape(4, 5)
    ours, theirs = VIEWS[name](x), VIEWS[name](xt)
    assert_same(ours, theirs, name)
    # Strides of size-1 dims are arbitrary (PyTorch picks its own); compare the others.
    sizes = theirs.shape
    assert [s for s, n in zip(ours.stride(), sizes) if n != 1] == [
        s for s, n in zip(theirs.stride(), sizes) if n != 1
    ]
    assert ours.storage_offset() == theirs.storage_offset()
    assert ours.is_contiguous() == theirs.is_contiguous()
    assert np.shares_memory(ours._data, x._data)


@pytest.mark.parametrize("to", [ember.uint8, ember.int16, ember.float64, ember.int32, ember.bool])
def test_view_dtype_matches_torch(to):
    x = ember.arange(8, dtype=ember.float32).reshape(2, 4)
    xt = torch.arange(8, dtype=torch.float32).reshape(2, 4)
    if to is ember.bool:
        x, xt = x.view(ember.uint8) > 60, xt.view(torch.uint8) > 60
        to = ember.uint8
    assert_same(x.view(to), xt.view(getattr(torch, to.name)), "view")
    assert_same(x.view(dtype=to), xt.view(dtype=getattr(torch, to.name)), "view")


def test_conjugate_transposes_match_torch():
    x, xt = _pair(2, 3, dtype=ember.float64)
    assert_same(x.H, xt.H, "H")
    b, bt = _pair(2, 3, 4, dtype=ember.float64)
    assert_same(b.mH, bt.mH, "mH")
    assert_same(b.T, bt.permute(2, 1, 0), "T")


# ---- the splits, block_diag, cartesian_prod, combinations, vander ---------------------------

NEW_COMPOSITES = [
    ("hsplit", [(2, 6)], (3,)),
    ("hsplit", [(7,)], ([2, 5],)),
    ("vsplit", [(4, 3)], ([1, 9],)),
    ("dsplit", [(2, 1, 4)], (2,)),
    ("block_diag", [(), (2,), (2, 3)], ()),
    ("block_diag", [(0, 2), (2, 0), (1, 1)], ()),
    ("cartesian_prod", [(2,), (3,), (1,)], ()),
    ("combinations", [(4,)], ()),
    ("combinations", [(4,)], (3, True)),
    ("combinations", [(3,)], (0,)),
    ("combinations", [(2,)], (3,)),
    ("vander", [(4,)], ()),
    ("vander", [(3,)], (5, True)),
    ("vander", [(3,)], (0,)),
]


@pytest.mark.parametrize("dtype", [ember.float32, ember.int64])
@pytest.mark.parametrize("name, shapes, extra", NEW_COMPOSITES, ids=str)
def test_new_composites_match_torch(name, shapes, extra, dtype):
    pairs = [_pair(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    ours = getattr(ember, name)(*[p[0] for p in pairs], *extra)
    theirs = getattr(torch, name)(*[p[1] for p in pairs], *extra)
    assert_same(ours, theirs, name)


def test_block_diag_promotes_like_torch():
    a, at = _pair(2, dtype=ember.int32)
    b, bt = _pair(1, 2, dtype=ember.float64)
    assert_same(ember.block_diag(a, b), torch.block_diag(at, bt), "block_diag")
    assert_same(ember.block_diag(), torch.block_diag(), "block_diag")


def test_vander_of_bool_matches_torch():
    x = ember.tensor([True, False])
    assert_same(ember.vander(x, 3), torch.vander(torch.tensor([True, False]), 3), "vander")
