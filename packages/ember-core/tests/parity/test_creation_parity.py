"""Creation and random functions against PyTorch: dtypes, shapes, values and errors.

Random numbers differ from PyTorch's by design (another bit generator), so
random ops are compared by shape and dtype only.
"""

import numpy as np
import pytest

import ember
from ember._ops import OPS, creation
from ember.testing import load_opinfos, make_tensor

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

OPINFOS = load_opinfos()
CREATION_OPS = ["complex", "polar", "heaviside", "fill_", "zero_"]
RANDOM_OPS = [
    *("normal", "bernoulli", "multinomial", "poisson", "uniform_", "normal_", "random_"),
    *("bernoulli_", "exponential_", "geometric_", "log_normal_", "cauchy_"),
]


def to_torch(x):
    if isinstance(x, ember.Tensor):
        arr = np.asarray(x.detach().cpu()._data)
        if x.dtype is ember.bfloat16:
            return torch.from_numpy(arr.view(np.uint16).copy()).view(torch.bfloat16)
        return torch.from_numpy(arr.copy())
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v) for v in x)
    if isinstance(x, ember.dtype):
        return getattr(torch, x.name)
    return x


def to_numpy(t):
    if t.dtype == torch.bfloat16:
        return t.float().numpy().astype(np.float64)
    return t.detach().numpy()


def same_dtype(e, t):
    return e.dtype.name == str(t.dtype).removeprefix("torch.")


def assert_matches(e, t, exact=False):
    assert same_dtype(e, t), f"dtype {e.dtype.name} vs torch {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), f"shape {tuple(e.shape)} vs {tuple(t.shape)}"
    a, b = np.asarray(e._data), to_numpy(t)
    if e.dtype is ember.bfloat16:
        a = a.astype(np.float64)
    if exact:
        assert np.array_equal(a, b, equal_nan=True)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, equal_nan=True)


# ---- creation functions --------------------------------------------------------------------

CALLS = [
    "m.tensor([True, False])",
    "m.tensor([1, 2])",
    "m.tensor([1, 2.0])",
    "m.tensor([1, 2j])",
    "m.tensor([1, True])",
    "m.tensor([True, 2.5])",
    "m.tensor(3)",
    "m.tensor(3.5)",
    "m.tensor([])",
    "m.tensor([[]])",
    "m.tensor([[1, 2], [3, 4]], dtype=m.float64)",
    "m.tensor([1.7, -2.2], dtype=m.int64)",
    "m.tensor([m.tensor(1.0), m.tensor(2.0)])",
    "m.tensor([m.tensor(1), m.tensor(2.5)])",
    "m.tensor([m.tensor(1, dtype=m.float64), 2])",
    "m.tensor([m.tensor(1, dtype=m.int32), m.tensor(2, dtype=m.int32)])",
    "m.tensor([m.tensor(1, dtype=m.int32), 2])",
    "m.tensor([m.tensor(1.0, dtype=m.float16), 2.0])",
    "m.tensor(np.float32(2))",
    "m.tensor([np.float32(2), 1])",
    "m.tensor(np.array([1.0, 2.0]))",
    "m.as_tensor([1, 2], dtype=m.float16)",
    "m.zeros(2, 3)",
    "m.zeros((2, 3), dtype=m.int32)",
    "m.ones([2])",
    "m.zeros(())",
    "m.full((2,), True)",
    "m.full((2,), 2)",
    "m.full((2,), 2.0)",
    "m.full((2,), 1 + 2j)",
    "m.full((2,), 1.5, dtype=m.int64)",
    "m.zeros_like(m.tensor([1, 2]), dtype=m.float64)",
    "m.ones_like(m.tensor([[1.0]]))",
    "m.full_like(m.tensor([1, 2]), 2.7)",
    "m.scalar_tensor(3)",
    "m.arange(5)",
    "m.arange(0, 1, 0.1)",
    "m.arange(1, 2.5, 0.5)",
    "m.arange(10, 0, -3)",
    "m.arange(1, 2, 0.1)",
    "m.arange(0, 0.3, 0.1)",
    "m.arange(0, 1, 1 / 3, dtype=m.float64)",
    "m.arange(0, 10, 3, dtype=m.float16)",
    "m.arange(5, dtype=m.uint8)",
    "m.arange(0.0, 5)",
    "m.arange(True)",
    "m.arange(1e9, 1e9 + 3, dtype=m.float32)",
    "m.linspace(0, 1, 5)",
    "m.linspace(-3, 7, 11, dtype=m.float64)",
    "m.linspace(0, 10, 5, dtype=m.int64)",
    "m.linspace(0, 1, 1)",
    "m.linspace(0, 1, 0)",
    "m.logspace(0, 2, 3)",
    "m.logspace(0, 2, 3, base=2)",
    "m.logspace(0, 2, 3, dtype=m.int64)",
    "m.eye(3)",
    "m.eye(2, 3)",
    "m.eye(2, dtype=m.bool)",
    "m.eye(0)",
]


