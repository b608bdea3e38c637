"""``torch.fft``: discrete Fourier transforms, frequencies and shifts.

``__all__`` is what ``ember.fft`` exports; ``TOP_LEVEL`` (``stft``, ``istft`` and
the window functions, from ``spectral.py``) is what ``ember`` exports. Dtypes
follow PyTorch: float32 gives complex64 (NumPy would give complex128 on older
versions: results are cast), integer and bool inputs are first promoted to the
default float, and float16 is not supported.
"""

from __future__ import annotations

import numpy as np

from ember import dtypes as _dt
from ember._ops import Op, wrap_dim, wrap_dims
from ember._ops import spectral as _spectral
from ember.devices import as_device
from ember.dispatch import wrap

__all__ = [
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "hfft",
    "ihfft",
    "fft2",
    "ifft2",
    "rfft2",
    "irfft2",
    "fftn",
    "ifftn",
    "rfftn",
    "irfftn",
    "fftfreq",
    "rfftfreq",
    "fftshift",
    "ifftshift",
]

_NORMS = (None, "backward", "ortho", "forward")
_FFT_DTYPES = tuple(np.dtype(t) for t in ("float32", "float64", "complex64", "complex128"))


def _input(name, x, real=False):
    """``x`` in a dtype the transforms take; integers and bool become the default float."""
    if not hasattr(x, "ndim"):
        raise TypeError(f"{name}: expected a tensor, got {type(x).__name__}")
    if x.dtype.kind in "biu":
        return x.astype(_dt.get_default_dtype().np)
    if x.dtype not in _FFT_DTYPES:
        raise RuntimeError(f"{name}: unsupported dtype {_dt.from_numpy(x.dtype).name}")
    if real and x.dtype.kind == "c":
        raise RuntimeError(
            f"{name}: expects a real input tensor, but got {_dt.from_numpy(x.dtype).name}"
        )
    return x


def _norm(name, norm):
    if norm not in _NORMS:
        raise RuntimeError(
            f"{name}: invalid normalization mode {norm!r}; expected 'backward', 'ortho' or "
            "'forward'"
        )
    return norm


def _points(name, n):
    if n < 1:
        raise RuntimeError(f"{name}: invalid number of data points ({n}) specified")
    return n


def _dim(name, x, dim):
    if x.ndim == 0:
        raise IndexError(f"{name}: dimension specified as {dim} but the tensor has no dimensions")
    return wrap_dim(dim, x.ndim, name)


def _complex_of(x):
    return np.result_type(x.dtype, np.complex64)


def _real_of(x):
    return np.finfo(x.dtype).dtype


def _one_dim(name, x, n, dim, norm, real=False):
    x = _input(name, x, real)
    d = _dim(name, x, dim)
    return x, _points(name, x.shape[d] if n is None else n), d, _norm(name, norm)


def _fft(xp, x, n=None, dim=-1, norm=None):
    """One-dimensional discrete Fourier transform of ``input`` along ``dim``.

    Args:
        n: signal length: the input is zero-padded or trimmed to ``n`` along ``dim``.
        dim: the dimension to transform (default the last).
        norm: ``'backward'`` (default: no scaling forward), ``'ortho'`` (``1/sqrt(n)``)
            or ``'forward'`` (``1/n``).
    """
    x, n, d, norm = _one_dim("fft_fft", x, n, dim, norm)
    return xp.fft.fft(x, n, axis=d, norm=norm).astype(_complex_of(x), copy=False)


def _ifft(xp, x, n=None, dim=-1, norm=None):
    """Inverse of :func:`fft` (``norm='backward'`` scales by ``1/n`` here)."""
    x, n, d, norm = _one_dim("fft_ifft", x, n, dim, norm)
    return xp.fft.ifft(x, n, axis=d, norm=norm).astype(_complex_of(x), copy=False)


def _rfft(xp, x, n=None, dim=-1, norm=None):
    """FFT of a real ``input``: the ``n // 2 + 1`` non-negative frequencies."""
    x, n, d, norm = _one_dim("fft_rfft", x, n, dim, norm, real=True)
    return xp.fft.rfft(x, n, axis=d, norm=norm).astype(_complex_of(x), copy=False)


