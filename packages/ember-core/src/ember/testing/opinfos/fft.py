"""OpInfo rows for ``ember/_ops/fft.py`` and ``ember/_ops/spectral.py`` (stft, istft)."""

import numpy as np

from ember import dtypes as _dt
from ember._ops.spectral import hann_window, stft
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput
from ember.testing.opinfos.products import COMPLEX

REAL = (_dt.float32, _dt.float64)
FFT_DTYPES = REAL + COMPLEX
NORMS = (None, "backward", "ortho", "forward")


def _one_dim_samples(make):
    yield SampleInput(make(8))
    yield SampleInput(make(3, 8))
    yield SampleInput(make(3, 8), 6)  # trimmed
    yield SampleInput(make(3, 5), 8, 0)  # padded, along dim 0
    for norm in NORMS[1:]:
        yield SampleInput(make(2, 7), dim=-1, norm=norm)
    yield SampleInput(make(0, 4))


def _half_samples(make):
    """Inputs of the inverse real transforms: ``m`` values give ``2 * (m - 1)`` by default."""
    yield SampleInput(make(5))
    yield SampleInput(make(3, 5))
    yield SampleInput(make(3, 5), 7)  # odd output length
    yield SampleInput(make(4, 3), None, 0)
    for norm in NORMS[1:]:
        yield SampleInput(make(2, 4), norm=norm)


def _n_dim_samples(make):
    yield SampleInput(make(3, 4, 5))
    yield SampleInput(make(3, 4, 5), (4, 6))  # the last two dims, padded and trimmed
    yield SampleInput(make(3, 4, 5), dim=(0, 2))
    yield SampleInput(make(3, 4, 5), (2, -1), (2, 0), "ortho")
    yield SampleInput(make(2, 6), norm="forward")
    yield SampleInput(make(4, 6), dim=1)


def _np_one_dim(fn):
    def ref(x, n=None, dim=-1, norm=None):
        return fn(x, n, axis=dim, norm=norm)

    return ref


def _np_n_dim(fn):
    def ref(x, s=None, dim=None, norm=None):
        axes = (dim,) if isinstance(dim, int) else dim
        if s is not None:
            axes = axes or tuple(range(x.ndim - len(s), x.ndim))
            s = [x.shape[a] if n == -1 else n for a, n in zip(axes, s)]
        return fn(x, s, axes, norm=norm)

    return ref


def _np_irfftn(x, s=None, dim=None, norm=None):
    if dim is None:
        axes = tuple(range(x.ndim)) if s is None else tuple(range(x.ndim - len(s), x.ndim))
    else:
        axes = (dim,) if isinstance(dim, int) else tuple(dim)
    s = [-1] * len(axes) if s is None else list(s)
    sizes = [x.shape[a] if n == -1 else n for a, n in zip(axes, s)]
    if s[-1] == -1:  # the last length defaults to an even 2 * (m - 1), as in PyTorch
        sizes[-1] = 2 * (x.shape[axes[-1]] - 1)
    return np.fft.irfftn(x, sizes, axes, norm=norm)


def _shift_samples(make):
    yield SampleInput(make(5))
    yield SampleInput(make(4, 5))
    yield SampleInput(make(4, 5), 0)
    yield SampleInput(make(4, 5), dim=(0, 1))


def _np_shift(fn):
    return lambda x, dim=None: fn(x, axes=dim)


# ---- stft / istft: loop-based references, independent of the vectorised kernels --------------


def _window(x, n):
    return hann_window(n, dtype=x.dtype.to_real(), device=x.device)


def _stft_samples(make):
    x = make(100)
    yield SampleInput(x, 16, window=_window(x, 16), return_complex=True)
    yield SampleInput(make(2, 64), 16, 5, 12, _window(x, 12), return_complex=True)
    yield SampleInput(make(64), 8, center=False, return_complex=True)
    yield SampleInput(make(2, 50), 10, 3, normalized=True, pad_mode="constant", return_complex=True)
    yield SampleInput(make(40), 8, window=_window(x, 8), onesided=False, return_complex=True)


