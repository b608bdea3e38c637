"""Stochastic weight averaging: AveragedModel (SWA and EMA), SWALR and update_bn."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.optim as optim
from ember.autograd import no_grad
from ember.optim import swa_utils


def set_weights(model, value):
    with no_grad():
        for p in model.parameters():
            p.fill_(value)


def test_running_mean_of_snapshots():
    model = nn.Linear(2, 1)
    avg = swa_utils.AveragedModel(model)
    for value in (1.0, 2.0, 6.0):
        set_weights(model, value)
        avg.update_parameters(model)
    assert avg.n_averaged.item() == 3 and avg.n_averaged.dtype is ember.int64
    for p in avg.module.parameters():
        np.testing.assert_allclose(p.detach().numpy(), 3.0)
    assert list(avg.state_dict()) == ["n_averaged", "module.weight", "module.bias"]


def test_ema_multi_avg_fn():
    model = nn.Linear(2, 1)
    avg = swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.5))
    expected = None
    for value in (4.0, 2.0, 0.0):
        set_weights(model, value)
        avg.update_parameters(model)
        expected = value if expected is None else 0.5 * expected + 0.5 * value
    np.testing.assert_allclose(avg.module.weight.detach().numpy(), expected)


def test_custom_avg_fn_and_both_fns_error():
    model = nn.Linear(2, 1)
    avg = swa_utils.AveragedModel(model, avg_fn=lambda a, b, n: a + b)
    set_weights(model, 1.0)
    avg.update_parameters(model)
    avg.update_parameters(model)
    np.testing.assert_allclose(avg.module.bias.detach().numpy(), 2.0)
    with pytest.raises(ValueError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=lambda *a: a[0], multi_avg_fn=lambda *a: None)


def test_decay_range():
    with pytest.raises(ValueError, match=r"Invalid decay value 1\.5"):
        swa_utils.get_ema_avg_fn(1.5)


def test_forward_uses_the_averaged_copy():
    model = nn.Linear(3, 2)
    avg = swa_utils.AveragedModel(model)
    set_weights(model, 1.0)
    x = ember.ones(4, 3)
    avg.update_parameters(model)
    set_weights(model, 3.0)
    np.testing.assert_allclose(avg(x).detach().numpy(), 4.0)  # 3 * 1 + 1
    assert avg.module is not model


def test_buffers_copied_or_averaged():
    model = nn.BatchNorm1d(2)
    plain = swa_utils.AveragedModel(model)
    with_buffers = swa_utils.AveragedModel(model, use_buffers=True)
    for value in (2.0, 4.0):
        with no_grad():
            model.running_mean.fill_(value)
        plain.update_parameters(model)
        with_buffers.update_parameters(model)
    np.testing.assert_allclose(plain.module.running_mean.numpy(), 4.0)  # copied
    np.testing.assert_allclose(with_buffers.module.running_mean.numpy(), 3.0)  # averaged


def test_swalr_anneals_then_holds():
    opt = optim.SGD([nn.Parameter(ember.zeros(1))], lr=1.0)
    sched = swa_utils.SWALR(opt, swa_lr=0.2, anneal_epochs=4, anneal_strategy="linear")
    seen = [sched.get_last_lr()[0]]
    for _ in range(6):
        opt.step()
        sched.step()
        seen.append(sched.get_last_lr()[0])
    assert seen == pytest.approx([1.0, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2])
    assert opt.param_groups[0]["swa_lr"] == 0.2
    cos_opt = optim.SGD([nn.Parameter(ember.zeros(1))], lr=1.0)
    cos = swa_utils.SWALR(cos_opt, 0.0, 2)
    cos_opt.step()
    cos.step()
    assert cos.get_last_lr()[0] == pytest.approx(1 - (1 - math.cos(math.pi / 2)) / 2)


def test_swalr_errors_and_state_dict():
    opt = optim.SGD([nn.Parameter(ember.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        swa_utils.SWALR(opt, 0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
        swa_utils.SWALR(opt, 0.1, anneal_epochs=-1)
    sched = swa_utils.SWALR(opt, 0.1)
    sd = sched.state_dict()
    assert "anneal_func" not in sd and sd["_anneal_strategy"] == "cos"
    sched.load_state_dict(sd)
    assert sched.anneal_func(1.0) == pytest.approx(1.0)


def test_update_bn_recomputes_running_stats():
    rng = np.random.default_rng(0)
    data = [ember.tensor(rng.normal(3.0, 2.0, (16, 2)).astype(np.float32)) for _ in range(4)]
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    with no_grad():
        model[0].weight.copy_(ember.eye(2))
        model[0].bias.zero_()
    model.eval()
    swa_utils.update_bn([(x, 0) for x in data], model)
    stacked = np.concatenate([x.numpy() for x in data])
    bn = model[1]
    np.testing.assert_allclose(bn.running_mean.numpy(), stacked.mean(0), rtol=1e-5)
    assert bn.momentum == 0.1 and not model.training  # restored


def test_update_bn_without_batchnorm_is_a_no_op():
    model = nn.Linear(2, 2)
    swa_utils.update_bn([ember.ones(1, 2)], model)
