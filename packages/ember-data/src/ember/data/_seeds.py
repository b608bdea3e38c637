"""Where ``ember.data`` draws its randomness: an ``ember.Generator`` or the default one.

Samplers, ``random_split`` and the DataLoader's worker seeds all draw from a CPU
``ember.Generator`` (its ``.rng`` is a ``numpy.random.Generator``), so one
``manual_seed`` makes a whole data pipeline reproducible.
"""

from __future__ import annotations

import numpy as np

from ember.random import Generator, default_generator

_SEED_BOUND = 2**63  # seeds are non-negative int64s, like torch's random_() on int64


def rng_of(generator, who: str) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the default CPU generator when None)."""
    if generator is None:
        return default_generator().rng
    check_generator(generator, who)
    return generator.rng


def check_generator(generator, who: str) -> None:
    """Raise unless ``generator`` is None or a CPU ``ember.Generator``."""
    if generator is None:
        return
    if not isinstance(generator, Generator):
        raise TypeError(
            f"{who}: generator must be an ember.Generator or None, got {type(generator).__name__}"
        )
    if generator.device.type != "cpu":
        raise ValueError(
            f"{who}: expected a 'cpu' device type for generator but found '{generator.device.type}'"
        )


def draw_seed(generator, who: str) -> int:
    """A fresh seed in [0, 2**63) drawn from ``generator`` (or the default generator)."""
    return int(rng_of(generator, who).integers(0, _SEED_BOUND, dtype=np.int64))


def seeded_rng(seed: int) -> np.random.Generator:
    """A NumPy generator on the same bit generator as ``ember.Generator``."""
    return np.random.Generator(np.random.PCG64(seed))
