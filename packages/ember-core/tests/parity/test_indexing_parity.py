"""Parity with PyTorch for ``x[index]`` and ``x[index] = value`` over a table of index
expressions: result, dtype, shape, and whether the result is a view of ``x``.
"""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

# Each index is written once as a function of a tensor constructor ``t``, so that the
# same expression builds ember tensors for ember and torch tensors for torch.
INDICES = {
    "int": lambda t: 1,
    "negative int": lambda t: -2,
    "ints": lambda t: (1, -1, 2),
    "slice": lambda t: slice(1, None),
    "slice with step": lambda t: (slice(None, None, 2), slice(1, 4, 2)),
    "slice out of range": lambda t: (slice(5, 9), slice(-9, 2)),
    "empty slice": lambda t: slice(2, 1),
    "None": lambda t: (None, 0, None),
    "Ellipsis": lambda t: (Ellipsis, 0),
    "Ellipsis in the middle": lambda t: (0, Ellipsis, None, 1),
    "empty tuple": lambda t: (),
    "bool True": lambda t: True,
    "bool False with int": lambda t: (False, 1),
    "0-d int tensor": lambda t: t(2),
    "0-d int tensors": lambda t: (t(2), slice(None), t(-1)),
    "0-d bool tensor": lambda t: t(True),
    "int tensor": lambda t: t([2, 0, 2]),
    "2-d int tensor": lambda t: t([[0, 1], [2, 2]]),
    "int32 tensor": lambda t: t([1, 0], "int32"),
    "list": lambda t: [0, 2],
    "empty list": lambda t: [],
    "bool mask": lambda t: t([True, False, True]),
    "2-d bool mask": lambda t: t([[True, False, True, False], [False] * 4, [True] * 4]),
    "bool list": lambda t: [False, True, True],
    "mask after slice": lambda t: (slice(None), t([True, False, False, True])),
    "adjacent advanced": lambda t: (slice(None), t([0, 3]), t([1, 4])),
    "broadcast advanced": lambda t: (t([[0], [2]]), slice(None), t([1, 4])),
    "separated advanced": lambda t: (t([0, 1]), slice(None), t([4, 3])),
    "int then advanced after slice": lambda t: (0, slice(None), t([1, 2])),
    "advanced, slice, int": lambda t: (t([0, 1]), slice(None), 0),
    "int between advanced": lambda t: (t([0, 1]), 2, t([4, 3])),
    "slice, int, advanced": lambda t: (slice(None), 0, t([1, 2])),
    "None and advanced": lambda t: (None, t([0, 1]), slice(None), t([1, 2])),
    "Ellipsis and advanced": lambda t: (t([1, 2]), Ellipsis, t([0, 1])),
    "mask and int": lambda t: (t([True, False, True]), 1),
    "mask and int tensor": lambda t: (t([True, False, True]), t([0, 3])),
    "negative int tensor": lambda t: (t([-1, -3]), t([-4, 0])),
}


def _ember_maker(value, dtype=None):
    return ember.tensor(value, dtype=getattr(ember, dtype) if dtype else None)


def _torch_maker(value, dtype=None):
    return torch.tensor(value, dtype=getattr(torch, dtype) if dtype else None)


def _pair(dtype="float32"):
    x = ember.arange(60, dtype=getattr(ember, dtype)).reshape(3, 4, 5)
    return x, torch.arange(60, dtype=getattr(torch, dtype)).reshape(3, 4, 5)


def _check(ours, theirs, what):
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {tuple(ours.shape)}"
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), what
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=what)


@pytest.mark.parametrize("name", list(INDICES))
def test_getitem_matches_torch(name):
    x, xt = _pair()
    ours, theirs = x[INDICES[name](_ember_maker)], xt[INDICES[name](_torch_maker)]
    _check(ours, theirs, name)
    shares = theirs.untyped_storage().data_ptr() == xt.untyped_storage().data_ptr()
    assert np.shares_memory(ours.numpy(), x.numpy()) == (shares and theirs.numel() > 0)
    if shares and theirs.numel():
        assert ours.storage_offset() == theirs.storage_offset(), name


@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool"])
def test_getitem_keeps_dtype(dtype):
    x, xt = _pair("int64")
    x, xt = x.to(getattr(ember, dtype)), xt.to(getattr(torch, dtype))
    index = INDICES["separated advanced"]
    _check(x[index(_ember_maker)], xt[index(_torch_maker)], dtype)


# name -> value, written as a function of the tensor constructor (or a number)
VALUES = {
    "number": lambda t: 7,
    "float number": lambda t: 2.5,
    "0-d tensor": lambda t: t(-3.0),
    "broadcast row": lambda t: t([1.0, 2.0, 3.0, 4.0, 5.0]),
    "row of 4": lambda t: t([1.0, 2.0, 3.0, 4.0]),
    "column": lambda t: t([[1.0], [2.0], [3.0], [4.0]]),
    "leading ones": lambda t: t([[[[9.0]]]]),
    "int tensor": lambda t: t([1, 2, 3, 4, 5]),
}

SETITEM_CASES = [
    ("int", "number"),
    ("int", "broadcast row"),
    ("int", "column"),
    ("slice with step", "float number"),
    ("slice with step", "leading ones"),
    ("Ellipsis", "row of 4"),
    ("None", "int tensor"),
    ("empty tuple", "0-d tensor"),
    ("int tensor", "broadcast row"),
    ("int tensor", "column"),
    ("bool mask", "broadcast row"),
    ("2-d bool mask", "0-d tensor"),
    ("mask after slice", "number"),
    ("separated advanced", "row of 4"),
    ("int then advanced after slice", "number"),
    ("int between advanced", "0-d tensor"),
    ("broadcast advanced", "leading ones"),
    ("0-d int tensors", "number"),
    ("empty list", "broadcast row"),
]


@pytest.mark.parametrize("index, value", SETITEM_CASES)
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_setitem_matches_torch(index, value, dtype):
    x, xt = _pair(dtype)
    version = x._version
    ours, theirs = VALUES[value](_ember_maker), VALUES[value](_torch_maker)
    if isinstance(theirs, torch.Tensor):  # PyTorch casts only for basic indices
        ours, theirs = ours.to(x.dtype), theirs.to(xt.dtype)
    x[INDICES[index](_ember_maker)] = ours
    xt[INDICES[index](_torch_maker)] = theirs
    _check(x, xt, f"{index} = {value}")
    assert x._version == version + 1


def test_setitem_through_a_view_matches_torch():
    x, xt = _pair()
    x[0][1:3] = 5.0
    xt[0][1:3] = 5.0
    x.permute(2, 1, 0)[2, ..., [0, 1]] = -1.0
    xt.permute(2, 1, 0)[2, ..., [0, 1]] = -1.0
    _check(x, xt, "through views")


@pytest.mark.parametrize(
    "indices, shape",
    [([4, 5, -1, 6], (3, 2)), ([[0, 7], [23, 11]], (2, 3, 4)), (3, 5), (2, ()), ([1], [1, 2])],
)
def test_unravel_index_matches_torch(indices, shape):
    import torch

    if shape == ():
        indices = 0  # a 0-d index into a 0-d shape
    ours = ember.unravel_index(ember.tensor(indices), shape)
    theirs = torch.unravel_index(torch.tensor(indices), shape)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.dtype.name == str(t.dtype).removeprefix("torch.")
        assert o.tolist() == t.tolist()
