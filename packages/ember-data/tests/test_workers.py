"""DataLoader with real worker processes: order, seeds, errors, dying workers, shutdown."""

import gc
import itertools
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import ember
from ember.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

pytestmark = pytest.mark.usefixtures("no_leftover_processes")


class Probe(Dataset):
    """Each sample says which process and worker made it, and what its generators drew."""

    def __init__(self, n=24, fail_at=None, exc=ValueError, die_at=None, signal_at=None):
        self.n, self.fail_at, self.exc = n, fail_at, exc
        self.die_at, self.signal_at = die_at, signal_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise self.exc(f"bad sample {i}")
        if i == self.die_at:
            os._exit(7)
        if i == self.signal_at:
            os.kill(os.getpid(), signal.SIGKILL)
        info = get_worker_info()
        return {
            "index": i,
            "pid": os.getpid(),
            "worker": -1 if info is None else info.id,
            "seed": -1 if info is None else info.seed,
            "mine": info is not None and info.dataset is self and info.num_workers > 0,
        }


class Sleepy(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(3.0 if i == 2 else 0.0)
        return i


class Shards(IterableDataset):
    """range(n), split between workers when ``shard`` is set."""

    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Draws(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return (
            random.random(),
            float(np.random.rand()),
            ember.random.default_generator().rng.random(),
        )


class OddError(Exception):
    def __init__(self, a, b):  # cannot be rebuilt from a message alone
        super().__init__(a, b)


def _initializer(worker_id):
    os.environ["EMBER_DATA_TEST_WORKER"] = f"init-{worker_id}"


class EnvReader(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return os.environ.get("EMBER_DATA_TEST_WORKER", "none")


def flat(lists):
    return list(itertools.chain.from_iterable(lists))


def indices(loader):
    return [b["index"].numpy().tolist() for b in loader]


@pytest.mark.parametrize("num_workers", [1, 2])
def test_same_order_whatever_num_workers(num_workers, xy):
    def run(nw, ds, **kw):
        g = ember.Generator().manual_seed(123)
        return list(DataLoader(ds, batch_size=5, shuffle=True, generator=g, num_workers=nw, **kw))

    ref = [b["index"].numpy().tolist() for b in run(0, Probe())]
    assert [b["index"].numpy().tolist() for b in run(num_workers, Probe())] == ref
    tensors = run(num_workers, TensorDataset(*xy))
    for (xa, ya), (xb, yb) in zip(run(0, TensorDataset(*xy)), tensors):
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())
    assert len(tensors) == 20


def test_work_is_shared_between_workers_and_seeds_follow_the_generator():
    def run():
        g = ember.Generator().manual_seed(5)
        return list(DataLoader(Probe(), batch_size=3, num_workers=2, generator=g))

    batches = run()
    assert flat(b["index"].numpy().tolist() for b in batches) == list(range(24))
    workers = [b["worker"].numpy().tolist() for b in batches]
    assert workers == [[i % 2] * 3 for i in range(8)]  # round-robin, one worker per batch
    pids = {b["pid"].tolist()[0] for b in batches}
    assert len(pids) == 2 and os.getpid() not in pids
    assert all(all(b["mine"].tolist()) for b in batches)  # info.dataset is the worker's copy
    seeds = {b["worker"].tolist()[0]: b["seed"].tolist()[0] for b in batches}
    assert seeds[1] == seeds[0] + 1  # base_seed + worker_id
    again = run()
    assert {b["worker"].tolist()[0]: b["seed"].tolist()[0] for b in again} == seeds


def test_workers_seed_random_numpy_and_ember():
    def draws(seed):
        g = ember.Generator().manual_seed(seed)
        return [
            [t.tolist() for t in b]
            for b in DataLoader(Draws(), batch_size=4, num_workers=1, generator=g)
        ]

    a = draws(0)
    assert a == draws(0) and a != draws(1)
    assert len({tuple(column) for column in a[0]}) == 3  # random, NumPy and ember differ


def test_worker_init_fn_runs_in_each_worker():
    out = list(DataLoader(EnvReader(), batch_size=1, num_workers=2, worker_init_fn=_initializer))
    assert sorted(out) == [["init-0"], ["init-0"], ["init-1"], ["init-1"]]
    assert os.environ.get("EMBER_DATA_TEST_WORKER") is None


@pytest.mark.parametrize("num_workers", [0, 1, 2])
def test_iterating_twice(num_workers):
    loader = DataLoader(Probe(10), batch_size=4, num_workers=num_workers)
    assert indices(loader) == indices(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(loader) == 3


def test_worker_exception_carries_type_and_traceback():
    loader = DataLoader(Probe(fail_at=13), batch_size=2, num_workers=2)
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 0") as e:
        list(loader)
    text = str(e.value)
    assert "Traceback (most recent call last)" in text and "bad sample 13" in text
    assert "__getitem__" in text


def test_worker_key_error_and_odd_exception_types():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(DataLoader(Probe(fail_at=1, exc=KeyError), num_workers=1))

    def odd(msg):
        raise OddError(msg, 2)

    with pytest.raises(RuntimeError, match="Caught OddError in DataLoader worker process 0"):
        list(DataLoader(Probe(fail_at=0, exc=odd), num_workers=1))


def test_exception_class_that_does_not_pickle():
    class LocalError(Exception):
        pass

    with pytest.raises(RuntimeError, match="Caught LocalError in DataLoader worker process 0"):
        list(DataLoader(Probe(fail_at=0, exc=LocalError), num_workers=1))


def test_worker_init_fn_error():
    def init(worker_id):
        raise OSError(f"cannot open shard {worker_id}")

    with pytest.raises(OSError, match=r"worker process 0(.|\n)*cannot open shard 0"):
        list(DataLoader(Probe(), num_workers=1, worker_init_fn=init))


def test_batch_that_does_not_pickle():
    loader = DataLoader(Probe(4), batch_size=2, num_workers=1, collate_fn=lambda b: lambda: b)
    match = "Caught AttributeError in DataLoader worker process 0 while pickling the batch"
    with pytest.raises(RuntimeError, match=match):
        list(loader)


@pytest.mark.parametrize(
    ("ds", "match"),
    [
        (Probe(die_at=5), r"DataLoader worker 1 \(pid \d+\) exited unexpectedly with exit code 7"),
        (Probe(signal_at=0), r"DataLoader worker 0 \(pid \d+\) was killed by signal SIGKILL"),
    ],
)
def test_dying_worker_is_an_error_not_a_hang(ds, match):
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=match):
        list(DataLoader(ds, batch_size=3, num_workers=2))
    assert time.monotonic() - start < 5


def test_timeout():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0\.3 seconds"):
        list(DataLoader(Sleepy(), batch_size=1, num_workers=1, timeout=0.3))
    assert time.monotonic() - start < 2.5  # the sleeping worker is terminated, not awaited


def test_break_out_of_the_loop():
    loader = DataLoader(Probe(100), batch_size=2, num_workers=2)
    for _ in loader:
        break


def test_exception_in_the_loop_body():
    with pytest.raises(ZeroDivisionError):
        for _ in DataLoader(Probe(100), batch_size=2, num_workers=2):
            1 / 0


def test_del_of_a_started_iterator():
    it = iter(DataLoader(Probe(100), batch_size=2, num_workers=2))
    next(it)
    pids = [w.pid for w in it._workers]
    del it
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}")


def test_persistent_workers_survive_epochs():
    loader = DataLoader(Probe(12), batch_size=4, num_workers=2, persistent_workers=True)
    first = list(loader)
    it = loader._iterator
    pids = {b["pid"].tolist()[0] for b in first}
    for _ in loader:  # an epoch left half-way...
        break
    second = list(loader)  # ...does not leak into the next one
    assert indices(second) == [b["index"].numpy().tolist() for b in first]
    assert {b["pid"].tolist()[0] for b in second} == pids and loader._iterator is it
    assert all(w.is_alive() for w in it._workers)
    del loader, it, first, second
    gc.collect()


def test_iterable_dataset_sharded_across_workers():
    loader = DataLoader(Shards(10), batch_size=2, num_workers=2)
    got = [b.numpy().tolist() for b in loader]
    assert sorted(flat(got)) == list(range(10))
    assert got[0] == [0, 2] and got[1] == [1, 3]  # batches alternate between the shards
    unsharded = flat(
        b.numpy().tolist() for b in DataLoader(Shards(5, shard=False), batch_size=2, num_workers=2)
    )
    assert sorted(unsharded) == sorted(list(range(5)) * 2)  # every worker yields everything


def test_iterable_dataset_uneven_shards_and_drop_last():
    got = [
        b.numpy().tolist()
        for b in DataLoader(Shards(7), batch_size=2, num_workers=2, drop_last=True)
    ]
    assert got == [[0, 2], [1, 3], [4, 6]]  # worker 1's last, short batch [5] is dropped
    single = list(DataLoader(Shards(5), batch_size=None, num_workers=2))
    assert sorted(single) == [0, 1, 2, 3, 4]


def test_persistent_iterable_restarts():
    loader = DataLoader(Shards(6), batch_size=2, num_workers=2, persistent_workers=True)
    a = [b.numpy().tolist() for b in loader]
    assert [b.numpy().tolist() for b in loader] == a and sorted(flat(a)) == list(range(6))
    del loader
    gc.collect()


def test_more_workers_than_batches_and_prefetch_factor():
    assert indices(DataLoader(Probe(3), batch_size=3, num_workers=2)) == [[0, 1, 2]]
    loader = DataLoader(Probe(9), batch_size=2, num_workers=2, prefetch_factor=1)
    assert flat(indices(loader)) == list(range(9))


def test_large_batches_come_back_intact():
    x = ember.from_numpy(np.arange(64 * 3 * 32 * 32, dtype=np.float32).reshape(64, 3, 32, 32))
    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    (xb,) = next(iter(DataLoader(TensorDataset(x), batch_size=64, num_workers=1)))
    np.testing.assert_array_equal(xb.numpy(), x.numpy())
    xb.numpy()[0, 0, 0, 0] = -1.0  # batches are writable and private
    assert x.numpy()[0, 0, 0, 0] == 0.0
    if os.path.isdir("/dev/shm"):
        assert set(os.listdir("/dev/shm")) - before == set()


def test_spawn_with_a_dataset_that_does_not_pickle():
    class Local(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i

    loader = DataLoader(Local(), num_workers=1, multiprocessing_context="spawn")
    with pytest.raises(RuntimeError, match="could not start worker 0 with the 'spawn' start"):
        iter(loader)


def test_spawn_start_method(xy):
    loader = DataLoader(
        TensorDataset(*xy), batch_size=50, num_workers=1, multiprocessing_context="spawn"
    )
    ys = [b[1].numpy().tolist() for b in loader]
    assert ys == [list(range(50)), list(range(50, 100))]


ORPHAN_SCRIPT = """
import os, signal, sys
import numpy as np
import ember
from ember.data import DataLoader, TensorDataset
loader = DataLoader(TensorDataset(ember.from_numpy(np.arange(100))), batch_size=2, num_workers=2)
it = iter(loader)
next(it)
print(it._folder, flush=True)
print(" ".join(str(w.pid) for w in it._workers), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"  # exited, not yet reaped
    except OSError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_workers_exit_when_the_main_process_is_killed():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = subprocess.run(
        [sys.executable, "-c", ORPHAN_SCRIPT], capture_output=True, text=True, env=env, timeout=60
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    folder, pid_line = run.stdout.splitlines()
    pids = [int(p) for p in pid_line.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(p) for p in pids)
    assert folder == "None" or not os.path.exists(folder)  # the orphans removed it
