"""Parity with ``torch.optim.lr_scheduler`` (and ``swa_utils.SWALR``): the same
learning rates and momenta, step by step, and state dicts with the same contents.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.optim as optim
from ember.optim import lr_scheduler as elrs
from ember.optim import swa_utils

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

STEPS = 30


def factor(epoch):
    return 0.95**epoch


def make_optimizers(kind, lrs):
    tparams = [torch.zeros(2, requires_grad=True) for _ in lrs]
    eparams = [nn.Parameter(ember.zeros(2)) for _ in lrs]
    opt_kw = {"SGD": {"momentum": 0.9}, "Adam": {}}[kind]
    tg = [{"params": [p], "lr": lr} for p, lr in zip(tparams, lrs)]
    eg = [{"params": [p], "lr": lr} for p, lr in zip(eparams, lrs)]
    return getattr(torch.optim, kind)(tg, **opt_kw), getattr(optim, kind)(eg, **opt_kw)


def build(lib_sched, opt, spec):
    name, kw = spec
    kw = dict(kw)
    if name in ("SequentialLR", "ChainedScheduler"):
        children = [build(lib_sched, opt, child) for child in kw.pop("schedulers")]
        if name == "ChainedScheduler":
            return lib_sched.ChainedScheduler(children)
        return lib_sched.SequentialLR(opt, children, **kw)
    if name == "SWALR":
        mod = torch.optim.swa_utils if lib_sched is torch.optim.lr_scheduler else swa_utils
        return mod.SWALR(opt, **kw)
    return getattr(lib_sched, name)(opt, **kw)


CASES = [
    ("LambdaLR", {"lr_lambda": factor}),
    ("LambdaLR", {"lr_lambda": [factor, lambda e: 1.0 / (e + 1)]}),
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.9}),
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [3, 7, 7, 12], "gamma": 0.5}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 4}),
    ("LinearLR", {"start_factor": 0.25, "end_factor": 0.9, "total_iters": 8}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("PolynomialLR", {"total_iters": 10, "power": 2.0}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("CosineAnnealingWarmRestarts", {"T_0": 4, "T_mult": 2, "eta_min": 0.001}),
    ("CosineAnnealingWarmRestarts", {"T_0": 5}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 5}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": [0.1, 0.2], "step_size_up": 4, "mode": "triangular2"}),
    (
        "CyclicLR",
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range", "gamma": 0.9},
    ),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": STEPS + 1}),
    ("OneCycleLR", {"max_lr": [0.5, 1.0], "total_steps": STEPS + 1, "anneal_strategy": "linear"}),
    ("OneCycleLR", {"max_lr": 0.5, "epochs": 3, "steps_per_epoch": 11, "three_phase": True}),
    (
        "SequentialLR",
        {
            "schedulers": [("LinearLR", {"start_factor": 0.1, "total_iters": 5}),
                           ("ExponentialLR", {"gamma": 0.9})],
            "milestones": [5],
        },
    ),
    (
        "SequentialLR",
        {
            "schedulers": [("ConstantLR", {"factor": 0.5, "total_iters": 3}),
                           ("CosineAnnealingLR", {"T_max": 10}),
                           ("StepLR", {"step_size": 2})],
            "milestones": [4, 15],
        },
    ),
    (
        "ChainedScheduler",
        {"schedulers": [("ConstantLR", {"factor": 0.5, "total_iters": 4}),
                        ("ExponentialLR", {"gamma": 0.9})]},
    ),
    ("SWALR", {"swa_lr": 0.05, "anneal_epochs": 5}),
    ("SWALR", {"swa_lr": [0.05, 0.01], "anneal_epochs": 0, "anneal_strategy": "linear"}),
]  # fmt: skip


def groups_view(opt):
    keys = ("lr", "momentum", "betas", "initial_lr", "max_lr", "min_lr", "swa_lr")
    return [{k: g[k] for k in keys if k in g} for g in opt.param_groups]


def assert_groups_close(topt, eopt):
    for tg, eg in zip(groups_view(topt), groups_view(eopt)):
        assert sorted(tg) == sorted(eg)
        for k in tg:
            np.testing.assert_allclose(eg[k], tg[k], rtol=1e-12, err_msg=k)


def assert_state_close(tsd, esd):
    assert sorted(tsd) == sorted(esd)
    for key, tv in tsd.items():
        ev = esd[key]
        if key == "_schedulers":
            for tchild, echild in zip(tv, ev):
                assert_state_close(tchild, echild)
        elif callable(tv) or key in ("lr_lambdas", "_scale_fn_ref"):
            continue
        elif isinstance(tv, float):
            assert ev == pytest.approx(tv, rel=1e-12), key
        else:
            assert tv == ev or np.allclose(tv, ev, rtol=1e-12), key


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("spec", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_schedule(spec, kind):
    if spec[0] == "CyclicLR" and kind == "Adam":
        spec = (spec[0], {**spec[1], "base_momentum": 0.8, "max_momentum": 0.95})
    topt, eopt = make_optimizers(kind, [0.1, 0.3])
    tsched = build(torch.optim.lr_scheduler, topt, spec)
    esched = build(elrs, eopt, spec)
    assert_groups_close(topt, eopt)
    for _ in range(STEPS):
        topt.step()
        eopt.step()
        tsched.step()
        esched.step()
        np.testing.assert_allclose(esched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)
        assert_groups_close(topt, eopt)
    assert_state_close(tsched.state_dict(), esched.state_dict())


def test_reduce_lr_on_plateau():
    metrics = [1.0, 0.9, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0, 0.4] * 3
    for kw in (
        {"patience": 2, "factor": 0.5},
        {"mode": "max", "patience": 1, "cooldown": 2, "threshold_mode": "abs", "min_lr": 0.02},
    ):
        topt, eopt = make_optimizers("SGD", [0.1, 0.3])
        tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
        esched = elrs.ReduceLROnPlateau(eopt, **kw)
        for m in metrics:
            tsched.step(m)
            esched.step(m)
            np.testing.assert_allclose(esched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)
        assert_state_close(tsched.state_dict(), esched.state_dict())


@pytest.mark.parametrize(
    "spec",
    [("StepLR", {"step_size": 3}), ("MultiStepLR", {"milestones": [2, 5]}),
     ("CosineAnnealingLR", {"T_max": 6}), ("PolynomialLR", {"total_iters": 8}),
     ("LinearLR", {"total_iters": 6}), ("ExponentialLR", {"gamma": 0.8})],
)  # fmt: skip
def test_epoch_argument_uses_closed_form(spec):
    topt, eopt = make_optimizers("SGD", [0.1])
    tsched = build(torch.optim.lr_scheduler, topt, spec)
    esched = build(elrs, eopt, spec)
    for epoch in (4, 1, 9, 3):
        topt.step()
        eopt.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            tsched.step(epoch)
        with pytest.warns(UserWarning, match="epoch parameter"):
            esched.step(epoch)
        np.testing.assert_allclose(esched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)


def test_warm_restarts_fractional_epochs():
    topt, eopt = make_optimizers("SGD", [0.1])
    kw = {"T_0": 3, "T_mult": 2}
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, **kw)
    esched = elrs.CosineAnnealingWarmRestarts(eopt, **kw)
    for epoch in np.arange(0, 12, 0.25):
        tsched.step(float(epoch))
        esched.step(float(epoch))
        assert esched.get_last_lr()[0] == pytest.approx(tsched.get_last_lr()[0], rel=1e-12)


def _warns_about_order(lib_sched, opt_lib, call_optimizer_first):
    opt = opt_lib.SGD([opt_lib_param(opt_lib)], lr=0.1)
    sched = lib_sched.StepLR(opt, step_size=2)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        if call_optimizer_first:
            opt.step()
        sched.step()
    return any("optimizer.step()" in str(w.message) for w in seen)


def opt_lib_param(opt_lib):
    if opt_lib is torch.optim:
        return torch.zeros(1, requires_grad=True)
    return nn.Parameter(ember.zeros(1))


@pytest.mark.parametrize("first", [True, False])
def test_step_order_warning_matches(first):
    assert _warns_about_order(elrs, optim, first) == _warns_about_order(
        torch.optim.lr_scheduler, torch.optim, first
    )


def test_cosine_matches_closed_form_within_t_max():
    _, eopt = make_optimizers("SGD", [0.1])
    sched = elrs.CosineAnnealingLR(eopt, T_max=10, eta_min=0.0)
    for epoch in range(1, 11):
        eopt.step()
        sched.step()
        expected = 0.05 * (1 + math.cos(math.pi * epoch / 10))
        assert sched.get_last_lr()[0] == pytest.approx(expected, abs=1e-12)
