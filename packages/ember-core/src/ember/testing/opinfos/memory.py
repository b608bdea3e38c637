"""OpInfo rows for ``ember/_ops/memory.py``."""

import ember
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput

OpInfo(
    "clone",
    lambda x, **k: x.copy(),
    lambda make: [SampleInput(make(3, 4))],
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo(
    "contiguous",
    lambda x: x.copy(),
    lambda make: [SampleInput(make(3, 4))],
    ALL_NUMERIC,
    grad_order=2,
)
OpInfo(
    "to_dtype",
    lambda x, d: x.astype(d.np),
    lambda make: [SampleInput(make(3, 4), ember.float64), SampleInput(make(2), ember.int32)],
    ALL_NUMERIC,
    grad_order=1,
    torch=lambda torch, x, d: x.to(getattr(torch, d.name)),
)
OpInfo(
    "to_device",
    lambda x, data, dev: data,
    lambda make: [SampleInput(t := make(3), t._data, t.device)],
    ALL_NUMERIC,
    grad_order=1,
    torch=lambda torch, x, data, dev: x,
)
OpInfo(
    "copy_",
    lambda x, y: y + 0 * x,
    lambda make: [SampleInput(make(3, 4), make(4))],
    ALL_NUMERIC,
    grad_order=1,
    torch=lambda torch, x, y: x.clone().copy_(y),
    skip_noncontiguous=True,
)