@pytest.mark.parametrize("call", CALLS)
def test_creation_matches_torch(call):
    e, t = eval(call, {"m": ember, "np": np}), eval(call, {"m": torch, "np": np})
    assert_matches(e, t)


@pytest.mark.parametrize(
    "call",
    [
        "m.tensor([1.0])",
        "m.tensor([1j])",
        "m.zeros(2)",
        "m.arange(0.0, 1.0, 0.5)",
        "m.full((2,), 1.5)",
        "m.linspace(0, 1, 3)",
        "m.eye(2)",
    ],
)
def test_default_dtype_changes_match_torch(call):
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        e, t = eval(call, {"m": ember}), eval(call, {"m": torch})
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)
    assert_matches(e, t)


@pytest.mark.parametrize(
    "call",
    [
        "m.zeros(-1)",
        "m.ones(2, -3)",
        "m.empty(-1)",
        "m.zeros(2.5)",
        "m.arange(0, 10, 0)",
        "m.arange(0, -1)",
        "m.arange(float('inf'))",
        "m.linspace(0, 1, -1)",
        "m.eye(-1)",
        "m.tensor([[1, 2], [3]])",
        "m.tensor([2**63])",
        "m.rand(-1)",
        "m.randperm(-1)",
        "m.randint(10, 3, (3,))",
        "m.rand(2, dtype=m.int64)",
        "m.complex(m.tensor([1]), m.tensor([2]))",
        "m.heaviside(m.tensor([1.0]), m.tensor([1]))",
        "m.multinomial(m.tensor([-0.2, 0.8]), 1)",
        "m.multinomial(m.tensor([0.2, 0.8]), 4)",
        "m.zeros(3).geometric_(1)",
        "m.zeros(3).exponential_(0)",
        "m.zeros(3).uniform_(3, 2)",
    ],
)
def test_bad_input_fails_like_torch(call):
    with pytest.raises(Exception):  # noqa: B017 - PyTorch's types vary (ValueError, ...)
        eval(call, {"m": torch})
    with pytest.raises((TypeError, ValueError, RuntimeError, IndexError)):
        eval(call, {"m": ember})


@pytest.mark.parametrize(
    "call",
    [
        "x.new_zeros(2, 3)",
        "x.new_zeros((2, 3))",
        "x.new_ones(2, dtype=m.int32)",
        "x.new_full((2,), True)",
        "x.new_full((2,), 3.5)",
        "x.new_tensor([1, 2])",
        "x.new_empty(0, 2)",
    ],
)
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_new_functions_match_torch_methods(call, dtype):
    name = call[2 : call.index("(")]
    rest = call[call.index("(") + 1 : -1]
    ex = ember.tensor([1, 2], dtype=getattr(ember, dtype))
    tx = torch.tensor([1, 2], dtype=getattr(torch, dtype))
    e = eval(f"fn(x, {rest})", {"m": ember, "fn": getattr(creation, name), "x": ex})
    t = eval(call, {"m": torch, "x": tx})
    assert same_dtype(e, t) and tuple(e.shape) == tuple(t.shape)
    if "empty" not in name:
        assert_matches(e, t)


def test_empty_strided_matches_torch():
    e, t = ember.empty_strided((2, 3), (1, 2)), torch.empty_strided((2, 3), (1, 2))
    assert e.stride() == t.stride() and tuple(e.shape) == tuple(t.shape)


# ---- ops with OpInfo rows ---------------------------------------------------------------


def _torch_fn(info):
    if info.torch is None:
        return getattr(torch, info.name)
    if isinstance(info.torch, str):
        return eval(info.torch, {"torch": torch})
    return lambda *a, **k: info.torch(torch, *a, **k)


def _samples(info, dtype):
    rng = np.random.default_rng(0)

    def make(*shape, **kw):
        kw.setdefault("dtype", dtype)
        return make_tensor(*shape, rng=rng, **kw)

    return list(info.samples(make))


@pytest.mark.parametrize(
    "case",
    [(OPINFOS[n], d) for n in CREATION_OPS for d in OPINFOS[n].dtypes],
    ids=lambda c: f"{c[0].name}-{c[1].name}",
)
def test_ops_match_torch(case):
    info, dtype = case
    fn = _torch_fn(info)
    for sample in _samples(info, dtype):
        targs, tkwargs = to_torch(sample.args), to_torch(sample.kwargs)
        t = fn(*targs, **tkwargs)
        e = OPS[info.name](*sample.args, **sample.kwargs)
        assert_matches(e, t)


