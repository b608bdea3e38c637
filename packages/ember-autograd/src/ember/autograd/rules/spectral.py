"""Derivatives of ``ember/_ops/spectral.py`` (``stft``, ``istft``).

Both ops are one kernel each in the core (framing as a strided view, overlap-add as
a scatter), which has no rule of its own. Their derivative is the vector-Jacobian
product of the same computation written in differentiable ops (padding, gather,
window, FFT, index_add), so double backward comes with it.
"""

from __future__ import annotations

import ember
from ember._ops import OPS
from ember.autograd.functional import vjp
from ember.autograd.grad_mode import is_grad_enabled


def _full_window(window, win, n_fft, like):
    """The window zero-padded on both sides to ``n_fft`` (a rectangle when None)."""
    left = (n_fft - win) // 2
    if window is None:
        full = ember.zeros(n_fft, dtype=like.real.dtype if like.is_complex() else like.dtype)
        full[left : left + win] = 1
        return full
    return OPS["pad"](window, (left, n_fft - win - left))


def _frame_index(n_frames, n_fft, hop):
    return ember.arange(n_frames)[:, None] * hop + ember.arange(n_fft)[None, :]


def _stft_composite(x, window, n_fft, hop, win, center, pad_mode, normalized, onesided):
    sig = x[None] if x.ndim == 1 else x
    if center:
        sig = OPS["pad"](sig, (n_fft // 2, n_fft // 2), mode=pad_mode)
    n_frames = 1 + (sig.shape[-1] - n_fft) // hop
    frames = sig[:, _frame_index(n_frames, n_fft, hop)] * _full_window(window, win, n_fft, x)
    norm = "ortho" if normalized else "backward"
    fft = ember.fft.rfft if onesided else ember.fft.fft
    spec = fft(frames, dim=-1, norm=norm).transpose(-1, -2)
    return spec[0] if x.ndim == 1 else spec


def _istft_composite(x, window, n_fft, hop, win, center, normalized, onesided, length, cplx):
    spec = x[None] if x.ndim == 2 else x
    norm = "ortho" if normalized else "backward"
    if cplx:
        frames = ember.fft.ifft(spec, n_fft, dim=-2, norm=norm)
    else:
        frames = ember.fft.irfft(spec[..., : n_fft // 2 + 1, :], n_fft, dim=-2, norm=norm)
    w = _full_window(window, win, n_fft, frames)
    frames = frames.transpose(-1, -2) * w
    n_frames = frames.shape[1]
    full = n_fft + hop * (n_frames - 1)
    idx = _frame_index(n_frames, n_fft, hop).reshape(-1)
    batch = frames.shape[0]
    y = ember.zeros(batch, full, dtype=frames.dtype).index_add(1, idx, frames.reshape(batch, -1))
    env = ember.zeros(full, dtype=w.dtype).index_add(0, idx, (w * w).repeat(n_frames))
    start = n_fft // 2 if center else 0
    end = full - (n_fft // 2 if center else 0) if length is None else start + length
    y = y[:, start:end] / env[start:end]
    if length is not None and y.shape[-1] < length:
        y = OPS["pad"](y, (0, length - y.shape[-1]))
    return y[0] if x.ndim == 2 else y


def _through(composite, grad, x, window, needs_input_grad):
    """The gradients of ``composite`` at (x, window) for output gradient ``grad``, one
    per positional argument of the op: ``x`` is the first, ``window`` the fifth."""
    inputs = (x,) if window is None else (x, window)
    _, grads = vjp(lambda *t: composite(*t) if window is not None else composite(t[0], None),
                   inputs, grad, create_graph=is_grad_enabled())  # fmt: skip
    gx = grads[0] if needs_input_grad[0] else None
    if window is None:
        return (gx,)
    gw = grads[1] if len(needs_input_grad) > _WINDOW and needs_input_grad[_WINDOW] else None
    return (gx, None, None, None, gw)


_WINDOW = 4  # the window's position in stft's and istft's signatures


def _stft(grad, _out, x, n_fft, hop_length=None, win_length=None, window=None, center=True,
          pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
          needs_input_grad=(True, True)):  # fmt: skip
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    complex_in = x.is_complex() or (window is not None and window.is_complex())
    one = (not complex_in) if onesided is None else onesided
    return _through(
        lambda a, w: _stft_composite(a, w, n_fft, hop, win, center, pad_mode, normalized, one),
        grad, x, window, needs_input_grad,
    )  # fmt: skip


def _istft(grad, _out, x, n_fft, hop_length=None, win_length=None, window=None, center=True,
           normalized=False, onesided=None, length=None, return_complex=False,
           needs_input_grad=(True, True)):  # fmt: skip
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    return _through(
        lambda a, w: _istft_composite(a, w, n_fft, hop, win, center, normalized, onesided,
                                      length, return_complex),
        grad, x, window, needs_input_grad,
    )  # fmt: skip


DERIVATIVES: dict = {"stft": _stft, "istft": _istft}
