"""Fetchers: turn the indices of one batch into the collated batch.

The same fetcher runs in the main process (``num_workers=0``) and in workers.
A map-style fetcher takes the fastest route the dataset allows: one gather per
tensor for a :class:`TensorDataset` (or a :class:`Subset` of one) under
``default_collate``, else ``__getitems__``, else one ``__getitem__`` per index.
"""

from __future__ import annotations

from ember.data.collate import default_collate
from ember.data.dataset import Subset, TensorDataset

MAP, ITERABLE = 0, 1  # dataset kinds


def _unoverridden(dataset, cls) -> bool:
    """True when ``dataset`` fetches samples exactly as ``cls`` does (no overriding subclass)."""
    t = type(dataset)
    return t.__getitem__ is cls.__getitem__ and t.__getitems__ is cls.__getitems__


def batch_gatherer(dataset):
    """A function ``indices -> default_collate([dataset[i] for i in indices])`` that skips the
    per-sample work, or None when ``dataset`` has no such shortcut."""
    if isinstance(dataset, TensorDataset) and _unoverridden(dataset, TensorDataset):
        return dataset._gather
    if isinstance(dataset, Subset) and _unoverridden(dataset, Subset):
        inner = batch_gatherer(dataset.dataset)
        if inner is not None:
            indices = dataset.indices
            return lambda idx: inner([indices[i] for i in idx])
    return None


class MapFetcher:
    """Fetches batches of a map-style dataset."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self._gather = None
        self._getitems = None
        if auto_collation:
            if collate_fn is default_collate:
                self._gather = batch_gatherer(dataset)
            getitems = getattr(dataset, "__getitems__", None)
            self._getitems = getitems if callable(getitems) else None

    def fetch(self, index):
        if self._gather is not None:
            return self._gather(index)
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self._getitems is not None:
            return self.collate_fn(self._getitems(index))
        return self.collate_fn([self.dataset[i] for i in index])


class IterableFetcher:
    """Fetches batches from an iterator over an IterableDataset; raises StopIteration at its end."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def create_fetcher(kind: int, dataset, auto_collation: bool, collate_fn, drop_last: bool):
    cls = IterableFetcher if kind == ITERABLE else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
