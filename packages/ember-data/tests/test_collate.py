import collections

import numpy as np
import pytest

import ember
from ember.data import default_collate, default_convert

Point = collections.namedtuple("Point", "x y")


def values(t):
    return t.numpy().tolist()


def test_tensors_are_stacked():
    out = default_collate([ember.zeros(2, 3), ember.ones(2, 3)])
    assert out.shape == (2, 2, 3) and out.dtype == ember.float32
    np.testing.assert_array_equal(out.numpy()[1], np.ones((2, 3)))


def test_zero_dim_tensors_become_a_vector():
    out = default_collate([ember.tensor(1.5), ember.tensor(2.5)])
    assert out.shape == (2,) and values(out) == [1.5, 2.5]


@pytest.mark.parametrize(
    ("batch", "dtype"),
    [
        ([1, 2], ember.int64),
        ([1.0, 2.0], ember.float64),  # torch's default_collate: Python floats are float64
        ([True, False], ember.bool),
        ([1, 2.5], ember.float32),  # as torch.tensor([1, 2.5]): the default float dtype
        ([np.float32(1), np.float32(2)], ember.float32),
        ([np.float64(1), np.float64(2)], ember.float64),
        ([np.int32(1), np.int32(2)], ember.int32),
        ([np.bool_(True), np.bool_(False)], ember.bool),
        ([np.array(1.5), np.array(2.5)], ember.float64),
    ],
)
def test_number_dtypes(batch, dtype):
    out = default_collate(batch)
    assert out.dtype == dtype and out.shape == (2,)
    assert values(out) == [float(b) if dtype.is_floating_point else b for b in batch]


def test_numpy_arrays_keep_their_dtype():
    out = default_collate([np.zeros((2, 2), np.float16), np.ones((2, 2), np.float16)])
    assert out.dtype == ember.float16 and out.shape == (2, 2, 2)
    out = default_collate([np.arange(3, dtype=np.uint8)] * 4)
    assert out.dtype == ember.uint8 and out.shape == (4, 3)


def test_mixed_dtypes_promote_like_torch():
    out = default_collate([ember.tensor([1, 2]), ember.tensor([0.5, 1.5])])
    assert out.dtype == ember.float32  # int64 with float32: float32, not NumPy's float64
    out = default_collate([np.array([1], np.int64), np.array([1], np.float32)])
    assert out.dtype == ember.float32


def test_strings_and_bytes_are_kept():
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]


def test_nested_structures():
    batch = [
        {"img": np.zeros(2), "meta": {"id": 1, "name": "a"}, "pair": (1.0, [2, 3])},
        {"img": np.ones(2), "meta": {"id": 2, "name": "b"}, "pair": (2.0, [4, 5])},
    ]
    out = default_collate(batch)
    assert out["img"].shape == (2, 2) and out["img"].dtype == ember.float64
    assert values(out["meta"]["id"]) == [1, 2] and out["meta"]["name"] == ["a", "b"]
    first, rest = out["pair"]  # tuples become lists, as in torch
    assert isinstance(out["pair"], list) and values(first) == [1.0, 2.0]
    assert isinstance(rest, list) and [values(t) for t in rest] == [[2, 4], [3, 5]]


def test_namedtuples_keep_their_type():
    out = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(out, Point)
    assert values(out.x) == [1, 3] and out.y.dtype == ember.float64


def test_mapping_and_sequence_types_are_kept():
    out = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert isinstance(out, collections.OrderedDict) and values(out["a"]) == [1, 2]
    out = default_collate([[1, 2], [3, 4]])
    assert isinstance(out, list) and [values(t) for t in out] == [[1, 3], [2, 4]]


def test_collate_of_samples_from_tensors_is_a_list():
    batch = [(ember.zeros(3), ember.tensor(0)), (ember.ones(3), ember.tensor(1))]
    xs, ys = default_collate(batch)
    assert xs.shape == (2, 3) and values(ys) == [0, 1]


def test_ragged_tensors_name_the_positions_and_shapes():
    batch = [ember.zeros(2), ember.zeros(2), ember.zeros(3)]
    with pytest.raises(RuntimeError, match=r"\(2,\) at batch position 0 and \(3,\) at position 2"):
        default_collate(batch)


def test_ragged_errors_name_the_field():
    batch = [{"img": np.zeros((2, 2))}, {"img": np.zeros((2, 3))}]
    with pytest.raises(RuntimeError, match=r"same shape \(at sample\['img'\]\), but got \(2, 2\)"):
        default_collate(batch)
    with pytest.raises(RuntimeError, match=r"equal size, but got 2 at batch position 0 and 1"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match=r"at sample\[1\]"):
        default_collate([(0, ember.zeros(1)), (1, ember.zeros(2))])


def test_unsupported_types():
    with pytest.raises(TypeError, match=r"batch must contain tensors, numpy arrays.*object"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match="found <class 'complex'>"):
        default_collate([1j, 2j])
    with pytest.raises(TypeError, match="position 1 is a ndarray"):
        default_collate([ember.zeros(1), np.zeros(1)])
    with pytest.raises(ValueError, match="empty batch"):
        default_collate([])
    with pytest.raises(KeyError, match="key 'b' of batch position 0 is missing at position 1"):
        default_collate([{"a": 1, "b": 2}, {"a": 1}])


def test_default_convert():
    arr = np.arange(3, dtype=np.int32)
    out = default_convert(arr)
    assert out.dtype == ember.int32 and np.shares_memory(out.numpy(), arr)
    t = ember.zeros(2)
    assert default_convert(t) is t
    assert default_convert(np.float32(2.0)).dtype == ember.float32
    mixed = default_convert([np.zeros(2), (1, np.float32(2)), "x", 3])
    assert isinstance(mixed, list) and mixed[0].dtype == ember.float64
    assert mixed[1][0] == 1 and isinstance(mixed[1], list) and mixed[1][1].dtype == ember.float32
    assert mixed[2:] == ["x", 3]
    assert isinstance(default_convert(Point(np.zeros(1), 2)), Point)
    assert default_convert({"a": np.ones(1)})["a"].dtype == ember.float64
    strings = np.array(["a", "b"])
    assert default_convert(strings) is strings
    assert default_convert("abc") == "abc"
