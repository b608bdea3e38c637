"""The OpInfo table: for each op, sample inputs and a NumPy reference.

One :class:`OpInfo` row per op in ``ember._ops.OPS`` (a test fails on any op
without one). Rows live in ``ember/testing/opinfos/<family>.py``, mirroring
``ember/_ops/``.

A row's ``samples(make)`` yields :class:`SampleInput` s, where ``make(*shape,
**kw)`` builds a tensor of the dtype and device under test. ``ref`` takes the
same arguments with tensors replaced by NumPy arrays and returns the expected
result (an array, or a tuple of them).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

from ember import dtypes as _dt

OPINFOS: dict = {}  # op name -> OpInfo

FLOATING = (_dt.float32, _dt.float64)
ALL_NUMERIC = (_dt.uint8, _dt.int8, _dt.int16, _dt.int32, _dt.int64) + FLOATING


@dataclass
class SampleInput:
    """One call of an op: ``op(*args, **kwargs)``."""

    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __repr__(self):
        def show(a):
            return f"Tensor{tuple(a.shape)}:{a.dtype.name}" if hasattr(a, "shape") else repr(a)

        parts = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items()]
        return f"SampleInput({', '.join(parts)})"


@dataclass
class OpInfo:
    """How to test one op.

    Args:
        name: the op's name in ``OPS``.
        ref: the NumPy reference, called with arrays in place of tensors.
        samples: ``samples(make) -> iterable of SampleInput``.
        dtypes: the dtypes the op supports (samples are made in each).
        grad_order: 0 (not differentiable), 1 (gradcheck) or 2 (also gradgradcheck).
        rtol, atol: tolerances against ``ref`` (None: by dtype).
        torch: the PyTorch callable for parity tests, as ``"torch.add"`` or a function
            of ``torch`` and the sample's args; None means ``torch.<name>``.
        nondeterministic: random ops; forward is checked by ``check`` instead of ``ref``.
        check: ``check(out, sample)``, extra assertions on the result.
    """

    name: str
    ref: object = None
    samples: object = None
    dtypes: tuple = FLOATING
    grad_order: int = 1
    rtol: float | None = None
    atol: float | None = None
    torch: object = None
    check: object = None
    compare_dtype: bool = True
    skip_noncontiguous: bool = False

    def __post_init__(self):
        if self.name in OPINFOS:
            raise ValueError(f"OpInfo {self.name!r} is declared twice")
        OPINFOS[self.name] = self


def load_opinfos() -> dict:
    """Import every ``ember.testing.opinfos.<family>`` module and return ``OPINFOS``."""
    from ember.testing import opinfos

    for mod in pkgutil.iter_modules(opinfos.__path__):
        importlib.import_module(f"ember.testing.opinfos.{mod.name}")
    return OPINFOS
