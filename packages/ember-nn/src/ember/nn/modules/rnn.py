"""Recurrent layers, as ``torch.nn.modules.rnn``: RNN, LSTM, GRU and their cells.

Parameter names, shapes and gate orders are torch's (``weight_ih_l0`` is ``(gates * hidden,
input)``, LSTM gates i, f, g, o, GRU gates r, z, n; ``_reverse`` for the backward
direction), so torch checkpoints load. Each layer and direction projects its whole input
with one GEMM, then runs the time loop as one op (``_recurrence``).
"""

from __future__ import annotations

import math
import numbers
import warnings

import ember
from ember.nn import init
from ember.nn.functional import _layers as F
from ember.nn.module import Module
from ember.nn.modules._recurrence import recurrence
from ember.nn.parameter import Parameter
from ember.nn.utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _check_sizes(layer, **sizes):
    for name, value in sizes.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")


class RNNBase(Module):
    """The shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`."""

    def __init__(
        self,
        mode,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        _check_dropout(name, dropout, num_layers)
        if not isinstance(proj_size, int) or proj_size < 0 or proj_size >= hidden_size:
            raise ValueError(
                f"{name}: proj_size must be an int in [0, hidden_size={hidden_size}), got "
                f"{proj_size!r}"
            )
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN/GRU")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(2 if bidirectional else 1):
                self._make_layer(layer, direction, device, dtype)
        self.reset_parameters()

    def _make_layer(self, layer, direction, device, dtype):
        gates = _GATES[self.mode] * self.hidden_size
        real_hidden = self.proj_size or self.hidden_size
        dirs = 2 if self.bidirectional else 1
        in_size = self.input_size if layer == 0 else real_hidden * dirs
        shapes = [("weight_ih", (gates, in_size)), ("weight_hh", (gates, real_hidden))]
        if self.bias:
            shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
        if self.proj_size:
            shapes.append(("weight_hr", (self.proj_size, self.hidden_size)))
        suffix = "_reverse" if direction == 1 else ""
        for kind, shape in shapes:
            name = f"{kind}_l{layer}{suffix}"
            setattr(self, name, Parameter(ember.empty(*shape, device=device, dtype=dtype)))
            self._flat_weights_names.append(name)

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters of each layer and direction, as lists."""
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i : i + per]] for i in range(0, len(names), per)]

    def flatten_parameters(self) -> None:
        """A no-op kept for torch compatibility (there is no cuDNN weight buffer here)."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for key, default in (("proj_size", 0), ("num_layers", 1), ("bias", True)):
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        for key, default in (("batch_first", False), ("dropout", 0), ("bidirectional", False)):
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        return s

    # ---- forward ----------------------------------------------------------------------

    def _layer_weights(self, layer, direction):
        suffix = "_reverse" if direction == 1 else ""

        def get(kind):
            return getattr(self, f"{kind}_l{layer}{suffix}", None)

        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")

    def _project(self, x, w_ih, b_ih, b_hh):
        """All steps' ``x @ W_ih^T + b`` in one GEMM; GRU keeps ``b_hn`` for the loop."""
        b_hn = None
        if b_ih is None:
            bias = None
        elif self.mode == "GRU":
            h = self.hidden_size
            bias = b_ih + ember.cat([b_hh[: 2 * h], ember.zeros_like(b_hh[2 * h :])])
            b_hn = b_hh[2 * h :]
        else:
            bias = b_ih + b_hh
        flat = x.reshape(-1, x.shape[-1])
        gi = F.linear(flat, w_ih, bias)
        return gi.reshape(*x.shape[:-1], gi.shape[-1]), b_hn

    def _run_layers(self, x, hx, batch_sizes):
        """Every layer and direction; returns the last layer's output and the final states."""
        dirs = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(layer, d)
                gi, b_hn = self._project(x, w_ih, b_ih, b_hh)
                k = layer * dirs + d
                h0 = hx[0][k]
                c0 = hx[1][k] if self.mode == "LSTM" else None
                out, *state = recurrence(
                    self.mode, gi, h0, c0, w_hh, b_hn, w_hr, batch_sizes, reverse=d == 1
                )
                outs.append(out)
                finals.append(state)
            x = outs[0] if dirs == 1 else ember.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, [ember.stack([f[i] for f in finals]) for i in range(len(finals[0]))]

    def _check_input(self, input, batch_sizes):
        name = type(self).__name__
        if not isinstance(input, ember.Tensor):
            raise TypeError(
                f"{name}: expected a Tensor or PackedSequence input, got {type(input).__name__}"
            )
        want = 2 if batch_sizes is not None else (2, 3)
        if input.ndim not in ((want,) if isinstance(want, int) else want):
            raise ValueError(
                f"{name}: expected input to be 2D or 3D ((L, N, {self.input_size}) or "
                f"(L, {self.input_size})), got {input.ndim}D input of shape {tuple(input.shape)}"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input with last dimension {self.input_size} (input_size), "
                f"got shape {tuple(input.shape)}"
            )
        dtype = self.weight_ih_l0.dtype
        if input.dtype != dtype:
            raise TypeError(f"{name}: input must have the type {dtype}, got type {input.dtype}")

    def _state_shapes(self, batch):
        dirs = 2 if self.bidirectional else 1
        shapes = [(self.num_layers * dirs, batch, self.proj_size or self.hidden_size)]
        if self.mode == "LSTM":
            shapes.append((self.num_layers * dirs, batch, self.hidden_size))
        return shapes

    def _initial_state(self, hx, input, batch, unbatched, sorted_indices):
        """``hx`` as a list of (layers * dirs, batch, size) tensors, zeros when omitted."""
        name = type(self).__name__
        shapes = self._state_shapes(batch)
        if hx is None:
            return [ember.zeros(s, dtype=input.dtype, device=input.device) for s in shapes]
        states = list(hx) if self.mode == "LSTM" else [hx]
        if self.mode == "LSTM" and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{name}: expected hx to be a tuple (h_0, c_0), got {type(hx)}")
        labels = ("h_0", "c_0")
        for i, (state, shape) in enumerate(zip(states, shapes)):
            if unbatched:
                if state.ndim != 2:
                    raise ValueError(
                        f"{name}: for unbatched 2-D input, {labels[i]} should also be 2-D "
                        f"{(shape[0], shape[2])}, got shape {tuple(state.shape)}"
                    )
                state = state.unsqueeze(1)
            if tuple(state.shape) != shape:
                raise ValueError(
                    f"{name}: expected {labels[i]} of shape {shape}, got {tuple(state.shape)}"
                )
            if sorted_indices is not None:
                state = state.index_select(1, sorted_indices)
            states[i] = state
        return states

    def forward(self, input, hx=None):
        """Run the layer over ``input`` (L, N, H_in) (``(N, L, H_in)`` with ``batch_first``),
        (L, H_in) unbatched, or a :class:`PackedSequence`.

        Returns ``(output, h_n)`` (``(output, (h_n, c_n))`` for LSTM); ``output`` is packed
        when the input was.
        """
        packed = isinstance(input, PackedSequence)
        if packed:
            data, sizes, sorted_idx, unsorted_idx = input
            batch_sizes = [int(b) for b in sizes.tolist()]
            self._check_input(data, batch_sizes)
            batch, unbatched, x = batch_sizes[0], False, data
        else:
            batch_sizes, sorted_idx, unsorted_idx = None, None, None
            self._check_input(input, None)
            unbatched = input.ndim == 2
            x = input.unsqueeze(1) if unbatched else input
            if self.batch_first and not unbatched:
                x = x.transpose(0, 1)
            batch = x.shape[1]
        states = self._initial_state(hx, x, batch, unbatched, sorted_idx)
        out, finals = self._run_layers(x, states, batch_sizes)
        if unsorted_idx is not None:
            finals = [f.index_select(1, unsorted_idx) for f in finals]
        if packed:
            out = PackedSequence(out, sizes, sorted_idx, unsorted_idx)
        elif unbatched:
            out, finals = out.squeeze(1), [f.squeeze(1) for f in finals]
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, (tuple(finals) if self.mode == "LSTM" else finals[0])


def _check_dropout(name, dropout, num_layers):
    if (
        not isinstance(dropout, numbers.Number)
        or isinstance(dropout, bool)
        or not 0 <= dropout <= 1
    ):
        raise ValueError(
            f"{name}: dropout should be a number in range [0, 1] representing the probability "
            f"of an element being zeroed, got {dropout!r}"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero "
            f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
            f"num_layers={num_layers}",
            UserWarning,
            stacklevel=3,
        )


def _layer_args(name, args, kwargs, extra=()):
    """Resolve ``(input_size, hidden_size, num_layers, ...)`` given positionally or by name."""
    keys = [
        "input_size",
        "hidden_size",
        "num_layers",
        "bias",
        "batch_first",
        "dropout",
        "bidirectional",
        *extra,
    ]
    if len(args) > len(keys):
        raise TypeError(f"{name}: expected at most {len(keys)} positional arguments")
    values = dict(zip(keys, args))
    for k in kwargs:
        if k in values:
            raise TypeError(f"{name}: got multiple values for argument '{k}'")
    values.update(kwargs)
    return values


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ``relu``).

    >>> rnn = ember.nn.RNN(10, 20, num_layers=2, nonlinearity="relu")
    >>> out, h_n = rnn(ember.randn(5, 3, 10))
    """

    def __init__(self, *args, **kwargs):
        values = _layer_args("RNN", args, kwargs, ("nonlinearity",))
        nonlinearity = values.pop("nonlinearity", "tanh")
        if "proj_size" in values:
            raise ValueError("RNN: proj_size argument is only supported for LSTM, not RNN or GRU")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity '{nonlinearity}'; use 'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", **values)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, gates i, f, g, o; ``proj_size`` projects ``h`` (LSTMP).

    >>> lstm = ember.nn.LSTM(10, 20, num_layers=2, bidirectional=True, batch_first=True)
    >>> out, (h_n, c_n) = lstm(ember.randn(3, 5, 10))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", **_layer_args("LSTM", args, kwargs, ("proj_size",)))


class GRU(RNNBase):
    """Gated recurrent unit, gates r, z, n: ``h_t = (1 - z) * n + z * h_{t-1}``.

    >>> out, h_n = ember.nn.GRU(10, 20)(ember.randn(5, 3, 10))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("GRU: proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", **_layer_args("GRU", args, kwargs))


