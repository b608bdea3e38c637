"""What runs inside a DataLoader worker process, and what it sends back.

A worker reads ``(task index, batch indices)`` from its own pipe, fetches and
collates the batch, and puts ``(task index, worker id, payload)`` on the shared
result queue (the payload is encoded by ``ember.data._transport``). Exceptions
travel as :class:`ExceptionWrapper`: their type and formatted traceback.
"""

from __future__ import annotations

import os
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

import ember
from ember.data._transport import encode, remove_folder
from ember.data.fetch import ITERABLE, create_fetcher

__all__ = ["WorkerInfo", "get_worker_info"]

# How often an idle worker checks that its parent is still alive (seconds).
_PARENT_CHECK_INTERVAL = 1.0


@dataclass(frozen=True)
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker (frozen).

    Attributes:
        id: this worker's id, ``0 <= id < num_workers``.
        num_workers: how many workers the DataLoader runs.
        seed: the seed this worker's ``random``, ``ember`` and NumPy generators start from.
        dataset: this process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The :class:`WorkerInfo` of the current DataLoader worker, or None in the main process.

    Use it in an ``IterableDataset.__iter__`` or a ``worker_init_fn`` to give each
    worker its own shard of the data.
    """
    return _worker_info


class KeyErrorMessage(str):
    """A message that prints as itself: ``KeyError`` would otherwise show its repr."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker: its type and traceback text, re-raised in the main
    process by :meth:`reraise`."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        exc_info = sys.exc_info() if exc_info is None else exc_info
        self.exc_type = exc_info[0]
        self.exc_name = self.exc_type.__name__
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # the type's constructor wants other arguments
            raise RuntimeError(msg) from None
        raise exception


@dataclass(frozen=True)
class IterableStop:
    """A worker's IterableDataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """A persistent worker starts a new epoch (sent to it, then echoed back)."""


def encode_result(obj, where: str, folder):
    """Encode a worker's result for the main process; one that does not pickle becomes
    a picklable error."""
    try:
        return encode(obj, folder)
    except Exception:
        if not isinstance(obj, ExceptionWrapper):
            obj = ExceptionWrapper(where=f"{where} while pickling the batch for the main process")
        # Raised as a RuntimeError in the main process: the original type is named in the
        # message, and may itself be what does not pickle.
        obj.exc_type = RuntimeError
        return encode(obj, None)


def _seed_everything(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


@dataclass
class WorkerSpec:
    """Everything a worker needs, sent once at start (pickled under 'spawn')."""

    dataset_kind: int
    dataset: object
    auto_collation: bool
    collate_fn: object
    drop_last: bool
    base_seed: int
    init_fn: object
    worker_id: int
    num_workers: int
    folder: str | None  # where large buffers go (see ember.data._transport)


def _start(spec: WorkerSpec):
    """Set up this worker; returns its fetcher (never raises: errors come back wrapped)."""
    global _worker_info
    seed = _seed_everything(spec.base_seed, spec.worker_id)
    _worker_info = WorkerInfo(spec.worker_id, spec.num_workers, seed, spec.dataset)
    if spec.init_fn is not None:
        spec.init_fn(spec.worker_id)
    return _new_fetcher(spec)


def _new_fetcher(spec: WorkerSpec):
    return create_fetcher(
        spec.dataset_kind, spec.dataset, spec.auto_collation, spec.collate_fn, spec.drop_last
    )


def worker_loop(spec: WorkerSpec, index_conn, result_queue, done_event) -> None:
    """The body of a worker process (see the module docstring)."""
    where = f"in DataLoader worker process {spec.worker_id}"
    try:
        try:
            fetcher, init_error = _start(spec), None
        except Exception:
            fetcher, init_error = None, ExceptionWrapper(where=where)
        _serve(spec, fetcher, init_error, index_conn, result_queue, done_event)
    except KeyboardInterrupt:
        pass  # the main process sees the same Ctrl-C and shuts the workers down
    if done_event.is_set():
        # Nobody reads the results any more: exit without flushing them.
        result_queue.cancel_join_thread()
    result_queue.close()


def _serve(spec, fetcher, init_error, index_conn, result_queue, done_event) -> None:
    where = f"in DataLoader worker process {spec.worker_id}"
    parent = os.getppid()
    iteration_end = False
    while not done_event.is_set():
        if not index_conn.poll(_PARENT_CHECK_INTERVAL):
            if os.getppid() != parent:
                remove_folder(spec.folder)  # orphaned: nobody else will clean it up
                return
            continue
        try:
            task = index_conn.recv()
        except EOFError:
            return
        if task is None:
            return
        if isinstance(task, ResumeIteration):
            iteration_end = False
            if init_error is None:
                try:
                    fetcher = _new_fetcher(spec)  # an IterableDataset starts over
                except Exception:
                    init_error = ExceptionWrapper(where=where)
            result_queue.put((task, spec.worker_id, None))
            continue
        if iteration_end or done_event.is_set():
            continue
        idx, index = task
        if init_error is not None:
            data = init_error
        else:
            data, iteration_end = _fetch(spec, fetcher, index, where)
        result_queue.put((idx, spec.worker_id, encode_result(data, where, spec.folder)))
        del data, task, index


def _fetch(spec, fetcher, index, where):
    """(batch or error, whether an IterableDataset just ran out)."""
    try:
        return fetcher.fetch(index), False
    except StopIteration:
        if spec.dataset_kind == ITERABLE:
            return IterableStop(spec.worker_id), True
        return ExceptionWrapper(where=where), False
    except Exception:
        return ExceptionWrapper(where=where), False
