"""Learning-rate schedulers: hand-derived schedules, state dicts, warnings and errors."""

from __future__ import annotations

import math
import pickle

import pytest

import ember
import ember.nn as nn
import ember.optim as optim
from ember.optim import lr_scheduler as lrs


def make_opt(lr=1.0, cls=optim.SGD, **kw):
    return cls([nn.Parameter(ember.zeros(1))], lr=lr, **kw)


def run(sched, steps):
    """The lr before stepping, then after each of ``steps`` epochs."""
    out = [sched.get_last_lr()[0]]
    for _ in range(steps):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


def test_step_lr():
    assert run(lrs.StepLR(make_opt(), step_size=2, gamma=0.5), 5) == pytest.approx(
        [1, 1, 0.5, 0.5, 0.25, 0.25]
    )


def test_multi_step_lr_with_repeated_milestone():
    sched = lrs.MultiStepLR(make_opt(), milestones=[1, 3, 3], gamma=0.1)
    assert run(sched, 4) == pytest.approx([1, 0.1, 0.1, 0.001, 0.001])


def test_lambda_and_multiplicative():
    assert run(lrs.LambdaLR(make_opt(2.0), lambda e: 1 / (e + 1)), 3) == pytest.approx(
        [2, 1, 2 / 3, 0.5]
    )
    assert run(lrs.MultiplicativeLR(make_opt(), lambda e: 0.5), 3) == pytest.approx(
        [1, 0.5, 0.25, 0.125]
    )


def test_constant_linear_exponential_polynomial():
    assert run(lrs.ConstantLR(make_opt(), factor=0.5, total_iters=2), 3) == pytest.approx(
        [0.5, 0.5, 1, 1]
    )
    linear = lrs.LinearLR(make_opt(), start_factor=0.25, end_factor=1.0, total_iters=3)
    assert run(linear, 4) == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])
    assert run(lrs.ExponentialLR(make_opt(), gamma=0.5), 2) == pytest.approx([1, 0.5, 0.25])
    poly = lrs.PolynomialLR(make_opt(), total_iters=4, power=2.0)
    assert run(poly, 5) == pytest.approx([1, 0.5625, 0.25, 0.0625, 0, 0])


def test_cosine_annealing_and_restarts():
    cos = run(lrs.CosineAnnealingLR(make_opt(), T_max=4, eta_min=0.0), 8)
    expected = [(1 + math.cos(math.pi * e / 4)) / 2 for e in range(9)]
    assert cos == pytest.approx(expected, abs=1e-12)
    warm = run(lrs.CosineAnnealingWarmRestarts(make_opt(), T_0=2, T_mult=2), 6)
    # Periods of 2 then 4 epochs; each restart goes back to the initial lr.
    assert warm == pytest.approx([1, 0.5, 1, (1 + math.cos(math.pi / 4)) / 2, 0.5,
                                  (1 + math.cos(3 * math.pi / 4)) / 2, 1])  # fmt: skip


def test_cyclic_triangular_with_momentum():
    opt = make_opt(momentum=0.9)
    sched = lrs.CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2, base_momentum=0.8,
                         max_momentum=0.9)  # fmt: skip
    lrs_seen, moms = [], []
    for _ in range(5):
        lrs_seen.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    assert lrs_seen == pytest.approx([0.1, 0.3, 0.5, 0.3, 0.1])
    assert moms == pytest.approx([0.9, 0.85, 0.8, 0.85, 0.9])


def test_cyclic_needs_momentum_support():
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lrs.CyclicLR(make_opt(cls=optim.Adagrad), base_lr=0.1, max_lr=1.0)
    with pytest.raises(ValueError, match="mode is invalid"):
        lrs.CyclicLR(make_opt(momentum=0.9), 0.1, 1.0, mode="square")


def test_one_cycle_peaks_at_pct_start_and_uses_beta1():
    opt = make_opt(cls=optim.Adam)
    sched = lrs.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.5)
    values = run(sched, 9)
    assert values[0] == pytest.approx(1 / 25) and max(values) == pytest.approx(1.0)
    assert values.index(max(values)) == 4
    assert values[-1] == pytest.approx(1 / 25 / 1e4)
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.95)
    opt.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        opt.step()
        sched.step()


