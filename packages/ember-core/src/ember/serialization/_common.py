"""What both checkpoint formats share: opening ``f``, ``map_location`` and atomic writes."""

from __future__ import annotations

import contextlib
import os
import tempfile

from ember.devices import as_device, device

_UMASK: list = []


def is_path(f) -> bool:
    return isinstance(f, (str, os.PathLike))


@contextlib.contextmanager
def opened(f, name):
    """A binary, seekable file for reading: ``f`` itself, or the file at path ``f``."""
    if is_path(f):
        with open(f, "rb") as fh:
            yield fh
        return
    if not hasattr(f, "read") or not hasattr(f, "seek"):
        raise TypeError(
            f"{name}: expected a path or a binary file object with read and seek, "
            f"got {type(f).__name__}"
        )
    yield f


def _file_mode() -> int:
    # mkstemp makes 0600 files; give the checkpoint the mode open() would (0666 & ~umask).
    if not _UMASK:
        old = os.umask(0)
        os.umask(old)
        _UMASK.append(old)
    return 0o666 & ~_UMASK[0]


def write_atomically(path, write) -> None:
    """Call ``write(tmp_path)``, then move the finished file to ``path``.

    The file is written under a temporary name in the same folder, flushed to
    disk and renamed over ``path`` in one step, so a crash or an error while
    writing never leaves a truncated file under the final name (and the old
    file, if any, stays whole).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder) -> None:
    # Makes the rename itself durable; not every platform can open a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def place(t, location: str, map_location):
    """Move a loaded CPU tensor to where ``map_location`` sends ``location`` (torch's rules).

    ``map_location`` is None (where it was saved), a device or string, a dict
    from saved location to target, or ``fn(tensor, location) -> tensor``.
    """
    if callable(map_location) and not isinstance(map_location, (str, device)):
        out = map_location(t, location)
        return t if out is None else out
    if map_location is None:
        target = location
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
    else:
        target = map_location
    try:
        dev = as_device(target)
    except (TypeError, ValueError) as e:
        raise RuntimeError(f"load: cannot place a tensor saved on {location!r}: {e}") from None
    if dev.type == "cuda":
        from ember.devices import cupy_module

        if cupy_module() is None:
            raise RuntimeError(
                f"load: a tensor was saved on {location} but CUDA is not available; "
                "pass map_location='cpu' to load it on the CPU"
            )
    return t if dev.type == "cpu" else t.to(dev)


def restore_requires_grad(t):
    """Mark a loaded tensor as requiring grad when ember-autograd is there to use it.

    Without ember-autograd nothing can compute gradients, so a checkpoint still
    loads (as plain tensors) rather than failing.
    """
    try:
        import ember.autograd  # noqa: F401
    except ImportError:
        return t
    return t.requires_grad_(True)