def _np_stft(
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
    hop, win = hop_length or n_fft // 4, win_length or n_fft
    w = np.zeros(n_fft)
    left = (n_fft - win) // 2
    w[left : left + win] = 1 if window is None else window
    sig = np.atleast_2d(x)
    if center:
        mode = {"constant": "constant", "reflect": "reflect"}[pad_mode]
        sig = np.pad(sig, ((0, 0), (n_fft // 2, n_fft // 2)), mode=mode)
    n_frames = 1 + (sig.shape[-1] - n_fft) // hop
    frames = np.stack([sig[:, t * hop : t * hop + n_fft] * w for t in range(n_frames)], axis=1)
    one = x.dtype.kind != "c" if onesided is None else onesided
    spec = (np.fft.rfft if one else np.fft.fft)(frames, axis=-1)
    spec = np.swapaxes(spec, -1, -2) / (np.sqrt(n_fft) if normalized else 1)
    return spec[0] if x.ndim == 1 else spec


def _istft_samples(make):
    x = make(2, 100)
    w = _window(x, 16)
    two_sided = x.dtype.category == _dt.COMPLEX  # complex signals give two-sided spectra
    spec = stft(x, 16, window=w, return_complex=True)
    yield SampleInput(spec, 16, window=w, return_complex=two_sided)
    spec = stft(make(100), 16, window=w, return_complex=True)
    yield SampleInput(spec, 16, window=w, length=90, return_complex=two_sided)
    spec = stft(x, 16, 5, 12, _window(x, 12), normalized=True, return_complex=True)
    yield SampleInput(spec, 16, 5, 12, _window(x, 12), normalized=True, return_complex=two_sided)
    spec = stft(x, 8, center=False, return_complex=True)
    yield SampleInput(spec, 8, center=False, length=100, return_complex=two_sided)


def _np_istft(
    spec,
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
    hop, win = hop_length or n_fft // 4, win_length or n_fft
    w = np.zeros(n_fft)
    left = (n_fft - win) // 2
    w[left : left + win] = 1 if window is None else window
    s = spec[None] if spec.ndim == 2 else spec
    scale = np.sqrt(n_fft) if normalized else 1
    inverse = np.fft.ifft if return_complex else (lambda a, n, axis: np.fft.irfft(a, n, axis))
    frames = inverse(s[:, : (n_fft if return_complex else n_fft // 2 + 1)], n_fft, axis=1) * scale
    n_frames = s.shape[-1]
    total = n_fft + hop * (n_frames - 1)
    y = np.zeros((s.shape[0], total), dtype=frames.dtype)
    env = np.zeros(total)
    for t in range(n_frames):
        y[:, t * hop : t * hop + n_fft] += frames[:, :, t] * w
        env[t * hop : t * hop + n_fft] += w * w
    start = n_fft // 2 if center else 0
    end = total - start if length is None else start + length
    y = y[:, start:end] / env[start:end]
    y = np.pad(y, ((0, 0), (0, 0 if length is None else length - y.shape[-1])))
    return y[0] if spec.ndim == 2 else y


for _name, _fn in (("fft", np.fft.fft), ("ifft", np.fft.ifft)):
    OpInfo(
        f"fft_{_name}",
        _np_one_dim(_fn),
        _one_dim_samples,
        FFT_DTYPES + (_dt.int64,),
        grad_order=2,
        torch=f"torch.fft.{_name}",
    )
for _name, _fn in (("rfft", np.fft.rfft), ("ihfft", np.fft.ihfft)):
    OpInfo(
        f"fft_{_name}",
        _np_one_dim(_fn),
        _one_dim_samples,
        REAL + (_dt.int64,),
        grad_order=2,
        torch=f"torch.fft.{_name}",
    )
for _name, _fn in (("irfft", np.fft.irfft), ("hfft", np.fft.hfft)):
    OpInfo(
        f"fft_{_name}",
        _np_one_dim(_fn),
        _half_samples,
        FFT_DTYPES,
        grad_order=2,
        torch=f"torch.fft.{_name}",
    )
for _name, _fn in (("fftn", np.fft.fftn), ("ifftn", np.fft.ifftn)):
    OpInfo(
        f"fft_{_name}",
        _np_n_dim(_fn),
        _n_dim_samples,
        FFT_DTYPES + (_dt.int64,),
        grad_order=2,
        torch=f"torch.fft.{_name}",
    )
OpInfo(
    "fft_rfftn",
    _np_n_dim(np.fft.rfftn),
    _n_dim_samples,
    REAL + (_dt.int64,),
    grad_order=2,
    torch="torch.fft.rfftn",
)
OpInfo("fft_irfftn", _np_irfftn, _n_dim_samples, FFT_DTYPES, grad_order=2, torch="torch.fft.irfftn")
for _name, _fn in (("fftshift", np.fft.fftshift), ("ifftshift", np.fft.ifftshift)):
    OpInfo(
        f"fft_{_name}",
        _np_shift(_fn),
        _shift_samples,
        ALL_NUMERIC + COMPLEX,
        grad_order=2,
        torch=f"torch.fft.{_name}",
    )
OpInfo("stft", _np_stft, _stft_samples, FFT_DTYPES, grad_order=2, rtol=1e-5, atol=1e-4)
OpInfo("istft", _np_istft, _istft_samples, FFT_DTYPES, grad_order=2, rtol=1e-5, atol=1e-5)
