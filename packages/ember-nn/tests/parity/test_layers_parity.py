"""Parity with PyTorch for every layer: the same ``state_dict`` loaded into the PyTorch
module and the Ember module gives the same outputs, input and parameter gradients,
running statistics, and the same ``state_dict`` keys and shapes.

Each case builds both modules with one constructor, called once with ``torch.nn`` and
once with ``ember.nn`` (the names and signatures are the same).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest

import ember
import ember.nn

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity


@dataclass
class Case:
    """A layer, its inputs (shapes of float inputs, or callables making arrays) and options."""

    name: str
    make: object
    inputs: list
    kwargs: dict = field(default_factory=dict)
    train: bool = True
    rtol: float = 1e-7
    atol: float = 1e-9


def idx(high, *shape):
    """An int64 index array maker."""
    return lambda rng: rng.integers(0, high, shape)


def pos(*shape):
    """A positive float array maker."""
    return lambda rng: rng.uniform(0.5, 2.0, shape)


CASES = [
    Case("Identity", lambda nn: nn.Identity(3, foo=1), [(2, 3)]),
    Case("Linear", lambda nn: nn.Linear(4, 3), [(2, 5, 4)]),
    Case("Linear-2d", lambda nn: nn.Linear(4, 3), [(6, 4)]),
    Case("Linear-nobias", lambda nn: nn.Linear(4, 3, bias=False), [(4,)]),
    Case("Bilinear", lambda nn: nn.Bilinear(3, 4, 5), [(2, 3), (2, 4)]),
    Case("Flatten", lambda nn: nn.Flatten(), [(2, 3, 4)]),
    Case("Unflatten", lambda nn: nn.Unflatten(1, (2, 3)), [(2, 6, 4)]),
    Case("Conv1d", lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), [(2, 4, 9)]),
    Case("Conv2d", lambda nn: nn.Conv2d(3, 4, 3, padding=1), [(2, 3, 6, 5)]),
    Case("Conv2d-unbatched", lambda nn: nn.Conv2d(3, 4, (3, 2)), [(3, 6, 5)]),
    Case(
        "Conv2d-dil",
        lambda nn: nn.Conv2d(2, 4, 3, dilation=2, groups=2, bias=False),
        [(1, 2, 7, 7)],
    ),
    Case("Conv2d-same", lambda nn: nn.Conv2d(2, 3, (3, 4), padding="same"), [(1, 2, 5, 6)]),
    Case(
        "Conv2d-reflect",
        lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
        [(2, 2, 5, 5)],
    ),
    Case(
        "Conv2d-replicate",
        lambda nn: nn.Conv2d(2, 3, 3, padding=(2, 1), padding_mode="replicate"),
        [(1, 2, 5, 5)],
    ),
    Case(
        "Conv2d-circular",
        lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular", stride=2),
        [(1, 2, 6, 5)],
    ),
    Case(
        "Conv1d-same-circular",
        lambda nn: nn.Conv1d(2, 2, 4, padding="same", padding_mode="circular"),
        [(1, 2, 7)],
    ),
    Case("Conv3d", lambda nn: nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), [(1, 2, 4, 5, 3)]),
    Case("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(3, 4, 3, stride=2), [(2, 3, 5)]),
    Case(
        "ConvTranspose2d",
        lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
        [(2, 4, 3, 4)],
    ),
    Case(
        "ConvTranspose2d-out",
        lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1),
        [(1, 2, 4, 4)],
        {"output_size": (8, 8)},
    ),
    Case(
        "ConvTranspose2d-dil",
        lambda nn: nn.ConvTranspose2d(2, 2, 2, dilation=2, bias=False),
        [(1, 2, 3, 3)],
    ),
    Case("ConvTranspose3d", lambda nn: nn.ConvTranspose3d(2, 2, 2, stride=2), [(1, 2, 2, 3, 2)]),
    Case("MaxPool1d", lambda nn: nn.MaxPool1d(3, 2, padding=1), [(2, 3, 8)]),
    Case("MaxPool2d", lambda nn: nn.MaxPool2d(2), [(2, 3, 6, 6)]),
    Case(
        "MaxPool2d-ceil", lambda nn: nn.MaxPool2d(3, 2, ceil_mode=True, dilation=1), [(1, 2, 6, 7)]
    ),
    Case("MaxPool3d", lambda nn: nn.MaxPool3d(2, 1), [(1, 2, 3, 4, 3)]),
    Case(
        "AvgPool1d", lambda nn: nn.AvgPool1d(3, 2, padding=1, count_include_pad=False), [(2, 3, 8)]
    ),
    Case("AvgPool2d", lambda nn: nn.AvgPool2d(3, 2, padding=1, ceil_mode=True), [(2, 3, 7, 6)]),
    Case("AvgPool2d-div", lambda nn: nn.AvgPool2d(2, divisor_override=3), [(1, 2, 4, 4)]),
    Case("AvgPool3d", lambda nn: nn.AvgPool3d(2), [(1, 2, 4, 4, 4)]),
    Case("AdaptiveAvgPool1d", lambda nn: nn.AdaptiveAvgPool1d(3), [(2, 3, 7)]),
    Case("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((3, None)), [(2, 3, 7, 5)]),
    Case("AdaptiveAvgPool3d", lambda nn: nn.AdaptiveAvgPool3d(2), [(1, 2, 5, 4, 3)]),
    Case("AdaptiveMaxPool1d", lambda nn: nn.AdaptiveMaxPool1d(3), [(2, 3, 7)]),
    Case("AdaptiveMaxPool2d", lambda nn: nn.AdaptiveMaxPool2d((2, 3)), [(2, 3, 7, 5)]),
    Case("LPPool2d", lambda nn: nn.LPPool2d(2, 2), [pos(2, 3, 4, 6)]),
    Case("LPPool1d", lambda nn: nn.LPPool1d(3, 2), [pos(2, 3, 6)]),
    Case("BatchNorm1d", lambda nn: nn.BatchNorm1d(4), [(8, 4)]),
    Case("BatchNorm1d-3d", lambda nn: nn.BatchNorm1d(4, momentum=None), [(3, 4, 5)]),
    Case("BatchNorm2d", lambda nn: nn.BatchNorm2d(3), [(4, 3, 5, 5)]),
    Case("BatchNorm2d-eval", lambda nn: nn.BatchNorm2d(3), [(4, 3, 5, 5)], train=False),
    Case(
        "BatchNorm2d-noaffine",
        lambda nn: nn.BatchNorm2d(3, affine=False, track_running_stats=False),
        [(4, 3, 2, 2)],
    ),
    Case(
        "BatchNorm2d-notrack-eval",
        lambda nn: nn.BatchNorm2d(3, track_running_stats=False),
        [(4, 3, 2, 2)],
        train=False,
    ),
    Case("BatchNorm3d", lambda nn: nn.BatchNorm3d(2), [(2, 2, 3, 3, 3)]),
    Case("LayerNorm", lambda nn: nn.LayerNorm(5), [(2, 3, 5)]),
    Case("LayerNorm-2d", lambda nn: nn.LayerNorm([3, 5], bias=False), [(2, 3, 5)]),
    Case("LayerNorm-noaffine", lambda nn: nn.LayerNorm(5, elementwise_affine=False), [(4, 5)]),
    Case("GroupNorm", lambda nn: nn.GroupNorm(2, 4), [(3, 4, 5)]),
    Case("InstanceNorm1d", lambda nn: nn.InstanceNorm1d(3), [(2, 3, 6)]),
    Case(
        "InstanceNorm2d",
        lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
        [(2, 3, 4, 4)],
    ),
    Case(
        "InstanceNorm2d-eval",
        lambda nn: nn.InstanceNorm2d(3, track_running_stats=True),
        [(2, 3, 4, 4)],
        train=False,
    ),
    Case("InstanceNorm2d-unbatched", lambda nn: nn.InstanceNorm2d(3, affine=True), [(3, 4, 4)]),
    Case("RMSNorm", lambda nn: nn.RMSNorm(5), [(2, 3, 5)]),
    Case("RMSNorm-eps", lambda nn: nn.RMSNorm([3, 5], eps=1e-3), [(2, 3, 5)]),
    Case("LocalResponseNorm", lambda nn: nn.LocalResponseNorm(3), [(2, 5, 4, 4)]),
    Case("LocalResponseNorm-3d", lambda nn: nn.LocalResponseNorm(2, k=2.0), [(2, 5, 4)]),
    Case("Embedding", lambda nn: nn.Embedding(10, 3), [idx(10, 2, 4)]),
    Case(
        "Embedding-pad",
        lambda nn: nn.Embedding(10, 3, padding_idx=2),
        [lambda r: np.array([[2, 1, 2], [3, 2, 9]])],
    ),
    Case("Embedding-maxnorm", lambda nn: nn.Embedding(10, 3, max_norm=1.0), [idx(10, 5)]),
    Case("EmbeddingBag-mean", lambda nn: nn.EmbeddingBag(10, 3), [idx(10, 3, 4)]),
    Case(
        "EmbeddingBag-sum",
        lambda nn: nn.EmbeddingBag(10, 3, mode="sum"),
        [lambda r: np.array([1, 2, 4, 5, 4, 3]), lambda r: np.array([0, 2, 2])],
    ),
    Case(
        "EmbeddingBag-max",
        lambda nn: nn.EmbeddingBag(10, 3, mode="max"),
        [lambda r: np.array([1, 2, 4, 5, 4, 3]), lambda r: np.array([0, 3])],
    ),
    Case(
        "EmbeddingBag-pad",
        lambda nn: nn.EmbeddingBag(10, 3, padding_idx=1, include_last_offset=True),
        [lambda r: np.array([1, 2, 1, 5, 1, 3]), lambda r: np.array([0, 2, 5, 6])],
    ),
    Case(
        "EmbeddingBag-psw",
        lambda nn: nn.EmbeddingBag(10, 3, mode="sum"),
        [idx(10, 2, 3)],
        {"per_sample_weights": (2, 3)},
    ),
    Case("Upsample-nearest", lambda nn: nn.Upsample(scale_factor=2), [(1, 2, 3, 3)]),
    Case("Upsample-bilinear", lambda nn: nn.Upsample(size=(5, 7), mode="bilinear"), [(1, 2, 3, 4)]),
    Case(
        "UpsamplingBilinear2d", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), [(1, 2, 3, 3)]
    ),
    Case("UpsamplingNearest2d", lambda nn: nn.UpsamplingNearest2d(size=5), [(1, 2, 3, 3)]),
    Case("PixelShuffle", lambda nn: nn.PixelShuffle(2), [(2, 8, 3, 3)]),
    Case("PixelUnshuffle", lambda nn: nn.PixelUnshuffle(2), [(2, 2, 4, 6)]),
    Case("ChannelShuffle", lambda nn: nn.ChannelShuffle(3), [(2, 6, 2, 2)]),
    Case("ZeroPad2d", lambda nn: nn.ZeroPad2d((1, 2, 0, 3)), [(1, 2, 3, 3)]),
    Case("ZeroPad1d", lambda nn: nn.ZeroPad1d(2), [(2, 3)]),
    Case("ConstantPad3d", lambda nn: nn.ConstantPad3d(1, 2.5), [(1, 2, 2, 2, 2)]),
    Case("ReflectionPad1d", lambda nn: nn.ReflectionPad1d((2, 1)), [(2, 3, 5)]),
    Case("ReflectionPad2d", lambda nn: nn.ReflectionPad2d(2), [(1, 2, 4, 5)]),
    Case("ReflectionPad3d", lambda nn: nn.ReflectionPad3d(1), [(1, 1, 3, 3, 3)]),
    Case("ReplicationPad1d", lambda nn: nn.ReplicationPad1d(3), [(2, 3, 4)]),
    Case("ReplicationPad2d", lambda nn: nn.ReplicationPad2d((1, 0, 2, 1)), [(1, 2, 3, 3)]),
    Case("ReplicationPad3d", lambda nn: nn.ReplicationPad3d(1), [(1, 1, 2, 3, 2)]),
    Case("CircularPad1d", lambda nn: nn.CircularPad1d(2), [(2, 3, 4)]),
    Case("CircularPad2d", lambda nn: nn.CircularPad2d((1, 2, 2, 1)), [(1, 2, 3, 4)]),
    Case("CircularPad3d", lambda nn: nn.CircularPad3d(1), [(1, 1, 2, 3, 2)]),
    Case("Fold", lambda nn: nn.Fold((4, 5), 2), [(2, 12, 12)]),
    Case("Unfold", lambda nn: nn.Unfold((2, 3), padding=1, stride=2), [(2, 3, 5, 4)]),
    Case("CosineSimilarity", lambda nn: nn.CosineSimilarity(dim=1), [(3, 4), (3, 4)]),
    Case("PairwiseDistance", lambda nn: nn.PairwiseDistance(p=3.0, keepdim=True), [(3, 4), (3, 4)]),
    Case(
        "Sequential",
        lambda nn: nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2)),
        [(3, 4)],
    ),
    Case(
        "ModuleList-in-Sequential",
        lambda nn: nn.Sequential(*nn.ModuleList([nn.Linear(3, 3), nn.ReLU()])),
        [(2, 3)],
    ),
]

ACTIVATIONS = [
    ("ReLU", lambda nn: nn.ReLU()),
    ("ReLU6", lambda nn: nn.ReLU6()),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(0.2)),
    ("PReLU", lambda nn: nn.PReLU()),
    ("PReLU-channels", lambda nn: nn.PReLU(4, init=0.1)),
    ("RReLU", lambda nn: nn.RReLU(0.1, 0.3)),
    ("ELU", lambda nn: nn.ELU(0.5)),
    ("SELU", lambda nn: nn.SELU()),
    ("CELU", lambda nn: nn.CELU(1.5)),
    ("GELU", lambda nn: nn.GELU()),
    ("GELU-tanh", lambda nn: nn.GELU("tanh")),
    ("SiLU", lambda nn: nn.SiLU()),
    ("Mish", lambda nn: nn.Mish()),
    ("Softplus", lambda nn: nn.Softplus(2.0, 3.0)),
    ("Softsign", lambda nn: nn.Softsign()),
    ("Softshrink", lambda nn: nn.Softshrink(0.3)),
    ("Hardshrink", lambda nn: nn.Hardshrink(0.3)),
    ("Tanhshrink", lambda nn: nn.Tanhshrink()),
    ("Tanh", lambda nn: nn.Tanh()),
    ("Sigmoid", lambda nn: nn.Sigmoid()),
    ("Hardtanh", lambda nn: nn.Hardtanh(-0.5, 0.7)),
    ("Hardswish", lambda nn: nn.Hardswish()),
    ("Hardsigmoid", lambda nn: nn.Hardsigmoid()),
    ("LogSigmoid", lambda nn: nn.LogSigmoid()),
    ("Threshold", lambda nn: nn.Threshold(0.1, -2.0)),
    ("GLU", lambda nn: nn.GLU(dim=1)),
    ("Softmax", lambda nn: nn.Softmax(dim=1)),
    ("Softmax2d", lambda nn: nn.Softmax2d()),
    ("LogSoftmax", lambda nn: nn.LogSoftmax(dim=-1)),
    ("Softmin", lambda nn: nn.Softmin(dim=0)),
]
# RReLU draws random slopes in training: compared in eval, where its slope is fixed.
CASES += [Case(name, make, [(2, 4, 3, 4)], train=name != "RReLU") for name, make in ACTIVATIONS]


def _arrays(case, rng):
    out = []
    for spec in case.inputs:
        if callable(spec):
            out.append(np.asarray(spec(rng)))
        else:
            out.append(rng.standard_normal(spec))
    return out


def _kwargs(case, rng):
    """Tuples in kwargs that are shapes of float tensors become random arrays."""
    out = {}
    for k, v in case.kwargs.items():
        out[k] = rng.standard_normal(v) if k == "per_sample_weights" else v
    return out


def _build(case):
    """Both modules in float64 with the same state, in the case's mode."""
    torch.manual_seed(0)
    theirs = case.make(torch.nn).double()
    ours = case.make(ember.nn).double()
    state = {k: ember.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    theirs.train(case.train)
    ours.train(case.train)
    return ours, theirs


def _inputs(arrays, lib):
    out = []
    for a in arrays:
        if lib is torch:
            t = torch.from_numpy(a.copy())
            if t.is_floating_point():
                t.requires_grad_(True)
        else:
            t = ember.tensor(a.copy())
            if t.is_floating_point():
                t.requires_grad_(True)
        out.append(t)
    return out


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def _close(ours, theirs, case, what):
    np.testing.assert_allclose(
        ours.detach().numpy(),
        theirs.detach().numpy(),
        rtol=case.rtol,
        atol=case.atol,
        err_msg=f"{case.name}: {what}",
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_layer_matches_torch(case):
    rng = np.random.default_rng(0)
    arrays = _arrays(case, rng)
    kwargs = _kwargs(case, rng)
    ours, theirs = _build(case)
    xs_t, xs_e = _inputs(arrays, torch), _inputs(arrays, ember)
    kw_t = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    kw_e = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's performance notes (padding='same'...)
        out_t = _first(theirs(*xs_t, **kw_t))
    out_e = _first(ours(*xs_e, **kw_e))
    assert tuple(out_e.shape) == tuple(out_t.shape), case.name
    _close(out_e, out_t, case, "output")
    weights = np.cos(np.arange(out_t.numel())).reshape(tuple(out_t.shape))
    (out_t * torch.from_numpy(weights)).sum().backward()
    (out_e * ember.tensor(weights)).sum().backward()
    for i, (xt, xe) in enumerate(zip(xs_t, xs_e)):
        if xt.grad is not None:
            _close(xe.grad, xt.grad, case, f"grad of input {i}")
    params_t = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert (p.grad is None) == (params_t[name].grad is None), f"{case.name}: {name}.grad"
        if p.grad is not None:
            _close(p.grad, params_t[name].grad, case, f"grad of {name}")
    _same_state(ours, theirs, case)


def _same_state(ours, theirs, case):
    sd_t, sd_e = theirs.state_dict(), ours.state_dict()
    assert list(sd_e) == list(sd_t), case.name
    for k, v in sd_t.items():
        assert tuple(sd_e[k].shape) == tuple(v.shape), f"{case.name}: {k}"
        if v.is_floating_point():
            _close(sd_e[k], v, case, f"state {k}")
        else:
            assert sd_e[k].tolist() == v.tolist(), f"{case.name}: {k}"


LAYOUTS = [
    lambda nn: nn.Linear(5, 3),
    lambda nn: nn.Bilinear(2, 3, 4),
    lambda nn: nn.Conv2d(4, 6, (3, 2), groups=2),
    lambda nn: nn.ConvTranspose2d(4, 6, 3, groups=2),
    lambda nn: nn.Conv1d(2, 3, 4, bias=False),
    lambda nn: nn.BatchNorm2d(5),
    lambda nn: nn.InstanceNorm1d(3, affine=True, track_running_stats=True),
    lambda nn: nn.GroupNorm(2, 6),
    lambda nn: nn.LayerNorm((2, 3)),
    lambda nn: nn.RMSNorm(4),
    lambda nn: nn.Embedding(7, 3, padding_idx=0),
    lambda nn: nn.EmbeddingBag(7, 3),
    lambda nn: nn.PReLU(4),
    lambda nn: nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ModuleList([nn.Linear(2, 2)])
    ),
    lambda nn: nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.LayerNorm(3)}),
    lambda nn: nn.ParameterList([nn.Parameter(ember_or_torch(nn).ones(2, 3))]),
]


