"""How batches travel from workers: pickled in the worker, large buffers through /dev/shm."""

import dataclasses
import os

import numpy as np
import pytest

import ember
from ember.data import WorkerInfo
from ember.data import _transport as transport


@pytest.fixture
def folder():
    path = transport.make_folder()
    yield path
    transport.remove_folder(path)
    assert path is None or not os.path.exists(path)


def batch():
    big = ember.from_numpy(np.arange(100_000, dtype=np.float32).reshape(1000, 100))
    small = ember.tensor([1, 2, 3])
    return {"x": big, "y": small, "names": ["a", "b"], "n": 3}


def check(out):
    assert out["x"].dtype == ember.float32 and out["x"].shape == (1000, 100)
    np.testing.assert_array_equal(out["x"].numpy()[-1], np.arange(99_900, 100_000))
    assert out["y"].numpy().tolist() == [1, 2, 3] and out["y"].dtype == ember.int64
    assert out["names"] == ["a", "b"] and out["n"] == 3
    assert out["x"].numpy().flags.writeable


def test_round_trip_through_the_pipe():
    meta, path, sizes = transport.encode(batch(), None)
    assert path is None and sizes == []
    check(transport.decode((meta, path, sizes)))


def test_round_trip_through_shared_memory(folder):
    if folder is None:
        pytest.skip("no RAM file system here")
    message = transport.encode(batch(), folder)
    meta, path, sizes = message
    assert os.path.dirname(path) == folder and sizes == [400_000]  # only the big buffer
    assert len(meta) < 2000
    check(transport.decode(message))
    assert os.listdir(folder) == []  # unlinked as soon as it is mapped


def test_full_ram_file_system_falls_back_to_the_pipe(folder, monkeypatch):
    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(transport, "_write_buffers", full)
    meta, path, sizes = transport.encode(batch(), folder or "/nonexistent")
    assert path is None
    check(transport.decode((meta, path, sizes)))


def test_other_dtypes_and_views_survive(folder):
    x = ember.from_numpy(np.arange(40_000, dtype=np.float64).reshape(200, 200))
    view = ember.from_numpy(x.numpy()[::2, 1::3])  # not contiguous
    halves = ember.from_numpy(np.ones(50_000, dtype=np.float32)).to(ember.bfloat16)
    out = transport.decode(transport.encode([view, halves], folder))
    np.testing.assert_array_equal(out[0].numpy(), x.numpy()[::2, 1::3])
    assert out[1].dtype == ember.bfloat16 and out[1].shape == (50_000,)


def test_unpicklable_objects_raise():
    with pytest.raises(Exception, match="pickle"):
        transport.encode([lambda: 0], None)


def test_worker_info_is_frozen():
    info = WorkerInfo(id=0, num_workers=2, seed=5, dataset=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.id = 1
