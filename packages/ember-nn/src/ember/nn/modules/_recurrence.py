"""The time loop of the recurrent layers, as one differentiable op per layer and direction.

The input projection ``x @ W_ih^T + b`` of every step is one GEMM outside this op (so
autograd handles it); here each step does one ``(batch, hidden) x (hidden, gates)`` GEMM.
The backward pass is written out (backpropagation through time) in ember ops rather than
recorded step by step: the per-step work is one GEMM and a few elementwise ops, and the
``W_hh`` gradient of all steps is a single GEMM at the end.

Packed sequences run with a batch that shrinks over time (sorted by decreasing length):
rows whose sequence has ended leave the state and become part of ``h_n``; in the reverse
direction rows join from ``h_0`` as their sequence starts.
"""

from __future__ import annotations

import ember
from ember.autograd import Function, is_grad_enabled


class _Cell:
    """One step: ``forward`` returns (output h, new state, what backward needs)."""

    n_state = 1


class _TanhCell(_Cell):
    @staticmethod
    def forward(gi, state, w):
        h = ember.addmm(gi, state[0], w["whh_t"]).tanh()
        return h, (h,), (h,)

    @staticmethod
    def backward(saved, dstate, w):
        (h,) = saved
        dz = dstate[0] * (1 - h * h)
        return dz, (dz.mm(w["w_hh"]),), dz, None


class _ReluCell(_Cell):
    @staticmethod
    def forward(gi, state, w):
        h = ember.addmm(gi, state[0], w["whh_t"]).relu()
        return h, (h,), (h,)

    @staticmethod
    def backward(saved, dstate, w):
        (h,) = saved
        dz = dstate[0] * (h > 0).to(h.dtype)
        return dz, (dz.mm(w["w_hh"]),), dz, None


class _LSTMCell(_Cell):
    """Gates i, f, g, o; an optional projection ``h = (o * tanh(c)) @ W_hr^T``."""

    n_state = 2

    @staticmethod
    def forward(gi, state, w):
        h, c = state
        z = ember.addmm(gi, h, w["whh_t"])
        n = c.shape[1]
        s = z.sigmoid()
        i, f, o = s[:, :n], s[:, n : 2 * n], s[:, 3 * n :]
        g = z[:, 2 * n : 3 * n].tanh()
        c2 = f * c + i * g
        tc = c2.tanh()
        m = o * tc
        h2 = m.mm(w["whr_t"]) if "whr_t" in w else m
        return h2, (h2, c2), (s, g, c, tc, m)

    @staticmethod
    def backward(saved, dstate, w):
        s, g, c, tc, m = saved
        dh, dc = dstate
        n = c.shape[1]
        i, f, o = s[:, :n], s[:, n : 2 * n], s[:, 3 * n :]
        dm = dh.mm(w["w_hr"]) if "w_hr" in w else dh
        dc = dc + dm * o * (1 - tc * tc)
        dsig = ember.cat([dc * g, dc * c, dc * i, dm * tc], 1)
        # sigmoid' = s(1-s) on i, f, o; the g slot holds tanh' = 1 - g^2 instead.
        ds = s * (1 - s)
        deriv = ember.cat([ds[:, : 2 * n], 1 - g * g, ds[:, 3 * n :]], 1)
        dz = dsig * deriv
        return dz, (dz.mm(w["w_hh"]), dc * f), dz, (dh if "w_hr" in w else None, m)


