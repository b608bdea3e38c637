"""Short-time Fourier transforms and window functions (``torch.stft``, ``torch.hann_window``...).

``stft`` frames the signal as a strided view (no copy) and runs one batched FFT;
``istft`` inverts it by overlap-add in ``ceil(n_fft / hop_length)`` vectorised
steps. Both are exported as ``ember.<name>`` through ``ember._ops.fft.TOP_LEVEL``.
"""

from __future__ import annotations

import math

import numpy as np

from ember import dtypes as _dt
from ember._ops import Op
from ember.devices import as_device
from ember.dispatch import wrap

__all__: list = []  # exported through ember._ops.fft.TOP_LEVEL

_PAD_MODES = {"reflect": "reflect", "constant": "constant", "replicate": "edge", "circular": "wrap"}


def _stft_args(name, n_fft, hop_length, win_length, window, dtype):
    """Check and complete ``hop_length``, ``win_length`` and the ``n_fft``-long window."""
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if not isinstance(n_fft, int) or n_fft <= 0:
        raise RuntimeError(f"{name}: expected n_fft > 0, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(f"{name}: expected hop_length > 0, but got hop_length={hop}")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"{name}: expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise RuntimeError(
            f"{name}: expected a 1-D window tensor of size equal to win_length={win}, "
            f"but got a window of shape {tuple(window.shape)}"
        )
    return hop, win


def _full_window(xp, window, win, n_fft, dtype):
    """The window zero-padded on both sides to ``n_fft`` (a rectangle when None)."""
    left = (n_fft - win) // 2
    full = xp.zeros(n_fft, dtype=dtype)
    full[left : left + win] = 1 if window is None else window
    return full


def _frames(xp, x, n_fft, hop):
    """A strided view of shape ``(batch, n_frames, n_fft)`` on ``x`` (no copy)."""
    n_frames = 1 + (x.shape[-1] - n_fft) // hop
    step = x.strides[-1]
    return xp.lib.stride_tricks.as_strided(
        x, (x.shape[0], n_frames, n_fft), (x.strides[0], hop * step, step)
    )


def _padded(xp, signal, n_fft, center, pad_mode):
    """``signal`` padded by ``n_fft // 2`` on both sides when ``center``; checks ``n_fft``."""
    if center:
        if pad_mode not in _PAD_MODES:
            raise RuntimeError(
                f"stft: unknown pad_mode {pad_mode!r}; expected one of {tuple(_PAD_MODES)}"
            )
        pad = n_fft // 2
        if pad_mode == "reflect" and pad >= signal.shape[-1]:
            raise RuntimeError(
                f"stft: reflect padding of {pad} needs a signal longer than that, "
                f"got length {signal.shape[-1]}"
            )
        signal = xp.pad(signal, ((0, 0), (pad, pad)), mode=_PAD_MODES[pad_mode])
    if not 0 < n_fft <= signal.shape[-1]:
        raise RuntimeError(
            f"stft: expected 0 < n_fft <= {signal.shape[-1]} (the padded length), "
            f"but got n_fft={n_fft}"
        )
    return signal


def _check_signal(x):
    if not hasattr(x, "ndim"):
        raise TypeError(f"stft: expected a tensor, got {type(x).__name__}")
    if x.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1-D or 2-D tensor, got {x.ndim}-D")
    if x.dtype.kind not in "fc" or x.dtype.itemsize < 4:
        raise RuntimeError(
            f"stft: expected a tensor of floating point or complex values, got "
            f"{_dt.from_numpy(x.dtype).name}"
        )


def _stft(
    xp,
    x,
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    pad_mode="reflect",
    normalized=False,
    onesided=None,
    return_complex=None,
):
    """Short-time Fourier transform of a 1-D signal or a 2-D batch of signals.

    Args:
        n_fft: FFT size (frame length).
        hop_length: distance between frames (default ``n_fft // 4``).
        win_length: window length, ``<= n_fft`` (default ``n_fft``); the window is
            zero-padded to ``n_fft`` on both sides.
        window: a 1-D tensor of ``win_length`` (default: a rectangular window).
        center: pad ``n_fft // 2`` on both sides so frame ``t`` is centred at
            ``t * hop_length``; ``pad_mode`` is ``'reflect'``, ``'constant'``,
            ``'replicate'`` or ``'circular'``.
        normalized: scale by ``n_fft ** -0.5``.
        onesided: keep the ``n_fft // 2 + 1`` non-negative frequencies (default for
            real input and window).
        return_complex: must be True (the real view of older PyTorch is gone).

    Returns:
        a complex tensor of shape ``(batch?, freq, n_frames)``.
    """
    _check_signal(x)
    complex_in = x.dtype.kind == "c" or (window is not None and window.dtype.kind == "c")
    if return_complex is False or (return_complex is None and not complex_in):
        raise RuntimeError(
            "stft: return_complex=True is required (a real tensor with a last dim of size 2 "
            "is no longer returned); use ember.view_as_real on the result if needed"
        )
    hop, win = _stft_args("stft", n_fft, hop_length, win_length, window, x.dtype)
    if onesided and complex_in:
        raise RuntimeError("stft: cannot have onesided output if window or input is complex")
    signal = _padded(xp, x[None] if x.ndim == 1 else x, n_fft, center, pad_mode)
    wdtype = x.dtype if window is None else np.result_type(x.dtype, window.dtype)
    frames = _frames(xp, signal, n_fft, hop) * _full_window(xp, window, win, n_fft, wdtype)
    norm = "ortho" if normalized else "backward"
    one = complex_in is False if onesided is None else onesided
    spec = (xp.fft.rfft if one else xp.fft.fft)(frames, axis=-1, norm=norm)
    spec = xp.swapaxes(spec.astype(np.result_type(frames.dtype, np.complex64), copy=False), -1, -2)
    return spec[0] if x.ndim == 1 else spec


def _overlap_add(xp, frames, hop, length):
    """Sum frames of shape ``(batch, T, n)`` placed ``hop`` apart: ``(batch, length)``.

    Chunk ``r`` (samples ``[r*hop, (r+1)*hop)``) of frame ``t`` lands in output block
    ``t + r``, so each chunk index is one vectorised add over all frames.
    """
    batch, n_frames, n = frames.shape
    chunks = -(-n // hop)
    out = xp.zeros((batch, n_frames + chunks, hop), dtype=frames.dtype)
    for r in range(chunks):
        part = frames[..., r * hop : (r + 1) * hop]
        out[:, r : r + n_frames, : part.shape[-1]] += part
    return out.reshape(batch, -1)[:, :length]


def _check_spectrum(x, n_fft, onesided):
    if not hasattr(x, "ndim") or x.dtype.kind != "c":
        raise RuntimeError(
            "istft: requires a complex-valued input tensor, as stft returns with "
            "return_complex=True"
        )
    if x.ndim not in (2, 3):
        raise RuntimeError(f"istft: expected a 2-D or 3-D tensor, got {x.ndim}-D")
    freq = n_fft // 2 + 1 if onesided else n_fft
    if x.shape[-2] != freq:
        raise RuntimeError(
            f"istft: expected the frequency dim (3rd to last) of the input to be {freq} "
            f"for n_fft={n_fft} and onesided={onesided}, got {x.shape[-2]}"
        )


def _istft(
    xp,
    x,
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    normalized=False,
    onesided=None,
    length=None,
    return_complex=False,
):
    """Inverse of :func:`stft` by windowed overlap-add (least-squares, Griffin-Lim).

    Takes the same ``n_fft``, ``hop_length``, ``win_length``, ``window``,
    ``center`` and ``normalized`` as the ``stft`` call it inverts. ``length`` trims
    or zero-pads the output; ``return_complex`` keeps a complex signal (needs a
    two-sided input). Raises if the window's overlap-add is zero somewhere.

    Returns:
        a tensor of shape ``(batch?, length)``.
    """
    onesided = (x.shape[-2] != n_fft) if onesided is None and hasattr(x, "shape") else onesided
    _check_spectrum(x, n_fft, onesided)
    if return_complex and onesided:
        raise RuntimeError("istft: cannot have onesided output if window or input is complex")
    real_dtype = np.finfo(x.dtype).dtype
    hop, win = _stft_args("istft", n_fft, hop_length, win_length, window, real_dtype)
    spec = x[None] if x.ndim == 2 else x
    norm = "ortho" if normalized else "backward"
    if return_complex:
        frames = xp.fft.ifft(spec, n_fft, axis=-2, norm=norm)
    else:  # a real signal: its non-negative frequencies determine it, as in PyTorch
        frames = xp.fft.irfft(spec[..., : n_fft // 2 + 1, :], n_fft, axis=-2, norm=norm)
    wdtype = real_dtype if window is None else window.dtype
    w = _full_window(xp, window, win, n_fft, wdtype)
    frames = xp.swapaxes(frames, -1, -2) * w  # (batch, T, n_fft)
    n_frames = frames.shape[1]
    full = n_fft + hop * (n_frames - 1)
    start = n_fft // 2 if center else 0
    end = full - (n_fft // 2 if center else 0) if length is None else start + length
    y = _overlap_add(xp, frames, hop, full)[:, start:end]
    env = _overlap_add(xp, xp.broadcast_to(w * w, (1, n_frames, n_fft)), hop, full)[:, start:end]
    if env.size and float(xp.abs(env).min()) < 1e-11:
        raise RuntimeError(
            "istft: window overlap add min is zero: the window and hop_length cannot be "
            "inverted (with center=False, a window that is zero at its ends never is)"
        )
    y = (y / env).astype(frames.dtype, copy=False)
    if length is not None and y.shape[-1] < length:
        y = xp.pad(y, ((0, 0), (0, length - y.shape[-1])))
    return y[0] if x.ndim == 2 else y


stft = Op("stft", _stft)
istft = Op("istft", _istft)


# ---- windows: creation functions, computed in float64 and cast -------------------------


def _window(name, window_length, periodic, dtype, device, requires_grad, fn):
    """Evaluate ``fn(xp, n, denom)`` at ``n = 0..window_length-1``.

    A periodic window is the symmetric one of ``window_length + 1`` points with its
    last point dropped, so its ``denom`` is ``window_length`` (else ``window_length - 1``).
    """
    if not isinstance(window_length, int) or window_length < 0:
        raise RuntimeError(
            f"{name}: requires non-negative window_length, got window_length={window_length}"
        )
    d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    if d.category != _dt.FLOATING:
        raise RuntimeError(f"{name}: expects floating point dtypes, got {d.name}")
    dev = as_device(device)
    xp = dev.xp
    if window_length <= 1:
        arr = xp.ones(window_length, dtype=np.float64)
    else:
        denom = window_length if periodic else window_length - 1
        arr = fn(xp, xp.arange(window_length, dtype=np.float64), denom)
    out = wrap(arr.astype(d.np), dev)
    return out.requires_grad_() if requires_grad else out


def _cosine_sum(*coefs):
    def fn(xp, n, denom):
        return sum(c * xp.cos(2 * math.pi * k * n / denom) for k, c in enumerate(coefs))

    return fn


def hann_window(
    window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False
):
    """Hann window ``0.5 - 0.5 cos(2 pi n / N)`` (``N = window_length`` if periodic, else
    ``window_length - 1``)."""
    fn = _cosine_sum(0.5, -0.5)
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, fn)


def hamming_window(
    window_length,
    periodic=True,
    alpha=0.54,
    beta=0.46,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
):
    """Hamming window ``alpha - beta cos(2 pi n / N)``."""
    fn = _cosine_sum(alpha, -beta)
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad, fn)


def blackman_window(
    window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False
):
    """Blackman window ``0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)``."""
    fn = _cosine_sum(0.42, -0.5, 0.08)
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, fn)


def bartlett_window(
    window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False
):
    """Bartlett (triangular) window ``1 - |2n / N - 1|``."""

    def fn(xp, n, denom):
        return 1 - xp.abs(2 * n / denom - 1)

    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, fn)


def kaiser_window(
    window_length,
    periodic=True,
    beta=12.0,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
):
    """Kaiser window ``I0(beta sqrt(1 - (2n / N - 1)^2)) / I0(beta)``."""

    def fn(xp, n, denom):
        ratio = xp.clip(2 * n / denom - 1, -1, 1)
        return xp.i0(beta * xp.sqrt(1 - ratio * ratio)) / xp.i0(xp.asarray(beta, np.float64))

    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, fn)
