import multiprocessing
import multiprocessing.resource_tracker
import os

import numpy as np
import pytest

import ember


def children_of_this_process() -> list:
    """PIDs of this process's live (or zombie) children, read from /proc (Linux)."""
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:  # fields: state, ppid, ...
            found.append(int(entry))
    return found


@pytest.fixture
def no_leftover_processes():
    """Fail a test that leaves DataLoader workers (or zombies) behind."""
    before = set(children_of_this_process()) if os.path.isdir("/proc") else set()
    yield
    assert multiprocessing.active_children() == []
    if os.path.isdir("/proc"):
        # Python's own resource tracker (started once by 'spawn') lives until exit.
        tracker = multiprocessing.resource_tracker._resource_tracker._pid
        assert set(children_of_this_process()) - before - {tracker} == set()


@pytest.fixture
def xy():
    rng = np.random.default_rng(0)
    x = ember.from_numpy(rng.standard_normal((100, 3)).astype(np.float32))
    y = ember.from_numpy(np.arange(100, dtype=np.int64))
    return x, y