def ember_or_torch(nn):
    return torch if nn is torch.nn else ember


@pytest.mark.parametrize("make", LAYOUTS)
def test_default_state_dict_layout(make):
    """Fresh modules have PyTorch's keys, shapes and dtypes, and its initial distributions."""
    theirs, ours = make(torch.nn), make(ember.nn)
    sd_t, sd_e = theirs.state_dict(), ours.state_dict()
    assert list(sd_e) == list(sd_t)
    for k, v in sd_t.items():
        assert tuple(sd_e[k].shape) == tuple(v.shape), k
        assert str(sd_e[k].dtype).split(".")[-1] == str(v.dtype).split(".")[-1], k
    assert repr(ours) == repr(theirs).replace("torch.", "ember.")


@pytest.mark.parametrize(
    ("make", "name", "bound"),
    [
        (lambda nn: nn.Linear(50, 400), "weight", 1 / math.sqrt(50)),
        (lambda nn: nn.Linear(50, 400), "bias", 1 / math.sqrt(50)),
        (lambda nn: nn.Conv2d(4, 64, 3), "weight", 1 / math.sqrt(36)),
        (lambda nn: nn.Conv2d(4, 64, 3), "bias", 1 / math.sqrt(36)),
        (lambda nn: nn.ConvTranspose2d(64, 8, 3), "weight", 1 / math.sqrt(72)),
        (lambda nn: nn.Bilinear(20, 30, 40), "weight", 1 / math.sqrt(20)),
    ],
)
def test_default_init_distribution(make, name, bound):
    """Uniform weights and biases fill the same range as PyTorch's (kaiming a=sqrt(5))."""
    ours = getattr(make(ember.nn), name).detach().numpy()
    theirs = getattr(make(torch.nn), name).detach().numpy()
    for values in (ours, theirs):
        assert values.min() >= -bound and values.max() <= bound
        assert values.min() < -0.8 * bound and values.max() > 0.8 * bound
    assert abs(ours.std() - theirs.std()) < 0.2 * bound


