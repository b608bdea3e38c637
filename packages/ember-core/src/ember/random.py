"""Random number generation: ``Generator``, seeding and the default generators.

Each device has a default :class:`Generator`; random ops take ``generator=`` to
use another. On the CPU a generator wraps NumPy's PCG64 bit generator, on a GPU
CuPy's XORWOW. The same seed always gives the same numbers on the same device
and library versions, but the numbers differ from PyTorch's for the same seed
(PyTorch uses MT19937 on the CPU and Philox on GPUs): port seeds, not streams.

>>> g = ember.Generator().manual_seed(0)
>>> a = ember.rand(3, generator=g)
>>> state = g.get_state()
>>> b = ember.rand(3, generator=g)
>>> g.set_state(state)
>>> bool((ember.rand(3, generator=g) == b).all())
True
"""

from __future__ import annotations

import contextlib
import json
import os
import struct

import numpy as np

from ember.devices import CPU, as_device

__all__ = [
    "Generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "fork_rng",
    "default_generator",
]

_DEFAULT_SEED = 67280421310721  # PyTorch's default CPU seed
_SEED_MIN, _SEED_MAX = -(2**63), 2**64 - 1  # the range PyTorch accepts
_MAGIC = b"EMBERRNG"  # first bytes of every state tensor, to refuse foreign ones


def _check_seed(seed, name="manual_seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name}: seed must be an int, got {type(seed).__name__}")
    seed = int(seed)
    if not _SEED_MIN <= seed <= _SEED_MAX:
        raise ValueError(f"{name}: seed must be in [-2**63, 2**64 - 1], got {seed}")
    return seed & _SEED_MAX  # negative seeds wrap, as PyTorch stores them as uint64


def _fresh_seed() -> int:
    return int.from_bytes(os.urandom(8), "little") >> 1  # non-negative, like torch.seed()


