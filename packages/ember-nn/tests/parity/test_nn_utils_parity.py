"""Parity with ``torch.nn.utils``: clipping, parameter vectors, parametrizations (state_dict
keys and shapes, outputs, gradients, power-iteration buffers) and conv-bn fusion.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import utils
from ember.nn.utils import parametrizations as P

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

RNG = np.random.default_rng(0)


def to_ember(sd):
    return {k: ember.tensor(v.detach().numpy()) for k, v in sd.items()}


def assert_same_state(tsd, esd, atol=None):
    assert list(tsd) == list(esd)
    for k in tsd:
        assert tuple(tsd[k].shape) == tuple(esd[k].shape), k
        if atol is not None:
            np.testing.assert_allclose(esd[k].numpy(), tsd[k].numpy(), atol=atol, err_msg=k)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    grads = [RNG.standard_normal((3, 4)), RNG.standard_normal(5)]
    tp = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    ep = [nn.Parameter(ember.zeros(*g.shape, dtype=ember.float64)) for g in grads]
    for t, e, g in zip(tp, ep, grads):
        t.grad, e.grad = torch.tensor(g), ember.tensor(g)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type, foreach=False)
    en = utils.clip_grad_norm_(ep, max_norm, norm_type)
    assert en.item() == pytest.approx(tn.item(), rel=1e-12)
    for t, e in zip(tp, ep):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_and_vectors():
    g = RNG.standard_normal((4, 3)) * 3
    t = torch.zeros(4, 3, dtype=torch.float64, requires_grad=True)
    e = nn.Parameter(ember.zeros(4, 3, dtype=ember.float64))
    t.grad, e.grad = torch.tensor(g), ember.tensor(g)
    torch.nn.utils.clip_grad_value_([t], 1.5, foreach=False)
    utils.clip_grad_value_([e], 1.5)
    np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())
    tl, el = torch.nn.Linear(3, 2), nn.Linear(3, 2)
    el.load_state_dict(to_ember(tl.state_dict()))
    np.testing.assert_array_equal(
        utils.parameters_to_vector(el.parameters()).detach().numpy(),
        torch.nn.utils.parameters_to_vector(tl.parameters()).detach().numpy(),
    )


LINEAR_CASES = [
    ("weight_norm", {}, "weight_norm", {}),
    ("weight_norm", {"dim": None}, "weight_norm", {"dim": None}),
    ("weight_norm", {"dim": 1}, "weight_norm", {"dim": 1}),
    ("spectral_norm", {}, "spectral_norm", {}),
    ("spectral_norm", {"n_power_iterations": 3}, "spectral_norm", {"n_power_iterations": 3}),
    ("orthogonal", {}, "orthogonal", {}),
    ("orthogonal", {"orthogonal_map": "cayley"}, "orthogonal", {"orthogonal_map": "cayley"}),
    ("orthogonal", {"orthogonal_map": "householder"}, "orthogonal",
     {"orthogonal_map": "householder"}),
    ("orthogonal", {"orthogonal_map": "householder", "use_trivialization": False}, "orthogonal",
     {"orthogonal_map": "householder", "use_trivialization": False}),
]  # fmt: skip


def build_pair(make_t, make_e, tname, tkw, ename, ekw):
    tmod, emod = make_t().double(), make_e().double()
    emod.load_state_dict(to_ember(tmod.state_dict()))
    getattr(torch.nn.utils.parametrizations, tname)(tmod, **tkw)
    getattr(P, ename)(emod, **ekw)
    return tmod, emod


def forward_backward(tmod, emod, x, steps=2):
    for _ in range(steps):  # twice: power iteration updates its buffers every training call
        tmod.zero_grad()
        emod.zero_grad()
        tout, eout = tmod(torch.tensor(x)), emod(ember.tensor(x))
        np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), atol=1e-10)
        (tout**2).sum().backward()
        (eout**2).sum().backward()
        for (name, tp), ep in zip(tmod.named_parameters(), emod.parameters()):
            np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), atol=1e-9, err_msg=name)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize(
    "case", LINEAR_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(LINEAR_CASES)]
)
def test_parametrized_linear(case, shape):
    out_f, in_f = shape
    tmod, emod = build_pair(
        lambda: torch.nn.Linear(in_f, out_f), lambda: nn.Linear(in_f, out_f), *case
    )
    tsd = tmod.state_dict()
    assert_same_state(tsd, emod.state_dict())
    emod.load_state_dict(to_ember(tsd))
    forward_backward(tmod, emod, RNG.standard_normal((2, in_f)))
    assert_same_state(tmod.state_dict(), emod.state_dict(), atol=1e-10)


@pytest.mark.parametrize(
    "case", [c for c in LINEAR_CASES if c[0] == "weight_norm" or "use_trivialization" in c[1]]
)
def test_registration_computes_the_same_originals(case):
    tmod, emod = build_pair(lambda: torch.nn.Linear(3, 5), lambda: nn.Linear(3, 5), *case)
    assert_same_state(tmod.state_dict(), emod.state_dict(), atol=1e-12)


def test_orthogonal_square_base_matches():
    tmod, emod = build_pair(
        lambda: torch.nn.Linear(4, 4), lambda: nn.Linear(4, 4), "orthogonal", {}, "orthogonal", {}
    )
    assert_same_state(tmod.state_dict(), emod.state_dict(), atol=1e-12)


@pytest.mark.parametrize(
    "tmake,emake,name,kw",
    [
        (lambda: torch.nn.Conv2d(3, 4, 3), lambda: nn.Conv2d(3, 4, 3), "weight_norm", {}),
        (lambda: torch.nn.Conv2d(3, 4, 3), lambda: nn.Conv2d(3, 4, 3), "weight_norm", {"dim": 2}),
        (lambda: torch.nn.Conv2d(3, 4, 3), lambda: nn.Conv2d(3, 4, 3), "spectral_norm", {}),
        (lambda: torch.nn.ConvTranspose2d(3, 4, 2), lambda: nn.ConvTranspose2d(3, 4, 2),
         "spectral_norm", {}),
    ],
)  # fmt: skip
def test_parametrized_convolutions(tmake, emake, name, kw):
    tmod, emod = build_pair(tmake, emake, name, kw, name, kw)
    tsd = tmod.state_dict()
    assert_same_state(tsd, emod.state_dict())
    emod.load_state_dict(to_ember(tsd))
    forward_backward(tmod, emod, RNG.standard_normal((2, 3, 5, 5)))


def test_remove_parametrizations_leaves_same_weight():
    tmod, emod = build_pair(
        lambda: torch.nn.Linear(3, 4), lambda: nn.Linear(3, 4), "weight_norm", {}, "weight_norm", {}
    )
    torch.nn.utils.parametrize.remove_parametrizations(tmod, "weight")
    utils.parametrize.remove_parametrizations(emod, "weight")
    assert_same_state(tmod.state_dict(), emod.state_dict(), atol=1e-12)


def _bn_pair(tbn, ebn, channels):
    with torch.no_grad():
        tbn.running_mean.copy_(torch.tensor(RNG.standard_normal(channels)))
        tbn.running_var.copy_(torch.tensor(RNG.random(channels) + 0.5))
        tbn.weight.copy_(torch.tensor(RNG.standard_normal(channels)))
        tbn.bias.copy_(torch.tensor(RNG.standard_normal(channels)))
    ebn.load_state_dict(to_ember(tbn.state_dict()))
    return tbn.eval(), ebn.eval()


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval(transpose):
    if transpose:
        tconv, econv = torch.nn.ConvTranspose2d(3, 4, 2).double(), nn.ConvTranspose2d(3, 4, 2)
    else:
        tconv, econv = torch.nn.Conv2d(3, 4, 3, bias=False).double(), nn.Conv2d(3, 4, 3, bias=False)
    econv = econv.double()
    econv.load_state_dict(to_ember(tconv.state_dict()))
    tbn, ebn = _bn_pair(torch.nn.BatchNorm2d(4).double(), nn.BatchNorm2d(4).double(), 4)
    tf = torch.nn.utils.fuse_conv_bn_eval(tconv.eval(), tbn, transpose=transpose)
    ef = utils.fuse_conv_bn_eval(econv.eval(), ebn, transpose=transpose)
    assert_same_state(tf.state_dict(), ef.state_dict(), atol=1e-12)


def test_fuse_linear_bn_eval():
    tlin, elin = torch.nn.Linear(3, 4).double(), nn.Linear(3, 4).double()
    elin.load_state_dict(to_ember(tlin.state_dict()))
    tbn, ebn = _bn_pair(torch.nn.BatchNorm1d(4).double(), nn.BatchNorm1d(4).double(), 4)
    tf = torch.nn.utils.fusion.fuse_linear_bn_eval(tlin.eval(), tbn)
    ef = utils.fuse_linear_bn_eval(elin.eval(), ebn)
    assert_same_state(tf.state_dict(), ef.state_dict(), atol=1e-12)
