import numpy as np
import pytest

import ember
from ember.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


class Stream(IterableDataset):
    def __init__(self, values):
        self.values = values

    def __iter__(self):
        return iter(self.values)

    def __len__(self):
        return len(self.values)


def test_base_classes_are_abstract():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__iter__"):
        iter(IterableDataset())


def test_tensor_dataset_rows(xy):
    x, y = xy
    ds = TensorDataset(x, y)
    assert len(ds) == 100
    xi, yi = ds[7]
    assert xi.shape == (3,) and yi.shape == () and yi.item() == 7
    np.testing.assert_array_equal(xi.numpy(), x.numpy()[7])
    assert np.shares_memory(xi.numpy(), x.numpy())  # rows are views, as in torch
    xs, ys = ds[2:5]
    assert xs.shape == (3, 3) and ys.numpy().tolist() == [2, 3, 4]
    _, yt = ds[ember.tensor([4, 1])]
    assert yt.numpy().tolist() == [4, 1]
    assert ds[-1][1].item() == 99


def test_tensor_dataset_getitems_is_a_list_of_samples(xy):
    ds = TensorDataset(*xy)
    items = ds.__getitems__([3, 0, 3])
    assert isinstance(items, list) and len(items) == 3
    assert [s[1].item() for s in items] == [3, 0, 3]
    assert all(isinstance(s, tuple) and s[0].shape == (3,) for s in items)
    np.testing.assert_array_equal(items[1][0].numpy(), xy[0].numpy()[0])
    assert ds.__getitems__([]) == []


def test_tensor_dataset_errors(xy):
    x, _ = xy
    with pytest.raises(ValueError, match=r"TensorDataset: size mismatch.*\(100, 5\)"):
        TensorDataset(x, ember.zeros(5))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(TypeError, match="argument 1 is a ndarray, not a Tensor"):
        TensorDataset(x, np.zeros(100))
    with pytest.raises(ValueError, match="0-d tensor"):
        TensorDataset(ember.tensor(1.0))
    with pytest.raises(IndexError):
        TensorDataset(x)[100]


def test_subset():
    sub = Subset(Squares(10), [9, 2, 4])
    assert len(sub) == 3
    assert [sub[i] for i in range(3)] == [81, 4, 16]
    assert sub.__getitems__([2, 0]) == [16, 81]


def test_subset_of_tensor_dataset_uses_getitems(xy):
    sub = Subset(TensorDataset(*xy), [10, 20, 30])
    assert [s[1].item() for s in sub.__getitems__([2, 0])] == [30, 10]
    _, ys = sub[[0, 1]]
    assert ys.numpy().tolist() == [10, 20]


def test_concat_dataset():
    ds = ConcatDataset([Squares(3), Squares(2), Squares(4)])
    assert len(ds) == 9 and ds.cumulative_sizes == [3, 5, 9]
    assert [ds[i] for i in range(9)] == [0, 1, 4, 0, 1, 0, 1, 4, 9]
    assert ds[-1] == 9 and ds[-9] == 0
    assert list(Squares(2) + Squares(1)) == [0, 1, 0]  # __add__, and iteration by index
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        ds[-10]
    with pytest.raises(IndexError, match="index 9 is out of range for length 9"):
        ds[9]
    with pytest.raises(ValueError, match="empty iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="does not support IterableDataset"):
        ConcatDataset([Squares(1), Stream([1])])


def test_chain_dataset():
    ds = ChainDataset([Stream([1, 2]), Stream([]), Stream([3])])
    assert list(ds) == [1, 2, 3] and len(ds) == 3
    assert list(Stream([1]) + Stream([2])) == [1, 2]
    with pytest.raises(TypeError, match="only supports IterableDataset, got Squares"):
        list(ChainDataset([Squares(2)]))


def test_stack_dataset_tuple_and_dict(xy):
    x, _ = xy
    ds = StackDataset(TensorDataset(x), Squares(100))
    assert len(ds) == 100
    (row,), sq = ds[3]
    assert sq == 9 and row.shape == (3,)
    named = StackDataset(image=TensorDataset(x), square=Squares(100))
    assert set(named[2]) == {"image", "square"} and named[2]["square"] == 4
    items = named.__getitems__([1, 2])
    assert [d["square"] for d in items] == [1, 4]
    assert [d["image"][0].shape for d in items] == [(3,), (3,)]
    assert [t[1] for t in ds.__getitems__([5, 6])] == [25, 36]


def test_stack_dataset_errors():
    with pytest.raises(ValueError, match=r"size mismatch between datasets: lengths \[2, 3\]"):
        StackDataset(Squares(2), Squares(3))
    with pytest.raises(ValueError, match="not both"):
        StackDataset(Squares(2), b=Squares(2))
    with pytest.raises(ValueError, match="at least one dataset"):
        StackDataset()

    class Bad(Squares):
        def __getitems__(self, indices):
            return [0]

    with pytest.raises(ValueError, match="returned 1 samples for 2 indices"):
        StackDataset(Bad(3)).__getitems__([0, 1])


def test_random_split_lengths_and_coverage():
    ds = Squares(10)
    parts = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    again = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(1))
    assert again[0].indices == parts[0].indices
    other = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(2))
    assert other[0].indices + other[1].indices != parts[0].indices + parts[1].indices


def test_random_split_fractions():
    parts = random_split(Squares(10), [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    # floors are 3, 3, 3; the remainder goes round-robin from the first split
    assert [len(p) for p in random_split(Squares(10), [1 / 3] * 3)] == [4, 3, 3]
    with pytest.warns(UserWarning, match="split at index 1 is 0"):
        parts = random_split(Squares(2), [0.9, 0.1])
    assert [len(p) for p in parts] == [2, 0]


def test_random_split_uses_default_generator():
    ember.manual_seed(5)
    a = random_split(Squares(8), [4, 4])[0].indices
    ember.manual_seed(5)
    assert random_split(Squares(8), [4, 4])[0].indices == a


def test_random_split_errors():
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) does not equal .* \(10\)"):
        random_split(Squares(10), [4, 5])
    with pytest.raises(ValueError, match=r"fraction at index 0 is not between 0 and 1: 1\.5"):
        random_split(Squares(10), [1.5, -0.5])
    with pytest.raises(ValueError, match="do not sum to 1"):
        random_split(Squares(10), [0.5, 0.2])
    with pytest.raises(ValueError, match="should not be empty"):
        random_split(Squares(10), [])
    with pytest.raises(TypeError, match=r"generator must be an ember\.Generator"):
        random_split(Squares(10), [5, 5], generator=np.random.default_rng(0))
