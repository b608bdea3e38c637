"""MultiheadAttention and the Transformer modules against PyTorch, from one state_dict."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402
import ember.nn.functional as F  # noqa: E402

pytestmark = [
    pytest.mark.parity,
    # torch itself warns when a bool key_padding_mask meets a float attn_mask.
    pytest.mark.filterwarnings("ignore:Support for mismatched"),
    pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
]

R = np.random.default_rng(11)


def _load(e, t):
    assert list(t.state_dict()) == list(e.state_dict())
    assert [tuple(v.shape) for v in t.state_dict().values()] == [
        tuple(v.shape) for v in e.state_dict().values()
    ]
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})


def _close(e, t, what, rtol=1e-9, atol=1e-11):
    np.testing.assert_allclose(
        e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, err_msg=what
    )


def _both(*arrays):
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    es = [ember.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    return ts, es


def _grads(t_mod, e_mod, t_ins, e_ins):
    for (name, tp), ep in zip(t_mod.named_parameters(), e_mod.parameters()):
        _close(ep.grad, tp.grad, f"grad of {name}", rtol=1e-8, atol=1e-10)
    for ti, ei in zip(t_ins, e_ins):
        if ti.requires_grad:
            _close(ei.grad, ti.grad, "input grad", rtol=1e-8, atol=1e-10)


MHA = [
    {},
    {"batch_first": True},
    {"kdim": 3, "vdim": 7},
    {"add_bias_kv": True, "add_zero_attn": True},
    {"bias": False, "batch_first": True},
]


@pytest.mark.parametrize("kwargs", MHA, ids=lambda k: "-".join(map(str, k.items())) or "plain")
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "per-head"])
def test_mha_parity(kwargs, need_weights, average, mask_kind):
    t = torch.nn.MultiheadAttention(8, 2, **kwargs).double()
    e = nn.MultiheadAttention(8, 2, **kwargs).double()
    _load(e, t)
    bf = kwargs.get("batch_first", False)
    shape = (lambda n, s, d: (n, s, d)) if bf else (lambda n, s, d: (s, n, d))
    arrays = [
        R.standard_normal(shape(3, 4, 8)),
        R.standard_normal(shape(3, 6, kwargs.get("kdim", 8))),
        R.standard_normal(shape(3, 6, kwargs.get("vdim", 8))),
    ]
    masks = {
        "none": None,
        "bool": np.triu(np.ones((4, 6), bool), 4),
        "float": R.standard_normal((4, 6)),
        "per-head": R.standard_normal((6, 4, 6)),
    }
    pad = np.zeros((3, 6), bool)
    pad[2, 5:] = True
    (tq, tk, tv), (eq, ek, ev) = _both(*arrays)
    m = masks[mask_kind]
    t_kw = {
        "attn_mask": None if m is None else torch.tensor(m),
        "key_padding_mask": torch.tensor(pad),
    }
    e_kw = {
        "attn_mask": None if m is None else ember.tensor(m),
        "key_padding_mask": ember.tensor(pad),
    }
    t_out, t_w = t(tq, tk, tv, need_weights=need_weights, average_attn_weights=average, **t_kw)
    e_out, e_w = e(eq, ek, ev, need_weights=need_weights, average_attn_weights=average, **e_kw)
    _close(e_out, t_out, "output")
    loss_t, loss_e = (t_out * t_out).sum(), (e_out * e_out).sum()
    if need_weights:
        _close(e_w, t_w, "weights")
        loss_t, loss_e = loss_t + (t_w * t_w).sum(), loss_e + (e_w * e_w).sum()
    loss_t.backward()
    loss_e.backward()
    _grads(t, e, [tq, tk, tv], [eq, ek, ev])


def test_mha_self_attention_unbatched_and_functional():
    t = torch.nn.MultiheadAttention(8, 4).double()
    e = nn.MultiheadAttention(8, 4).double()
    _load(e, t)
    x = R.standard_normal((5, 8))
    t_out, t_w = t(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    e_out, e_w = e(ember.tensor(x), ember.tensor(x), ember.tensor(x))
    _close(e_out, t_out, "unbatched output")
    _close(e_w, t_w, "unbatched weights")
    args = [R.standard_normal((5, 2, 8)) for _ in range(3)]
    w_in, b_in, w_out = (R.standard_normal(s) for s in ((24, 8), (24,), (8, 8)))
    t_res = torch.nn.functional.multi_head_attention_forward(
        *map(torch.tensor, args),
        8,
        4,
        torch.tensor(w_in),
        torch.tensor(b_in),
        None,
        None,
        False,
        0.0,
        torch.tensor(w_out),
        None,
        training=False,
    )
    e_res = F.multi_head_attention_forward(
        *map(ember.tensor, args),
        8,
        4,
        ember.tensor(w_in),
        ember.tensor(b_in),
        None,
        None,
        False,
        0.0,
        ember.tensor(w_out),
        None,
        training=False,
    )
    _close(e_res[0], t_res[0], "functional output")
    _close(e_res[1], t_res[1], "functional weights")


LAYERS = [
    {},
    {"norm_first": True},
    {"activation": "gelu", "batch_first": True},
    {"bias": False, "layer_norm_eps": 1e-3},
]


def _run_layer_pair(t, e, t_inputs, e_inputs, t_kw, e_kw):
    t.train()
    e.train()
    t_out, e_out = t(*t_inputs, **t_kw), e(*e_inputs, **e_kw)
    _close(e_out, t_out, "output")
    weight = R.standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(weight)).sum().backward()
    (e_out * ember.tensor(weight)).sum().backward()
    _grads(t, e, t_inputs, e_inputs)


@pytest.mark.parametrize("kwargs", LAYERS, ids=lambda k: "-".join(map(str, k.items())) or "plain")
def test_encoder_parity(kwargs):
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kwargs)
    t = torch.nn.TransformerEncoder(layer_t, 2, torch.nn.LayerNorm(8), enable_nested_tensor=False)
    layer_e = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kwargs)
    e = nn.TransformerEncoder(layer_e, 2, nn.LayerNorm(8))
    t, e = t.double(), e.double()
    _load(e, t)
    bf = kwargs.get("batch_first", False)
    x = R.standard_normal((3, 5, 8) if bf else (5, 3, 8))
    pad = np.zeros((3, 5), bool)
    pad[0, 3:] = True
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5).double()
    (tx,), (ex,) = _both(x)
    _run_layer_pair(
        t,
        e,
        [tx],
        [ex],
        {"mask": causal, "src_key_padding_mask": torch.tensor(pad)},
        {"mask": ember.tensor(causal.numpy()), "src_key_padding_mask": ember.tensor(pad)},
    )


@pytest.mark.parametrize("kwargs", LAYERS, ids=lambda k: "-".join(map(str, k.items())) or "plain")
def test_decoder_parity(kwargs):
    t = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 16, 0.0, **kwargs), 2)
    e = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0, **kwargs), 2)
    t, e = t.double(), e.double()
    _load(e, t)
    bf = kwargs.get("batch_first", False)
    tgt = R.standard_normal((2, 4, 8) if bf else (4, 2, 8))
    mem = R.standard_normal((2, 6, 8) if bf else (6, 2, 8))
    mem_pad = np.zeros((2, 6), bool)
    mem_pad[1, 4:] = True
    causal = np.triu(np.ones((4, 4), bool), 1)
    (tt, tm), (et, em) = _both(tgt, mem)
    _run_layer_pair(
        t,
        e,
        [tt, tm],
        [et, em],
        {"tgt_mask": torch.tensor(causal), "memory_key_padding_mask": torch.tensor(mem_pad)},
        {"tgt_mask": ember.tensor(causal), "memory_key_padding_mask": ember.tensor(mem_pad)},
    )


def test_full_transformer_parity_and_torch_state_dict():
    torch.manual_seed(0)
    t = torch.nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, batch_first=True).double()
    e = nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, batch_first=True).double()
    _load(e, t)
    src, tgt = R.standard_normal((2, 6, 8)), R.standard_normal((2, 5, 8))
    (ts, tt), (es, et) = _both(src, tgt)
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    mask_e = nn.Transformer.generate_square_subsequent_mask(5, dtype=ember.float64)
    np.testing.assert_array_equal(mask_e.numpy(), mask_t.numpy())
    _run_layer_pair(t, e, [ts, tt], [es, et], {"tgt_mask": mask_t}, {"tgt_mask": mask_e})


def test_default_init_statistics_match_torch():
    torch.manual_seed(0)
    t = torch.nn.Transformer(64, 4, 1, 1, 128)
    e = nn.Transformer(64, 4, 1, 1, 128)
    for (name, tp), ep in zip(t.named_parameters(), e.parameters()):
        a, b = tp.detach().numpy(), ep.detach().numpy()
        assert abs(a.std() - b.std()) <= 0.15 * a.std() + 1e-7, name
        assert abs(np.abs(a).max() - np.abs(b).max()) <= 0.1 * np.abs(a).max() + 1e-7, name
