"""ember.data against torch.utils.data: collation results, split lengths, batch layouts.

Random orders are not compared: the two libraries' generators differ.
"""

import collections
import warnings

import numpy as np
import pytest

import ember
import ember.data as ed

torch = pytest.importorskip("torch")
tud = pytest.importorskip("torch.utils.data")

pytestmark = pytest.mark.parity

Pair = collections.namedtuple("Pair", "a b")


def as_torch(x):
    """An ember sample, with ember tensors turned into torch tensors."""
    if isinstance(x, ember.Tensor):
        return torch.from_numpy(np.array(x.numpy()))
    if isinstance(x, dict):
        return type(x)((k, as_torch(v)) for k, v in x.items())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(as_torch(v) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(as_torch(v) for v in x)
    return x


def assert_same(ours, theirs):
    """Same structure, container types, dtypes and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ember.Tensor), type(ours)
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), (
            ours.dtype,
            theirs.dtype,
        )
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        return
    assert type(ours) is type(theirs), (type(ours), type(theirs))
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for k in theirs:
            assert_same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    else:
        assert ours == theirs


BATCHES = {
    "ints": [1, 2, 3],
    "floats": [1.0, 2.5],
    "bools": [True, False],
    "int_then_float": [1, 2.5],
    "strings": ["a", "b"],
    "bytes": [b"a", b"b"],
    "np_float32_scalars": [np.float32(1), np.float32(2)],
    "np_float64_scalars": [np.float64(1), np.float64(2)],
    "np_int32_scalars": [np.int32(1), np.int32(2)],
    "np_0d_arrays": [np.array(1.5), np.array(2.5)],
    "np_arrays": [np.arange(6, dtype=np.float16).reshape(2, 3)] * 3,
    "np_uint8": [np.arange(4, dtype=np.uint8)] * 2,
    "tensors": [ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])],
    "int_tensors": [ember.tensor([[1, 2]]), ember.tensor([[3, 4]])],
    "0d_tensors": [ember.tensor(1), ember.tensor(2)],
    "tuples": [(1, 2.0, "x"), (3, 4.0, "y")],
    "lists": [[1, 2], [3, 4]],
    "dicts": [{"x": np.zeros(2), "y": 1, "s": "a"}, {"x": np.ones(2), "y": 2, "s": "b"}],
    "nested": [
        {"pair": (1.0, [2, 3]), "meta": {"id": 1}},
        {"pair": (2.0, [4, 5]), "meta": {"id": 2}},
    ],
    "namedtuples": [Pair(1, np.zeros(1)), Pair(2, np.ones(1))],
    "ordered_dicts": [collections.OrderedDict(a=1), collections.OrderedDict(a=2)],
    "samples": [(ember.zeros(3), ember.tensor(0)), (ember.ones(3), ember.tensor(1))],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_matches_torch(name):
    batch = BATCHES[name]
    assert_same(ed.default_collate(batch), tud.default_collate(as_torch(batch)))


@pytest.mark.parametrize(
    "data",
    [
        np.arange(3, dtype=np.int32),
        np.float32(2.0),
        (1, np.float32(2)),
        [np.zeros(2), "x", 3],
        {"a": np.ones(1), "b": (1, 2)},
        Pair(np.zeros(1), 2),
        "text",
    ],
)
def test_default_convert_matches_torch(data):
    assert_same(ed.default_convert(data), tud.default_convert(data))


@pytest.mark.parametrize(
    ("n", "lengths"),
    [
        (10, [3, 7]),
        (10, [0.5, 0.3, 0.2]),
        (10, [1 / 3, 1 / 3, 1 / 3]),
        (7, [0.25, 0.25, 0.5]),
        (101, [0.8, 0.1, 0.1]),
        (5, [0.5, 0.5]),
        (3, [0.1, 0.1, 0.8]),
    ],
)
def test_random_split_lengths_match_torch(n, lengths):
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = [len(s) for s in ed.random_split(range(n), lengths)]
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs = [len(s) for s in tud.random_split(range(n), lengths)]
    assert ours == theirs
    assert len(ours_warned) == len(theirs_warned)  # one warning per empty split


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 3},
        {"batch_size": 3, "drop_last": True},
        {"batch_size": 5},
        {"batch_size": None},
        {"batch_size": 2, "sampler": [9, 1, 4, 4, 0]},
        {"batch_sampler": [[0, 1], [5], [2, 3, 4]]},
    ],
)
def test_sequential_batches_match_torch(kwargs):
    data = list(range(10))
    ours = [
        b.numpy().tolist() if isinstance(b, ember.Tensor) else b
        for b in ed.DataLoader(data, **kwargs)
    ]
    theirs = [
        b.tolist() if isinstance(b, torch.Tensor) else b for b in tud.DataLoader(data, **kwargs)
    ]
    assert ours == theirs
    assert len(ed.DataLoader(data, **kwargs)) == len(tud.DataLoader(data, **kwargs))


def test_batch_sampler_matches_torch():
    for size in (1, 3, 4):
        for drop_last in (False, True):
            ours = ed.BatchSampler(range(10), size, drop_last)
            theirs = tud.BatchSampler(range(10), size, drop_last)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)