def _irfft(xp, x, n=None, dim=-1, norm=None):
    """Inverse of :func:`rfft`: a real signal of length ``n`` (default ``2 * (m - 1)``)."""
    x = _input("fft_irfft", x)
    d = _dim("fft_irfft", x, dim)
    n = _points("fft_irfft", 2 * (x.shape[d] - 1) if n is None else n)
    out = xp.fft.irfft(x, n, axis=d, norm=_norm("fft_irfft", norm))
    return out.astype(_real_of(x), copy=False)


def _hfft(xp, x, n=None, dim=-1, norm=None):
    """FFT of a Hermitian-symmetric signal given by its first half: a real result of
    length ``n`` (default ``2 * (m - 1)``)."""
    x = _input("fft_hfft", x)
    d = _dim("fft_hfft", x, dim)
    n = _points("fft_hfft", 2 * (x.shape[d] - 1) if n is None else n)
    out = xp.fft.hfft(x, n, axis=d, norm=_norm("fft_hfft", norm))
    return out.astype(_real_of(x), copy=False)


def _ihfft(xp, x, n=None, dim=-1, norm=None):
    """Inverse of :func:`hfft` for a real ``input``: ``n // 2 + 1`` complex values."""
    x, n, d, norm = _one_dim("fft_ihfft", x, n, dim, norm, real=True)
    return xp.fft.ihfft(x, n, axis=d, norm=norm).astype(_complex_of(x), copy=False)


def _plan(name, x, s, dim, last_half=False):
    """PyTorch's ``s``/``dim`` rules: the axes and their lengths (``-1`` keeps a size).

    With ``last_half`` (the inverse real transforms), the last length defaults to
    ``2 * (m - 1)`` instead of the input's size.
    """
    if dim is None:
        axes = tuple(range(x.ndim)) if s is None else tuple(range(x.ndim - len(s), x.ndim))
        if s is not None and len(s) > x.ndim:
            raise RuntimeError(f"{name}: got shape {tuple(s)} for a {x.ndim}-D input")
    else:
        axes = (dim,) if isinstance(dim, int) else tuple(dim)
        axes = tuple(wrap_dim(d, x.ndim, name) for d in axes)
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"{name}: FFT dims must be unique, got {tuple(dim)}")
        if s is not None and len(s) != len(axes):
            raise RuntimeError(
                f"{name}: when given, dim and shape arguments must have the same length, "
                f"got s={tuple(s)} and dim={tuple(dim)}"
            )
    sizes = [x.shape[a] if n == -1 else n for a, n in zip(axes, s or [-1] * len(axes))]
    if last_half and axes and (s is None or s[-1] == -1):
        sizes[-1] = 2 * (x.shape[axes[-1]] - 1)
    for n in sizes:
        _points(name, n)
    return tuple(sizes), axes


def _fftn(xp, x, s=None, dim=None, norm=None):
    """N-dimensional FFT over ``dim`` (all dims by default, or the last ``len(s)``).

    Args:
        s: signal lengths per transformed dim (``-1``: keep that dim's size).
        dim: the dims to transform.
        norm: as in :func:`fft`.
    """
    x = _input("fft_fftn", x)
    s, axes = _plan("fft_fftn", x, s, dim)
    out = xp.fft.fftn(x, s, axes, norm=_norm("fft_fftn", norm)) if axes else x
    return out.astype(_complex_of(x), copy=False)


def _ifftn(xp, x, s=None, dim=None, norm=None):
    """Inverse of :func:`fftn`."""
    x = _input("fft_ifftn", x)
    s, axes = _plan("fft_ifftn", x, s, dim)
    out = xp.fft.ifftn(x, s, axes, norm=_norm("fft_ifftn", norm)) if axes else x
    return out.astype(_complex_of(x), copy=False)


def _rfftn(xp, x, s=None, dim=None, norm=None):
    """N-dimensional FFT of a real ``input``; the last dim keeps ``n // 2 + 1`` values."""
    x = _input("fft_rfftn", x, real=True)
    s, axes = _plan("fft_rfftn", x, s, dim)
    if not axes:
        raise RuntimeError("fft_rfftn: must transform at least one axis")
    out = xp.fft.rfftn(x, s, axes, norm=_norm("fft_rfftn", norm))
    return out.astype(_complex_of(x), copy=False)


