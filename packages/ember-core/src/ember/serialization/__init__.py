"""``ember.save`` and ``ember.load``: checkpoints without pickle.

``save`` writes one safetensors file (see :mod:`.safetensors_format`);
``load`` reads those, plain safetensors files, and PyTorch's ``.pt``/``.pth``
zip checkpoints (see :mod:`.torch_format`), telling them apart by their first
bytes. Loading never runs code stored in a file.
"""

from __future__ import annotations

from ember.serialization import safetensors_format, torch_format
from ember.serialization._common import opened

__all__ = ["save", "load"]


def save(obj, f) -> None:
    """Save ``obj`` to ``f``: tensors and nested dicts, lists and tuples of them and of
    plain Python values (None, bool, int, float, complex, str, bytes, dtypes, devices).

    Args:
        obj: what to save. Tuples stay tuples and ``OrderedDict`` stays ordered.
        f: a path (str or ``os.PathLike``) or a binary file object. A path is
            written atomically: to a temporary file in the same folder, flushed
            to disk, then renamed, so an interrupted save never leaves a
            truncated file behind.

    Each tensor is stored as a contiguous copy: views and tensors that share
    storage load back as independent tensors. Dtype, device and
    ``requires_grad`` are kept. The file is an ordinary safetensors file whose
    tensors are named by their path in ``obj`` (``"fc.weight"``), so other
    tools can read a saved state dict.

    >>> ember.save({"w": ember.ones(2), "step": 3}, "ckpt.safetensors")
    >>> ember.load("ckpt.safetensors")["step"]
    3
    """
    safetensors_format.save(obj, f)


def load(f, map_location=None, *, weights_only=True):
    """Load what :func:`save` wrote, a plain safetensors file or a PyTorch checkpoint.

    Args:
        f: a path or a binary file object (readable and seekable).
        map_location: where tensors go, as in PyTorch: None (where they were
            saved), a device or a string (``"cpu"``, ``"cuda:1"``), a dict from
            saved location to target (``{"cuda:0": "cpu"}``), or a callable
            ``fn(tensor, location) -> tensor`` given each tensor on the CPU.
        weights_only: accepted for PyTorch compatibility. Ember always loads
            as ``weights_only=True`` does: a PyTorch file holding anything but
            tensors, plain containers and numbers is refused.

    Returns:
        The saved object. A plain safetensors file gives ``{name: tensor}``; a
        PyTorch checkpoint gives its dicts (``OrderedDict`` kept), lists, tuples
        and values, with ember tensors for torch tensors and parameters.

    Raises:
        pickle.UnpicklingError: a PyTorch file refers to a global that is not
            allowed (its name is in the message).
        RuntimeError: the file is neither format, is corrupt, or holds CUDA
            tensors when CUDA is unavailable and no ``map_location`` is given.
    """
    with opened(f, "load") as fh:
        start = fh.tell() if hasattr(fh, "tell") else 0
        head = fh.read(16)
        fh.seek(start)
        if head.startswith(torch_format.ZIP_MAGIC):
            return torch_format.load(fh, map_location)
        if safetensors_format.is_safetensors(head):
            return safetensors_format.load(fh, map_location)
    raise RuntimeError(
        f"load: unrecognised file format (first bytes {head[:8]!r}): expected an ember or "
        "safetensors file, or a PyTorch zip checkpoint (torch >= 1.6; older pickle-only "
        "files are not supported)"
    )
