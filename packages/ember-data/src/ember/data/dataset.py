"""Datasets, as ``torch.utils.data``: map-style ``Dataset`` (``__getitem__`` and
``__len__``), ``IterableDataset`` (``__iter__``), and the ways to combine them.

A map-style dataset may also define ``__getitems__(indices)``, returning the
list of samples for a whole batch; the DataLoader then fetches each batch with
one call instead of one call per sample.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Generic, TypeVar

import numpy as np

from ember.data._seeds import rng_of
from ember.dispatch import wrap
from ember.tensor import Tensor

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "StackDataset",
    "ConcatDataset",
    "ChainDataset",
    "Subset",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__`` (and usually ``__len__``).

    ``a + b`` concatenates two datasets into a :class:`ConcatDataset`.
    """

    def __getitem__(self, index) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A dataset that is a stream of samples: subclasses define ``__iter__``.

    With ``num_workers > 0`` every worker iterates its own copy of the dataset;
    use :func:`ember.data.get_worker_info` in ``__iter__`` to give each worker
    its own shard, or every sample arrives once per worker.

    >>> class Range(IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         info = ember.data.get_worker_info()
    ...         start, step = (0, 1) if info is None else (info.id, info.num_workers)
    ...         return iter(range(start, self.n, step))
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


def _index_of(index):
    """An index usable on the arrays behind tensors (tensor indices become arrays)."""
    return index._data if isinstance(index, Tensor) else index


def _take(t: Tensor, index) -> Tensor:
    """``t[index]`` along the first dimension; an integer index gives a 0-d view, not a scalar."""
    index = _index_of(index)
    key = index if isinstance(index, tuple) else (index, Ellipsis)
    return wrap(t._data[key], t._device)


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: ``dataset[i] == (t[i] for t in tensors)``.

    All tensors must have the same size in their first dimension. Batches are
    fetched with one gather per tensor (``__getitems__``), not one per sample.

    Args:
        *tensors: tensors sharing their first dimension.
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, got none")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset: argument {i} is a {type(t).__name__}, not a Tensor"
                )
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {i} is a 0-d tensor; rows need a dim")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dimensions {tuple(sizes)}"
            )
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(_take(t, index) for t in self.tensors)

    def __getitems__(self, indices) -> list:
        if type(self).__getitem__ is not TensorDataset.__getitem__:
            return [self[i] for i in indices]  # a subclass that changes samples
        columns = self._gather(indices)
        rows = [[wrap(c._data[i, ...], c._device) for i in range(len(indices))] for c in columns]
        return list(zip(*rows))

    def _gather(self, indices) -> list:
        """The batch ``indices`` as one stacked tensor per column: one fancy index each."""
        idx = np.asarray(indices, dtype=np.intp)
        out = []
        for t in self.tensors:
            xp = t._device.xp
            out.append(wrap(t._data[idx if xp is np else xp.asarray(idx)], t._device))
        return out

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class StackDataset(Dataset):
    """Samples are tuples (``StackDataset(a, b)``) or dicts (``StackDataset(x=a, y=b)``)
    holding the same index of each dataset.

    >>> ds = StackDataset(image=images, label=labels)
    >>> ds[0]  # {'image': images[0], 'label': labels[0]}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError(
                "StackDataset: give the datasets either positionally (tuple samples) or by "
                "keyword (dict samples), not both"
            )
        if not args and not kwargs:
            raise ValueError("StackDataset: expected at least one dataset, got none")
        datasets = args or tuple(kwargs.values())
        lengths = [len(d) for d in datasets]
        if len(set(lengths)) != 1:
            raise ValueError(f"StackDataset: size mismatch between datasets: lengths {lengths}")
        self._length = lengths[0]
        self.datasets = args if args else dict(kwargs)

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list) -> list:
        named = isinstance(self.datasets, dict)
        items = self.datasets.items() if named else enumerate(self.datasets)
        columns = {k: _fetch_many(d, indices, "StackDataset") for k, d in items}
        if named:
            return [{k: col[j] for k, col in columns.items()} for j in range(len(indices))]
        return list(zip(*columns.values()))

    def __len__(self) -> int:
        return self._length


def _fetch_many(dataset, indices, who: str) -> list:
    """``[dataset[i] for i in indices]``, through ``__getitems__`` when the dataset has one."""
    getitems = getattr(dataset, "__getitems__", None)
    if not callable(getitems):
        return [dataset[i] for i in indices]
    items = getitems(indices)
    if len(items) != len(indices):
        raise ValueError(
            f"{who}: nested dataset's __getitems__ returned {len(items)} samples "
            f"for {len(indices)} indices"
        )
    return items


class ConcatDataset(Dataset):
    """The concatenation of map-style datasets: indices run through each in turn.

    Args:
        datasets: a non-empty iterable of map-style datasets.
    """

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; use ChainDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    @staticmethod
    def cumsum(sequence) -> list:
        return list(itertools.accumulate(len(d) for d in sequence))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(
                    f"ConcatDataset: absolute value of index should not exceed dataset length "
                    f"(index {idx}, length {n})"
                )
            idx += n
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """The concatenation of iterable datasets, chained lazily.

    Args:
        datasets: iterable datasets, iterated one after the other.
    """

    def __init__(self, datasets) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(
                    f"ChainDataset only supports IterableDataset, got {type(d).__name__}"
                )
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the whole dataset.
        indices: the indices of ``dataset`` that form the subset.
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        return _fetch_many(self.dataset, [self.indices[i] for i in indices], "Subset")

    def __len__(self) -> int:
        return len(self.indices)


def _fraction_lengths(n: int, fractions) -> list:
    """Split ``n`` items by ``fractions`` (summing to 1), as torch does: floors, then the
    remainder handed out one by one from the first split on."""
    lengths = []
    for i, frac in enumerate(fractions):
        if frac < 0 or frac > 1:
            raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1: {frac}")
        lengths.append(math.floor(n * frac))
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(
                f"random_split: length of split at index {i} is 0; this leads to an empty Subset",
                stacklevel=3,
            )
    return lengths


def random_split(dataset: Dataset, lengths, generator=None) -> list:
    """Split ``dataset`` at random into non-overlapping :class:`Subset` s.

    Args:
        dataset: the map-style dataset to split.
        lengths: the lengths of the splits, or fractions summing to 1 (split as
            torch does: each floor(n * fraction), the remainder spread round-robin).
        generator: an ``ember.Generator``; the default CPU generator if None.

    >>> train, test = random_split(ds, [0.8, 0.2], generator=ember.Generator().manual_seed(0))
    """
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths should not be empty")
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        lengths = _fraction_lengths(n, lengths)
    elif any(isinstance(x, float) and not float(x).is_integer() for x in lengths):
        raise ValueError(f"random_split: fractions {lengths} do not sum to 1 (sum {total})")
    lengths = [int(x) for x in lengths]
    if any(x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length "
            f"of the input dataset ({n})"
        )
    perm = rng_of(generator, "random_split").permutation(n).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, perm[end - k : end]) for end, k in zip(ends, lengths)]
