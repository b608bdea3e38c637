"""Samplers: the order in which a DataLoader visits a map-style dataset's indices.

Samplers run in the main process only, so a given seed gives the same order
whatever ``num_workers`` is. Random ones draw from an ``ember.Generator``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Sized
from typing import Generic, TypeVar

import numpy as np

from ember.data._seeds import check_generator, draw_seed, rng_of, seeded_rng
from ember.tensor import Tensor

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: ``__iter__`` yields dataset indices (or batches of them).

    ``__len__`` is optional; the DataLoader's ``len()`` needs it.
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError("Subclasses of Sampler should implement __iter__.")


class SequentialSampler(Sampler[int]):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _check_positive_int(who: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"{who}: {name} should be a positive integer value, but got {name}={value}"
        )


def _check_bool(who: str, name: str, value, error=ValueError) -> None:
    if not isinstance(value, bool):
        raise error(f"{who}: {name} should be a boolean value, but got {name}={value}")


class RandomSampler(Sampler[int]):
    """Random indices: a permutation, or ``num_samples`` draws with replacement.

    Args:
        data_source: the dataset to sample from.
        replacement: draw with replacement (default False).
        num_samples: how many indices to yield (default ``len(data_source)``); without
            replacement, more than ``len(data_source)`` chains several permutations.
        generator: an ``ember.Generator``. Each iteration seeds a fresh generator from it
            (or from the default generator), as torch does.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _check_bool("RandomSampler", "replacement", replacement, TypeError)
        _check_positive_int("RandomSampler", "num_samples", self.num_samples)
        check_generator(generator, "RandomSampler")

    @property
    def num_samples(self) -> int:
        # The dataset may change size after construction, so look its length up each time.
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, count = len(self.data_source), self.num_samples
        rng = seeded_rng(draw_seed(self.generator, "RandomSampler"))
        if self.replacement:
            yield from rng.integers(0, n, size=count).tolist()
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[: count % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices, in a random order each iteration.

    Args:
        indices: the indices to yield.
        generator: an ``ember.Generator`` (the default CPU generator if None).
    """

    def __init__(self, indices, generator=None) -> None:
        self.indices = indices
        self.generator = generator
        check_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        for i in rng_of(self.generator, "SubsetRandomSampler").permutation(len(self.indices)):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


def _probabilities(weights) -> np.ndarray:
    """``weights`` as float64 probabilities, checked the way torch.multinomial checks them."""
    w = np.asarray(weights.numpy(force=True) if isinstance(weights, Tensor) else weights)
    if w.dtype == object or not (np.issubdtype(w.dtype, np.number) or w.dtype == bool):
        raise TypeError(f"WeightedRandomSampler: weights must be numbers, got dtype {w.dtype}")
    w = w.astype(np.float64)
    if w.ndim != 1:
        raise ValueError(
            f"WeightedRandomSampler: weights should be a 1d sequence but given weights "
            f"have shape {tuple(w.shape)}"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("WeightedRandomSampler: weights must be finite and non-negative")
    total = w.sum()
    if total <= 0:
        raise ValueError("WeightedRandomSampler: weights must have a positive sum")
    return w / total


class WeightedRandomSampler(Sampler[int]):
    """Indices ``0..len(weights)-1`` drawn with probabilities proportional to ``weights``.

    Args:
        weights: a 1-d sequence (or tensor) of non-negative weights, not necessarily summing to 1.
        num_samples: how many indices to draw.
        replacement: draw with replacement (default True); without it, at most as many
            indices as there are non-zero weights.
        generator: an ``ember.Generator`` (the default CPU generator if None).

    >>> sampler = WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5)  # mostly 4s
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None) -> None:
        _check_positive_int("WeightedRandomSampler", "num_samples", num_samples)
        _check_bool("WeightedRandomSampler", "replacement", replacement)
        check_generator(generator, "WeightedRandomSampler")
        self._p = _probabilities(weights)
        if not replacement and num_samples > np.count_nonzero(self._p):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw num_samples={num_samples} without "
                f"replacement from {np.count_nonzero(self._p)} non-zero weights"
            )
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        rng = rng_of(self.generator, "WeightedRandomSampler")
        draws = rng.choice(len(self._p), size=self.num_samples, replace=self.replacement, p=self._p)
        yield from draws.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: the size of each batch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.

    >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler: Sampler | Iterable, batch_size: int, drop_last: bool) -> None:
        _check_positive_int("BatchSampler", "batch_size", batch_size)
        _check_bool("BatchSampler", "drop_last", drop_last)
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        it = iter(self.sampler)
        size = self.batch_size
        while True:
            # zip stops at the end of range(size) before pulling one index too many from it
            batch = [i for _, i in zip(range(size), it)]
            if len(batch) < size:
                if batch and not self.drop_last:
                    yield batch
                return
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