@pytest.mark.parametrize(
    "case",
    [(OPINFOS[n], d) for n in RANDOM_OPS for d in OPINFOS[n].dtypes],
    ids=lambda c: f"{c[0].name}-{c[1].name}",
)
def test_random_ops_match_torch_shapes_and_dtypes(case):
    info, dtype = case
    fn = _torch_fn(info)
    for sample in _samples(info, dtype):
        kwargs = {k: v for k, v in sample.kwargs.items() if k != "generator"}
        t = fn(*to_torch(sample.args), **to_torch(kwargs))
        e = OPS[info.name](*sample.args, **sample.kwargs)
        assert same_dtype(e, t), f"{info.name}{sample}: {e.dtype} vs {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape)


RANDOM_CALLS = [
    "m.rand(2, 3)",
    "m.rand((2, 3), dtype=m.float64)",
    "m.rand(4, dtype=m.bfloat16)",
    "m.rand(4, dtype=m.complex64)",
    "m.randn(3, dtype=m.float16)",
    "m.randn(())",
    "m.rand_like(m.zeros(2, dtype=m.float64))",
    "m.randn_like(m.zeros(2, 2))",
    "m.randint(10, (3,))",
    "m.randint(3, 10, (2, 2))",
    "m.randint(3, 10, (3,), dtype=m.float32)",
    "m.randint(0, 2, (3,), dtype=m.bool)",
    "m.randint(10, size=(2,))",
    "m.randint_like(m.zeros(3), 10)",
    "m.randint_like(m.zeros(3, dtype=m.int32), 3, 10)",
    "m.randperm(5)",
    "m.randperm(5, dtype=m.float32)",
    "m.randperm(0)",
    "m.normal(0.0, 1.0, (2, 3))",
    "m.normal(0.0, 1.0, size=(2,), dtype=m.float64)",
]


@pytest.mark.parametrize("call", RANDOM_CALLS)
def test_random_functions_match_torch_shapes_and_dtypes(call):
    e, t = eval(call, {"m": ember}), eval(call, {"m": torch})
    assert same_dtype(e, t) and tuple(e.shape) == tuple(t.shape)


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("args", [(3, 3), (3, 5, 1), (5, 2, -2), (0, 4), (2, 2, 7), (4, 4, -9)])
@pytest.mark.parametrize("dtype", [None, "int32"])
def test_triangle_indices_match_torch(name, args, dtype):
    import torch

    kw = {} if dtype is None else {"dtype": getattr(ember, dtype)}
    ours = getattr(ember, name)(*args, **kw)
    theirs = getattr(torch, name)(
        *args, **({} if dtype is None else {"dtype": getattr(torch, dtype)})
    )
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.tolist() == theirs.tolist()


FROMBUFFER_CASES = [
    ("int32", {}),
    ("int16", {"count": 3, "offset": 2}),
    ("uint8", {"offset": 15}),
    ("float32", {"count": -3}),
    ("float64", {"offset": 8}),
    ("bool", {"count": 5}),
    ("bfloat16", {"count": 4, "offset": 6}),
]


@pytest.mark.parametrize(("dtype", "kwargs"), FROMBUFFER_CASES)
def test_frombuffer_matches_torch(dtype, kwargs):
    raw = bytes(np.random.default_rng(0).integers(0, 2, 16, dtype=np.uint8))  # valid bools
    ours = ember.frombuffer(bytearray(raw), dtype=getattr(ember, dtype), **kwargs)
    theirs = torch.frombuffer(bytearray(raw), dtype=getattr(torch, dtype), **kwargs)
    assert_matches(ours, theirs, exact=True)


def test_frombuffer_shares_memory_like_torch():
    ours, theirs = bytearray(8), bytearray(8)
    ember.frombuffer(ours, dtype=ember.int16, offset=2)[1] = 7
    torch.frombuffer(theirs, dtype=torch.int16, offset=2)[1] = 7
    assert ours == theirs


@pytest.mark.parametrize(
    "kwargs",
    [{"offset": 12}, {"offset": -1}, {"count": 4}, {"count": 0}, {"offset": 1}, {"count": 2.0}],
)
def test_frombuffer_bad_arguments_fail_like_torch(kwargs):
    with pytest.raises((ValueError, TypeError)) as theirs:
        torch.frombuffer(bytearray(12), dtype=torch.int32, **kwargs)
    with pytest.raises(theirs.type):
        ember.frombuffer(bytearray(12), dtype=ember.int32, **kwargs)