class _GRUCell(_Cell):
    """Gates r, z, n; ``n = tanh(gi_n + r * (h @ W_hn^T + b_hn))`` keeps ``b_hn`` apart."""

    @staticmethod
    def forward(gi, state, w):
        (h,) = state
        n_h = h.shape[1]
        gh = h.mm(w["whh_t"])
        rz = (gi[:, : 2 * n_h] + gh[:, : 2 * n_h]).sigmoid()
        r, z = rz[:, :n_h], rz[:, n_h:]
        ghn = gh[:, 2 * n_h :]
        if "b_hn" in w:
            ghn = ghn + w["b_hn"]
        n = (gi[:, 2 * n_h :] + r * ghn).tanh()
        h2 = n + z * (h - n)
        return h2, (h2,), (rz, n, ghn, h)

    @staticmethod
    def backward(saved, dstate, w):
        rz, n, ghn, h = saved
        (dh,) = dstate
        n_h = h.shape[1]
        r, z = rz[:, :n_h], rz[:, n_h:]
        dn = dh * (1 - z) * (1 - n * n)
        drz = ember.cat([dn * ghn, dh * (h - n)], 1) * rz * (1 - rz)
        dghn = dn * r
        dgi = ember.cat([drz, dn], 1)
        dgh = ember.cat([drz, dghn], 1)
        return dgi, (dgh.mm(w["w_hh"]) + dh * z,), dgh, (dghn, None)


CELLS = {"RNN_TANH": _TanhCell, "RNN_RELU": _ReluCell, "LSTM": _LSTMCell, "GRU": _GRUCell}


def _schedule(steps: int, batch: int, batch_sizes, reverse: bool):
    """``(t, rows)`` of each step in the order the loop visits them."""
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    return [(t, batch_sizes[t] if batch_sizes else batch) for t in order]


def _join(state, init, n, b):
    """Rows ``n:b`` of the initial state join the running state."""
    if n == 0:
        return tuple(s if b == s.shape[0] else s[:b] for s in init)
    return tuple(ember.cat([s, s0[n:b]]) for s, s0 in zip(state, init))


def _rows_in_order(pieces):
    """Concatenate ``(first_row, tensor)`` pieces by their first row."""
    pieces = sorted(pieces, key=lambda p: p[0])
    return pieces[0][1] if len(pieces) == 1 else ember.cat([p[1] for p in pieces])


def _step_inputs(gi, batch_sizes):
    if batch_sizes is None:
        return gi.unbind(0)
    return gi.split(list(batch_sizes), 0)


def _weights(w_hh, b_hn, w_hr):
    w = {"w_hh": w_hh, "whh_t": w_hh.t()}
    if b_hn is not None:
        w["b_hn"] = b_hn
    if w_hr is not None:
        w["w_hr"], w["whr_t"] = w_hr, w_hr.t()
    return w


def _run_forward(cell, gi, init, w, batch_sizes, reverse):
    steps = len(batch_sizes) if batch_sizes else gi.shape[0]
    xs = _step_inputs(gi, batch_sizes)
    state, n, finals, outs, saved = (), 0, [], [None] * steps, []
    for t, b in _schedule(steps, init[0].shape[0], batch_sizes, reverse):
        if b > n:
            state = _join(state, init, n, b)
        elif b < n:
            finals.append((b, tuple(s[b:] for s in state)))
            state = tuple(s[:b] for s in state)
        n = b
        prev_h = state[0]
        outs[t], state, keep = cell.forward(xs[t], state, w)
        saved.append((keep, prev_h))
    finals.append((0, state))
    h_n = [_rows_in_order([(r, f[k]) for r, f in finals]) for k in range(cell.n_state)]
    out = ember.cat(outs) if batch_sizes else ember.stack(outs)
    return out, h_n, saved


