"""Recurrent layers, cells and the packing utilities: NumPy references, gradcheck, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck, gradgradcheck
from ember.nn.utils import rnn as rnn_utils

R = np.random.default_rng(0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_params(module, layer, suffix=""):
    def get(kind):
        p = getattr(module, f"{kind}_l{layer}{suffix}", None)
        return None if p is None else p.detach().numpy()

    return {k: get(k) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")}


def _np_step(mode, p, x, h, c):
    """One step of the cell in NumPy, from torch's documented equations."""
    b_ih = 0 if p["bias_ih"] is None else p["bias_ih"]
    b_hh = 0 if p["bias_hh"] is None else p["bias_hh"]
    gi, gh = x @ p["weight_ih"].T + b_ih, h @ p["weight_hh"].T + b_hh
    if mode == "LSTM":
        i, f, g, o = np.split(gi + gh, 4, axis=1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        return (h if p["weight_hr"] is None else h @ p["weight_hr"].T), c
    if mode == "GRU":
        (ir, iz, i_n), (hr, hz, hn) = np.split(gi, 3, axis=1), np.split(gh, 3, axis=1)
        r, z = _sigmoid(ir + hr), _sigmoid(iz + hz)
        n = np.tanh(i_n + r * hn)
        return (1 - z) * n + z * h, None
    a = gi + gh
    return (np.tanh(a) if mode == "RNN_TANH" else np.maximum(a, 0)), None


def _np_rnn(module, x):
    """(T, B, in) -> output and final states, layer by layer and direction by direction."""
    dirs = 2 if module.bidirectional else 1
    h_out = module.proj_size or module.hidden_size
    finals_h, finals_c = [], []
    for layer in range(module.num_layers):
        outs = []
        for d in range(dirs):
            p = _np_params(module, layer, "_reverse" if d else "")
            h = np.zeros((x.shape[1], h_out))
            c = np.zeros((x.shape[1], module.hidden_size))
            steps = range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])
            out = np.zeros((x.shape[0], x.shape[1], h_out))
            for t in steps:
                h, c = _np_step(module.mode, p, x[t], h, c)
                out[t] = h
            outs.append(out)
            finals_h.append(h)
            finals_c.append(c)
        x = np.concatenate(outs, -1)
    return x, np.stack(finals_h), np.stack(finals_c)


CONFIGS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "bias": False}),
    ("GRU", {"num_layers": 2}),
    ("GRU", {"bidirectional": True}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
]


def _ids(configs):
    return [f"{c}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for c, kw in configs]


@pytest.mark.parametrize("cls, kwargs", CONFIGS, ids=_ids(CONFIGS))
def test_forward_matches_numpy(cls, kwargs):
    module = getattr(nn, cls)(3, 4, **kwargs).double()
    x = R.standard_normal((5, 2, 3))
    out, state = module(ember.tensor(x))
    want_out, want_h, want_c = _np_rnn(module, x)
    h_n = state[0] if cls == "LSTM" else state
    np.testing.assert_allclose(out.detach().numpy(), want_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), want_h, rtol=1e-12, atol=1e-12)
    if cls == "LSTM":
        np.testing.assert_allclose(state[1].detach().numpy(), want_c, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls, kwargs", CONFIGS, ids=_ids(CONFIGS))
def test_gradcheck(cls, kwargs):
    module = getattr(nn, cls)(3, 4, **kwargs).double()
    params = list(module.parameters())
    x = ember.tensor(R.standard_normal((4, 2, 3)), requires_grad=True)
    shape = module._state_shapes(2)
    states = [ember.tensor(R.standard_normal(s), requires_grad=True) for s in shape]

    def fn(x, *flat):
        hx = tuple(states) if cls == "LSTM" else states[0]
        out, st = module(x, hx)
        st = st if isinstance(st, tuple) else (st,)
        return (out, *st)

    assert gradcheck(fn, (x, *params))
    assert gradcheck(lambda x, *s: fn(x), (x, *states))


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_packed_matches_each_sequence_alone(cls):
    kwargs = {"num_layers": 2, "bidirectional": True}
    module = getattr(nn, cls)(3, 4, **kwargs).double()
    lengths = [2, 5, 3]
    seqs = [ember.tensor(R.standard_normal((n, 3))) for n in lengths]
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    out, state = module(packed)
    padded, out_lengths = rnn_utils.pad_packed_sequence(out, batch_first=True)
    assert out_lengths.tolist() == lengths
    h_n = state[0] if cls == "LSTM" else state
    for b, seq in enumerate(seqs):
        alone, alone_state = module(seq)
        alone_h = alone_state[0] if cls == "LSTM" else alone_state
        np.testing.assert_allclose(
            padded[b, : lengths[b]].detach().numpy(), alone.detach().numpy(), atol=1e-12
        )
        assert np.all(padded[b, lengths[b] :].detach().numpy() == 0)
        np.testing.assert_allclose(h_n[:, b].detach().numpy(), alone_h.detach().numpy(), atol=1e-12)


def test_packed_gradcheck():
    module = nn.LSTM(2, 3, bidirectional=True, proj_size=2).double()
    x = ember.tensor(R.standard_normal((4, 3, 2)), requires_grad=True)
    h0 = ember.tensor(R.standard_normal((2, 3, 2)), requires_grad=True)
    c0 = ember.tensor(R.standard_normal((2, 3, 3)), requires_grad=True)

    def fn(x, h0, c0):
        packed = rnn_utils.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
        out, (h, c) = module(packed, (h0, c0))
        return out.data, h, c

    assert gradcheck(fn, (x, h0, c0))


@pytest.mark.parametrize("cls, kwargs", [("LSTM", {"proj_size": 2}), ("GRU", {}), ("RNN", {})])
def test_double_backward(cls, kwargs):
    module = getattr(nn, cls)(2, 3, **kwargs).double()
    x = ember.tensor(R.standard_normal((3, 2, 2)), requires_grad=True)
    assert gradgradcheck(lambda x, *p: module(x)[0], (x, *module.parameters()))
    packed = lambda x: module(rnn_utils.pack_padded_sequence(x, [3, 1]))[0].data
    assert gradgradcheck(packed, (x,))


def test_batch_first_and_unbatched():
    module = nn.GRU(3, 4, batch_first=True).double()
    x = ember.tensor(R.standard_normal((2, 5, 3)))
    out, h = module(x)
    assert tuple(out.shape) == (2, 5, 4) and tuple(h.shape) == (1, 2, 4)
    ref, _ = nn.GRU.forward(module, x[0])
    np.testing.assert_allclose(out[0].detach().numpy(), ref.detach().numpy(), atol=1e-12)
    lstm = nn.LSTM(3, 4, proj_size=2)
    out, (h, c) = lstm(ember.randn(5, 3))
    assert tuple(out.shape) == (5, 2) and tuple(h.shape) == (1, 2) and tuple(c.shape) == (1, 4)


def test_parameters_names_shapes_and_init():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    shapes = {k: tuple(v.shape) for k, v in lstm.state_dict().items()}
    assert shapes["weight_ih_l0"] == (20, 3)
    assert shapes["weight_hh_l0_reverse"] == (20, 2)
    assert shapes["weight_ih_l1"] == (20, 4)
    assert shapes["weight_hr_l1_reverse"] == (2, 5)
    assert list(shapes)[:5] == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_hr_l0",
    ]
    big = nn.GRU(10, 400)
    bound = 1 / math.sqrt(400)
    w = big.weight_hh_l0.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.mean()) < 0.01 * bound * 10


