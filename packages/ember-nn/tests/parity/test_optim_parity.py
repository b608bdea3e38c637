"""Parity with ``torch.optim``: 20 steps on the same problem follow the same trajectory
(to 1e-6 in float64), the state dicts have the same structure, and a state dict written
by either library resumes training identically in the other.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.optim as optim
from ember.optim import swa_utils

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

RNG = np.random.default_rng(0)
_M = RNG.standard_normal((5, 5))
A = _M @ _M.T / 5 + 0.5 * np.eye(5)
B = RNG.standard_normal(5)
W0 = [RNG.standard_normal(5), RNG.standard_normal((2, 5))]
STEPS = 20

CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.2, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": False}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "betas": (0.8, 0.99)}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adagrad", {"lr": 0.1}),
    (
        "Adagrad",
        {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.1},
    ),
    ("Adadelta", {"lr": 1.0}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.1}),
    ("Rprop", {"lr": 0.01}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-4, 0.2)}),
    ("ASGD", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "t0": 5, "lambd": 1e-3, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
]


def loss_of(lib, params):
    """A convex quartic: deterministic gradients, different for every coordinate."""
    a, b = lib.tensor(A), lib.tensor(B)
    total = 0
    for p in params:
        x = p.reshape(-1, 5)
        total = total + 0.5 * ((x @ a) * x).sum() - (x * b).sum() + 0.01 * (x**4).sum()
    return total


def make_pair(name, kw, steps=0):
    tp = [torch.tensor(w, requires_grad=True) for w in W0]
    ep = [nn.Parameter(ember.tensor(w)) for w in W0]
    return tp, getattr(torch.optim, name)(tp, **kw), ep, getattr(optim, name)(ep, **kw)


def one_step(lib, params, opt):
    opt.zero_grad()
    loss_of(lib, params).backward()
    opt.step()


def to_ember(value):
    if isinstance(value, torch.Tensor):
        return ember.tensor(value.detach().numpy())
    if isinstance(value, dict):
        return {k: to_ember(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_ember(v) for v in value)
    return value


def to_torch(value):
    if isinstance(value, ember.Tensor):
        return torch.tensor(value.detach().numpy())
    if isinstance(value, dict):
        return {k: to_torch(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_torch(v) for v in value)
    return value


def assert_params_close(tp, ep, atol=1e-6):
    for t, e in zip(tp, ep):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=0, atol=atol)


def assert_same_structure(tsd, esd):
    assert sorted(tsd) == sorted(esd) == ["param_groups", "state"]
    assert tsd["param_groups"] == esd["param_groups"]
    assert sorted(tsd["state"]) == sorted(esd["state"])
    for k, tstate in tsd["state"].items():
        estate = esd["state"][k]
        assert sorted(tstate) == sorted(estate)
        for name, tv in tstate.items():
            ev = estate[name]
            if isinstance(tv, torch.Tensor):
                assert tuple(tv.shape) == tuple(ev.shape), name
                assert str(tv.dtype).split(".")[1] == ev.dtype.name, name
            else:
                assert type(tv) is type(ev), name


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_and_state_dict(name, kw):
    tp, topt, ep, eopt = make_pair(name, kw)
    for _ in range(STEPS):
        one_step(torch, tp, topt)
        one_step(ember, ep, eopt)
        assert_params_close(tp, ep)
    assert_same_structure(topt.state_dict(), eopt.state_dict())


@pytest.mark.parametrize("name,kw", CASES[::3], ids=[n for n, _ in CASES[::3]])
def test_checkpoints_cross_over(name, kw):
    tp, topt, ep, eopt = make_pair(name, kw)
    for _ in range(STEPS // 2):
        one_step(torch, tp, topt)
        one_step(ember, ep, eopt)
    # torch's checkpoint resumes in ember, ember's in torch.
    ep2 = [nn.Parameter(ember.tensor(t.detach().numpy())) for t in tp]
    eopt2 = getattr(optim, name)(ep2, **kw)
    eopt2.load_state_dict(to_ember(topt.state_dict()))
    tp2 = [torch.tensor(e.detach().numpy(), requires_grad=True) for e in ep]
    topt2 = getattr(torch.optim, name)(tp2, **kw)
    topt2.load_state_dict(to_torch(eopt.state_dict()))
    for _ in range(STEPS // 2):
        for lib, params, opt in (
            (torch, tp, topt),
            (ember, ep2, eopt2),
            (torch, tp2, topt2),
            (ember, ep, eopt),
        ):
            one_step(lib, params, opt)
    assert_params_close(tp, ep2)
    assert_params_close(tp2, ep)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs(line_search):
    kw = {"lr": 0.5, "max_iter": 4, "history_size": 3, "line_search_fn": line_search}
    tp, topt, ep, eopt = make_pair("LBFGS", kw)

    def closure(lib, params, opt):
        def run():
            opt.zero_grad()
            loss = loss_of(lib, params)
            loss.backward()
            return loss

        return run

    for _ in range(STEPS):
        tl = topt.step(closure(torch, tp, topt))
        el = eopt.step(closure(ember, ep, eopt))
        assert el.item() == pytest.approx(tl.item(), rel=1e-9, abs=1e-12)
        assert_params_close(tp, ep)
    tstate, estate = topt.state_dict()["state"][0], eopt.state_dict()["state"][0]
    assert sorted(tstate) == sorted(estate)
    assert tstate["func_evals"] == estate["func_evals"] and tstate["n_iter"] == estate["n_iter"]


def test_sparse_adam_with_torch_sparse_gradients():
    w0 = RNG.standard_normal((6, 3))
    tw = torch.tensor(w0, requires_grad=True)
    ew = nn.Parameter(ember.tensor(w0))
    topt, eopt = torch.optim.SparseAdam([tw], lr=0.05), optim.SparseAdam([ew], lr=0.05)
    rng = np.random.default_rng(3)
    for _ in range(STEPS):
        rows = np.sort(rng.choice(6, size=3, replace=False))
        grad = np.zeros((6, 3))
        grad[rows] = np.tanh(w0[rows] * 3) + tw.detach().numpy()[rows]
        tw.grad = torch.sparse_coo_tensor(
            torch.tensor(rows[None]), torch.tensor(grad[rows]), (6, 3), check_invariants=True
        )
        ew.grad = ember.tensor(grad)
        topt.step()
        eopt.step()
        np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), atol=1e-6)
    assert topt.state_dict()["param_groups"] == eopt.state_dict()["param_groups"]
    assert sorted(topt.state_dict()["state"][0]) == sorted(eopt.state_dict()["state"][0])


class MLP:
    """The same two-layer perceptron in both libraries, from one set of weights."""

    def __init__(self, lib):
        self.lib = lib
        self.fc1, self.fc2 = lib.nn.Linear(4, 8).double(), lib.nn.Linear(8, 2).double()

    def parameters(self):
        return [*self.fc1.parameters(), *self.fc2.parameters()]

    def loss(self, x, y):
        out = self.fc2(self.lib.tanh(self.fc1(x)))
        return ((out - y) ** 2).mean()


@pytest.mark.parametrize(
    "name,kw", [("Adam", {"lr": 0.01}), ("SGD", {"lr": 0.1, "momentum": 0.9}), ("RMSprop", {})]
)
def test_tiny_model_training(name, kw):
    tm, em = MLP(torch), MLP(ember)
    for tmod, emod in ((tm.fc1, em.fc1), (tm.fc2, em.fc2)):
        emod.load_state_dict(to_ember(tmod.state_dict()))
    topt, eopt = (
        getattr(torch.optim, name)(tm.parameters(), **kw),
        getattr(optim, name)(em.parameters(), **kw),
    )
    rng = np.random.default_rng(5)
    for _ in range(STEPS):
        x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 2))
        for lib, model, opt in ((torch, tm, topt), (ember, em, eopt)):
            opt.zero_grad()
            model.loss(lib.tensor(x), lib.tensor(y)).backward()
            opt.step()
    assert_params_close(tm.parameters(), em.parameters())
    assert_same_structure(topt.state_dict(), eopt.state_dict())


@pytest.mark.parametrize("kind", ["swa", "ema", "ema_buffers"])
def test_averaged_model(kind):
    tmodel, emodel = torch.nn.Linear(3, 2).double(), nn.Linear(3, 2).double()
    emodel.load_state_dict(to_ember(tmodel.state_dict()))
    kwargs = {
        "swa": ({}, {}),
        "ema": (
            {"multi_avg_fn": torch.optim.swa_utils.get_ema_multi_avg_fn(0.9)},
            {"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.9)},
        ),
        "ema_buffers": (
            {"avg_fn": torch.optim.swa_utils.get_ema_avg_fn(0.8), "use_buffers": True},
            {"avg_fn": swa_utils.get_ema_avg_fn(0.8), "use_buffers": True},
        ),
    }[kind]
    tavg = torch.optim.swa_utils.AveragedModel(tmodel, **kwargs[0])
    eavg = swa_utils.AveragedModel(emodel, **kwargs[1])
    topt, eopt = (
        torch.optim.SGD(tmodel.parameters(), lr=0.1),
        optim.SGD(emodel.parameters(), lr=0.1),
    )
    x = RNG.standard_normal((8, 3))
    for _ in range(STEPS):
        for lib, model, opt, avg in ((torch, tmodel, topt, tavg), (ember, emodel, eopt, eavg)):
            opt.zero_grad()
            (model(lib.tensor(x)) ** 2).sum().backward()
            opt.step()
            avg.update_parameters(model)
    tsd, esd = tavg.state_dict(), eavg.state_dict()
    assert list(tsd) == list(esd)
    for k in tsd:
        np.testing.assert_allclose(esd[k].numpy(), tsd[k].numpy(), atol=1e-9)
    np.testing.assert_allclose(
        eavg(ember.tensor(x)).detach().numpy(), tavg(torch.tensor(x)).detach().numpy(), atol=1e-9
    )
