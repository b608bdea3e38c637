"""Attention: ``scaled_dot_product_attention`` (the core's) and ``multi_head_attention_forward``.

Mask conventions are torch's and differ between the two: for
``scaled_dot_product_attention`` a bool mask marks the keys that *take part*; for
``multi_head_attention_forward`` (and ``nn.MultiheadAttention``) a bool ``attn_mask`` or
``key_padding_mask`` marks the keys to *ignore*. Float masks are added to the scores in both.
"""

from __future__ import annotations

import math

import ember
from ember import scaled_dot_product_attention as scaled_dot_product_attention
from ember.nn.functional._layers import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_NAME = "multi_head_attention_forward"


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """Whether the call is batched; raises on inconsistent dims."""
    if query.ndim not in (2, 3):
        raise ValueError(
            f"{_NAME}: query should be unbatched 2D (L, E) or batched 3D (L, N, E), got shape "
            f"{tuple(query.shape)}"
        )
    batched = query.ndim == 3
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(
            f"{_NAME}: for {query.ndim}-D query, expected key and value to be {query.ndim}-D, got "
            f"key {tuple(key.shape)} and value {tuple(value.shape)}"
        )
    want = 2 if batched else 1
    if key_padding_mask is not None and key_padding_mask.ndim != want:
        raise ValueError(
            f"{_NAME}: for {query.ndim}-D query, expected key_padding_mask to be None or "
            f"{want}-D, got shape {tuple(key_padding_mask.shape)}"
        )
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise ValueError(
            f"{_NAME}: expected attn_mask to be None, 2-D or 3-D, got shape "
            f"{tuple(attn_mask.shape)}"
        )
    if not batched and attn_mask is not None and attn_mask.ndim == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise ValueError(
                f"{_NAME}: expected attn_mask of shape {expected}, got {tuple(attn_mask.shape)}"
            )
    return batched


def _float_mask(mask, name, dtype):
    """Bool masks (True = ignore) become additive 0 / -inf masks of ``dtype``."""
    if mask is None:
        return None
    if mask.dtype == ember.bool:
        zeros = ember.zeros(mask.shape, dtype=dtype, device=mask.device)
        return zeros.masked_fill(mask, float("-inf"))
    if not mask.dtype.is_floating_point:
        raise TypeError(f"{_NAME}: only bool and floating types of {name} are supported")
    return mask


def _in_projection(query, key, value, w, b, separate):
    """q, k, v from the packed ``in_proj_weight`` (one GEMM for self-attention) or three."""
    if separate is not None:
        w_q, w_k, w_v = separate
        b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
        return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    e = query.shape[-1]
    if key is value and query is key:
        return linear(query, w, b).chunk(3, -1)
    w_q, w_kv = w[:e], w[e:]
    b_q, b_kv = (None, None) if b is None else (b[:e], b[e:])
    q = linear(query, w_q, b_q)
    if key is value:
        k, v = linear(key, w_kv, b_kv).chunk(2, -1)
        return q, k, v
    w_k, w_v = w_kv.chunk(2)
    b_k, b_v = (None, None) if b_kv is None else b_kv.chunk(2)
    return q, linear(key, w_k, b_k), linear(value, w_v, b_v)


def _check_attn_mask(attn_mask, tgt_len, src_len, bsz, num_heads):
    if attn_mask is None:
        return None
    if attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise ValueError(
                f"{_NAME}: the shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should "
                f"be {(tgt_len, src_len)}"
            )
        return attn_mask.unsqueeze(0)
    expected = (bsz * num_heads, tgt_len, src_len)
    if tuple(attn_mask.shape) != expected:
        raise ValueError(
            f"{_NAME}: the shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
            f"{expected}"
        )
    return attn_mask


def _pad_last(mask):
    return None if mask is None else ember.pad(mask, (0, 1))


def _bias_keys(k, v, bias_k, bias_v, masks, bsz):
    """Append ``bias_k``/``bias_v`` as one more key and value of every batch element."""
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{_NAME}: bias_k and bias_v must be given together")
    if bias_k is not None:
        k = ember.cat([k, bias_k.expand(1, bsz, k.shape[2])])
        v = ember.cat([v, bias_v.expand(1, bsz, v.shape[2])])
        masks = [_pad_last(m) for m in masks]
    return k, v, masks


