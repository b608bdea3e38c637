"""Variable-length sequences for the recurrent layers, as ``torch.nn.utils.rnn``.

A :class:`PackedSequence` stores the steps of a batch of sequences, sorted by length, time
step after time step: ``data[:batch_sizes[0]]`` is every sequence's first element, and so
on, so a recurrent layer only computes the rows that are still running. Packing and
unpacking are one ``index_select`` each, so gradients flow through them.

>>> packed = pack_padded_sequence(padded, lengths=[5, 3, 2], batch_first=True)
>>> out, h = lstm(packed)
>>> out, lengths = pad_packed_sequence(out, batch_first=True)
"""

from __future__ import annotations

from itertools import pairwise
from typing import NamedTuple

import ember

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


class _PackedFields(NamedTuple):
    data: ember.Tensor
    batch_sizes: ember.Tensor
    sorted_indices: ember.Tensor | None
    unsorted_indices: ember.Tensor | None


class PackedSequence(_PackedFields):
    """Packed steps of a batch of variable-length sequences (see the module docstring).

    Attributes:
        data: ``(sum(lengths), *)``, time-major.
        batch_sizes: int64 ``(max_length,)``: how many sequences run at each step.
        sorted_indices / unsorted_indices: the permutation that sorted the batch by
            decreasing length, and its inverse (None when it came sorted).
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            raise ValueError("PackedSequence: batch_sizes is required")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data):
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """Move/cast ``data`` (the indices follow the device only)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        idx = [
            None if t is None else t.to(data.device)
            for t in (self.sorted_indices, self.unsorted_indices)
        ]
        return type(self)(data, self.batch_sizes, *idx)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, device=None) -> PackedSequence:
        return self.to(device or "cuda")

    def double(self) -> PackedSequence:
        return self._with_data(self.data.double())

    def float(self) -> PackedSequence:
        return self._with_data(self.data.float())

    def half(self) -> PackedSequence:
        return self._with_data(self.data.half())

    def long(self) -> PackedSequence:
        return self._with_data(self.data.long())

    def int(self) -> PackedSequence:
        return self._with_data(self.data.int())

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation):
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    out = ember.empty_like(permutation)
    out[permutation] = ember.arange(permutation.numel(), device=permutation.device)
    return out


def _lengths_list(lengths) -> list[int]:
    if isinstance(lengths, ember.Tensor):
        if lengths.ndim != 1:
            raise ValueError(f"lengths must be a 1-D tensor, got shape {tuple(lengths.shape)}")
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def _batch_sizes(lengths: list[int]) -> list[int]:
    """Number of sequences still running at each step (lengths sorted decreasing)."""
    return [sum(1 for n in lengths if n > t) for t in range(lengths[0] if lengths else 0)]


def _packed_rows(batch_sizes, batch: int, steps: int, batch_first: bool) -> list[int]:
    """Row of each packed element in the flattened padded tensor."""
    if batch_first:
        return [b * steps + t for t, n in enumerate(batch_sizes) for b in range(n)]
    return [t * batch + b for t, n in enumerate(batch_sizes) for b in range(n)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences
    of the given ``lengths``; unsorted lengths need ``enforce_sorted=False``.
    """
    lengths = _lengths_list(lengths)
    batch_dim = 0 if batch_first else 1
    if input.ndim < 2:
        raise ValueError(
            f"pack_padded_sequence: expected input of 2 or more dims (T, B, *), got shape "
            f"{tuple(input.shape)}"
        )
    batch, steps = input.shape[batch_dim], input.shape[1 - batch_dim]
    if len(lengths) != batch:
        raise ValueError(
            f"pack_padded_sequence: expected len(lengths) to be equal to batch_size, but got "
            f"{len(lengths)} (batch_size={batch})"
        )
    if any(n <= 0 for n in lengths):
        raise ValueError(
            "pack_padded_sequence: length of all samples has to be greater than 0, but found an "
            f"element in 'lengths' that is <= 0: {lengths}"
        )
    if max(lengths) > steps:
        raise ValueError(
            f"pack_padded_sequence: lengths {lengths} exceed the {steps} steps of the input of "
            f"shape {tuple(input.shape)}"
        )
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in pairwise(lengths)):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
    else:
        order = sorted(range(batch), key=lambda i: -lengths[i])
        sorted_indices = ember.tensor(order, dtype=ember.int64, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
        lengths = [lengths[i] for i in order]
    sizes = _batch_sizes(lengths)
    rows = _packed_rows(sizes, batch, steps, batch_first)
    flat = input.reshape(batch * steps, *input.shape[2:])
    data = flat.index_select(0, ember.tensor(rows, dtype=ember.int64, device=input.device))
    return PackedSequence(data, ember.tensor(sizes, dtype=ember.int64), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo :func:`pack_padded_sequence`: the padded batch and the length of each sequence,
    in the original batch order. ``total_length`` pads the time dimension further.
    """
    sizes = [int(n) for n in sequence.batch_sizes.tolist()]
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "pad_packed_sequence: expected total_length to be at least the length of the "
                f"longest sequence in input, but got total_length={total_length} and max "
                f"sequence length being {steps}"
            )
        steps = total_length
    data = sequence.data
    batch = sizes[0] if sizes else 0
    rows = _packed_rows(sizes, batch, steps, batch_first)
    # Every padded position reads row `len(data)` of data extended by one padding row.
    source = [len(rows)] * (batch * steps)
    for i, r in enumerate(rows):
        source[r] = i
    pad_row = ember.full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    index = ember.tensor(source, dtype=ember.int64, device=data.device)
    padded = ember.cat([data, pad_row]).index_select(0, index)
    shape = (batch, steps) if batch_first else (steps, batch)
    padded = padded.reshape(*shape, *data.shape[1:])
    lengths = ember.tensor([sum(1 for n in sizes if n > b) for b in range(batch)])
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.cpu()]
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors ``(L_i, *)`` into ``(max L, B, *)`` (``(B, max L, *)`` with
    ``batch_first``), padding each on the ``padding_side`` with ``padding_value``.
    """
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}"
        )
    if isinstance(sequences, ember.Tensor):
        sequences = list(sequences.unbind(0))
    if not sequences:
        raise ValueError("pad_sequence: received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise ValueError(
                f"pad_sequence: every sequence must be (L, {', '.join(map(str, trailing))}) like "
                f"the first; sequence {i} has shape {tuple(s.shape)}"
            )
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        pads = [0, 0] * len(trailing) + ([extra, 0] if padding_side == "left" else [0, extra])
        padded.append(ember.pad(s, tuple(pads), value=padding_value) if extra else s)
    return ember.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of tensors of the given ``lengths``."""
    lengths = _lengths_list(lengths)
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors ``(L_i, *)`` (sorted by decreasing length unless
    ``enforce_sorted=False``).
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of tensors a :class:`PackedSequence` holds, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
