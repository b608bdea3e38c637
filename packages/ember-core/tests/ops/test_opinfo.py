"""Generic tests driven by the OpInfo table: every op, every dtype, every device."""

import warnings

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.testing import assert_close, devices, load_opinfos, make_tensor

OPINFOS = load_opinfos()
CASES = [(info, dtype) for info in OPINFOS.values() for dtype in info.dtypes]


def _case_id(case):
    info, dtype = case
    return f"{info.name}-{dtype.name}"


def test_every_op_has_an_opinfo():
    missing = [name for name in OPS if name not in OPINFOS]
    assert not missing, f"ops without an OpInfo row: {missing}"


def test_every_opinfo_names_an_op():
    unknown = [name for name in OPINFOS if name not in OPS]
    assert not unknown, f"OpInfo rows for unknown ops: {unknown}"


def _samples(info, dtype, device, noncontiguous=False):
    rng = np.random.default_rng(0)

    def make(*shape, **kw):
        kw.setdefault("dtype", dtype)
        return make_tensor(*shape, device=device, rng=rng, noncontiguous=noncontiguous, **kw)

    return list(info.samples(make))


def _to_numpy(x):
    if isinstance(x, ember.Tensor):
        return np.asarray(x.cpu()._data)
    if isinstance(x, (list, tuple)):
        return type(x)(_to_numpy(v) for v in x)
    return x


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_forward_matches_numpy(case, device):
    info, dtype = case
    for sample in _samples(info, dtype, device):
        out = OPS[info.name](*sample.args, **sample.kwargs)
        if info.check is not None:
            info.check(out, sample)
        if info.ref is None:
            continue
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's, for nan results
            expected = info.ref(*_to_numpy(sample.args), **_to_numpy(sample.kwargs))
        assert_close(
            out,
            expected,
            rtol=info.rtol,
            atol=info.atol,
            check_dtype=False,
            msg=f"{info.name}{sample}",
        )


@pytest.mark.parametrize("case", [c for c in CASES if not c[0].skip_noncontiguous], ids=_case_id)
def test_noncontiguous_inputs_give_the_same_result(case):
    info, dtype = case
    if info.ref is None and info.check is None:
        pytest.skip("random op: compared by its check only")
    for plain, strided in zip(_samples(info, dtype, "cpu"), _samples(info, dtype, "cpu", True)):
        a = OPS[info.name](*plain.args, **plain.kwargs)
        b = OPS[info.name](*strided.args, **strided.kwargs)
        assert_close(b, a, msg=f"{info.name}{strided}")