def test_one_cycle_errors():
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        lrs.OneCycleLR(make_opt(momentum=0.9), max_lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        lrs.OneCycleLR(make_opt(momentum=0.9), 1.0, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lrs.OneCycleLR(make_opt(momentum=0.9), [1.0, 2.0], total_steps=5)


def test_reduce_on_plateau():
    opt = make_opt()
    sched = lrs.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1)
    for metric, lr in [(1.0, 1), (1.0, 1), (1.0, 0.5), (1.0, 0.5), (1.0, 0.5), (1.0, 0.25)]:
        sched.step(metric)
        assert sched.get_last_lr()[0] == lr
    with pytest.raises(ValueError, match=r"Factor should be < 1\.0"):
        lrs.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        lrs.ReduceLROnPlateau(opt, mode="sideways")


def test_sequential_and_chained():
    opt = make_opt()
    seq = lrs.SequentialLR(
        opt,
        [lrs.ConstantLR(opt, factor=0.5, total_iters=2), lrs.ExponentialLR(opt, gamma=0.5)],
        milestones=[2],
    )
    assert run(seq, 4) == pytest.approx([0.5, 0.5, 1.0, 0.5, 0.25])
    opt = make_opt()
    chained = lrs.ChainedScheduler(
        [lrs.ConstantLR(opt, factor=0.5, total_iters=2), lrs.ExponentialLR(opt, gamma=0.5)]
    )
    assert run(chained, 3) == pytest.approx([0.5, 0.25, 0.25, 0.125])


def test_container_errors():
    opt, other = make_opt(), make_opt()
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        lrs.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="number of milestones"):
        lrs.SequentialLR(opt, [lrs.StepLR(opt, 1)], milestones=[3])
    with pytest.raises(ValueError, match="belong to the same optimizer"):
        lrs.ChainedScheduler([lrs.StepLR(opt, 1), lrs.StepLR(other, 1)])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lrs.ChainedScheduler([lrs.ReduceLROnPlateau(opt)])


def test_base_errors():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lrs.StepLR([], step_size=1)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified"):
        lrs.StepLR(make_opt(), step_size=1, last_epoch=3)
    with pytest.raises(ValueError, match="Constant multiplicative factor"):
        lrs.ConstantLR(make_opt(), factor=2.0)
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        lrs.CosineAnnealingWarmRestarts(make_opt(), T_0=0)


def test_initial_lr_convention_and_resume():
    opt = make_opt(0.8)
    sched = lrs.StepLR(opt, step_size=1, gamma=0.5)
    assert opt.param_groups[0]["initial_lr"] == 0.8
    run(sched, 3)
    resumed = lrs.StepLR(opt, step_size=1, gamma=0.5, last_epoch=sched.last_epoch)
    assert resumed.base_lrs == [0.8]


def test_state_dict_round_trip_resumes():
    opt = make_opt(momentum=0.9)
    sched = lrs.OneCycleLR(opt, max_lr=1.0, total_steps=20)
    run(sched, 7)
    sd = sched.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 7
    opt2 = make_opt(momentum=0.9)
    opt2.load_state_dict(opt.state_dict())
    sched2 = lrs.OneCycleLR(opt2, max_lr=1.0, total_steps=20)
    sched2.load_state_dict(pickle.loads(pickle.dumps(sd)))
    assert run(sched2, 5)[1:] == pytest.approx(run(sched, 5)[1:])


def test_lambda_state_dict_keeps_callable_objects_only():
    class Rate:
        def __init__(self):
            self.scale = 2.0

        def __call__(self, epoch):
            return self.scale

    opt = make_opt()
    sched = lrs.LambdaLR(opt, Rate())
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"scale": 2.0}]
    plain = lrs.LambdaLR(make_opt(), lambda e: 1.0).state_dict()
    assert plain["lr_lambdas"] == [None]
    sd["lr_lambdas"] = [{"scale": 3.0}]
    sched.load_state_dict(sd)
    assert sched.lr_lambdas[0].scale == 3.0


def test_step_before_optimizer_warns():
    opt = make_opt()
    sched = lrs.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def test_get_lr_outside_step_warns():
    sched = lrs.StepLR(make_opt(), step_size=1)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_tensor_lr_is_updated_in_place():
    lr = ember.tensor(1.0, dtype=ember.float64)
    opt = optim.SGD([nn.Parameter(ember.zeros(1))], lr=lr)
    sched = lrs.ExponentialLR(opt, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == 0.5
