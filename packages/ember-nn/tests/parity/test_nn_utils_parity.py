"""Parity with ``torch.nn.utils``: clipping, parameter vectors, parametrizations (state_dict
keys and shapes, outputs, gradients, power-iteration buffers), conv-bn fusion, and the
hook-based ``weight_norm`` / ``spectral_norm``: a torch state_dict (``weight_g``/``weight_v``,
``weight_orig``/``weight_u``/``weight_v``) loads into ember and gives the same outputs,
gradients and buffers step by step, version-0 spectral-norm checkpoints convert the same
way, and ``remove_*`` leaves the same plain weight.
"""

from __future__ import annotations

import io
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import utils
from ember.nn.utils import parametrizations as P

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.parity,
    # PyTorch deprecates its hook-based weight_norm in favour of the parametrization.
    pytest.mark.filterwarnings("ignore:`torch.nn.utils.weight_norm` is deprecated:FutureWarning"),
]

RNG = np.random.default_rng(0)


def to_ember(sd):
    """A torch state_dict as ember tensors, with its ``_metadata`` (versions) kept."""
    out = OrderedDict((k, ember.tensor(v.detach().numpy())) for k, v in sd.items())
    out._metadata = getattr(sd, "_metadata", None)
    return out


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


# ---- hook-based weight_norm and spectral_norm -------------------------------------


MODULES = {
    "linear-4x4": (lambda: torch.nn.Linear(4, 4), lambda: nn.Linear(4, 4), (2, 4)),
    "linear-5x3": (lambda: torch.nn.Linear(3, 5), lambda: nn.Linear(3, 5), (2, 3)),
    "linear-3x5": (lambda: torch.nn.Linear(5, 3), lambda: nn.Linear(5, 3), (2, 5)),
    "conv2d": (lambda: torch.nn.Conv2d(3, 4, 3), lambda: nn.Conv2d(3, 4, 3), (2, 3, 5, 5)),
    "conv_transpose2d": (
        lambda: torch.nn.ConvTranspose2d(3, 4, 2),
        lambda: nn.ConvTranspose2d(3, 4, 2),
        (2, 3, 4, 4),
    ),
    "conv1d": (lambda: torch.nn.Conv1d(2, 3, 3), lambda: nn.Conv1d(2, 3, 3), (2, 2, 7)),
}


def hooked_pair(module, tapply, eapply, **kw):
    """The same module in torch and ember (float64), each with its norm applied, and ember
    then given torch's whole state (for spectral norm: torch's random u and v)."""
    make_t, make_e, x_shape = MODULES[module]
    tmod, emod = make_t().double(), make_e().double()
    emod.load_state_dict(to_ember(tmod.state_dict()))
    tapply(tmod, **kw)
    eapply(emod, **kw)
    tsd = tmod.state_dict()
    assert_same_state(tsd, emod.state_dict())
    emod.load_state_dict(to_ember(tsd))
    return tmod, emod, x_shape


def step(tmod, emod, x_shape):
    """One forward and backward; outputs, gradients and the whole state must agree."""
    x = RNG.standard_normal(x_shape)
    tmod.zero_grad()
    emod.zero_grad()
    tout, eout = tmod(torch.tensor(x)), emod(ember.tensor(x))
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(
        emod.weight.detach().numpy(), tmod.weight.detach().numpy(), atol=1e-12
    )
    (tout**2).sum().backward()
    (eout**2).sum().backward()
    tparams, eparams = list(tmod.named_parameters()), list(emod.named_parameters())
    assert [n for n, _ in tparams] == [n for n, _ in eparams]
    for (name, tp), (_, ep) in zip(tparams, eparams):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), atol=1e-9, err_msg=name)
    assert_same_state(tmod.state_dict(), emod.state_dict(), atol=1e-12)


def run_steps(tmod, emod, x_shape, train_steps=3, eval_steps=2):
    for _ in range(train_steps):
        step(tmod.train(), emod.train(), x_shape)
    for _ in range(eval_steps):
        step(tmod.eval(), emod.eval(), x_shape)


# ---- weight norm ------------------------------------------------------------------------------

WEIGHT_NORM_CASES = [
    ("linear-4x4", {}),
    ("linear-5x3", {"dim": 1}),
    ("linear-3x5", {"dim": None}),
    ("linear-3x5", {"dim": -1}),
    ("conv2d", {}),
    ("conv2d", {"dim": 2}),
    ("conv2d", {"dim": None}),
    ("conv_transpose2d", {"dim": 1}),
    ("conv1d", {"dim": 2}),
    ("conv1d", {"name": "bias"}),
]


@pytest.mark.parametrize("module,kw", WEIGHT_NORM_CASES)
def test_weight_norm(module, kw):
    tmod, emod, x_shape = hooked_pair(module, torch.nn.utils.weight_norm, utils.weight_norm, **kw)
    name = kw.get("name", "weight")
    # g is computed at registration the same way (keepdim norms, or a scalar for dim None).
    esd = emod.state_dict()
    np.testing.assert_allclose(
        esd[f"{name}_g"].numpy(), tmod.state_dict()[f"{name}_g"].numpy(), rtol=1e-14
    )
    run_steps(tmod, emod, x_shape)


