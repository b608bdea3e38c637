"""``DataLoader``: batches from a dataset, in the main process or in worker processes.

The main process always draws the indices (from the sampler) and the workers'
base seed (from ``generator``), so the batches are the same whatever
``num_workers`` is; workers only fetch and collate.
"""

from __future__ import annotations

import math
import multiprocessing
import sys

from ember.data._seeds import check_generator, draw_seed
from ember.data.collate import default_collate, default_convert
from ember.data.dataset import IterableDataset
from ember.data.fetch import ITERABLE, MAP, create_fetcher
from ember.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the index "sampler" of an IterableDataset, whose workers ignore it."""

    def __iter__(self):
        while True:
            yield None


def _default_context():
    # 'fork' starts workers in milliseconds and shares the dataset copy-on-write; it is
    # only safe on Linux. Elsewhere use the platform's default ('spawn' on macOS/Windows).
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _check_options(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last) -> None:
    """torch's mutual-exclusion rules for the sampling options."""
    if isinstance(dataset, IterableDataset):
        for name, value in (("shuffle", shuffle), ("sampler", sampler)):
            if value not in (None, False):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified {name} option, "
                    f"but got {name}={value}"
                )
        if batch_sampler is not None:
            raise ValueError(
                "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                f"but got batch_sampler={batch_sampler}"
            )
    if sampler is not None and shuffle:
        raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError(
                "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                "shuffle, sampler, and drop_last"
            )
    elif batch_size is None and drop_last:
        raise ValueError(
            "DataLoader: batch_size=None option disables auto-batching and is mutually "
            "exclusive with drop_last"
        )


def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers) -> None:
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(
            "DataLoader: num_workers option should be a non-negative integer; use "
            f"num_workers=0 to disable multiprocessing, got num_workers={num_workers!r}"
        )
    if not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "DataLoader: prefetch_factor option could only be specified in multiprocessing; "
            "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None"
        )
    if prefetch_factor is not None and (
        isinstance(prefetch_factor, bool) or not isinstance(prefetch_factor, int)
    ):
        raise ValueError(f"DataLoader: prefetch_factor should be an int, got {prefetch_factor!r}")
    if prefetch_factor is not None and prefetch_factor < 1:
        raise ValueError(f"DataLoader: prefetch_factor should be >= 1, got {prefetch_factor}")
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")


_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Iterate over ``dataset`` in batches, optionally loading them in worker processes.

    Args:
        dataset: a map-style :class:`Dataset` or an :class:`IterableDataset`.
        batch_size: samples per batch (default 1); None turns batching off.
        shuffle: reshuffle the indices every epoch (map-style datasets only).
        sampler: the order of the indices; exclusive with ``shuffle``.
        batch_sampler: yields whole batches of indices; exclusive with ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``.
        num_workers: worker processes (0: load in the main process).
        collate_fn: list of samples -> batch (:func:`default_collate`, or
            :func:`default_convert` when batching is off).
        pin_memory: accepted for compatibility; a no-op (CPU memory needs no pinning here).
        drop_last: drop the last, incomplete batch.
        timeout: seconds to wait for a batch from the workers before failing (0: no limit;
            a dead worker is reported either way).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context: a start method name ('fork', 'spawn', 'forkserver') or a
            context; default 'fork' on Linux, the platform's default elsewhere.
        generator: the ``ember.Generator`` for shuffling and for the workers' base seed.
        prefetch_factor: batches loaded in advance per worker (default 2 with workers).
        persistent_workers: keep the workers alive between epochs.
        pin_memory_device: accepted for compatibility; ignored.
        in_order: accepted for compatibility; batches always come in sampler order.

    Each worker seeds ``random``, ``ember`` and NumPy's global generator from
    ``base_seed + worker_id``, where ``base_seed`` is drawn from ``generator`` (or the
    default generator) once per iterator, as torch does.

    >>> loader = DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True, num_workers=2)
    >>> for xb, yb in loader:
    ...     ...
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        _check_options(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last)
        check_generator(generator, "DataLoader")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order
        self.generator = generator
        self.multiprocessing_context = multiprocessing_context
        self._dataset_kind = ITERABLE if isinstance(dataset, IterableDataset) else MAP
        if sampler is None:
            if self._dataset_kind == ITERABLE:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        elif batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._iterator = None
        self.__initialized = True

    def __setattr__(self, name, value):
        if self.__dict__.get("_DataLoader__initialized") and name in _FROZEN:
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized"
            )
        super().__setattr__(name, value)

    @property
    def multiprocessing_context(self):
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(
                    "DataLoader: multiprocessing_context can only be used with multi-process "
                    f"loading (num_workers > 0), but got num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        "DataLoader: multiprocessing_context option should specify a valid "
                        f"start method in {methods!r}, but got {context!r}"
                    )
                context = multiprocessing.get_context(context)
            elif not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "DataLoader: multiprocessing_context option should be a valid context "
                    "object or a string specifying the start method, but got "
                    f"{type(context).__name__}"
                )
        self._mp_context = context

    def _context(self):
        return self._mp_context if self._mp_context is not None else _default_context()

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        if self.num_workers == 0:
            return SingleProcessIter(self)
        if not self.persistent_workers:
            return _multiprocessing().MultiProcessingIter(self)
        it = self._iterator
        if it is None or it.is_shut_down:
            it = self._iterator = _multiprocessing().MultiProcessingIter(self)
            return it
        try:
            it._reset(self)
        except BaseException:
            it._shutdown_workers(grace=0.5)
            self._iterator = None
            raise
        return it

    def __len__(self) -> int:
        if self._dataset_kind == ITERABLE:
            length = len(self.dataset)  # TypeError when the IterableDataset has no length
            if self.batch_size is None:
                return length
            if self.drop_last:
                return length // self.batch_size
            return math.ceil(length / self.batch_size)
        return len(self._index_sampler)


def _multiprocessing():
    from ember.data import _multiprocessing as mp

    return mp


class BaseIter:
    """What single- and multi-process iterators share: the sampler and the base seed."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        self._sampler_iter = iter(self._index_sampler)
        # Drawn in every mode, before the sampler's own draw, so the sampler sees the same
        # generator state whatever num_workers is.
        self._base_seed = draw_seed(loader.generator, "DataLoader")
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader: DataLoader) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def _next_index(self):
        return next(self._sampler_iter)  # StopIteration ends the epoch

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)


class SingleProcessIter(BaseIter):
    """Loads batches in the main process (``num_workers=0``)."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetcher = create_fetcher(
            self._dataset_kind,
            self._dataset,
            self._auto_collation,
            self._collate_fn,
            self._drop_last,
        )

    def _next_data(self):
        index = self._next_index()
        return self._fetcher.fetch(index)