def _split_heads(t, bsz, num_heads, head_dim, static=None, name="key"):
    """(S, N, E) -> (N * heads, S, head_dim); a ``static`` k/v is used as given."""
    if static is None:
        return t.reshape(t.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.shape[0] != bsz * num_heads or static.shape[2] != head_dim:
        raise ValueError(
            f"{_NAME}: expected static_{name} of shape ({bsz * num_heads}, S, {head_dim}), got "
            f"{tuple(static.shape)}"
        )
    return static


def _zero_attn(k, v, masks):
    zeros = ember.zeros((k.shape[0], 1, k.shape[2]), dtype=k.dtype, device=k.device)
    k = ember.cat([k, zeros], 1)
    v = ember.cat([v, zeros.expand(v.shape[0], 1, v.shape[2])], 1)
    return k, v, [_pad_last(m) for m in masks]


def _merge_padding(attn_mask, key_padding_mask, bsz, num_heads, src_len):
    if key_padding_mask is None:
        return attn_mask
    if tuple(key_padding_mask.shape) != (bsz, src_len):
        raise ValueError(
            f"{_NAME}: expected key_padding_mask of shape {(bsz, src_len)}, got "
            f"{tuple(key_padding_mask.shape)}"
        )
    kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
    kpm = kpm.reshape(bsz * num_heads, 1, src_len)
    return kpm if attn_mask is None else attn_mask + kpm


def _weights_path(q, k, v, attn_mask, dropout_p, bsz):
    """Explicit scores and softmax, for when the caller wants the attention weights.

    Returns the weighted values ``(L * N, E)`` and the weights ``(N * heads, L, S)``.
    """
    q = q * math.sqrt(1.0 / q.shape[-1])
    if attn_mask is not None:
        scores = ember.baddbmm(attn_mask, q, k.transpose(-2, -1))
    else:
        scores = ember.bmm(q, k.transpose(-2, -1))
    weights = scores.softmax(-1)
    if dropout_p > 0.0:
        weights = ember.dropout(weights, dropout_p, True)
    out = ember.bmm(weights, v).transpose(0, 1)  # (L, N * heads, hd)
    return out.reshape(out.shape[0] * bsz, -1), weights


def _causal_mask(tgt_len, src_len, dtype, device):
    ones = ember.ones((tgt_len, src_len), dtype=ember.bool, device=device)
    return _float_mask(ones.triu(1), "attn_mask", dtype)


def multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim_to_check,
    num_heads,
    in_proj_weight,
    in_proj_bias,
    bias_k,
    bias_v,
    add_zero_attn,
    dropout_p,
    out_proj_weight,
    out_proj_bias,
    training=True,
    key_padding_mask=None,
    need_weights=True,
    attn_mask=None,
    use_separate_proj_weight=False,
    q_proj_weight=None,
    k_proj_weight=None,
    v_proj_weight=None,
    static_k=None,
    static_v=None,
    average_attn_weights=True,
    is_causal=False,
):
    """Multi-head attention over ``query`` (L, N, E), ``key``/``value`` (S, N, E*).

    Returns ``(output (L, N, E), weights)``; ``weights`` is ``(N, L, S)`` averaged over heads
    (``(N, heads, L, S)`` with ``average_attn_weights=False``), or None without
    ``need_weights``. ``is_causal`` with no ``attn_mask`` builds the causal mask (torch
    raises there).
    """
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    _check_dims(query, key, value, embed_dim_to_check, num_heads, use_separate_proj_weight)
    head_dim = embed_dim // num_heads
    mask, kpm = _masks(query, key, attn_mask, key_padding_mask, is_causal)
    separate = (q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight else None
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)
    mask = _check_attn_mask(mask, tgt_len, key.shape[0], bsz, num_heads)
    k, v, (mask, kpm) = _bias_keys(k, v, bias_k, bias_v, [mask, kpm], bsz)
    q = _split_heads(q, bsz, num_heads, head_dim)
    k = _split_heads(k, bsz, num_heads, head_dim, static_k, "k")
    v = _split_heads(v, bsz, num_heads, head_dim, static_v, "v")
    if add_zero_attn:
        k, v, (mask, kpm) = _zero_attn(k, v, [mask, kpm])
    src_len = k.shape[1]
    mask = _merge_padding(mask, kpm, bsz, num_heads, src_len)
    dropout_p = dropout_p if training else 0.0
    out, weights = _attend(q, k, v, mask, dropout_p, need_weights, bsz, num_heads)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if weights is not None:
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        weights = weights.mean(1) if average_attn_weights else weights
        weights = weights if batched else weights.squeeze(0)
    return (out if batched else out.squeeze(1)), weights


def _masks(query, key, attn_mask, key_padding_mask, is_causal):
    """Both masks as additive float masks; ``is_causal`` alone builds the causal one."""
    if is_causal and attn_mask is None:
        attn_mask = _causal_mask(query.shape[0], key.shape[0], query.dtype, query.device)
    mask = _float_mask(attn_mask, "attn_mask", query.dtype)
    return mask, _float_mask(key_padding_mask, "key_padding_mask", query.dtype)


def _check_dims(query, key, value, embed_dim_to_check, num_heads, separate):
    embed_dim = query.shape[-1]
    if embed_dim != embed_dim_to_check:
        raise ValueError(
            f"{_NAME}: was expecting embedding dimension of {embed_dim_to_check}, but got query "
            f"of shape {tuple(query.shape)}"
        )
    if embed_dim % num_heads:
        raise ValueError(f"{_NAME}: embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if separate and key.shape[:2] != value.shape[:2]:
        raise ValueError(
            f"{_NAME}: key's sequence and batch dims {tuple(key.shape[:2])} do not match "
            f"value's {tuple(value.shape[:2])}"
        )
    if not separate and key.shape != value.shape:
        raise ValueError(
            f"{_NAME}: key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}"
        )
    if key.shape[1] != query.shape[1]:
        raise ValueError(
            f"{_NAME}: query {tuple(query.shape)} and key {tuple(key.shape)} must have the same "
            "batch size"
        )


def _attend(q, k, v, mask, dropout_p, need_weights, bsz, num_heads):
    """Weighted values ``(L * N, E)`` (and the weights when asked for, else the core's SDPA)."""
    if need_weights:
        return _weights_path(q, k, v, mask, dropout_p, bsz)
    tgt_len, head_dim, src_len = q.shape[1], q.shape[2], k.shape[1]
    if mask is not None:
        mask = (
            mask.unsqueeze(0) if mask.shape[0] == 1 else mask.reshape(bsz, num_heads, -1, src_len)
        )
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, mask, dropout_p)
    return out.permute(2, 0, 1, 3).reshape(tgt_len * bsz, num_heads * head_dim), None
