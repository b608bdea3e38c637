"""The multi-process iterator: workers fetch, the main process keeps the order.

Each worker has its own index pipe (written only by the main process, so the
main process starts no feeder thread and stays safe to fork again) and all
share one result queue. Up to ``prefetch_factor * num_workers`` tasks are in
flight; results that arrive early wait in ``_task_info`` until their turn.

While it waits, the main process checks every ``_POLL_INTERVAL`` seconds that
the workers are alive, so a dead worker is an error, never a hang. Any error
out of ``__next__`` shuts the workers down first, and so do the end of an epoch
(without persistent workers), ``del`` and garbage collection.
"""

from __future__ import annotations

import itertools
import os
import pickle
import queue
import signal
import time

from ember.data._transport import decode, make_folder, remove_folder
from ember.data.dataloader import BaseIter, DataLoader
from ember.data.worker import (
    ExceptionWrapper,
    IterableStop,
    ResumeIteration,
    WorkerSpec,
    worker_loop,
)

_POLL_INTERVAL = 0.1  # seconds between liveness checks while waiting for a batch
_JOIN_TIMEOUT = 5.0  # seconds idle workers get to exit before they are terminated


def _exit_description(code) -> str:
    if code is not None and code < 0:
        try:
            return f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited unexpectedly with exit code {code}"


class MultiProcessingIter(BaseIter):
    """Loads batches in ``num_workers`` worker processes."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._shutdown = True  # nothing to shut down until the queue exists
        self._workers, self._index_conns, self._stopping = [], [], set()
        ctx = loader._context()
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._folder = make_folder()
        self._shutdown = False
        try:
            for worker_id in range(self._num_workers):
                self._start_worker(ctx, loader, worker_id)
            self._reset(loader, first_iter=True)
        except BaseException:
            self._shutdown_workers(grace=0.0)
            raise

    def _start_worker(self, ctx, loader: DataLoader, worker_id: int) -> None:
        spec = WorkerSpec(
            self._dataset_kind,
            self._dataset,
            self._auto_collation,
            self._collate_fn,
            self._drop_last,
            self._base_seed,
            loader.worker_init_fn,
            worker_id,
            self._num_workers,
            self._folder,
        )
        reader, writer = ctx.Pipe(duplex=False)
        w = ctx.Process(
            target=worker_loop,
            args=(spec, reader, self._result_queue, self._done_event),
            daemon=True,
        )
        self._index_conns.append(writer)
        self._workers.append(w)
        try:
            w.start()
        except (pickle.PicklingError, AttributeError, TypeError) as e:
            reader.close()
            raise RuntimeError(
                f"DataLoader: could not start worker {worker_id} with the "
                f"{ctx.get_start_method()!r} start method, which pickles the dataset, "
                f"collate_fn and worker_init_fn: {e}"
            ) from e
        # Only the worker may hold the read end: then writing to a dead worker fails
        # with BrokenPipeError instead of blocking.
        reader.close()

    @property
    def is_shut_down(self) -> bool:
        return self._shutdown

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        super()._reset(loader)
        self._send_idx = 0  # the next task to send
        self._rcvd_idx = 0  # the next task to return
        self._task_info = {}  # task -> (worker,) while in flight, (worker, data) once early
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers  # False: its iterable ran out
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            self._resume_workers()
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _resume_workers(self) -> None:
        """Start a new epoch on persistent workers, dropping what is left of the last one."""
        for worker_id in range(self._num_workers):
            self._send(worker_id, ResumeIteration())
        pending = self._num_workers
        while pending:
            idx, _, _ = self._get_data()
            if isinstance(idx, ResumeIteration):
                pending -= 1

    def _send(self, worker_id: int, message) -> None:
        try:
            self._index_conns[worker_id].send(message)
        except OSError:  # BrokenPipeError: the worker is gone
            self._check_workers_alive()
            raise

    def _try_put_index(self) -> None:
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_status[worker_id]:
                break
        else:
            return  # every worker's IterableDataset has run out
        self._send(worker_id, (self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _check_workers_alive(self) -> None:
        for worker_id, w in enumerate(self._workers):
            if worker_id not in self._stopping and not w.is_alive():
                raise RuntimeError(
                    f"DataLoader worker {worker_id} (pid {w.pid}) {_exit_description(w.exitcode)}"
                )

    def _get_data(self):
        """The next result from any worker: (task index, worker id, unpickled data)."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _POLL_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                idx, worker_id, payload = self._result_queue.get(timeout=wait)
            except queue.Empty:
                self._check_workers_alive()
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(
                        f"DataLoader timed out after {self._timeout} seconds waiting for a "
                        "batch from its workers"
                    ) from None
                continue
            return idx, worker_id, self._loads(payload, worker_id)

    @staticmethod
    def _loads(payload, worker_id: int):
        if payload is None:
            return None
        try:
            return decode(payload)
        except Exception as e:
            raise RuntimeError(
                f"DataLoader: could not unpickle the batch sent by worker {worker_id}: {e}"
            ) from e

    def __next__(self):
        try:
            return super().__next__()
        except StopIteration:
            raise
        except BaseException:
            # Errors end the iteration; do not wait for the traceback (which holds this
            # iterator) to be collected before the workers go.
            self._shutdown_workers(grace=0.5)
            raise

    def _next_data(self):
        while True:
            # Skip tasks that went to workers whose IterableDataset has run out.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._workers_status[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                return self._process_data(self._task_info.pop(self._rcvd_idx)[1])
            idx, _, data = self._get_data()
            if isinstance(idx, ResumeIteration):
                continue
            self._tasks_outstanding -= 1
            if isinstance(data, IterableStop):
                self._workers_status[data.worker_id] = False
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                self._task_info[idx] += (data,)
                continue
            del self._task_info[idx]
            return self._process_data(data)

    def _process_data(self, data):
        self._rcvd_idx += 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self, grace: float = _JOIN_TIMEOUT) -> None:
        """Stop every worker: ask, wait up to ``grace`` seconds, then terminate. Idempotent."""
        if self._shutdown:
            return
        self._shutdown = True
        self._done_event.set()
        for worker_id, conn in enumerate(self._index_conns):
            self._stopping.add(worker_id)
            _send_nowait(conn, None)
            conn.close()
        deadline = time.monotonic() + grace
        for w in self._workers:
            if w.pid is not None:
                w.join(max(0.0, deadline - time.monotonic()))
        for w in self._workers:
            if w.pid is not None and w.is_alive():
                w.terminate()
                w.join()
        self._result_queue.cancel_join_thread()
        self._result_queue.close()
        remove_folder(self._folder)

    def __del__(self):
        if not getattr(self, "_shutdown", True):
            self._shutdown_workers()


def _send_nowait(conn, message) -> None:
    """Send a short message unless the pipe is full or broken (a stuck or dead worker)."""
    try:
        os.set_blocking(conn.fileno(), False)
        conn.send(message)
    except OSError:
        pass