def test_dropout_between_layers():
    module = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = ember.randn(6, 2, 3)
    module.eval()
    a, _ = module(x)
    b, _ = module(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    module.train()
    ember.manual_seed(0)
    c, _ = module(x)
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)


@pytest.mark.parametrize("cls, chunks", [("RNNCell", 1), ("LSTMCell", 4), ("GRUCell", 3)])
def test_cells_match_numpy_and_gradcheck(cls, chunks):
    cell = getattr(nn, cls)(3, 4).double()
    assert tuple(cell.weight_ih.shape) == (4 * chunks, 3)
    x = R.standard_normal((2, 3))
    h = R.standard_normal((2, 4))
    c = R.standard_normal((2, 4))
    hx = (ember.tensor(h), ember.tensor(c)) if cls == "LSTMCell" else ember.tensor(h)
    out = cell(ember.tensor(x), hx)
    p = {
        "weight_ih": cell.weight_ih.detach().numpy(),
        "weight_hh": cell.weight_hh.detach().numpy(),
        "bias_ih": cell.bias_ih.detach().numpy(),
        "bias_hh": cell.bias_hh.detach().numpy(),
        "weight_hr": None,
    }
    mode = {"RNNCell": "RNN_TANH", "LSTMCell": "LSTM", "GRUCell": "GRU"}[cls]
    want_h, want_c = _np_step(mode, p, x, h, c)
    got_h = out[0] if cls == "LSTMCell" else out
    np.testing.assert_allclose(got_h.detach().numpy(), want_h, rtol=1e-12)
    if cls == "LSTMCell":
        np.testing.assert_allclose(out[1].detach().numpy(), want_c, rtol=1e-12)
    xs = ember.tensor(x, requires_grad=True)
    assert gradcheck(lambda x, *ps: cell(x), (xs, *cell.parameters()))
    unbatched = cell(ember.tensor(x[0]))
    assert tuple((unbatched[0] if cls == "LSTMCell" else unbatched).shape) == (4,)