@pytest.mark.parametrize("module,kw", WEIGHT_NORM_CASES[:5])
def test_remove_weight_norm(module, kw):
    tmod, emod, x_shape = hooked_pair(module, torch.nn.utils.weight_norm, utils.weight_norm, **kw)
    with torch.no_grad():
        tmod.weight_g.mul_(1.7)
    emod.load_state_dict(to_ember(tmod.state_dict()))
    torch.nn.utils.remove_weight_norm(tmod)
    utils.remove_weight_norm(emod)
    assert_same_state(tmod.state_dict(), emod.state_dict(), atol=1e-14)
    step(tmod, emod, x_shape)


# ---- spectral norm ----------------------------------------------------------------------------

SPECTRAL_NORM_CASES = [
    ("linear-4x4", {}),
    ("linear-5x3", {"n_power_iterations": 3}),
    ("linear-3x5", {"dim": 1}),
    ("linear-3x5", {"eps": 1e-4}),
    ("conv2d", {}),
    ("conv_transpose2d", {}),  # default dim 1
    ("conv_transpose2d", {"dim": 0, "n_power_iterations": 2}),
    ("conv1d", {"dim": 2}),
    ("conv1d", {"name": "bias"}),
]


@pytest.mark.parametrize("module,kw", SPECTRAL_NORM_CASES)
def test_spectral_norm(module, kw):
    tmod, emod, x_shape = hooked_pair(
        module, torch.nn.utils.spectral_norm, utils.spectral_norm, **kw
    )
    name = kw.get("name", "weight")
    assert [k for k in emod.state_dict() if k.startswith(name)] == [
        f"{name}_orig",
        f"{name}_u",
        f"{name}_v",
    ]
    run_steps(tmod, emod, x_shape)


@pytest.mark.parametrize("module,kw", SPECTRAL_NORM_CASES[:6])
def test_remove_spectral_norm(module, kw):
    tmod, emod, x_shape = hooked_pair(
        module, torch.nn.utils.spectral_norm, utils.spectral_norm, **kw
    )
    run_steps(tmod, emod, x_shape, train_steps=2, eval_steps=0)
    torch.nn.utils.remove_spectral_norm(tmod)
    utils.remove_spectral_norm(emod)
    assert_same_state(tmod.state_dict(), emod.state_dict(), atol=1e-12)
    step(tmod, emod, x_shape)


def test_spectral_norm_metadata_matches():
    tmod, emod, _ = hooked_pair("linear-4x4", torch.nn.utils.spectral_norm, utils.spectral_norm)
    tmeta, emeta = tmod.state_dict()._metadata[""], emod.state_dict()._metadata[""]
    assert emeta["spectral_norm"] == tmeta["spectral_norm"]


def test_spectral_norm_checkpoint_file_loads():
    """A torch.save'd state_dict (metadata included) loads through ember.load."""
    tmod, emod, x_shape = hooked_pair("conv2d", torch.nn.utils.spectral_norm, utils.spectral_norm)
    run_steps(tmod, emod, x_shape, train_steps=2, eval_steps=0)
    buf = io.BytesIO()
    torch.save(tmod.state_dict(), buf)
    buf.seek(0)
    fresh = utils.spectral_norm(MODULES["conv2d"][1]().double())
    loaded = ember.load(buf)
    assert loaded._metadata[""]["spectral_norm"] == {"weight.version": 1}
    fresh.load_state_dict(loaded)
    step(tmod, fresh, x_shape)


def version0_state(tmod):
    """What PyTorch saved before version 1: the normalized weight instead of ``weight_v``."""
    sd = tmod.state_dict()
    del sd["weight_v"]
    sd["weight"] = tmod.weight.detach().clone()
    sd._metadata[""]["spectral_norm"]["weight.version"] = 0
    return sd


@pytest.mark.parametrize("module", ["linear-5x3", "linear-4x4", "conv_transpose2d"])
def test_spectral_norm_version0_checkpoint(module):
    tmod, emod, x_shape = hooked_pair(module, torch.nn.utils.spectral_norm, utils.spectral_norm)
    run_steps(tmod, emod, x_shape, train_steps=4, eval_steps=0)
    sd = version0_state(tmod)
    make_t, make_e, _ = MODULES[module]
    tnew = torch.nn.utils.spectral_norm(make_t().double())
    enew = utils.spectral_norm(make_e().double())
    tnew.load_state_dict(sd)
    enew.load_state_dict(to_ember(sd))
    np.testing.assert_allclose(
        enew.weight_v.numpy(), tnew.weight_v.detach().numpy(), rtol=1e-7, atol=1e-10
    )
    # Either conversion reproduces the saved weight in eval mode.
    x = RNG.standard_normal(x_shape)
    tout, eout = tnew.eval()(torch.tensor(x)), enew.eval()(ember.tensor(x))
    np.testing.assert_allclose(enew.weight.detach().numpy(), sd["weight"].numpy(), atol=1e-12)
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), atol=1e-10)
    # Continue both from the converted state: the same u and v as torch's, to round-off.
    enew.load_state_dict(to_ember(tnew.state_dict()))
    for mode in ("eval", "train"):
        getattr(tnew, mode)(), getattr(enew, mode)()
        step(tnew, enew, x_shape)
