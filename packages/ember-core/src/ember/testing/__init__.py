"""Test support shared by every Ember package: the OpInfo table, ``make_tensor``,
``assert_close`` and the device list.

Each op family registers its rows in ``ember/testing/opinfos/<family>.py``;
generic tests in every package walk ``OPINFOS`` (forward against NumPy here,
gradcheck in ember-autograd, ONNX in ember-script).
"""

from ember.testing.compare import assert_close
from ember.testing.opinfo import OPINFOS, OpInfo, SampleInput, load_opinfos
from ember.testing.tensors import devices, make_tensor

__all__ = [
    "OPINFOS",
    "OpInfo",
    "SampleInput",
    "assert_close",
    "devices",
    "load_opinfos",
    "make_tensor",
]
