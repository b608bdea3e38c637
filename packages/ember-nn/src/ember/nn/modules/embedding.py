"""Lookup tables: ``Embedding`` and ``EmbeddingBag``, as ``torch.nn``.

``weight`` is ``(num_embeddings, embedding_dim)``, drawn from N(0, 1); the
``padding_idx`` row starts at zero and gets no gradient.
"""

from __future__ import annotations

import ember
from ember.autograd import no_grad
from ember.nn import init
from ember.nn.functional import _layers as F
from ember.nn.module import Module
from ember.nn.parameter import Parameter

__all__ = ["Embedding", "EmbeddingBag"]


def _padding_index(layer: str, padding_idx, num: int):
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise ValueError(
            f"{layer}: padding_idx ({padding_idx}) must be within num_embeddings ({num})"
        )
    return padding_idx % num


def _initial_weight(layer, num, dim, _weight, requires_grad, device, dtype):
    if _weight is None:
        return Parameter(ember.empty(num, dim, device=device, dtype=dtype), requires_grad)
    if tuple(_weight.shape) != (num, dim):
        raise ValueError(
            f"{layer}: shape of weight {tuple(_weight.shape)} does not match "
            f"(num_embeddings, embedding_dim) = ({num}, {dim})"
        )
    return Parameter(_weight, requires_grad)


def _check_indices(layer: str, input) -> None:
    if not isinstance(input, ember.Tensor):
        raise TypeError(f"{layer}: expected a Tensor of indices, got {type(input).__name__}")
    if input.dtype not in (ember.int64, ember.int32, ember.int16, ember.int8, ember.uint8):
        raise TypeError(
            f"{layer}: expected an integer (index) tensor, got {input.dtype} of shape "
            f"{tuple(input.shape)}"
        )


class Embedding(Module):
    """Rows of ``weight`` at integer indices: ``(*,)`` indices give ``(*, embedding_dim)``.

    ``max_norm`` renormalizes, in place, the rows looked up to a ``norm_type``-norm of
    at most ``max_norm``.

    >>> emb = ember.nn.Embedding(10, 3, padding_idx=0)
    >>> emb(ember.tensor([[0, 2], [4, 9]])).shape
    ember.Size([2, 2, 3])
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight=None,
        _freeze: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding_index("Embedding", padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.weight = _initial_weight(
            "Embedding", num_embeddings, embedding_dim, _weight, not _freeze, device, dtype
        )
        if _weight is None:
            self.reset_parameters()
        self.sparse = sparse

    def reset_parameters(self) -> None:
        """Re-draw the weight from N(0, 1); the padding row back to zero."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input):
        _check_indices("Embedding", input)
        return F.embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings,
        freeze=True,
        padding_idx=None,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        sparse=False,
    ):
        """An Embedding whose weight is the 2-D ``embeddings`` (frozen unless told otherwise)."""
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: expected 2-D embeddings, got shape "
                f"{tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        return cls(
            rows,
            cols,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            _weight=embeddings,
            _freeze=freeze,
        )


class EmbeddingBag(Module):
    """Sums, means or maxes of bags of embeddings, without the intermediate lookup.

    ``forward(input, offsets=None, per_sample_weights=None)``: a 2-D ``input`` holds
    one bag per row; a 1-D one is cut into bags at ``offsets``.

    >>> bag = ember.nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(ember.tensor([1, 2, 4, 5, 4]), ember.tensor([0, 2])).shape
    ember.Size([2, 3])
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight=None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding_index("EmbeddingBag", padding_idx, num_embeddings)
        self.weight = _initial_weight(
            "EmbeddingBag", num_embeddings, embedding_dim, _weight, True, device, dtype
        )
        if _weight is None:
            self.reset_parameters()
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    reset_parameters = Embedding.reset_parameters
    _fill_padding_idx_with_zero = Embedding._fill_padding_idx_with_zero

    def forward(self, input, offsets=None, per_sample_weights=None):
        _check_indices("EmbeddingBag", input)
        return F.embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings,
        freeze=True,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        mode="mean",
        sparse=False,
        include_last_offset=False,
        padding_idx=None,
    ):
        """An EmbeddingBag whose weight is the 2-D ``embeddings`` (frozen unless told otherwise)."""
        if embeddings.ndim != 2:
            raise ValueError(
                f"EmbeddingBag.from_pretrained: expected 2-D embeddings, got shape "
                f"{tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        bag = cls(
            rows,
            cols,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            mode,
            sparse,
            embeddings,
            include_last_offset,
            padding_idx,
        )
        bag.weight.requires_grad = not freeze
        return bag
