"""Random number generation: ``Generator``, ``manual_seed`` and the default generators.

Each device has a default :class:`Generator`; random ops take ``generator=`` to
use another. A generator wraps NumPy's (or CuPy's) PCG64 bit generator.
"""

from __future__ import annotations

import numpy as np

from ember.devices import CPU, as_device

__all__ = ["Generator", "manual_seed", "initial_seed", "default_generator"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default CPU seed


class Generator:
    """A source of random numbers on one device.

    >>> g = ember.Generator().manual_seed(0)
    >>> ember.rand(2, generator=g)
    """

    def __init__(self, device="cpu"):
        self.device = as_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Reset this generator to a known state; returns ``self``."""
        self._seed = int(seed)
        xp = self.device.xp
        self.rng = xp.random.Generator(xp.random.PCG64(self._seed & (2**64 - 1)))
        return self

    def initial_seed(self) -> int:
        return self._seed


_defaults: dict = {}


def default_generator(device=CPU) -> Generator:
    """The default generator of ``device`` (made on first use)."""
    device = as_device(device)
    g = _defaults.get(device)
    if g is None:
        g = _defaults[device] = Generator(device)
    return g


def generator_for(xp, generator=None) -> Generator:
    """The generator a random kernel running on array module ``xp`` should draw from."""
    if generator is not None:
        return generator
    return default_generator(CPU if xp is np else as_device("cuda"))


def manual_seed(seed: int) -> Generator:
    """Seed the default generators of every device; returns the CPU one."""
    for g in _defaults.values():
        g.manual_seed(seed)
    return default_generator(CPU).manual_seed(seed)


def initial_seed() -> int:
    return default_generator(CPU).initial_seed()
