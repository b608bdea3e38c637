"""Transformer encoder/decoder layers and stacks, as ``torch.nn.modules.transformer``.

Submodule names are torch's (``self_attn``, ``multihead_attn``, ``linear1``, ``dropout``,
``linear2``, ``norm1``..``norm3``, ``dropout1``..``dropout3``; stacks hold ``layers`` and
``norm``), so torch ``state_dict``s load as they are.
"""

from __future__ import annotations

import copy

import ember
from ember.nn import init
from ember.nn.functional import _layers as F
from ember.nn.module import Module
from ember.nn.modules.activation_attention import MultiheadAttention
from ember.nn.modules.container import ModuleList
from ember.nn.modules.dropout import Dropout
from ember.nn.modules.linear import Linear
from ember.nn.modules.normalization import LayerNorm

__all__ = [
    "TransformerEncoderLayer",
    "TransformerEncoder",
    "TransformerDecoderLayer",
    "TransformerDecoder",
    "Transformer",
]


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    """A float ``(sz, sz)`` mask: 0 on and below the diagonal, -inf above (no peeking ahead)."""
    full = ember.full((sz, sz), float("-inf"), dtype=dtype, device=device)
    return full.triu(1)


def _activation(name, activation):
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"{name}: activation should be relu/gelu or a callable, not {activation!r}")


def _check_model_dim(layer, arg, x, d_model, batch_first):
    if not isinstance(x, ember.Tensor):
        raise TypeError(f"{layer}: expected {arg} to be a Tensor, got {type(x).__name__}")
    if x.ndim not in (2, 3) or x.shape[-1] != d_model:
        layout = "(N, S, E)" if batch_first else "(S, N, E)"
        raise ValueError(
            f"{layer}: expected {arg} of shape {layout} or (S, E) with last dimension {d_model} "
            f"(d_model), got shape {tuple(x.shape)}"
        )


class _FeedForwardLayer(Module):
    """What the encoder and decoder layers share: the constructor and the blocks.

    ``_cross`` adds the decoder's attention over ``memory`` (``multihead_attn``,
    ``norm3``, ``dropout3``).
    """

    _cross = False

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation=F.relu,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        """Submodules in torch's registration order (so ``state_dict`` keys come in it)."""
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        cross = self._cross
        for name in ("self_attn", "multihead_attn") if cross else ("self_attn",):
            attn = MultiheadAttention(
                d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **factory
            )
            setattr(self, name, attn)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        if cross:
            self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if cross:
            self.dropout3 = Dropout(dropout)
        self.activation = _activation(type(self).__name__, activation)
        self.d_model, self.batch_first = d_model, batch_first

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout1(x)

    def _ff_block(self, x, out_dropout):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return out_dropout(x)


class TransformerEncoderLayer(_FeedForwardLayer):
    """Self-attention then a feed-forward network, each with a residual and a LayerNorm
    (after the residual, or before the block with ``norm_first``).

    >>> layer = ember.nn.TransformerEncoderLayer(d_model=32, nhead=4, batch_first=True)
    >>> layer(ember.randn(2, 10, 32)).shape
    ember.Size([2, 10, 32])
    """

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """``src`` (S, N, E) (``(N, S, E)`` with ``batch_first``) or (S, E)."""
        _check_model_dim("TransformerEncoderLayer", "src", src, self.d_model, self.batch_first)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_FeedForwardLayer):
    """Self-attention, attention over the encoder's ``memory``, then a feed-forward network,
    each with a residual and a LayerNorm.
    """

    _cross = True

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(
            x,
            mem,
            mem,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout2(x)

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=False,
        memory_is_causal=False,
    ):
        """``tgt`` (T, N, E) and ``memory`` (S, N, E) (batch first with ``batch_first``)."""
        name = "TransformerDecoderLayer"
        _check_model_dim(name, "tgt", tgt, self.d_model, self.batch_first)
        _check_model_dim(name, "memory", memory, self.d_model, self.batch_first)
        if memory.ndim != tgt.ndim:
            raise ValueError(
                f"{name}: expected memory batched like tgt {tuple(tgt.shape)}, got shape "
                f"{tuple(memory.shape)}"
            )
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(
            x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
        )
        return self.norm3(x + self._ff_block(x, self.dropout3))


def _clones(stack, module, n):
    """``n`` deep copies of ``module`` for the stack named ``stack``."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"{stack}: num_layers must be >= 1, got {n!r}")
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (deep copies), then an optional ``norm``."""

    def __init__(
        self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True
    ):
        super().__init__()
        self.layers = _clones("TransformerEncoder", encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        # Nested tensors are a CUDA/CPU fast path in torch; every input runs padded here.
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Run ``src`` through every layer with the same masks."""
        out = src
        for mod in self.layers:
            out = mod(
                out,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=bool(is_causal),
            )
        return self.norm(out) if self.norm is not None else out


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` (deep copies), then an optional ``norm``."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones("TransformerDecoder", decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        """Run ``tgt`` through every layer, each attending over ``memory``."""
        out = tgt
        for mod in self.layers:
            out = mod(
                out,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return self.norm(out) if self.norm is not None else out


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need".

    Matrices (parameters with more than one dim) are Xavier-uniform initialised, as torch.

    >>> model = ember.nn.Transformer(d_model=32, nhead=4, num_encoder_layers=2,
    ...                              num_decoder_layers=2, dim_feedforward=64)
    >>> out = model(ember.randn(10, 3, 32), ember.randn(7, 3, 32))   # (7, 3, 32)
    """

    def __init__(
        self,
        d_model=512,
        nhead=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        dim_feedforward=2048,
        dropout=0.1,
        activation=F.relu,
        custom_encoder=None,
        custom_decoder=None,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        f = {"device": device, "dtype": dtype}
        args = (
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
        )
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **f)
            layer = TransformerEncoderLayer(*args, **f)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **f)
            layer = TransformerDecoderLayer(*args, **f)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(
        self,
        src,
        tgt,
        src_mask=None,
        tgt_mask=None,
        memory_mask=None,
        src_key_padding_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        src_is_causal=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        """``src`` (S, N, E), ``tgt`` (T, N, E) (batch first with ``batch_first``)."""
        _check_model_dim("Transformer", "src", src, self.d_model, self.batch_first)
        _check_model_dim("Transformer", "tgt", tgt, self.d_model, self.batch_first)
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise ValueError(
                f"Transformer: the batch number of src and tgt must be equal, got src "
                f"{tuple(src.shape)} and tgt {tuple(tgt.shape)}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """A float causal mask ``(sz, sz)``: -inf above the diagonal, 0 elsewhere."""
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)