class Recurrence(Function):
    """One layer and direction: ``(gi, h0[, c0], W_hh[, b_hn][, W_hr]) -> (out, h_n[, c_n])``."""

    @staticmethod
    def forward(ctx, mode, batch_sizes, reverse, gi, h0, c0, w_hh, b_hn, w_hr):
        cell = CELLS[mode]
        init = (h0, c0) if cell.n_state == 2 else (h0,)
        w = _weights(w_hh, b_hn, w_hr)
        out, h_n, saved = _run_forward(cell, gi, init, w, batch_sizes, reverse)
        ctx.cell, ctx.batch_sizes, ctx.reverse, ctx.steps = cell, batch_sizes, reverse, saved
        ctx.save_for_backward(gi, h0, c0, w_hh, b_hn, w_hr)
        return (out, *h_n)

    @staticmethod
    def backward(ctx, d_out, dh_n, dc_n=None):
        gi, h0, c0, w_hh, b_hn, w_hr = ctx.saved_tensors
        cell, batch_sizes = ctx.cell, ctx.batch_sizes
        w = _weights(w_hh, b_hn, w_hr)
        saved = ctx.steps
        if is_grad_enabled():
            # create_graph: the activations saved by forward are constants, so re-run the
            # loop recorded; the BPTT ops below then differentiate through it.
            init = (h0, c0) if cell.n_state == 2 else (h0,)
            saved = _run_forward(cell, gi, init, w, batch_sizes, ctx.reverse)[2]
        steps = len(batch_sizes) if batch_sizes else gi.shape[0]
        douts = _step_inputs(d_out, batch_sizes)
        d_final = (dh_n, dc_n) if cell.n_state == 2 else (dh_n,)
        schedule = _schedule(steps, h0.shape[0], batch_sizes, ctx.reverse)
        dgi, d_init, dzs, hs, extras = _bptt(cell, schedule, saved, douts, d_final, w)
        dgi = ember.cat(dgi) if batch_sizes else ember.stack(dgi)
        d_whh = ember.cat(dzs).t().mm(ember.cat(hs))
        d_bhn = d_whr = None
        if b_hn is not None:
            d_bhn = ember.cat([e[0] for e in extras]).sum(0)
        if w_hr is not None:
            d_whr = ember.cat([e[0] for e in extras]).t().mm(ember.cat([e[1] for e in extras]))
        dc0 = d_init[1] if cell.n_state == 2 else None
        return None, None, None, dgi, d_init[0], dc0, d_whh, d_bhn, d_whr


def _bptt(cell, schedule, saved, douts, d_final, w):
    """Walk the schedule backwards, carrying the state gradient."""
    n_steps = len(douts)
    dgi, dzs, hs, extras = [None] * n_steps, [], [], []
    d_init = []
    dstate, n = None, 0
    for k in range(len(schedule) - 1, -1, -1):
        t, b = schedule[k]
        if dstate is None:
            dstate = tuple(d[:b] if d.shape[0] != b else d for d in d_final)
        elif b > n:  # these rows ended here in the forward pass: their gradient is d h_n
            dstate = tuple(ember.cat([ds, d[n:b]]) for ds, d in zip(dstate, d_final))
        elif b < n:  # these rows joined after this step: their gradient goes to h_0
            d_init.append((b, tuple(ds[b:] for ds in dstate)))
            dstate = tuple(ds[:b] for ds in dstate)
        n = b
        keep, prev_h = saved[k]
        dstate = (dstate[0] + douts[t],) + dstate[1:]
        dgi[t], dstate, dz, extra = cell.backward(keep, dstate, w)
        dzs.append(dz)
        hs.append(prev_h)
        if extra is not None and extra[0] is not None:
            extras.append(extra)
    d_init.append((0, dstate))
    d_init = [_rows_in_order([(r, d[k]) for r, d in d_init]) for k in range(len(d_final))]
    return dgi, d_init, dzs, hs, extras


def recurrence(mode, gi, h0, c0, w_hh, b_hn=None, w_hr=None, batch_sizes=None, reverse=False):
    """Run one layer and direction over precomputed input projections ``gi``.

    ``gi`` is ``(T, B, gates)``, or ``(sum(lengths), gates)`` with ``batch_sizes``.
    Returns ``(out, h_n)`` or ``(out, h_n, c_n)`` for LSTM.
    """
    sizes = None if batch_sizes is None else tuple(int(b) for b in batch_sizes)
    return Recurrence.apply(mode, sizes, reverse, gi, h0, c0, w_hh, b_hn, w_hr)
