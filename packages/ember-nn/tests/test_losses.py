"""Losses: forward against NumPy formulas, gradcheck on float64, options and bad input."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def _t(a, grad=False):
    return ember.tensor(a, requires_grad=grad)


def _np_reduce(loss, reduction):
    if reduction == "batchmean":
        return loss.sum() / loss.shape[0]
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _softplus(x):
    return np.logaddexp(0.0, x)


# ---- the loss table: inputs (float ones are differentiated), options, a NumPy reference ----


@dataclass
class LossCase:
    name: str
    module: type
    make: callable  # rng -> list of numpy arrays (float64 ones are differentiated)
    ref: callable  # (*arrays, reduction, **kwargs) -> numpy loss
    kwargs: dict = field(default_factory=dict)
    reductions: tuple = ("none", "mean", "sum")
    grad_args: tuple = (0,)


def _pair(shape=(3, 4)):
    return lambda r: [r.standard_normal(shape), r.standard_normal(shape)]


def _signs(shape=(3, 4)):
    return lambda r: [r.standard_normal(shape), r.choice([-1.0, 1.0], shape)]


def _smooth(x, y, beta):
    d = np.abs(x - y)
    return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def _huber(x, y, delta):
    d = np.abs(x - y)
    return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


def _ce_ref(x, y, reduction, weight=None, label_smoothing=0.0):
    logp = _log_softmax(x, 1)
    c = x.shape[1]
    w = np.ones(c) if weight is None else weight
    nll = -np.take_along_axis(logp, y[:, None], 1)[:, 0] * w[y]
    smooth = -(logp * w).sum(1)
    loss = (1 - label_smoothing) * nll + label_smoothing / c * smooth
    if reduction == "mean":
        return loss.sum() / w[y].sum()
    return _np_reduce(loss, reduction)


def _bce_ref(x, y, reduction, weight=None):
    loss = -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log(1 - x), -100))
    return _np_reduce(loss * (1 if weight is None else weight), reduction)


def _bce_logits_ref(x, y, reduction, pos_weight=None):
    pw = 1.0 if pos_weight is None else pos_weight
    loss = -(pw * y * -_softplus(-x) + (1 - y) * -_softplus(x))
    return _np_reduce(loss, reduction)


def _multi_margin_ref(x, y, reduction, p=1, margin=1.0):
    z = np.maximum(0, margin - np.take_along_axis(x, y[:, None], 1) + x) ** p
    z[np.arange(len(y)), y] = 0
    return _np_reduce(z.sum(1) / x.shape[1], reduction)


def _multilabel_margin_ref(x, y, reduction):
    out = []
    for xi, yi in zip(x, y):
        tgt = list(yi[: list(yi).index(-1)] if -1 in yi else yi)
        others = [k for k in range(len(xi)) if k not in tgt]
        out.append(sum(max(0, 1 - (xi[j] - xi[k])) for j in tgt for k in others) / len(xi))
    return _np_reduce(np.array(out), reduction)


def _cos_ref(a, b, y, reduction, margin=0.0):
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    return _np_reduce(np.where(y == 1, 1 - cos, np.maximum(0, cos - margin)), reduction)


def _triplet_ref(a, p, n, reduction, margin=1.0, swap=False):
    def d(u, v):
        return np.sqrt(((u - v + 1e-6) ** 2).sum(1))

    dn = np.minimum(d(a, n), d(p, n)) if swap else d(a, n)
    return _np_reduce(np.maximum(0, margin + d(a, p) - dn), reduction)


def _poisson_ref(x, y, reduction, log_input=True, full=False):
    loss = np.exp(x) - y * x if log_input else x - y * np.log(x + 1e-8)
    if full:
        ys = np.where(y > 1, y, 1)
        loss = loss + np.where(y > 1, ys * np.log(ys) - ys + 0.5 * np.log(2 * np.pi * ys), 0)
    return _np_reduce(loss, reduction)


def _gauss_ref(x, y, v, reduction, full=False):
    v = np.maximum(v, 1e-6)
    loss = 0.5 * (np.log(v) + (x - y) ** 2 / v) + (0.5 * math.log(2 * math.pi) if full else 0)
    return _np_reduce(loss, reduction)


def _classes(shape=(5, 4)):
    return lambda r: [r.standard_normal(shape), r.integers(0, shape[1], shape[0])]


def _multilabel_targets(r):
    return [r.standard_normal((3, 4)), np.array([[3, 0, -1, 1], [1, 2, 3, 0], [-1, 1, 0, 0]])]


CASES = [
    LossCase("l1", nn.L1Loss, _pair(), lambda x, y, reduction: _np_reduce(abs(x - y), reduction)),
    LossCase(
        "mse", nn.MSELoss, _pair(), lambda x, y, reduction: _np_reduce((x - y) ** 2, reduction)
    ),
    LossCase("cross_entropy", nn.CrossEntropyLoss, _classes(), _ce_ref),
    LossCase(
        "cross_entropy_smooth_weight",
        nn.CrossEntropyLoss,
        _classes(),
        _ce_ref,
        {"weight": np.array([0.2, 1.0, 0.5, 2.0]), "label_smoothing": 0.2},
    ),
    LossCase(
        "nll",
        nn.NLLLoss,
        lambda r: [_log_softmax(r.standard_normal((5, 4)), 1), r.integers(0, 4, 5)],
        lambda x, y, reduction: _np_reduce(-x[np.arange(len(y)), y], reduction),
    ),
    LossCase(
        "bce",
        nn.BCELoss,
        lambda r: [r.uniform(0.05, 0.95, (3, 4)), r.uniform(0, 1, (3, 4))],
        _bce_ref,
        grad_args=(0, 1),
    ),
    LossCase(
        "bce_logits_pos_weight",
        nn.BCEWithLogitsLoss,
        lambda r: [3 * r.standard_normal((3, 4)), r.uniform(0, 1, (3, 4))],
        _bce_logits_ref,
        {"pos_weight": np.array([1.0, 2.0, 0.5, 3.0])},
        grad_args=(0, 1),
    ),
    LossCase(
        "kl_div",
        nn.KLDivLoss,
        lambda r: [
            _log_softmax(r.standard_normal((3, 4)), 1),
            np.exp(_log_softmax(r.standard_normal((3, 4)), 1)),
        ],
        lambda x, y, reduction: _np_reduce(y * (np.log(y) - x), reduction),
        reductions=("none", "batchmean", "sum"),
        grad_args=(0, 1),
    ),
    LossCase(
        "smooth_l1",
        nn.SmoothL1Loss,
        _pair(),
        lambda x, y, reduction, beta: _np_reduce(_smooth(x, y, beta), reduction),
        {"beta": 0.5},
    ),
    LossCase(
        "huber",
        nn.HuberLoss,
        _pair(),
        lambda x, y, reduction, delta: _np_reduce(_huber(x, y, delta), reduction),
        {"delta": 0.7},
    ),
    LossCase(
        "soft_margin",
        nn.SoftMarginLoss,
        _signs(),
        lambda x, y, reduction: _np_reduce(_softplus(-x * y), reduction),
    ),
    LossCase(
        "multilabel_soft_margin",
        nn.MultiLabelSoftMarginLoss,
        lambda r: [r.standard_normal((3, 4)), r.integers(0, 2, (3, 4)).astype(float)],
        lambda x, y, reduction: _np_reduce(
            (y * _softplus(-x) + (1 - y) * _softplus(x)).mean(1), reduction
        ),
    ),
    LossCase(
        "multilabel_margin", nn.MultiLabelMarginLoss, _multilabel_targets, _multilabel_margin_ref
    ),
    LossCase(
        "multi_margin_p2",
        nn.MultiMarginLoss,
        _classes(),
        _multi_margin_ref,
        {"p": 2, "margin": 0.7},
    ),
    LossCase(
        "hinge_embedding",
        nn.HingeEmbeddingLoss,
        _signs(),
        lambda x, y, reduction, margin: _np_reduce(
            np.where(y == 1, x, np.maximum(0, margin - x)), reduction
        ),
        {"margin": 0.5},
    ),
    LossCase(
        "margin_ranking",
        nn.MarginRankingLoss,
        lambda r: [r.standard_normal(6), r.standard_normal(6), r.choice([-1.0, 1.0], 6)],
        lambda a, b, y, reduction, margin: _np_reduce(
            np.maximum(0, -y * (a - b) + margin), reduction
        ),
        {"margin": 0.3},
        grad_args=(0, 1),
    ),
    LossCase(
        "cosine_embedding",
        nn.CosineEmbeddingLoss,
        lambda r: [
            r.standard_normal((5, 3)),
            r.standard_normal((5, 3)),
            np.array([1.0, -1.0, 1.0, -1.0, -1.0]),
        ],
        _cos_ref,
        {"margin": -0.2},
        grad_args=(0, 1),
    ),
    LossCase(
        "triplet_margin_swap",
        nn.TripletMarginLoss,
        lambda r: [r.standard_normal((4, 3)) for _ in range(3)],
        _triplet_ref,
        {"margin": 1.5, "swap": True},
        grad_args=(0, 1, 2),
    ),
    LossCase(
        "poisson_nll_full",
        nn.PoissonNLLLoss,
        lambda r: [r.standard_normal((3, 4)), r.integers(0, 5, (3, 4)).astype(float)],
        _poisson_ref,
        {"full": True},
    ),
    LossCase(
        "poisson_nll_rate",
        nn.PoissonNLLLoss,
        lambda r: [r.uniform(0.5, 2, (3, 4)), r.integers(0, 5, (3, 4)).astype(float)],
        _poisson_ref,
        {"log_input": False},
    ),
    LossCase(
        "gaussian_nll",
        nn.GaussianNLLLoss,
        lambda r: [r.standard_normal((3, 4)), r.standard_normal((3, 4)), r.uniform(0.5, 2, (3, 4))],
        _gauss_ref,
        {"full": True},
        grad_args=(0, 1, 2),
    ),
]


def _ember_kwargs(kwargs):
    return {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


def _call(case, arrays, reduction, grad=False):
    tensors = [_t(a, grad and i in case.grad_args) for i, a in enumerate(arrays)]
    module = case.module(reduction=reduction, **_ember_kwargs(case.kwargs))
    return module(*tensors), tensors


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_forward_matches_numpy(case):
    arrays = case.make(np.random.default_rng(1))
    for reduction in case.reductions:
        out, _ = _call(case, arrays, reduction)
        want = case.ref(*arrays, reduction=reduction, **case.kwargs)
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_gradcheck(case):
    arrays = case.make(np.random.default_rng(2))
    kwargs = _ember_kwargs(case.kwargs)
    reduction = "sum" if "batchmean" in case.reductions else "mean"

    def fn(*tensors):
        return case.module(reduction=reduction, **kwargs)(*tensors)

    inputs = [_t(a, i in case.grad_args) for i, a in enumerate(arrays)]
    assert gradcheck(fn, tuple(inputs))


def test_cross_entropy_k_dim_and_probability_targets():
    x = RNG.standard_normal((2, 3, 4, 5))
    y = RNG.integers(0, 3, (2, 4, 5))
    flat_x = x.transpose(0, 2, 3, 1).reshape(-1, 3)
    out = F.cross_entropy(_t(x), _t(y), reduction="none")
    want = _ce_ref(flat_x, y.reshape(-1), "none").reshape(2, 4, 5)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)
    probs = np.exp(_log_softmax(RNG.standard_normal((4, 3)), 1))
    logits = RNG.standard_normal((4, 3))
    out = F.cross_entropy(_t(logits), _t(probs), label_smoothing=0.3)
    smoothed = probs * 0.7 + 0.1
    np.testing.assert_allclose(out.item(), -(smoothed * _log_softmax(logits, 1)).sum(1).mean())


def test_cross_entropy_ignore_index_and_stability():
    x = np.array([[1000.0, 0.0, -1000.0], [0.5, 0.2, 0.1], [3.0, 2.0, 1.0]])
    y = np.array([0, -100, 2])
    out = F.cross_entropy(_t(x), _t(y))
    np.testing.assert_allclose(out.item(), (0.0 + _ce_ref(x[2:], y[2:], "sum")) / 2)
    assert math.isfinite(F.cross_entropy(_t(x), _t(np.array([2, 1, 0]))).item())
    nll = nn.NLLLoss(ignore_index=1)(_t(x), _t(np.array([0, 1, 2])))
    np.testing.assert_allclose(nll.item(), (-1000.0 - 1.0) / -2 * -1)


def test_bce_clamps_log_at_minus_100_and_logits_stay_finite():
    x = _t(np.array([0.0, 1.0, 0.5]), grad=True)
    y = _t(np.array([1.0, 0.0, 1.0]))
    out = F.binary_cross_entropy(x, y, reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), [100.0, 100.0, math.log(2)])
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    big = F.binary_cross_entropy_with_logits(
        _t(np.array([200.0, -200.0])), _t(np.array([0.0, 1.0]))
    )
    np.testing.assert_allclose(big.item(), 200.0)


def test_kl_div_log_target_and_mean_warning():
    x = _log_softmax(RNG.standard_normal((2, 3)), 1)
    lt = _log_softmax(RNG.standard_normal((2, 3)), 1)
    out = F.kl_div(_t(x), _t(lt), reduction="sum", log_target=True)
    np.testing.assert_allclose(out.item(), (np.exp(lt) * (lt - x)).sum())
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(_t(x), _t(lt))


def test_weighted_pointwise_losses_and_legacy_reduction():
    x, y, w = RNG.standard_normal(5), RNG.standard_normal(5), RNG.uniform(0, 1, 5)
    out = F.mse_loss(_t(x), _t(y), weight=_t(w))
    np.testing.assert_allclose(out.item(), ((x - y) ** 2 * w).sum() / w.sum())
    out = F.huber_loss(_t(x), _t(y), weight=_t(w))
    np.testing.assert_allclose(out.item(), (_huber(x, y, 1.0) * w).mean())
    with pytest.warns(UserWarning, match="size_average and reduce"):
        loss = nn.L1Loss(size_average=False)
    assert loss.reduction == "sum"


def test_loss_weights_are_buffers():
    w = ember.tensor([1.0, 2.0])
    assert list(nn.CrossEntropyLoss(weight=w).state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]
    assert list(nn.NLLLoss().state_dict()) == []


def _ctc_brute(lp, target, blank=0):
    """-log of the sum over every alignment path, enumerated."""
    from itertools import product

    steps, classes = lp.shape
    total = 0.0
    for path in product(range(classes), repeat=steps):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(target):
            total += math.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -math.log(total)


def test_ctc_matches_brute_force_and_gradcheck():
    lp = _log_softmax(RNG.standard_normal((5, 2, 3)), 2)
    targets = np.array([[1, 1], [2, 0]])
    lengths = np.array([2, 1])
    out = F.ctc_loss(_t(lp), _t(targets), _t(np.array([5, 4])), _t(lengths), reduction="none")
    want = [_ctc_brute(lp[:, 0], [1, 1]), _ctc_brute(lp[:4, 1], [2])]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10)
    concat = F.ctc_loss(_t(lp), _t(np.array([1, 1, 2])), [5, 4], [2, 1], reduction="sum")
    np.testing.assert_allclose(concat.item(), sum(want))

    def fn(logits):
        return nn.CTCLoss()(logits.log_softmax(2), _t(targets), [5, 4], _t(lengths))

    logits = _t(RNG.standard_normal((5, 2, 3)), True)
    assert gradcheck(fn, (logits,))
    assert gradgradcheck(fn, (logits,))


def test_ctc_impossible_alignment():
    lp = _t(_log_softmax(RNG.standard_normal((2, 1, 3)), 2), grad=True)
    target = _t(np.array([[1, 1]]))
    assert math.isinf(F.ctc_loss(lp, target, [2], [2], reduction="sum").item())
    out = F.ctc_loss(lp, target, [2], [2], reduction="sum", zero_infinity=True)
    assert out.item() == 0.0
    out.backward()
    assert (lp.grad.numpy() == 0).all()


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: F.cross_entropy(ember.randn(3, 4), ember.tensor([0, 1])),
            ValueError,
            r"batch_size \(3\) to match target batch_size \(2\)",
        ),
        (
            lambda: F.cross_entropy(ember.randn(3, 4), ember.tensor([0, 1, 4])),
            IndexError,
            "target 4 is out of bounds for 4 classes",
        ),
        (
            lambda: F.nll_loss(ember.randn(3, 4), ember.tensor([0, -1, 2])),
            IndexError,
            "target -1 is out of bounds for 4 classes",
        ),
        (
            lambda: F.nll_loss(ember.randn(3, 4), ember.tensor([0, 1, 2]), weight=ember.ones(3)),
            ValueError,
            r"weight of shape \(4,\)",
        ),
        (
            lambda: F.cross_entropy(ember.randn(3, 4), ember.rand(3, 5)),
            ValueError,
            r"probability target of the input's shape \(3, 4\), got \(3, 5\)",
        ),
        (
            lambda: F.mse_loss(ember.randn(3, 4), ember.randn(2, 4)),
            ValueError,
            r"mse_loss: target of shape \(2, 4\) cannot be broadcast to the input shape \(3, 4\)",
        ),
        (
            lambda: F.binary_cross_entropy(ember.rand(3), ember.rand(4)),
            ValueError,
            r"binary_cross_entropy: target size \(4,\) must be the same as the input size \(3,\)",
        ),
        (
            lambda: F.binary_cross_entropy(ember.rand(3) + 1, ember.rand(3)),
            RuntimeError,
            "between 0 and 1",
        ),
        (
            lambda: F.l1_loss(ember.randn(3), ember.randn(3), reduction="avg"),
            ValueError,
            "'avg' is not a valid value for reduction",
        ),
        (
            lambda: F.multi_margin_loss(ember.randn(3, 4), ember.tensor([0, 1, 2]), p=3),
            ValueError,
            "only p == 1 and p == 2",
        ),
        (
            lambda: F.multilabel_margin_loss(ember.randn(3, 4), ember.tensor([0, 1, 2])),
            ValueError,
            r"input \(3, 4\) and target \(3,\)",
        ),
        (
            lambda: F.ctc_loss(
                ember.randn(5, 2, 3), ember.tensor([[1, 0], [1, 1]]), [5, 5], [2, 2]
            ),
            ValueError,
            "differ from the blank",
        ),
        (
            lambda: F.ctc_loss(
                ember.randn(5, 2, 3), ember.tensor([[1, 2], [1, 1]]), [6, 5], [2, 2]
            ),
            ValueError,
            "input_lengths to have value at most 5",
        ),
        (
            lambda: F.gaussian_nll_loss(ember.randn(3, 4), ember.randn(3, 4), ember.ones(2)),
            ValueError,
            r"var of shape \(2,\)",
        ),
        (
            lambda: F.cosine_embedding_loss(ember.randn(3, 4), ember.randn(3, 5), ember.ones(3)),
            ValueError,
            r"input1 \(3, 4\) and input2 \(3, 5\)",
        ),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_broadcast_target_warns():
    with pytest.warns(UserWarning, match=r"target size \(3, 1\)"):
        F.mse_loss(ember.randn(3, 4), ember.randn(3, 1))
