"""``repr`` of tensors, formatted like PyTorch's."""

from __future__ import annotations

import numpy as np


def tensor_repr(t) -> str:
    arr = np.asarray(t._data if t.device.type == "cpu" else t._data.get())
    body = np.array2string(arr, separator=", ", prefix="tensor(")
    return f"tensor({body})"
