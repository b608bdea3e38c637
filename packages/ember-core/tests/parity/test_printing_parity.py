"""Tensor reprs against PyTorch's, with 'torch.' read as 'ember.'."""

import pytest

import ember
from ember._printing import set_printoptions

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

CASES = [
    "m.tensor([[1., 2.], [3., 4.]])",
    "m.tensor([1, 2])",
    "m.tensor([True, False])",
    "m.tensor([[True, False], [False, True]])",
    "m.tensor(3.)",
    "m.tensor(3.5)",
    "m.tensor(2)",
    "m.tensor(True)",
    "m.tensor([1.5, 2.25, -3.125])",
    "m.tensor([1e-5, 1.])",
    "m.tensor([1e9, 1.])",
    "m.tensor([1e10])",
    "m.tensor([123456789.])",
    "m.tensor([0.1, 1000.5])",
    "m.tensor([-1., 10000.])",
    "m.tensor([-1.5, 10000.25])",
    "m.tensor([123456.789, 0.001])",
    "m.tensor([1.23456789e-3, 2.])",
    "m.tensor([float('nan'), 1., float('inf'), -float('inf')])",
    "m.tensor([float('nan')])",
    "m.tensor([0., -0.])",
    "m.tensor([1., 2.], dtype=m.float64)",
    "m.tensor([1, 2], dtype=m.int32)",
    "m.tensor([1, 2], dtype=m.uint8)",
    "m.tensor([-5])",
    "m.tensor([100000, -3])",
    "m.tensor([1.5, 2.], dtype=m.float16)",
    "m.tensor([1.5, 2.], dtype=m.bfloat16)",
    "m.tensor([1+2j, -3.5-0.25j])",
    "m.tensor([1+2j, 3-1j], dtype=m.complex128)",
    "m.tensor(1-1j)",
    "m.tensor([0j, -0j])",
    "m.tensor([1e-6+1j, 5-1e6j])",
    "m.tensor([])",
    "m.zeros(0, 3)",
    "m.zeros(0, dtype=m.int64)",
    "m.zeros(2, 0, 3, dtype=m.float64)",
    "m.zeros(0, dtype=m.bool)",
    "m.arange(2000)",
    "m.arange(2000.).reshape(40, 50)",
    "m.arange(2000).reshape(40, 50)",
    "m.arange(24.).reshape(2, 3, 4)",
    "m.arange(3000).reshape(10, 10, 30)",
    "m.arange(100.) / 7",
    "m.arange(30) * 1000000",
    "m.arange(50.) * 1.5",
    "m.arange(40.).reshape(2, 20) * 1.123456",
    "m.tensor([[1e-10, 1.], [5., 6.]])",
    "m.tensor([1., 2.]).reshape(2, 1, 1, 1)",
    "m.arange(1200.).reshape(2, 600)",
    "m.arange(20., dtype=m.float64) * 1.123456",
    "m.arange(6., dtype=m.float64) * 1.123456",
]

OPTIONS = [
    {},
    {"precision": 2},
    {"precision": 6},
    {"threshold": 5},
    {"edgeitems": 1, "threshold": 10},
    {"linewidth": 40},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
]


def reprs(call):
    return repr(eval(call, {"m": torch})).replace("torch.", "ember."), repr(
        eval(call, {"m": ember})
    )


@pytest.fixture(autouse=True)
def restore_options():
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")


@pytest.mark.parametrize("call", CASES)
def test_repr_matches_torch(call):
    expected, got = reprs(call)
    assert got == expected


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("call", CASES[::4])
def test_print_options_match_torch(call, options):
    torch.set_printoptions(**options)
    set_printoptions(**options)
    expected, got = reprs(call)
    assert got == expected


@pytest.mark.parametrize(
    "call", ["m.tensor([1.0, 2.0])", "m.tensor([1j])", "m.tensor([1.0], dtype=m.float32)"]
)
def test_default_dtype_changes_match_torch(call):
    torch.set_default_dtype(torch.float64)
    ember.set_default_dtype(ember.float64)
    try:
        expected, got = reprs(call)
    finally:
        torch.set_default_dtype(torch.float32)
        ember.set_default_dtype(ember.float32)
    assert got == expected


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [3, 12, 40])
def test_requires_grad_suffix_matches_torch(dtype, n):
    t = (torch.arange(float(n), dtype=getattr(torch, dtype)) * 1.5).requires_grad_()
    e = ember.arange(float(n), dtype=getattr(ember, dtype)) * 1.5
    e._requires_grad = True  # requires_grad_() without needing ember-autograd
    assert repr(e) == repr(t).replace("torch.", "ember.")


def test_grad_fn_suffix_matches_torch():
    t = torch.ones(2, requires_grad=True) + 1

    class AddBackward0:
        pass

    e = ember.ones(2) + 1
    e.grad_fn = AddBackward0()
    assert repr(e) == repr(t).replace("torch.", "ember.")
