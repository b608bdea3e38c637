"""Generic gradient tests driven by ember-core's OpInfo table.

Every differentiable op is checked against finite differences (gradcheck) on each
of its samples, in float64 (and complex128 where the row supports complex dtypes),
on contiguous and non-contiguous inputs; rows with ``grad_order=2`` are also
checked to second order (gradgradcheck).
"""

import pytest

import ember
from ember._ops import OPS
from ember.autograd import gradcheck, gradgradcheck
from ember.autograd.rules import DERIVATIVES, NOT_DIFFERENTIABLE
from ember.autograd.testing import flatten, grad_dtypes, is_random, samples, skip_reason
from ember.testing import load_opinfos

OPINFOS = load_opinfos()


# Ops whose derivative Ember does not compute yet: their rule raises NotImplementedError.
KNOWN_GAPS = {n for n, r in DERIVATIVES.items() if getattr(r, "not_implemented", False)}


def _param(info, dtype):
    marks = []
    if info.name in KNOWN_GAPS:
        marks.append(
            pytest.mark.xfail(
                raises=AssertionError, strict=True, reason="derivative not implemented yet"
            )
        )
    return pytest.param((info, dtype), marks=marks, id=f"{info.name}-{dtype.name}")


CASES = [
    (info, dtype)
    for info in OPINFOS.values()
    if info.grad_order > 0 and info.name in OPS and not is_random(info)
    for dtype in grad_dtypes(info)
]


def _id(case):
    return f"{case[0].name}-{case[1].name}"


def _check(info, dtype, noncontiguous, order):
    op = OPS[info.name]
    for sample in samples(info, dtype, noncontiguous):
        if skip_reason(info.name, sample):
            continue
        leaves, call = flatten(sample, op.name)
        if not leaves:
            continue
        msg = f"{info.name}{sample}"
        try:
            check = gradgradcheck if order == 2 else gradcheck
            check(call, tuple(leaves), atol=1e-5, rtol=1e-3)
        except Exception as e:
            raise AssertionError(f"{msg}: {e}") from e


@pytest.mark.parametrize("case", [_param(*c) for c in CASES])
def test_gradcheck(case):
    info, dtype = case
    _check(info, dtype, False, 1)


@pytest.mark.parametrize("case", [_param(*c) for c in CASES])
def test_gradcheck_noncontiguous(case):
    info, dtype = case
    if info.skip_noncontiguous:
        pytest.skip("the row opts out of non-contiguous samples")
    _check(info, dtype, True, 1)


@pytest.mark.parametrize("case", [_param(*c) for c in CASES if c[0].grad_order >= 2])
def test_gradgradcheck(case):
    info, dtype = case
    _check(info, dtype, False, 2)


@pytest.mark.parametrize(
    "name", [n for n, r in DERIVATIVES.items() if r is NOT_DIFFERENTIABLE], ids=str
)
def test_not_differentiable_ops_have_no_gradient_order(name):
    """An op marked not differentiable does not claim a gradient in its OpInfo row."""
    assert OPINFOS[name].grad_order == 0, (
        f"{name}: marked NOT_DIFFERENTIABLE but its OpInfo row has grad_order "
        f"{OPINFOS[name].grad_order}"
    )


@pytest.mark.parametrize(
    "info", [i for i in OPINFOS.values() if i.name in OPS and is_random(i)], ids=lambda i: i.name
)
def test_random_ops_pass_zero_or_no_gradient(info):
    for sample in samples(info, ember.float64):
        leaves, call = flatten(sample, info.name)
        if not leaves:
            continue
        ember.manual_seed(0)
        out = call(*leaves)
        outs = out if isinstance(out, tuple) else (out,)
        for o in outs:
            if isinstance(o, ember.Tensor) and o.requires_grad:
                found = ember.autograd.grad(o.sum(), leaves, allow_unused=True)
                for g in found:
                    assert g is None or not bool(g.abs().sum())
