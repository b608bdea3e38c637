"""DataLoader in the main process (num_workers=0) and its argument checks."""

import itertools

import numpy as np
import pytest

import ember
from ember.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    get_worker_info,
    random_split,
)
from ember.data.fetch import batch_gatherer


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return {"i": i, "sq": np.array([i * i], dtype=np.int32)}

    def __len__(self):
        return self.n


class Count(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("Count has no length")
        return self.n


def flat(lists):
    return list(itertools.chain.from_iterable(lists))


def ys(loader):
    return [b[1].numpy().tolist() for b in loader]


def test_batches_in_order(xy):
    loader = DataLoader(TensorDataset(*xy), batch_size=32)
    batches = list(loader)
    assert len(loader) == len(batches) == 4
    assert [b[0].shape for b in batches] == [(32, 3)] * 3 + [(4, 3)]
    assert flat(ys(loader)) == list(range(100))
    np.testing.assert_array_equal(batches[1][0].numpy(), xy[0].numpy()[32:64])
    assert isinstance(batches[0], list)  # as default_collate of (x, y) samples


def test_drop_last(xy):
    loader = DataLoader(TensorDataset(*xy), batch_size=32, drop_last=True)
    assert len(loader) == 3 and [len(b) for b in ys(loader)] == [32] * 3


def test_shuffle_is_a_permutation_and_reproducible(xy):
    ds = TensorDataset(*xy)
    loader = DataLoader(ds, batch_size=10, shuffle=True, generator=ember.Generator().manual_seed(0))
    epoch1, epoch2 = flat(ys(loader)), flat(ys(loader))
    assert sorted(epoch1) == sorted(epoch2) == list(range(100))
    assert epoch1 != epoch2 and epoch1 != list(range(100))
    again = DataLoader(ds, batch_size=10, shuffle=True, generator=ember.Generator().manual_seed(0))
    assert flat(ys(again)) == epoch1


def test_shuffle_follows_the_default_generator(xy):
    ds = TensorDataset(*xy)
    ember.manual_seed(7)
    a = ys(DataLoader(ds, batch_size=50, shuffle=True))
    ember.manual_seed(7)
    assert ys(DataLoader(ds, batch_size=50, shuffle=True)) == a


def test_map_dataset_with_dicts():
    batch = next(iter(DataLoader(Squares(5), batch_size=3)))
    assert batch["i"].numpy().tolist() == [0, 1, 2]
    assert batch["sq"].dtype == ember.int32 and batch["sq"].shape == (3, 1)


def test_batch_size_none_converts_each_sample():
    samples = list(DataLoader(Squares(3), batch_size=None))
    assert len(samples) == 3 and samples[2]["i"] == 2
    assert samples[2]["sq"].dtype == ember.int32 and samples[2]["sq"].shape == (1,)


def test_sampler_and_batch_sampler():
    loader = DataLoader(Squares(6), batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert [b["i"].numpy().tolist() for b in loader] == [[5, 4], [3, 2], [1, 0]]
    loader = DataLoader(Squares(6), batch_sampler=[[0, 5], [1]])
    assert [b["i"].numpy().tolist() for b in loader] == [[0, 5], [1]] and len(loader) == 2
    bs = BatchSampler(SequentialSampler(range(6)), 4, drop_last=False)
    assert len(DataLoader(Squares(6), batch_sampler=bs)) == 2


def test_custom_collate_gets_the_list_of_samples(xy):
    seen = []

    def collate(samples):
        seen.append(samples)
        return len(samples)

    loader = DataLoader(TensorDataset(*xy), batch_size=40, collate_fn=collate)
    assert list(loader) == [40, 40, 20]
    assert isinstance(seen[0], list) and isinstance(seen[0][0], tuple)
    assert seen[0][3][1].item() == 3


def test_tensor_dataset_batches_are_gathered_at_once(xy):
    ds = TensorDataset(*xy)
    assert batch_gatherer(ds) is not None
    assert batch_gatherer(Subset(ds, [1, 2])) is not None
    assert batch_gatherer(Squares(3)) is None

    class Doubled(TensorDataset):  # a subclass that changes samples keeps its own path
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x, y * 2

    assert batch_gatherer(Doubled(*xy)) is None
    assert ys(DataLoader(Doubled(*xy), batch_size=50))[0][:3] == [0, 2, 4]


def test_subset_of_tensor_dataset_batches(xy):
    _, test = random_split(TensorDataset(*xy), [0.8, 0.2], generator=ember.Generator())
    got = flat(ys(DataLoader(test, batch_size=7)))
    assert got == list(test.indices)
    x, _ = next(iter(DataLoader(test, batch_size=3)))
    np.testing.assert_array_equal(x.numpy(), xy[0].numpy()[test.indices[:3]])


def test_gathered_batches_equal_collated_samples(xy):
    ds = TensorDataset(*xy)
    idx = [5, 1, 99, 1]
    fast = ds._gather(idx)
    slow = default_collate([ds[i] for i in idx])
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_tensor_dataset_batches_are_fetched_whole_not_per_sample(monkeypatch):
    rng = np.random.default_rng(0)
    x = ember.from_numpy(rng.standard_normal((1000, 8)).astype(np.float32))
    y = ember.from_numpy(rng.integers(0, 10, 1000))
    calls = []
    per_sample = TensorDataset.__getitem__
    monkeypatch.setattr(
        TensorDataset, "__getitem__", lambda s, i: calls.append(i) or per_sample(s, i)
    )
    batches = list(DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True))
    assert calls == [] and len(batches) == 8
    order = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(order.tolist()) == sorted(y.numpy().tolist())


def test_iterable_dataset():
    loader = DataLoader(Count(10), batch_size=4)
    assert [b.numpy().tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(loader) == 3
    assert len(DataLoader(Count(10), batch_size=4, drop_last=True)) == 2
    assert [b.numpy().tolist() for b in DataLoader(Count(10), batch_size=4, drop_last=True)] == [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
    ]
    assert list(DataLoader(Count(3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(TypeError, match="no length"):
        len(DataLoader(Count(3, with_len=False)))


def test_iterating_twice_and_get_worker_info_in_main(xy):
    loader = DataLoader(TensorDataset(*xy), batch_size=25)
    assert ys(loader) == ys(loader)
    assert get_worker_info() is None


def test_pin_memory_is_accepted(xy):
    loader = DataLoader(TensorDataset(*xy), batch_size=50, pin_memory=True)
    assert len(list(loader)) == 2


def test_generator_draws_do_not_depend_on_num_workers_path(xy):
    # The base seed is drawn even without workers: the sampler sees the same state.
    g = ember.Generator().manual_seed(3)
    DataLoader(TensorDataset(*xy), generator=g).__iter__()
    state_after = g.rng.integers(0, 2**62)
    g2 = ember.Generator().manual_seed(3)
    g2.rng.integers(0, 2**63)
    assert g2.rng.integers(0, 2**62) == state_after


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
        ({"batch_sampler": [[0]], "shuffle": True}, "batch_sampler option is mutually exclusive"),
        ({"batch_sampler": [[0]], "sampler": [0]}, "batch_sampler option is mutually exclusive"),
        ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually excl"),
        ({"sampler": [0], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
        ({"batch_size": None, "drop_last": True}, "mutually exclusive with drop_last"),
        ({"num_workers": -1}, "num_workers option should be a non-negative integer"),
        ({"timeout": -1}, "timeout option should be non-negative"),
        ({"prefetch_factor": 2}, "prefetch_factor option could only be specified in multipro"),
        ({"num_workers": 1, "prefetch_factor": 0}, "prefetch_factor should be >= 1"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"multiprocessing_context": "fork"}, "multiprocessing_context can only be used with"),
        ({"num_workers": 1, "multiprocessing_context": "nope"}, "valid start method"),
    ],
)
def test_misconfigurations(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(Squares(4), **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shuffle": True}, "IterableDataset: expected unspecified shuffle option"),
        ({"sampler": [0]}, "IterableDataset: expected unspecified sampler option"),
        ({"batch_sampler": [[0]]}, "IterableDataset: expected unspecified batch_sampler"),
    ],
)
def test_iterable_misconfigurations(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(Count(4), **kwargs)


def test_wrong_types():
    with pytest.raises(TypeError, match="multiprocessing_context option should be a valid context"):
        DataLoader(Squares(4), num_workers=1, multiprocessing_context=3)
    with pytest.raises(TypeError, match=r"generator must be an ember\.Generator"):
        DataLoader(Squares(4), generator=np.random.default_rng())
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(Squares(4), batch_size=0)


def test_attributes_are_frozen_after_init():
    loader = DataLoader(Squares(4), batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader"):
        loader.batch_size = 3
    loader.num_workers = 0  # other attributes may change
    assert isinstance(loader.sampler, SequentialSampler)
    assert isinstance(DataLoader(Squares(4), shuffle=True).sampler, RandomSampler)
