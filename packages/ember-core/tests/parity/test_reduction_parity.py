"""Parity with PyTorch for every op of the reduction and sorting families.

Driven by the OpInfo rows: each sample runs through ember and through PyTorch, and the
results must agree in value, dtype, shape and, for named results, field names.
"""

import warnings

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.testing import assert_close, load_opinfos, make_tensor
from ember.testing.opinfos.reduction import SPECIAL_SAMPLES

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

OPINFOS = load_opinfos()
FAMILIES = ("reduction", "sorting")
CASES = [
    (info, dtype)
    for info in OPINFOS.values()
    if OPS[info.name].family in FAMILIES
    for dtype in info.dtypes
]
# PyTorch leaves the index among tied values open for these: values are compared, and
# the OpInfo row's check already proves that the indices point at them.
OPEN_TIES = {"topk", "kthvalue", "median", "nanmedian"}


def to_torch(v):
    if isinstance(v, ember.Tensor):
        return torch.from_numpy(np.array(v.cpu()._data))
    if isinstance(v, ember.dtype):
        return getattr(torch, v.name)
    if isinstance(v, (list, tuple)):
        return type(v)(to_torch(x) for x in v)
    return v


def run_torch(info, args, kwargs):
    args, kwargs = to_torch(args), {k: to_torch(v) for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. std with no degrees of freedom
        if callable(info.torch):
            return info.torch(torch, *args, **kwargs)
        return getattr(torch, info.name)(*args, **kwargs)


def check_same(out, expected, msg, values_only=False):
    if isinstance(expected, torch.Tensor):
        assert isinstance(out, ember.Tensor), f"{msg}: got {type(out).__name__}"
        assert out.dtype.name == str(expected.dtype).removeprefix("torch."), (
            f"{msg}: dtype {out.dtype.name} vs torch's {expected.dtype}"
        )
        rtol = 1e-5 if expected.dtype == torch.float32 else None
        assert_close(out, expected.numpy(), rtol=rtol, msg=msg)
        return
    assert isinstance(out, tuple) and len(out) == len(expected), f"{msg}: {type(out)}"
    fields = getattr(out, "_fields", None)
    for i, (a, e) in enumerate(zip(out, expected)):
        if fields:
            e = getattr(expected, fields[i])  # torch names its fields the same
        if values_only and i > 0:
            assert a.shape == tuple(e.shape) and a.dtype.name == "int64", f"{msg}[{i}]"
            continue
        check_same(a, e, f"{msg}[{i}]")


def has_nan(t):
    return t.dtype.is_floating_point and bool(np.isnan(np.asarray(t.cpu()._data)).any())


def _case_id(case):
    return f"{case[0].name}-{case[1].name}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_matches_torch(case):
    info, dtype = case
    rng = np.random.default_rng(0)

    def make(*shape, **kw):
        kw.setdefault("dtype", dtype)
        return make_tensor(*shape, rng=rng, **kw)

    special = SPECIAL_SAMPLES.get(info.name, lambda make: [])
    for sample in [*info.samples(make), *special(make)]:
        if info.name == "mode" and has_nan(sample.args[0]):
            continue  # PyTorch sorts with nan in a comparison sort: its answer is arbitrary
        out = OPS[info.name](*sample.args, **sample.kwargs)
        expected = run_torch(info, sample.args, sample.kwargs)
        check_same(out, expected, f"{info.name}{sample}", values_only=info.name in OPEN_TIES)


# ---- composites (no OpInfo row): diff, trapezoid, cov, corrcoef, renorm ------------


def _r(*shape, seed=0, dtype=np.float64):
    return ember.tensor(np.random.default_rng(seed).uniform(-3, 3, shape).astype(dtype))


COMPOSITE_CASES = {
    "diff": [
        ((_r(3, 5),), {}),
        ((_r(3, 5), 2, 0), {}),
        ((_r(4),), {"prepend": _r(2, seed=1), "append": _r(1, seed=2)}),
        ((ember.tensor([True, False, False, True]),), {}),
        ((ember.tensor([1, 4, 9, 16]), 5), {}),
    ],
    "trapezoid": [
        ((_r(3, 5),), {}),
        ((_r(3, 5, dtype=np.float32),), {"dx": 0.25, "dim": 0}),
        ((_r(3, 5), _r(5, seed=1)), {}),
        ((_r(3, 5), _r(3, 5, seed=1)), {}),
        ((ember.tensor([1, 2, 4]),), {}),
        ((_r(2, 0),), {}),
    ],
    "cumulative_trapezoid": [
        ((_r(3, 5),), {"dx": 2.0}),
        ((_r(3, 5), _r(3, seed=1)), {"dim": 0}),
        ((ember.tensor([1, 2, 4]), ember.tensor([1, 2, 5])), {}),
        ((_r(2, 1),), {}),
    ],
    "cov": [
        ((_r(3, 6),), {}),
        ((_r(6, dtype=np.float32),), {"correction": 0}),
        ((_r(2, 5),), {"fweights": ember.tensor([1, 0, 2, 3, 1])}),
        ((_r(2, 5),), {"aweights": _r(5, seed=1).abs(), "correction": 2}),
        ((ember.tensor([[1, 2, 4], [3, 5, 9]]),), {"fweights": ember.tensor([1, 2, 1])}),
    ],
    "corrcoef": [((_r(3, 6),), {}), ((_r(6),), {}), ((ember.tensor([[1, 2, 4], [3, 5, 6]]),), {})],
    "renorm": [
        ((_r(3, 4), 2, 0, 3.0), {}),
        ((_r(2, 3, 4, dtype=np.float32), 1, 1, 4.0), {}),
        ((_r(3, 4), 3.5, -1, 0.5), {}),
    ],
}


@pytest.mark.parametrize(
    ("name", "case"),
    [(name, i) for name, cases in COMPOSITE_CASES.items() for i in range(len(cases))],
)
def test_composites_match_torch(name, case):
    args, kwargs = COMPOSITE_CASES[name][case]
    out = getattr(ember, name)(*args, **kwargs)
    expected = getattr(torch, name)(*to_torch(args), **{k: to_torch(v) for k, v in kwargs.items()})
    check_same(out, expected, f"{name} case {case}")


# ---- histogram and histogramdd: edges, ranges, weights and errors ------------------

nan = float("nan")
HISTOGRAM_CASES = [
    ("histogram", ([0.1, 0.2, 0.3, 0.7, 0.9, 1.0], 10), {"range": (0.0, 1.0)}),  # on edges
    ("histogram", ([1.0, 2.0, 3.0], [0.0, 1.0, 1.0, 3.0]), {"density": True}),  # 0-wide bin
    ("histogram", ([5.0, 6.0], [0.0, 1.0, 3.0]), {"density": True}),  # nothing counted
    ("histogram", ([2.0, 2.0], 3), {}),
    ("histogram", ([1.0, 2.0, 3.0], 2), {"range": (1.0, 1.0)}),
    ("histogram", ([1.0, 2.0, 3.0], [3.0, 1.0]), {}),  # decreasing edges count nothing
    ("histogram", ([1.0, nan, 3.0, 4.0], [0.0, 1.5, 3.0]), {"weight": [0.5, 9.0, 2.0, 1.0]}),
    ("histogramdd", ([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]], [3, 2]), {"weight": [1.0, 2.0, 4.0]}),
    ("histogramdd", ([[0.0, 1.0], [1.0, 0.0]], 2), {"range": (0.0, 1.0, 0.0, 2.0)}),
    ("histogramdd", ([[nan, 1.0], [1.0, 0.0]], 2), {"range": (0.0, 1.0, 0.0, 1.0)}),
]


