"""Tensor repr: PyTorch's layout, suffixes, summarisation and print options.

The same strings are compared with PyTorch's own in tests/parity/test_printing_parity.py.
"""

import pytest

import ember
from ember._printing import get_printoptions, printoptions, set_printoptions


@pytest.fixture(autouse=True)
def default_options():
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


def test_floats_ints_and_bools():
    assert repr(ember.tensor([[1.0, 2.0], [3.0, 4.0]])) == ("tensor([[1., 2.],\n        [3., 4.]])")
    assert repr(ember.tensor([1.5, -2.25])) == "tensor([ 1.5000, -2.2500])"
    assert repr(ember.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(ember.tensor([True, False])) == "tensor([ True, False])"
    assert repr(ember.tensor([float("nan"), float("inf"), 1.0])) == "tensor([nan, inf, 1.])"


def test_scientific_notation():
    assert repr(ember.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(ember.tensor([1e10])) == "tensor([1.0000e+10])"
    assert repr(ember.tensor([0.1, 1000.5])) == "tensor([1.0000e-01, 1.0005e+03])"
    with printoptions(sci_mode=False):
        assert repr(ember.tensor([1e-5, 1.0])) == "tensor([0.0000, 1.0000])"
    with printoptions(sci_mode=True):
        assert repr(ember.tensor([2.0])) == "tensor([2.0000e+00])"


def test_zero_d_and_empty():
    assert repr(ember.tensor(3.5)) == "tensor(3.5000)"
    assert repr(ember.tensor(2)) == "tensor(2)"
    assert repr(ember.tensor(1 - 1j)) == "tensor(1.-1.j)"
    assert repr(ember.tensor([])) == "tensor([])"
    assert repr(ember.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(ember.zeros(0, dtype=ember.int64)) == "tensor([], dtype=ember.int64)"


def test_dtype_suffix_only_for_non_default_dtypes():
    assert repr(ember.tensor([1.0, 2.0], dtype=ember.float64)) == (
        "tensor([1., 2.], dtype=ember.float64)"
    )
    assert repr(ember.tensor([1, 2], dtype=ember.int32)) == "tensor([1, 2], dtype=ember.int32)"
    assert "dtype" not in repr(ember.tensor([1 + 1j]))
    ember.set_default_dtype(ember.float64)
    try:
        assert repr(ember.tensor([1.0])) == "tensor([1.])"
        assert repr(ember.tensor([1.0], dtype=ember.float32)) == (
            "tensor([1.], dtype=ember.float32)"
        )
        assert "dtype" not in repr(ember.tensor([1j]))
    finally:
        ember.set_default_dtype(ember.float32)


def test_complex():
    assert repr(ember.tensor([1 + 2j, -3.5 - 0.25j])) == (
        "tensor([ 1.0000+2.0000j, -3.5000-0.2500j])"
    )


def test_summarisation_over_the_threshold():
    assert repr(ember.arange(2000)) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    text = repr(ember.arange(2000).reshape(40, 50))
    lines = text.split("\n")
    assert lines[0] == "tensor([[   0,    1,    2,  ...,   47,   48,   49],"
    assert lines[3] == "        ...,"
    assert lines[-1] == "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]])"
    assert len(lines) == 7


def test_long_rows_wrap_at_linewidth():
    text = repr(ember.arange(30) * 1000000)
    assert all(len(line) <= 80 for line in text.split("\n"))
    assert text.count("\n") == 4


def test_grad_suffixes():
    t = ember.ones(2)
    t._requires_grad = True  # what requires_grad_() sets, without needing ember-autograd
    assert repr(t) == "tensor([1., 1.], requires_grad=True)"

    class AddBackward0:
        pass

    class Node:
        def name(self):
            return "MulBackward0"

    t.grad_fn = AddBackward0()
    assert repr(t) == "tensor([1., 1.], grad_fn=<AddBackward0>)"
    t.grad_fn = Node()
    assert repr(t) == "tensor([1., 1.], grad_fn=<MulBackward0>)"


def test_suffixes_move_to_a_new_line_when_long():
    t = ember.arange(6.0, dtype=ember.float64) * 1.123456
    t._requires_grad = True
    assert repr(t) == (
        "tensor([0.0000, 1.1235, 2.2469, 3.3704, 4.4938, 5.6173], dtype=ember.float64,\n"
        "       requires_grad=True)"
    )


def test_set_printoptions():
    set_printoptions(precision=2)
    assert repr(ember.tensor([1.12345])) == "tensor([1.12])"
    set_printoptions(threshold=5)
    assert repr(ember.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    set_printoptions(profile="short")
    assert get_printoptions()["edgeitems"] == 2 and get_printoptions()["precision"] == 2
    set_printoptions(profile="full")
    assert "..." not in repr(ember.arange(2000))
    set_printoptions(profile="default", linewidth=40)
    assert all(len(line) <= 40 for line in repr(ember.arange(20)).split("\n"))
    set_printoptions(profile="default", edgeitems=0, threshold=3)
    assert repr(ember.arange(10)) == "tensor([...], size=(10,))"


def test_printoptions_context_manager():
    with printoptions(precision=1):
        assert repr(ember.tensor([1.25])) == "tensor([1.2])"
    assert repr(ember.tensor([1.25])) == "tensor([1.2500])"


def test_bad_options():
    with pytest.raises(ValueError, match="set_printoptions: profile must be one of"):
        set_printoptions(profile="tiny")
    with pytest.raises(ValueError, match="set_printoptions: precision must be a number >= 0"):
        set_printoptions(precision=-1)


def test_low_precision_floats():
    assert repr(ember.tensor([1.5, 2.0], dtype=ember.bfloat16)) == (
        "tensor([1.5000, 2.0000], dtype=ember.bfloat16)"
    )
    assert repr(ember.tensor([1.0, 2.0], dtype=ember.float16)) == (
        "tensor([1., 2.], dtype=ember.float16)"
    )


def test_device_suffix():
    import numpy as np

    from ember._printing import tensor_repr

    class FakeCudaArray:  # what a CuPy array offers the printer
        def __init__(self, arr):
            self._arr = arr

        def get(self):
            return self._arr

    t = ember.tensor([1.0, 2.0])
    fake = type("FakeTensor", (), {})()
    fake.device, fake.dtype, fake.shape, fake.ndim = ember.device("cuda:1"), t.dtype, t.shape, 1
    fake._data, fake.grad_fn, fake.requires_grad = FakeCudaArray(np.array([1.0, 2.0])), None, False
    fake.numel = t.numel
    assert tensor_repr(fake) == "tensor([1., 2.], device='cuda:1')"


def test_public_names():
    assert ember.set_printoptions is set_printoptions