def test_pack_pad_round_trip_and_utilities():
    seqs = [ember.tensor(R.standard_normal((n, 2))) for n in (3, 1, 4)]
    padded = rnn_utils.pad_sequence(seqs, batch_first=True, padding_value=-1.0)
    assert (
        tuple(padded.shape) == (3, 4, 2)
        and padded[1, 1:].detach().numpy().tolist() == [[-1, -1]] * 3
    )
    left = rnn_utils.pad_sequence(seqs, padding_side="left")
    np.testing.assert_array_equal(left[-1:, 1].detach().numpy(), seqs[1].detach().numpy())
    packed = rnn_utils.pack_padded_sequence(
        padded, [3, 1, 4], batch_first=True, enforce_sorted=False
    )
    assert packed.batch_sizes.tolist() == [3, 2, 2, 1]
    assert packed.sorted_indices.tolist() == [2, 0, 1]
    back, lengths = rnn_utils.pad_packed_sequence(packed, batch_first=True, total_length=5)
    assert lengths.tolist() == [3, 1, 4] and tuple(back.shape) == (3, 5, 2)
    for s, u in zip(seqs, rnn_utils.unpad_sequence(back, lengths, batch_first=True)):
        np.testing.assert_array_equal(s.detach().numpy(), u.detach().numpy())
    for s, u in zip(seqs, rnn_utils.unpack_sequence(packed)):
        np.testing.assert_array_equal(s.detach().numpy(), u.detach().numpy())
    assert packed.double().data.dtype == ember.float64


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: nn.LSTM(3, 4)(ember.randn(5, 2, 7)),
            ValueError,
            r"LSTM: expected input with last dimension 3 \(input_size\), got shape \(5, 2, 7\)",
        ),
        (
            lambda: nn.GRU(3, 4)(ember.randn(5, 2, 3, 1)),
            ValueError,
            r"GRU: expected input to be 2D or 3D .* got 4D input of shape \(5, 2, 3, 1\)",
        ),
        (
            lambda: nn.RNN(3, 4)(ember.randn(5, 2, 3), ember.zeros(1, 3, 4)),
            ValueError,
            r"RNN: expected h_0 of shape \(1, 2, 4\), got \(1, 3, 4\)",
        ),
        (
            lambda: nn.LSTM(3, 4)(
                ember.randn(5, 2, 3), (ember.zeros(1, 2, 4), ember.zeros(1, 2, 3))
            ),
            ValueError,
            r"LSTM: expected c_0 of shape \(1, 2, 4\), got \(1, 2, 3\)",
        ),
        (
            lambda: nn.LSTM(3, 4)(ember.randn(5, 3), (ember.zeros(1, 1, 4), ember.zeros(1, 1, 4))),
            ValueError,
            "for unbatched 2-D input, h_0 should also be 2-D",
        ),
        (
            lambda: nn.LSTM(3, 4)(ember.randn(5, 2, 3, dtype=ember.float64)),
            TypeError,
            "input must have the type ember.float32",
        ),
        (lambda: nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size must be an int in"),
        (lambda: nn.GRU(3, 4, proj_size=2), ValueError, "only supported for LSTM"),
        (lambda: nn.RNN(3, 4, nonlinearity="gelu"), ValueError, "unknown nonlinearity"),
        (lambda: nn.LSTM(3, 0), ValueError, "hidden_size must be a positive int"),
        (lambda: nn.LSTM(3, 4, dropout=1.5), ValueError, "dropout should be a number in range"),
        (
            lambda: nn.GRUCell(3, 4)(ember.randn(2, 5)),
            ValueError,
            r"GRUCell: expected input with last dimension 3 \(input_size\), got shape \(2, 5\)",
        ),
        (
            lambda: nn.LSTMCell(3, 4)(ember.randn(2, 3), (ember.zeros(3, 4), ember.zeros(3, 4))),
            ValueError,
            r"LSTMCell: expected hidden state 0 of shape \(2, 4\)",
        ),
        (
            lambda: nn.RNNCell(3, 4)(ember.randn(2, 3, 3)),
            ValueError,
            "RNNCell: expected input to be 1D or 2D",
        ),
        (
            lambda: rnn_utils.pack_padded_sequence(ember.randn(4, 2, 3), [2, 3]),
            RuntimeError,
            "must be sorted in decreasing order",
        ),
        (
            lambda: rnn_utils.pack_padded_sequence(ember.randn(4, 2, 3), [5, 3]),
            ValueError,
            r"lengths \[5, 3\] exceed the 4 steps",
        ),
        (
            lambda: rnn_utils.pack_padded_sequence(ember.randn(4, 2, 3), [2, 0]),
            ValueError,
            "has to be greater than 0",
        ),
        (
            lambda: rnn_utils.pack_padded_sequence(ember.randn(4, 2, 3), [2, 2, 1]),
            ValueError,
            r"got 3 \(batch_size=2\)",
        ),
        (
            lambda: rnn_utils.pad_sequence([ember.randn(2, 3), ember.randn(2, 4)]),
            ValueError,
            r"sequence 1 has shape \(2, 4\)",
        ),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_repr_like_torch():
    assert repr(nn.LSTM(3, 4, proj_size=2)) == "LSTM(3, 4, proj_size=2)"
    assert (
        repr(nn.GRU(3, 4, 2, dropout=0.5, bidirectional=True, batch_first=True))
        == "GRU(3, 4, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)"
    )
    assert repr(nn.GRUCell(3, 4)) == "GRUCell(3, 4)"