def _as_tensors(v, lib, dtype):
    """(Nested) lists of floats as tensors of ``lib`` (ember or torch); ints stay ints."""
    if isinstance(v, list) and isinstance(v[0], (float, list)):
        return lib.tensor(v, dtype=dtype)
    return v


def _histogram_call(lib, name, args, kwargs, dtype="float32"):
    d = getattr(lib, dtype)
    args = [_as_tensors(a, lib, d) for a in args]
    kwargs = {k: _as_tensors(v, lib, d) for k, v in kwargs.items()}
    return getattr(lib, name)(*args, **kwargs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(HISTOGRAM_CASES)))
def test_histogram_edge_cases_match_torch(case, dtype):
    name, args, kwargs = HISTOGRAM_CASES[case]
    out = _histogram_call(ember, name, args, kwargs, dtype)
    expected = _histogram_call(torch, name, args, kwargs, dtype)
    assert out._fields == ("hist", "bin_edges")
    check_same(out, expected, f"{name} case {case}")


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("histogram", ([1.0, nan], 2), {}),  # the data's range is not finite
        ("histogram", ([1.0, 2.0], 0), {}),
        ("histogram", ([1.0, 2.0], 2), {"range": (3.0, 1.0)}),
        ("histogram", ([1.0, 2.0], 2), {"range": (0.0, 1.0, 2.0)}),
        ("histogram", ([1.0, 2.0], [1.0]), {}),
        ("histogram", ([1.0, 2.0], 2), {"weight": [1.0]}),
        ("histogramdd", ([[1.0, 2.0]], [2, 2, 2]), {}),
        ("histogramdd", ([1.0, 2.0], 2), {}),
        ("histogramdd", ([[1.0, 2.0]], 2), {"weight": [[1.0, 1.0]]}),
    ],
)
def test_histogram_bad_arguments_fail_like_torch(name, args, kwargs):
    with pytest.raises(RuntimeError):
        _histogram_call(torch, name, args, kwargs)
    with pytest.raises(RuntimeError, match=rf"^{name}: "):
        _histogram_call(ember, name, args, kwargs)


def test_histogram_of_integers_is_not_implemented_like_torch():
    with pytest.raises(NotImplementedError):
        torch.histogram(torch.tensor([1, 2]), 2)
    with pytest.raises(NotImplementedError, match=r"^histogram: not implemented for int64"):
        ember.histogram(ember.tensor([1, 2]), 2)
