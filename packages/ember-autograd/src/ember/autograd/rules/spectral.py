"""Derivatives of ``ember/_ops/spectral.py`` (``stft``, ``istft``).

Both ops are one kernel each in the core (framing as a strided view, overlap-add as
a scatter), which has no rule of its own. Their derivative is the vector-Jacobian
product of the same computation written in differentiable ops (padding, gather,
window, FFT, index_add), so double backward comes with it.
"""

from __future__ import annotations

import ember
from ember._ops import OPS
from ember.autograd.rules._util import composite


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


def _stft(x, n_fft, hop_length=None, win_length=None, window=None, center=True,
          pad_mode="reflect", normalized=False, onesided=None, return_complex=None):  # fmt: skip
    """``stft`` in differentiable ops, with its defaults resolved as the kernel does."""
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    complex_in = x.is_complex() or (window is not None and window.is_complex())
    one = (not complex_in) if onesided is None else onesided
    return _stft_composite(x, window, n_fft, hop, win, center, pad_mode, normalized, one)


def _istft(x, n_fft, hop_length=None, win_length=None, window=None, center=True,
           normalized=False, onesided=None, length=None, return_complex=False):  # fmt: skip
    """``istft`` in differentiable ops, with its defaults resolved as the kernel does."""
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    return _istft_composite(
        x, window, n_fft, hop, win, center, normalized, onesided, length, return_complex
    )


DERIVATIVES: dict = {"stft": composite(_stft), "istft": composite(_istft)}
