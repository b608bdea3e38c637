"""Recurrent layers against PyTorch: one state_dict in both, same outputs, states, gradients."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402
from ember.nn.utils import rnn as rnn_utils  # noqa: E402

pytestmark = pytest.mark.parity

R = np.random.default_rng(3)

CONFIGS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
    ("GRU", {}),
    ("GRU", {"num_layers": 3, "bidirectional": True, "batch_first": True}),
    ("GRU", {"bias": False, "num_layers": 2}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 3, "num_layers": 2, "batch_first": True}),
    ("LSTM", {"proj_size": 2, "bidirectional": True, "bias": False}),
]
IDS = [f"{c}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for c, kw in CONFIGS]


def _pair(cls, kwargs, dtype=torch.float64):
    t = getattr(torch.nn, cls)(5, 6, **kwargs).to(dtype)
    e = getattr(nn, cls)(5, 6, **kwargs)
    e = e.double() if dtype == torch.float64 else e
    assert list(t.state_dict()) == list(e.state_dict())
    assert [tuple(v.shape) for v in t.state_dict().values()] == [
        tuple(v.shape) for v in e.state_dict().values()
    ]
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    return t, e


def _states(cls, t_module, batch):
    dirs = 2 if t_module.bidirectional else 1
    layers = t_module.num_layers * dirs
    h = R.standard_normal((layers, batch, t_module.proj_size or t_module.hidden_size))
    if cls != "LSTM":
        return h, torch.tensor(h, requires_grad=True), ember.tensor(h, requires_grad=True)
    c = R.standard_normal((layers, batch, t_module.hidden_size))
    return (
        (h, c),
        (torch.tensor(h, requires_grad=True), torch.tensor(c, requires_grad=True)),
        (ember.tensor(h, requires_grad=True), ember.tensor(c, requires_grad=True)),
    )


def _flat(state):
    return list(state) if isinstance(state, tuple) else [state]


def _close(e, t, what, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(
        e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=what
    )


def _backward_and_compare(t, e, t_outs, e_outs, t_inputs, e_inputs):
    weights = [R.standard_normal(tuple(o.shape)) for o in t_outs]
    sum((o * torch.tensor(w)).sum() for o, w in zip(t_outs, weights)).backward()
    sum((o * ember.tensor(w)).sum() for o, w in zip(e_outs, weights)).backward()
    for (name, tp), ep in zip(t.named_parameters(), e.parameters()):
        _close(ep.grad, tp.grad, f"grad of {name}", rtol=1e-8, atol=1e-10)
    for ti, ei in zip(t_inputs, e_inputs):
        _close(ei.grad, ti.grad, "input grad", rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("cls, kwargs", CONFIGS, ids=IDS)
def test_padded_parity(cls, kwargs):
    t, e = _pair(cls, kwargs)
    x = R.standard_normal((4, 7, 5) if kwargs.get("batch_first") else (7, 4, 5))
    _, t_hx, e_hx = _states(cls, t, 4)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    t_out, t_state = t(tx, t_hx)
    e_out, e_state = e(ex, e_hx)
    _close(e_out, t_out, "output")
    for a, b in zip(_flat(e_state), _flat(t_state)):
        _close(a, b, "final state")
    _backward_and_compare(
        t,
        e,
        [t_out, *_flat(t_state)],
        [e_out, *_flat(e_state)],
        [tx, *_flat(t_hx)],
        [ex, *_flat(e_hx)],
    )


@pytest.mark.parametrize("cls, kwargs", CONFIGS, ids=IDS)
def test_packed_parity(cls, kwargs):
    t, e = _pair(cls, kwargs)
    batch_first = kwargs.get("batch_first", False)
    lengths = [3, 7, 1, 5]
    x = R.standard_normal((4, 7, 5) if batch_first else (7, 4, 5))
    _, t_hx, e_hx = _states(cls, t, 4)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    t_in = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first, enforce_sorted=False)
    e_in = rnn_utils.pack_padded_sequence(ex, lengths, batch_first, enforce_sorted=False)
    np.testing.assert_array_equal(e_in.batch_sizes.numpy(), t_in.batch_sizes.numpy())
    np.testing.assert_array_equal(e_in.sorted_indices.numpy(), t_in.sorted_indices.numpy())
    t_out, t_state = t(t_in, t_hx)
    e_out, e_state = e(e_in, e_hx)
    _close(e_out.data, t_out.data, "packed output")
    for a, b in zip(_flat(e_state), _flat(t_state)):
        _close(a, b, "final state")
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first, total_length=8)
    e_pad, e_len = rnn_utils.pad_packed_sequence(e_out, batch_first, total_length=8)
    _close(e_pad, t_pad, "padded output")
    assert e_len.tolist() == t_len.tolist()
    _backward_and_compare(
        t,
        e,
        [t_pad, *_flat(t_state)],
        [e_pad, *_flat(e_state)],
        [tx, *_flat(t_hx)],
        [ex, *_flat(e_hx)],
    )


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_parity(cls, bias):
    t = getattr(torch.nn, cls)(5, 6, bias=bias).double()
    e = getattr(nn, cls)(5, 6, bias=bias).double()
    assert list(t.state_dict()) == list(e.state_dict())
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = R.standard_normal((3, 5))
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    hx = R.standard_normal((3, 6))
    if cls == "LSTMCell":
        t_out, e_out = t(tx, (torch.tensor(hx), torch.tensor(hx))), e(ex, (ember.tensor(hx),) * 2)
    else:
        t_out, e_out = t(tx, torch.tensor(hx)), e(ex, ember.tensor(hx))
    t_out, e_out = _flat(t_out), _flat(e_out)
    for a, b in zip(e_out, t_out):
        _close(a, b, "cell output")
    _backward_and_compare(t, e, t_out, e_out, [tx], [ex])


def test_float32_training_step_parity():
    t, e = _pair("LSTM", {"num_layers": 2}, dtype=torch.float32)
    x = R.standard_normal((10, 3, 5)).astype(np.float32)
    t_out, _ = t(torch.tensor(x))
    e_out, _ = e(ember.tensor(x))
    _close(e_out, t_out, "float32 output", rtol=1e-5, atol=1e-6)
    t_out.pow(2).sum().backward()
    e_out.pow(2).sum().backward()
    for tp, ep in zip(t.parameters(), e.parameters()):
        _close(ep.grad, tp.grad, "float32 grads", rtol=1e-4, atol=1e-5)


def test_pad_sequence_parity():
    seqs = [R.standard_normal((n, 2)) for n in (2, 5, 3)]
    for side in ("right", "left"):
        t = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], True, -2.0, side)
        e = rnn_utils.pad_sequence([ember.tensor(s) for s in seqs], True, -2.0, side)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