def test_torch_checkpoint_loads_into_ember_cnn(tmp_path):
    """A PyTorch CNN saved with torch.save loads with ember.load and gives the same outputs."""

    def make(nn):
        return nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3),
            nn.GroupNorm(2, 8),
            nn.GELU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Dropout(0.3),
            nn.Linear(8, 10),
        )

    torch.manual_seed(1)
    theirs = make(torch.nn)
    theirs.train()
    theirs(torch.randn(8, 1, 8, 8))  # running statistics away from their start
    theirs.eval()
    ours = make(ember.nn).eval()
    torch.save(theirs.state_dict(), tmp_path / "cnn.pt")
    result = ours.load_state_dict(ember.load(tmp_path / "cnn.pt"))
    assert repr(result) == "<All keys matched successfully>"
    x = np.random.default_rng(2).standard_normal((3, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(ember.tensor(x)).detach().numpy(), expected, atol=1e-5)


def test_full_backward_hooks_see_what_pytorch_sees():
    """grad_input and grad_output of every layer's full backward hook, and pre-hook edits."""

    def make(nn):
        return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()

    def run(lib, nn, model):
        seen = []
        for layer in model:
            layer.register_full_backward_hook(
                lambda m, gi, go: seen.append([None if g is None else g.numpy() for g in gi + go])
            )
        model[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 3,))
        x = lib.tensor(np.arange(6.0).reshape(2, 3) / 7, dtype=lib.float64, requires_grad=True)
        model(x).sum().backward()
        return seen, x.grad.numpy()

    torch.manual_seed(0)
    theirs = make(torch.nn)
    ours = make(ember.nn)
    ours.load_state_dict(
        {k: ember.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    seen_t, grad_t = run(torch, torch.nn, theirs)
    seen_e, grad_e = run(ember, ember.nn, ours)
    assert len(seen_e) == len(seen_t) == 3
    for a, b in zip(seen_e, seen_t):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            assert (u is None) == (v is None)
            if u is not None:
                np.testing.assert_allclose(u, v, rtol=1e-10)
    np.testing.assert_allclose(grad_e, grad_t, rtol=1e-10)