class Generator:
    """A source of random numbers on one device.

    Args:
        device: where the numbers are made (``"cpu"`` or ``"cuda[:N]"``).

    >>> g = ember.Generator().manual_seed(0)
    >>> ember.rand(2, generator=g).shape
    ember.Size([2])
    """

    def __init__(self, device="cpu"):
        self.device = as_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Reset this generator to a known state; returns ``self``."""
        self._seed = _check_seed(seed)
        self.rng = self._make_rng(self._seed)
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the seed used."""
        self.manual_seed(_fresh_seed())
        return self._seed

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def _make_rng(self, seed):
        xp = self.device.xp
        if xp is np:
            return np.random.Generator(np.random.PCG64(seed))
        with xp.cuda.Device(self.device.index):
            # CuPy's bit generators live on the GPU; XORWOW is its default.
            return xp.random.Generator(xp.random.XORWOW(seed))

    def get_state(self):
        """This generator's state as a CPU ``uint8`` tensor, for :meth:`set_state`."""
        from ember._ops.creation import from_numpy

        header = {"device": self.device.type, "seed": self._seed}
        payload = b""
        if self.device.type == "cpu":
            header["bit_generator"] = self.rng.bit_generator.state
        else:
            # CuPy cannot serialise its states; its per-thread cuRAND state array is
            # copied as raw bytes (an internal attribute, stable across CuPy 10-13).
            payload = self.rng.bit_generator._state.get().tobytes()
        head = json.dumps(header).encode()
        blob = _MAGIC + struct.pack("<Q", len(head)) + head + payload
        return from_numpy(np.frombuffer(blob, dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        """Restore a state from :meth:`get_state`; returns ``self``."""
        header, payload = _decode_state(new_state, self.device.type)
        self.manual_seed(header["seed"])
        if self.device.type == "cpu":
            self.rng.bit_generator.state = header["bit_generator"]
        else:
            state = self.rng.bit_generator._state
            if len(payload) != state.nbytes:
                raise RuntimeError(
                    f"set_state: state holds {len(payload)} bytes of generator state, "
                    f"this device expects {state.nbytes}"
                )
            state[...] = self.device.xp.asarray(np.frombuffer(payload, dtype=state.dtype))
        return self

    def __repr__(self):
        return f"<ember.Generator device={self.device} seed={self._seed}>"


def _decode_state(new_state, device_type):
    data = getattr(new_state, "_data", None)
    if data is None or getattr(new_state, "device", None) is not CPU or data.dtype != np.uint8:
        raise TypeError(
            f"set_state: expected a CPU uint8 tensor from get_state(), got "
            f"{type(new_state).__name__} {getattr(new_state, 'dtype', '')}".rstrip()
        )
    blob = np.ascontiguousarray(data).tobytes()
    n = len(_MAGIC) + 8
    if len(blob) < n or not blob.startswith(_MAGIC):
        raise RuntimeError(
            f"set_state: not a generator state ({len(blob)} bytes without the state header)"
        )
    (size,) = struct.unpack("<Q", blob[len(_MAGIC) : n])
    try:
        header = json.loads(blob[n : n + size].decode())
    except (UnicodeDecodeError, ValueError):
        raise RuntimeError("set_state: the state's header is corrupt") from None
    if header.get("device") != device_type:
        raise RuntimeError(
            f"set_state: state of a {header.get('device')} generator given to a "
            f"{device_type} generator"
        )
    return header, blob[n + size :]


_defaults: dict = {}
_global_seed: list = [None]  # the last ember.manual_seed, for generators made later


def default_generator(device=CPU) -> Generator:
    """The default generator of ``device`` (made on first use)."""
    device = as_device(device)
    g = _defaults.get(device)
    if g is None:
        g = _defaults[device] = Generator(device)
        if _global_seed[0] is not None:
            g.manual_seed(_global_seed[0])
    return g


def generator_for(xp, generator=None) -> Generator:
    """The generator a random kernel running on array module ``xp`` should draw from."""
    if xp is np:
        if generator is None:
            return default_generator(CPU)
        if generator.device is not CPU:
            raise RuntimeError(f"expected a cpu generator, got one on {generator.device}")
        return generator
    if generator is None:
        return default_generator(as_device(f"cuda:{xp.cuda.Device().id}"))
    if generator.device.type != "cuda":
        raise RuntimeError(f"expected a cuda generator, got one on {generator.device}")
    return generator


def manual_seed(seed: int) -> Generator:
    """Seed the default generators of every device; returns the CPU one.

    Generators made later (a GPU's, on its first use) start from this seed too.
    """
    seed = _check_seed(seed)
    _global_seed[0] = seed
    for g in _defaults.values():
        g.manual_seed(seed)
    return default_generator(CPU)


def seed() -> int:
    """Seed every default generator from the operating system's entropy; returns the seed."""
    s = _fresh_seed()
    manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed of the default CPU generator."""
    return default_generator(CPU).initial_seed()


def get_rng_state():
    """The default CPU generator's state, as a ``uint8`` tensor."""
    return default_generator(CPU).get_state()


def set_rng_state(new_state) -> None:
    """Restore the default CPU generator's state from :func:`get_rng_state`."""
    default_generator(CPU).set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, device_type="cuda"):
    """Run a block with the random states restored afterwards.

    The CPU's default generator and those of ``devices`` (default: every GPU
    whose default generator exists) are saved on entry and restored on exit,
    so random numbers drawn inside do not change the streams outside.

    >>> with ember.random.fork_rng():
    ...     noise = ember.randn(3)
    """
    if not enabled:
        yield
        return
    if device_type != "cuda":
        raise ValueError(f"fork_rng: device_type must be 'cuda', got {device_type!r}")
    if devices is None:
        gens = [g for d, g in _defaults.items() if d.type == "cuda"]
    else:
        gens = [default_generator(as_device(d)) for d in devices]
    gens.append(default_generator(CPU))
    saved = [(g, g.get_state()) for g in gens]
    try:
        yield
    finally:
        for g, state in saved:
            g.set_state(state)
