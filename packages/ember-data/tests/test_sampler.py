import collections

import numpy as np
import pytest

import ember
from ember.data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def gen(seed):
    return ember.Generator().manual_seed(seed)


def test_sampler_base():
    with pytest.raises(NotImplementedError):
        iter(Sampler())


def test_sequential_sampler():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5


def test_random_sampler_is_a_permutation_reseeded_each_epoch():
    s = RandomSampler(range(20), generator=gen(0))
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second  # each iteration draws a fresh seed from the generator
    assert list(RandomSampler(range(20), generator=gen(0))) == first
    assert len(s) == 20


def test_random_sampler_num_samples_without_replacement_chains_permutations():
    out = list(RandomSampler(range(4), num_samples=10, generator=gen(1)))
    assert len(out) == 10
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]
    assert len(set(out[8:])) == 2


def test_random_sampler_with_replacement():
    s = RandomSampler(range(3), replacement=True, num_samples=300, generator=gen(2))
    out = list(s)
    assert len(out) == 300 == len(s) and set(out) == {0, 1, 2}
    assert all(isinstance(i, int) for i in out)


def test_random_sampler_uses_default_generator():
    ember.manual_seed(3)
    a = list(RandomSampler(range(10)))
    ember.manual_seed(3)
    assert list(RandomSampler(range(10))) == a


def test_random_sampler_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean value, but got"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])  # an empty dataset
    with pytest.raises(TypeError, match=r"generator must be an ember\.Generator"):
        RandomSampler(range(3), generator=42)


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30, 40], generator=gen(0))
    out = list(s)
    assert sorted(out) == [10, 20, 30, 40] and len(s) == 4
    assert list(SubsetRandomSampler([10, 20, 30, 40], generator=gen(0))) == out


def test_weighted_random_sampler_frequencies():
    s = WeightedRandomSampler([1.0, 0.0, 3.0], num_samples=4000, generator=gen(0))
    counts = collections.Counter(s)
    assert counts[1] == 0 and len(s) == 4000
    assert abs(counts[2] / 4000 - 0.75) < 0.03


def test_weighted_random_sampler_without_replacement_and_tensor_weights():
    w = ember.tensor([0.2, 0.0, 5.0, 1.0])
    out = list(WeightedRandomSampler(w, 3, replacement=False, generator=gen(1)))
    assert sorted(out) == [0, 2, 3]


def test_weighted_random_sampler_errors():
    with pytest.raises(ValueError, match=r"1d sequence but given weights have shape \(2, 2\)"):
        WeightedRandomSampler([[1, 2], [3, 4]], 2)
    with pytest.raises(ValueError, match="finite and non-negative"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="finite and non-negative"):
        WeightedRandomSampler([1.0, np.nan], 2)
    with pytest.raises(ValueError, match="positive sum"):
        WeightedRandomSampler([0.0, 0.0], 2)
    with pytest.raises(ValueError, match="num_samples=3 without replacement from 2 non-zero"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 1.5)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement=None)
    with pytest.raises(TypeError, match="weights must be numbers"):
        WeightedRandomSampler(["a", "b"], 1)


@pytest.mark.parametrize(
    ("n", "size", "drop_last", "expected"),
    [
        (10, 3, False, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]),
        (10, 3, True, [[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
        (6, 3, False, [[0, 1, 2], [3, 4, 5]]),
        (0, 2, False, []),
        (2, 5, True, []),
    ],
)
def test_batch_sampler(n, size, drop_last, expected):
    s = BatchSampler(SequentialSampler(range(n)), size, drop_last)
    assert list(s) == expected and len(s) == len(expected)


def test_batch_sampler_takes_any_iterable():
    assert list(BatchSampler(iter("abcde"), 2, False)) == [["a", "b"], ["c", "d"], ["e"]]


def test_batch_sampler_errors():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="batch_size=True"):
        BatchSampler(range(3), True, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value, but got"):
        BatchSampler(range(3), 2, 0)
