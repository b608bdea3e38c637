"""The elementwise family against PyTorch: every op, every dtype of its OpInfo row, every
sample: same values (within the dtype's tolerance), same dtype, same Python type."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.testing import assert_close, load_opinfos, make_tensor

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

FAMILY = ("elementwise", "math", "special", "logical")
OPINFOS = load_opinfos()
CASES = [
    (info, dtype)
    for info in OPINFOS.values()
    if info.name in OPS and OPS[info.name].family in FAMILY
    for dtype in info.dtypes
]


def _samples(info, dtype):
    rng = np.random.default_rng(0)

    def make(*shape, **kw):
        kw.setdefault("dtype", dtype)
        return make_tensor(*shape, rng=rng, **kw)

    return list(info.samples(make))


def to_torch(x):
    if isinstance(x, ember.Tensor):
        a = np.asarray(x._data)
        if x.dtype is ember.bfloat16:  # bit for bit: a cast would change nan's sign bit
            return torch.from_numpy(a.view(np.int16).copy()).view(torch.bfloat16)
        return torch.from_numpy(np.array(a, copy=True))
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v) for v in x)
    return x


def from_torch(x):
    if isinstance(x, torch.Tensor):
        x = x.resolve_conj().resolve_neg()  # conj() is lazy in PyTorch
        if x.dtype == torch.bfloat16:
            return x.float().numpy()
        return x.numpy()
    return x


def _torch_callable(info):
    if info.torch is None:
        return getattr(torch, info.name)
    if isinstance(info.torch, str):
        module, _, name = info.torch.rpartition(".")
        return getattr(torch if module == "torch" else __import__(module), name)
    return lambda *args, **kwargs: info.torch(torch, *args, **kwargs)


def _call_torch(fn, sample):
    args, kwargs = to_torch(sample.args), to_torch(sample.kwargs)
    try:
        return fn(*args, **kwargs)
    except TypeError:
        # PyTorch's functional forms take only tensors in some places (``minimum(t, 2)``,
        # ``add(2, t)``); a Python number as a 0-d tensor promotes the same way there.
        args = [torch.tensor(a) if isinstance(a, (bool, int, float, complex)) else a for a in args]
        return fn(*args, **kwargs)


def _torch_dtype_name(out):
    return str(out.dtype).removeprefix("torch.")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0].name}-{c[1].name}")
def test_matches_torch(case):
    info, dtype = case
    fn = _torch_callable(info)
    for sample in _samples(info, dtype):
        out = OPS[info.name](*sample.args, **sample.kwargs)
        expected = _call_torch(fn, sample)
        msg = f"{info.name}{sample}"
        if isinstance(expected, tuple):  # torch.return_types: field by field (frexp)
            assert len(out) == len(expected), msg
            for o, e in zip(out, expected):
                assert o.dtype.name == _torch_dtype_name(e), msg
                assert_close(o, from_torch(e), msg=msg)
        elif isinstance(expected, torch.Tensor):
            assert out.dtype.name == _torch_dtype_name(expected), msg
            assert_close(out, from_torch(expected), msg=msg)
        else:
            assert type(out) is type(expected) and out == expected, msg


def test_every_op_of_the_family_is_compared():
    names = {info.name for info, _ in CASES}
    family = {name for name, op in OPS.items() if op.family in FAMILY}
    assert family <= names


def _promotion_oracle():
    """tests/test_promotion.py, whose hand-written table is checked here against PyTorch."""
    path = Path(__file__).parents[1] / "test_promotion.py"
    spec = importlib.util.spec_from_file_location("_promotion_oracle", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hand_written_promotion_oracle_is_pytorchs():
    oracle = _promotion_oracle()
    names = {name: getattr(torch, d.name) for name, d in oracle._DTYPES.items()}
    for (a, b), out in oracle.PROMOTE.items():
        assert torch.promote_types(names[a], names[b]) == names[out], (a, b)

    def operand(x):
        if not isinstance(x, tuple):
            return x
        kind, name = x
        return torch.ones((2,) if kind == "dim" else (), dtype=names[name])

    tensors = [(kind, name) for kind in ("dim", "0d") for name in oracle._NAMES]
    for a in tensors:
        for b in tensors + [True, 2, 2.5, 1 + 1j]:
            expected = oracle.expected_dtype([a, b])
            if expected == "c4" and "f2" in (a[1], getattr(b, "__getitem__", lambda i: "")(1)):
                continue  # PyTorch's complex32, which ember does not have
            assert torch.result_type(operand(a), operand(b)) == names[expected], (a, b)
