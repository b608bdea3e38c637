"""Devices: parsing, interning, equality and what happens without a GPU."""

import pickle

import numpy as np
import pytest

import ember
from ember.devices import as_device, device_of


@pytest.mark.parametrize(
    ("spec", "kind", "index"),
    [
        (("cpu",), "cpu", None),
        (("cuda",), "cuda", 0),
        (("cuda:1",), "cuda", 1),
        (("cuda", 2), "cuda", 2),
    ],
)
def test_parsing(spec, kind, index):
    d = ember.device(*spec)
    assert d.type == kind and d.index == index


def test_devices_are_interned_and_compare_with_strings():
    assert ember.device("cuda") is ember.device("cuda:0") is ember.device("cuda", 0)
    assert ember.device(ember.device("cpu")) is ember.device("cpu")
    assert ember.device("cpu") == "cpu" and ember.device("cuda:1") != "cuda:0"
    assert hash(ember.device("cuda:1")) == hash(ember.device("cuda", 1))
    assert pickle.loads(pickle.dumps(ember.device("cuda:1"))) is ember.device("cuda:1")


def test_repr_and_str():
    assert repr(ember.device("cpu")) == "device(type='cpu')"
    assert repr(ember.device("cuda:1")) == "device(type='cuda', index=1)"
    assert str(ember.device("cuda")) == "cuda:0" and str(ember.device("cpu")) == "cpu"


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("gpu",), ValueError, "device: expected 'cpu' or 'cuda\\[:N\\]', got 'gpu'"),
        (("cuda:x",), ValueError, "device: invalid device string 'cuda:x'"),
        (("cuda:1", 2), ValueError, "device: index given twice"),
        ((3.5,), TypeError, "device: expected a string or a device, got float"),
    ],
)
def test_bad_device_strings(args, error, match):
    with pytest.raises(error, match=match):
        ember.device(*args)


def test_as_device_and_device_of():
    assert as_device(None) is ember.device("cpu")
    assert as_device(1) is ember.device("cuda:1")
    assert as_device("cpu") is ember.device("cpu")
    assert device_of(np.zeros(1)) is ember.device("cpu")


def test_cpu_xp_is_numpy():
    assert ember.device("cpu").xp is np


@pytest.mark.skipif(ember.cuda.is_available(), reason="checks the no-CUDA errors")
def test_no_cuda_here():
    assert ember.cuda.is_available() is False and ember.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="device cuda:0: CUDA is not available"):
        ember.device("cuda").xp
    with pytest.raises(RuntimeError, match=r"ember\.cuda\.synchronize: CUDA is not available"):
        ember.cuda.synchronize()
    with pytest.raises(RuntimeError, match=r"ember\.cuda\.current_device: CUDA is not available"):
        ember.cuda.current_device()


@pytest.mark.skipif(not ember.cuda.is_available(), reason="needs a GPU")
def test_cuda_round_trip():
    t = ember.arange(6.0).to("cuda")
    assert t.is_cuda and t.device == ember.device("cuda:0")
    assert t.cpu().tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
