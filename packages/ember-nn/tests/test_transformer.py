"""MultiheadAttention and the Transformer layers: NumPy references, masks, gradcheck, errors."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

R = np.random.default_rng(0)


def _np(t):
    return t.detach().numpy()


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_mha(mha, q, k, v, additive=None):
    """Reference multi-head attention in NumPy for (L, N, E) inputs, packed projection."""
    e, h = mha.embed_dim, mha.num_heads
    w, b = _np(mha.in_proj_weight), _np(mha.in_proj_bias)
    qp, kp, vp = (
        q @ w[:e].T + b[:e],
        k @ w[e : 2 * e].T + b[e : 2 * e],
        v @ w[2 * e :].T + b[2 * e :],
    )

    def heads(x):  # (S, N, E) -> (N, h, S, hd)
        return x.reshape(x.shape[0], x.shape[1], h, e // h).transpose(1, 2, 0, 3)

    scores = heads(qp) @ heads(kp).transpose(0, 1, 3, 2) / np.sqrt(e // h)
    if additive is not None:
        scores = scores + additive
    weights = _softmax(scores)
    out = (weights @ heads(vp)).transpose(2, 0, 1, 3).reshape(q.shape[0], q.shape[1], e)
    return out @ _np(mha.out_proj.weight).T + _np(mha.out_proj.bias), weights.mean(1)


def _mha(e=8, h=2, **kw):
    mha = nn.MultiheadAttention(e, h, **kw).double()
    with ember.autograd.no_grad():
        mha.in_proj_bias.copy_(ember.tensor(R.standard_normal(3 * e)))
        mha.out_proj.bias.copy_(ember.tensor(R.standard_normal(e)))
    return mha


def test_mha_matches_numpy_with_masks():
    mha = _mha()
    q, k = R.standard_normal((4, 3, 8)), R.standard_normal((6, 3, 8))
    pad = np.zeros((3, 6), bool)
    pad[1, 3:] = True
    causal = np.triu(np.ones((4, 6), bool), 3)
    additive = np.where(pad[:, None, None, :] | causal, -np.inf, 0.0)
    out, w = mha(
        ember.tensor(q),
        ember.tensor(k),
        ember.tensor(k),
        key_padding_mask=ember.tensor(pad),
        attn_mask=ember.tensor(causal),
    )
    want, want_w = _np_mha(mha, q, k, k, additive)
    np.testing.assert_allclose(_np(out), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(w), want_w, rtol=1e-10, atol=1e-12)
    fast, none = mha(
        ember.tensor(q),
        ember.tensor(k),
        ember.tensor(k),
        need_weights=False,
        key_padding_mask=ember.tensor(pad),
        attn_mask=ember.tensor(causal),
    )
    assert none is None
    np.testing.assert_allclose(_np(fast), want, rtol=1e-10, atol=1e-12)


def test_mha_float_mask_per_head_and_unaveraged_weights():
    mha = _mha(batch_first=True)
    x = R.standard_normal((2, 5, 8))
    mask = R.standard_normal((2 * 2, 5, 5))
    out, w = mha(
        ember.tensor(x),
        ember.tensor(x),
        ember.tensor(x),
        attn_mask=ember.tensor(mask),
        average_attn_weights=False,
    )
    xt = x.transpose(1, 0, 2)
    want, _ = _np_mha(mha, xt, xt, xt, mask.reshape(2, 2, 5, 5))
    np.testing.assert_allclose(_np(out), want.transpose(1, 0, 2), rtol=1e-10, atol=1e-12)
    assert tuple(w.shape) == (2, 2, 5, 5)
    np.testing.assert_allclose(_np(w).sum(-1), 1.0)


def test_padding_mask_equals_dropping_keys():
    mha = _mha()
    q, k = R.standard_normal((3, 1, 8)), R.standard_normal((5, 1, 8))
    pad = ember.tensor([[False, False, True, False, True]])
    masked, _ = mha(ember.tensor(q), ember.tensor(k), ember.tensor(k), key_padding_mask=pad)
    kept = ember.tensor(k[[0, 1, 3]])
    dropped, _ = mha(ember.tensor(q), kept, kept)
    np.testing.assert_allclose(_np(masked), _np(dropped), rtol=1e-10)


def test_is_causal_builds_the_causal_mask():
    mha = _mha()
    x = ember.tensor(R.standard_normal((5, 2, 8)))
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=ember.float64)
    np.testing.assert_array_equal(_np(mask) == 0, np.tril(np.ones((5, 5), bool)))
    a, _ = mha(x, x, x, attn_mask=mask)
    b, _ = mha(x, x, x, is_causal=True, need_weights=False)
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True, "add_zero_attn": True}, {"bias": False}],
    ids=["packed", "kdim-vdim", "bias-kv-zero-attn", "no-bias"],
)
def test_mha_gradcheck(kwargs):
    mha = nn.MultiheadAttention(4, 2, **kwargs).double()
    q = ember.tensor(R.standard_normal((3, 2, 4)), requires_grad=True)
    k = ember.tensor(R.standard_normal((4, 2, kwargs.get("kdim", 4))), requires_grad=True)
    v = ember.tensor(R.standard_normal((4, 2, kwargs.get("vdim", 4))), requires_grad=True)
    pad = ember.tensor([[False, False, False, True], [False, True, False, False]])

    def fn(q, k, v, *params):
        return mha(q, k, v, key_padding_mask=pad)

    assert gradcheck(fn, (q, k, v, *mha.parameters()))


def test_mha_parameters_like_torch():
    assert list(nn.MultiheadAttention(8, 2).state_dict()) == [
        "in_proj_weight",
        "in_proj_bias",
        "out_proj.weight",
        "out_proj.bias",
    ]
    sep = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True)
    shapes = {k: tuple(v.shape) for k, v in sep.state_dict().items()}
    assert shapes == {
        "q_proj_weight": (8, 8),
        "k_proj_weight": (8, 3),
        "v_proj_weight": (8, 5),
        "in_proj_bias": (24,),
        "bias_k": (1, 1, 8),
        "bias_v": (1, 1, 8),
        "out_proj.weight": (8, 8),
        "out_proj.bias": (8,),
    }
    mha = nn.MultiheadAttention(8, 2)
    assert np.all(_np(mha.in_proj_bias) == 0) and np.all(_np(mha.out_proj.bias) == 0)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_composition(norm_first):
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, norm_first=norm_first).double()
    x = ember.tensor(R.standard_normal((5, 2, 8)))

    def ff(y):
        return layer.linear2(layer.linear1(y).relu())

    def sa(y):
        return layer.self_attn(y, y, y)[0]

    if norm_first:
        y = x + sa(layer.norm1(x))
        want = y + ff(layer.norm2(y))
    else:
        y = layer.norm1(x + sa(x))
        want = layer.norm2(y + ff(y))
    np.testing.assert_allclose(_np(layer(x)), _np(want), rtol=1e-12)


def test_transformer_layers_gradcheck():
    enc = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu").double()
    dec = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=True).double()
    src = ember.tensor(R.standard_normal((3, 2, 4)), requires_grad=True)
    tgt = ember.tensor(R.standard_normal((2, 2, 4)), requires_grad=True)
    causal = nn.Transformer.generate_square_subsequent_mask(2, dtype=ember.float64)
    pad = ember.tensor([[False, False, True], [False, False, False]])

    def fn(src, tgt):
        memory = enc(src, src_key_padding_mask=pad)
        return dec(tgt, memory, tgt_mask=causal, memory_key_padding_mask=pad)

    assert gradcheck(fn, (src, tgt))
    assert gradcheck(lambda *p: fn(src, tgt), tuple(dec.parameters()))


def test_transformer_stack_structure_and_shapes():
    model = nn.Transformer(8, 2, 2, 1, 16, dropout=0.0, batch_first=True)
    keys = list(model.state_dict())
    assert "encoder.layers.1.self_attn.in_proj_weight" in keys
    assert "decoder.layers.0.multihead_attn.out_proj.bias" in keys
    assert "encoder.norm.weight" in keys and "decoder.norm.bias" in keys
    layers = model.encoder.layers
    assert layers[0].linear1.weight is not layers[1].linear1.weight
    out = model(
        ember.randn(3, 6, 8),
        ember.randn(3, 4, 8),
        tgt_mask=model.generate_square_subsequent_mask(4),
    )
    assert tuple(out.shape) == (3, 4, 8)
    unbatched = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2)(ember.randn(5, 8))
    assert tuple(unbatched.shape) == (5, 8)


def test_dropout_only_in_training():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = ember.randn(4, 2, 8)
    layer.eval()
    np.testing.assert_array_equal(_np(layer(x)), _np(layer(x)))
    layer.train()
    assert not np.allclose(_np(layer(x)), _np(layer(x)))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: nn.MultiheadAttention(8, 3), ValueError, r"embed_dim \(8\) must be divisible"),
        (
            lambda: nn.MultiheadAttention(8, 2)(
                ember.randn(4, 2, 6), ember.randn(4, 2, 8), ember.randn(4, 2, 8)
            ),
            ValueError,
            r"MultiheadAttention: expected query of shape \(L, N, E\) or \(L, E\) with last "
            r"dimension 8, got shape \(4, 2, 6\)",
        ),
        (
            lambda: nn.MultiheadAttention(8, 2)(
                ember.randn(4, 2, 8),
                ember.randn(5, 2, 8),
                ember.randn(5, 2, 8),
                attn_mask=ember.zeros(4, 4),
            ),
            ValueError,
            r"2D attn_mask is \(4, 4\), but should be \(4, 5\)",
        ),
        (
            lambda: nn.MultiheadAttention(8, 2)(
                ember.randn(4, 2, 8),
                ember.randn(5, 2, 8),
                ember.randn(5, 2, 8),
                key_padding_mask=ember.zeros(2, 4, dtype=ember.bool),
            ),
            ValueError,
            r"key_padding_mask of shape \(2, 5\), got \(2, 4\)",
        ),
        (
            lambda: nn.MultiheadAttention(8, 2)(
                ember.randn(4, 2, 8), ember.randn(5, 3, 8), ember.randn(5, 3, 8)
            ),
            ValueError,
            "must have the same batch size",
        ),
        (
            lambda: F.multi_head_attention_forward(
                ember.randn(4, 2, 8),
                ember.randn(4, 2, 8),
                ember.randn(4, 2, 8),
                8,
                2,
                ember.randn(24, 8),
                None,
                None,
                None,
                False,
                0.0,
                ember.randn(8, 8),
                None,
                attn_mask=ember.zeros(4, 4, dtype=ember.int64),
            ),
            TypeError,
            "only bool and floating types of attn_mask",
        ),
        (
            lambda: nn.TransformerEncoderLayer(8, 2)(ember.randn(5, 2, 6)),
            ValueError,
            r"TransformerEncoderLayer: expected src of shape \(S, N, E\) or \(S, E\) with last "
            r"dimension 8 \(d_model\), got shape \(5, 2, 6\)",
        ),
        (
            lambda: nn.TransformerDecoderLayer(8, 2)(ember.randn(5, 2, 8), ember.randn(5, 8)),
            ValueError,
            r"memory .* got shape \(5, 8\)",
        ),
        (
            lambda: nn.Transformer(8, 2, 1, 1, 16)(ember.randn(5, 2, 8), ember.randn(4, 3, 8)),
            ValueError,
            "batch number of src and tgt must be equal",
        ),
        (
            lambda: nn.TransformerEncoderLayer(8, 2, activation="swish"),
            RuntimeError,
            "activation should be relu/gelu",
        ),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