# ---- cells ---------------------------------------------------------------------------


class RNNCellBase(Module):
    """The parameters shared by the cells: ``weight_ih`` ``(gates * hidden, input)``,
    ``weight_hh`` ``(gates * hidden, hidden)``, ``bias_ih``, ``bias_hh``.
    """

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size=input_size, hidden_size=hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(ember.empty(gates, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(ember.empty(gates, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ember.empty(gates, device=device, dtype=dtype))
            self.bias_hh = Parameter(ember.empty(gates, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, hx, n_states):
        """Batch an unbatched input, check shapes, and make zero states when ``hx`` is None."""
        name = type(self).__name__
        if not isinstance(input, ember.Tensor) or input.ndim not in (1, 2):
            shape = tuple(input.shape) if isinstance(input, ember.Tensor) else type(input)
            raise ValueError(f"{name}: expected input to be 1D or 2D, got {shape}")
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input with last dimension {self.input_size} (input_size), "
                f"got shape {tuple(input.shape)}"
            )
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        shape = (x.shape[0], self.hidden_size)
        if hx is None:
            return x, [ember.zeros(shape, dtype=x.dtype, device=x.device)] * n_states, batched
        states = list(hx) if n_states == 2 else [hx]
        for i, h in enumerate(states):
            h = h if batched else h.unsqueeze(0)
            if tuple(h.shape) != shape:
                raise ValueError(
                    f"{name}: expected hidden state {i} of shape {shape if batched else shape[1:]}"
                    f" for input {tuple(input.shape)}, got {tuple(states[i].shape)}"
                )
            states[i] = h
        return x, states, batched

    def _gates(self, x, h):
        return F.linear(x, self.weight_ih, self.bias_ih), F.linear(h, self.weight_hh, self.bias_hh)


class RNNCell(RNNCellBase):
    """One Elman step: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ``relu``)."""

    def __init__(
        self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        gi, gh = self._gates(x, h)
        out = (gi + gh).tanh() if self.nonlinearity == "tanh" else (gi + gh).relu()
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o); returns ``(h', c')``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        gi, gh = self._gates(x, h)
        i, f, g, o = (gi + gh).chunk(4, 1)
        c2 = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h2 = o.sigmoid() * c2.tanh()
        return (h2, c2) if batched else (h2.squeeze(0), c2.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): ``h' = (1 - z) * n + z * h``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        gi, gh = self._gates(x, h)
        i_r, i_z, i_n = gi.chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r = (i_r + h_r).sigmoid()
        z = (i_z + h_z).sigmoid()
        n = (i_n + r * h_n).tanh()
        out = n + z * (h - n)
        return out if batched else out.squeeze(0)