def _irfftn(xp, x, s=None, dim=None, norm=None):
    """Inverse of :func:`rfftn`: real output; the last length defaults to ``2 * (m - 1)``."""
    x = _input("fft_irfftn", x)
    s, axes = _plan("fft_irfftn", x, s, dim, last_half=True)
    if not axes:
        raise RuntimeError("fft_irfftn: must transform at least one axis")
    out = xp.fft.irfftn(x, s, axes, norm=_norm("fft_irfftn", norm))
    return out.astype(_real_of(x), copy=False)


def _shift(name, xp_shift, x, dim):
    if not hasattr(x, "ndim"):
        raise TypeError(f"{name}: expected a tensor, got {type(x).__name__}")
    return xp_shift(x, axes=wrap_dims(dim, x.ndim, name))


def _fftshift(xp, x, dim=None):
    """Move the zero-frequency term to the centre of ``dim`` (all dims by default)."""
    return _shift("fft_fftshift", xp.fft.fftshift, x, dim)


def _ifftshift(xp, x, dim=None):
    """Inverse of :func:`fftshift`."""
    return _shift("fft_ifftshift", xp.fft.ifftshift, x, dim)


fft = Op("fft_fft", _fft, method=False)
ifft = Op("fft_ifft", _ifft, method=False)
rfft = Op("fft_rfft", _rfft, method=False)
irfft = Op("fft_irfft", _irfft, method=False)
hfft = Op("fft_hfft", _hfft, method=False)
ihfft = Op("fft_ihfft", _ihfft, method=False)
fftn = Op("fft_fftn", _fftn, method=False)
ifftn = Op("fft_ifftn", _ifftn, method=False)
rfftn = Op("fft_rfftn", _rfftn, method=False)
irfftn = Op("fft_irfftn", _irfftn, method=False)
fftshift = Op("fft_fftshift", _fftshift, method=False)
ifftshift = Op("fft_ifftshift", _ifftshift, method=False)


def fft2(input, s=None, dim=(-2, -1), norm=None):
    """Two-dimensional FFT: :func:`fftn` over ``dim`` (default the last two dims)."""
    return fftn(input, s, dim, norm)


def ifft2(input, s=None, dim=(-2, -1), norm=None):
    """Inverse of :func:`fft2`."""
    return ifftn(input, s, dim, norm)


def rfft2(input, s=None, dim=(-2, -1), norm=None):
    """Two-dimensional FFT of a real input: :func:`rfftn` over ``dim``."""
    return rfftn(input, s, dim, norm)


def irfft2(input, s=None, dim=(-2, -1), norm=None):
    """Inverse of :func:`rfft2`."""
    return irfftn(input, s, dim, norm)


def _frequencies(name, n, d, dtype, device, requires_grad):
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    if dt.category < _dt.FLOATING:
        raise RuntimeError(f"{name}: requires a floating point or complex dtype, got {dt.name}")
    if n < 0:
        raise RuntimeError(f"{name}: n must be non-negative, got {n}")
    xp = as_device(device).xp
    if n == 0:  # NumPy divides by n; PyTorch gives [] and [nan] (0 / 0 for rfftfreq)
        arr = xp.full(0 if name == "fftfreq" else 1, np.nan, dtype=dt.np)
    else:
        arr = getattr(xp.fft, name)(int(n), d).astype(dt.np)
    out = wrap(arr, as_device(device))
    return out.requires_grad_() if requires_grad else out


def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an ``n``-point FFT with sample spacing ``d``.

    ``[0, 1, ..., n//2 - 1 (or (n-1)//2), -n//2, ..., -1] / (d * n)``, in the
    default float dtype unless ``dtype`` is given.
    """
    return _frequencies("fftfreq", n, d, dtype, device, requires_grad)


def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The ``n // 2 + 1`` non-negative sample frequencies of an ``n``-point :func:`rfft`."""
    return _frequencies("rfftfreq", n, d, dtype, device, requires_grad)


stft, istft = _spectral.stft, _spectral.istft
TOP_LEVEL: dict = {
    name: getattr(_spectral, name)
    for name in [
        *("stft", "istft", "hann_window", "hamming_window", "blackman_window"),
        *("bartlett_window", "kaiser_window"),
    ]
}
