"""Losses against PyTorch: the same inputs and options give the same values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402

pytestmark = pytest.mark.parity

R = np.random.default_rng(7)


def _logits(*shape):
    return R.standard_normal(shape)


def _probs(*shape):
    return R.uniform(0.02, 0.98, shape)


def _cls(n, c, *rest):
    return R.integers(0, c, (n, *rest))


def _signs(*shape):
    return R.choice([-1.0, 1.0], shape)


# (loss class name, constructor kwargs, inputs); float inputs get gradients, except the
# targets of the losses in INPUT_ONLY (signs, counts) where torch's gradient is not defined.
INPUT_ONLY = {
    "SoftMarginLoss",
    "HingeEmbeddingLoss",
    "CosineEmbeddingLoss",
    "PoissonNLLLoss",
    "MarginRankingLoss",
}
CASES = [
    ("L1Loss", {}, lambda: [_logits(4, 3), _logits(4, 3)]),
    ("MSELoss", {}, lambda: [_logits(4, 3), _logits(4, 3)]),
    ("CrossEntropyLoss", {}, lambda: [_logits(6, 5), _cls(6, 5)]),
    (
        "CrossEntropyLoss",
        {"weight": _probs(5), "ignore_index": 2, "label_smoothing": 0.15},
        lambda: [_logits(6, 5), _cls(6, 5)],
    ),
    (
        "CrossEntropyLoss",
        {"weight": _probs(3), "label_smoothing": 0.1},
        lambda: [_logits(2, 3, 4, 2), _cls(2, 3, 4, 2)],
    ),
    (
        "CrossEntropyLoss",
        {"weight": _probs(4), "label_smoothing": 0.25},
        lambda: [
            _logits(3, 4),
            np.exp(_logits(3, 4)) / np.exp(_logits(3, 4)).sum(1, keepdims=True),
        ],
    ),
    ("CrossEntropyLoss", {}, lambda: [_logits(5), np.array(3)]),
    ("NLLLoss", {"weight": _probs(4), "ignore_index": 1}, lambda: [_logits(7, 4), _cls(7, 4)]),
    ("NLLLoss", {}, lambda: [_logits(2, 4, 3), _cls(2, 4, 3)]),
    ("BCELoss", {"weight": _probs(3)}, lambda: [_probs(4, 3), _probs(4, 3)]),
    (
        "BCEWithLogitsLoss",
        {"pos_weight": _probs(3) * 3, "weight": _probs(4, 3)},
        lambda: [5 * _logits(4, 3), _probs(4, 3)],
    ),
    ("KLDivLoss", {"reduction": "batchmean"}, lambda: [_logits(4, 3), _probs(4, 3)]),
    ("KLDivLoss", {"log_target": True}, lambda: [_logits(4, 3), _logits(4, 3)]),
    ("SmoothL1Loss", {"beta": 0.5}, lambda: [_logits(4, 3), _logits(4, 3)]),
    ("SmoothL1Loss", {"beta": 0.0}, lambda: [_logits(4, 3), _logits(4, 3)]),
    ("HuberLoss", {"delta": 0.6}, lambda: [_logits(4, 3), _logits(4, 3)]),
    ("SoftMarginLoss", {}, lambda: [_logits(4, 3), _signs(4, 3)]),
    (
        "MultiLabelSoftMarginLoss",
        {"weight": _probs(3)},
        lambda: [_logits(4, 3), R.integers(0, 2, (4, 3)).astype(float)],
    ),
    (
        "MultiLabelMarginLoss",
        {},
        lambda: [_logits(3, 4), np.array([[3, 0, -1, 1], [1, 2, 3, 0], [-1, 1, 0, 0]])],
    ),
    ("MultiLabelMarginLoss", {}, lambda: [_logits(4), np.array([2, 2, -1, 0])]),
    (
        "MultiMarginLoss",
        {"p": 1, "margin": 0.8, "weight": _probs(4)},
        lambda: [_logits(5, 4), _cls(5, 4)],
    ),
    ("MultiMarginLoss", {"p": 2}, lambda: [_logits(5, 4), _cls(5, 4)]),
    ("HingeEmbeddingLoss", {"margin": 0.4}, lambda: [_logits(4, 3), _signs(4, 3)]),
    ("MarginRankingLoss", {"margin": 0.2}, lambda: [_logits(6), _logits(6), _signs(6)]),
    ("CosineEmbeddingLoss", {"margin": 0.1}, lambda: [_logits(5, 3), _logits(5, 3), _signs(5)]),
    (
        "TripletMarginLoss",
        {"p": 1.0, "swap": True},
        lambda: [_logits(5, 3), _logits(5, 3), _logits(5, 3)],
    ),
    ("TripletMarginLoss", {}, lambda: [_logits(3), _logits(3), _logits(3)]),
    (
        "TripletMarginWithDistanceLoss",
        {"margin": 0.5},
        lambda: [_logits(5, 3), _logits(5, 3), _logits(5, 3)],
    ),
    (
        "PoissonNLLLoss",
        {"full": True},
        lambda: [_logits(4, 3), R.integers(0, 6, (4, 3)).astype(float)],
    ),
    ("PoissonNLLLoss", {"log_input": False}, lambda: [_probs(4, 3) + 0.5, _probs(4, 3) * 3]),
    ("GaussianNLLLoss", {"full": True}, lambda: [_logits(4, 3), _logits(4, 3), _probs(4, 1)]),
    ("GaussianNLLLoss", {}, lambda: [_logits(4, 3), _logits(4, 3), _probs(4)]),
]


def _convert(kwargs, to_torch):
    out = {}
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray):
            v = torch.tensor(v) if to_torch else ember.tensor(v)
        out[k] = v
    return out


def _run(case_kwargs, arrays, reduction):
    name, kwargs = case_kwargs
    kwargs = dict(kwargs)
    if "reduction" not in kwargs:
        kwargs["reduction"] = reduction
    n_grad = {"CosineEmbeddingLoss": 2, "MarginRankingLoss": 2}.get(name, 1)
    grads = [
        a.dtype.kind == "f" and (name not in INPUT_ONLY or i < n_grad) for i, a in enumerate(arrays)
    ]
    t_in = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    e_in = [ember.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    t_out = getattr(torch.nn, name)(**_convert(kwargs, True))(*t_in)
    e_out = getattr(nn, name)(**_convert(kwargs, False))(*e_in)
    np.testing.assert_allclose(
        e_out.detach().numpy(),
        t_out.detach().numpy(),
        rtol=1e-9,
        atol=1e-12,
        err_msg=f"{name} {kwargs} forward",
    )
    t_out.sum().backward()
    e_out.sum().backward()
    for t, e in zip(t_in, e_in):
        if t.requires_grad:
            np.testing.assert_allclose(
                e.grad.numpy(),
                t.grad.numpy(),
                rtol=1e-8,
                atol=1e-12,
                err_msg=f"{name} {kwargs} gradient",
            )


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_loss_parity(case, reduction):
    name, kwargs, make = case
    _run((name, kwargs), make(), reduction)


def test_state_dict_keys_match():
    w = np.ones(3)
    for name, kwargs in [
        ("CrossEntropyLoss", {"weight": w}),
        ("BCEWithLogitsLoss", {"weight": w, "pos_weight": w}),
        ("MultiMarginLoss", {"weight": w}),
        ("MSELoss", {}),
    ]:
        t = getattr(torch.nn, name)(**_convert(kwargs, True)).state_dict()
        e = getattr(nn, name)(**_convert(kwargs, False)).state_dict()
        assert list(t) == list(e)
        assert [tuple(v.shape) for v in t.values()] == [tuple(v.shape) for v in e.values()]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_ctc_parity(reduction, layout):
    steps, batch, classes = 15, 4, 6
    logits = R.standard_normal((steps, batch, classes))
    targets = R.integers(1, classes, (batch, 5))
    input_lengths = np.array([15, 12, 9, 15])
    target_lengths = np.array([5, 3, 0, 4])
    if layout == "concatenated":
        targets = np.concatenate([targets[i, :n] for i, n in enumerate(target_lengths)])
    tx = torch.tensor(logits, requires_grad=True)
    ex = ember.tensor(logits, requires_grad=True)
    args = (targets, input_lengths, target_lengths)
    t_out = torch.nn.CTCLoss(reduction=reduction)(tx.log_softmax(2), *map(torch.tensor, args))
    e_out = nn.CTCLoss(reduction=reduction)(ex.log_softmax(2), *map(ember.tensor, args))
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10)
    # torch's CTC gradient is only defined up to the softmax: compare through log_softmax.
    t_out.sum().backward()
    e_out.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_ctc_zero_infinity_parity():
    logits = R.standard_normal((3, 2, 4))
    targets = np.array([[1, 1, 2], [2, 3, 0]])
    args = (targets, np.array([3, 3]), np.array([3, 2]))
    tx = torch.tensor(logits, requires_grad=True)
    ex = ember.tensor(logits, requires_grad=True)
    t_out = torch.nn.CTCLoss(zero_infinity=True)(tx.log_softmax(2), *map(torch.tensor, args))
    e_out = nn.CTCLoss(zero_infinity=True)(ex.log_softmax(2), *map(ember.tensor, args))
    np.testing.assert_allclose(e_out.item(), t_out.item(), rtol=1e-10)
    t_out.backward()
    e_out.backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-12)
