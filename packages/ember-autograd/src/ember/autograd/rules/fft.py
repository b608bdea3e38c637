"""Derivatives of ``ember/_ops/fft.py``. Each transform is linear; its gradient is the
adjoint transform (the inverse with the opposite normalization), cut or padded
back to the input's length, with the half-spectrum bookkeeping of the real
transforms as in PyTorch."""

from __future__ import annotations

from ember._ops import OPS, wrap_dim
from ember.autograd.rules._util import composite, conj, linear, real, zeros
from ember.autograd.rules.shape import fit

DERIVATIVES: dict = {}
JVPS: dict = {}

_SWAP = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _fit_dims(g, x, dims):
    for d in dims:
        g = fit(g, d, x.shape[d])
    return g


def _c2c(inverse_of):
    def rule(grad, _out, x, n=None, dim=-1, norm=None):
        d = wrap_dim(dim, x.ndim)
        g = OPS[inverse_of](grad, None, d, _SWAP[norm])
        return (_fit_dims(g, x, (d,)),)

    return rule


DERIVATIVES["fft_fft"] = _c2c("fft_ifft")
DERIVATIVES["fft_ifft"] = _c2c("fft_fft")


def _pad_half(grad, d, full):
    """A one-sided spectrum zero-padded to the full length ``full`` along ``d``."""
    missing = full - grad.shape[d]
    if missing <= 0:
        return grad
    shape = list(grad.shape)
    shape[d] = missing
    return OPS["cat"]([grad, zeros(shape, grad)], d)


def _rfft(grad, _out, x, n=None, dim=-1, norm=None):
    d = wrap_dim(dim, x.ndim)
    full = x.shape[d] if n is None else n
    g = OPS["fft_ifft"](_pad_half(grad, d, full), None, d, _SWAP[norm])
    return (_fit_dims(real(g), x, (d,)),)


def _doubled(g, d, out_len):
    """Entries of a one-sided spectrum that stand for two (k and n - k), times two."""
    double = out_len - g.shape[d]
    if double <= 0:
        return g
    parts = [g.narrow(d, 0, 1), g.narrow(d, 1, double) * 2]
    rest = g.shape[d] - 1 - double
    if rest > 0:
        parts.append(g.narrow(d, 1 + double, rest))
    return OPS["cat"](parts, d)


def _irfft(grad, _out, x, n=None, dim=-1, norm=None):
    d = wrap_dim(dim, x.ndim)
    g = OPS["fft_rfft"](grad, None, d, _SWAP[norm])
    g = _doubled(g, d, grad.shape[d])
    return (_fit_dims(g, x, (d,)),)


DERIVATIVES["fft_rfft"] = _rfft
DERIVATIVES["fft_irfft"] = _irfft
DERIVATIVES["fft_hfft"] = composite(
    lambda x, n=None, dim=-1, norm=None: OPS["fft_irfft"](conj(x), n, dim, _SWAP[norm])
)
DERIVATIVES["fft_ihfft"] = composite(
    lambda x, n=None, dim=-1, norm=None: conj(OPS["fft_rfft"](x, n, dim, _SWAP[norm]))
)


def _nd_dims(x, s, dim):
    if dim is None:
        dims = list(range(x.ndim)) if s is None else list(range(x.ndim - len(s), x.ndim))
    else:
        dims = [dim] if isinstance(dim, int) else list(dim)
    return [wrap_dim(d, x.ndim) for d in dims]


def _c2c_n(inverse_of):
    def rule(grad, _out, x, s=None, dim=None, norm=None):
        dims = _nd_dims(x, s, dim)
        g = OPS[inverse_of](grad, None, dims, _SWAP[norm])
        return (_fit_dims(g, x, dims),)

    return rule


DERIVATIVES["fft_fftn"] = _c2c_n("fft_ifftn")
DERIVATIVES["fft_ifftn"] = _c2c_n("fft_fftn")


def _rfftn(grad, _out, x, s=None, dim=None, norm=None):
    dims = _nd_dims(x, s, dim)
    last = dims[-1]
    full = x.shape[last] if s is None or s[-1] == -1 else s[-1]
    g = OPS["fft_ifftn"](_pad_half(grad, last, full), None, dims, _SWAP[norm])
    return (_fit_dims(real(g), x, dims),)


def _irfftn(grad, _out, x, s=None, dim=None, norm=None):
    dims = _nd_dims(x, s, dim)
    g = OPS["fft_rfftn"](grad, None, dims, _SWAP[norm])
    g = _doubled(g, dims[-1], grad.shape[dims[-1]])
    return (_fit_dims(g, x, dims),)


DERIVATIVES["fft_rfftn"] = _rfftn
DERIVATIVES["fft_irfftn"] = _irfftn
DERIVATIVES["fft_fftshift"] = lambda grad, _out, _x, dim=None: (OPS["fft_ifftshift"](grad, dim),)
DERIVATIVES["fft_ifftshift"] = lambda grad, _out, _x, dim=None: (OPS["fft_fftshift"](grad, dim),)
for _name in ("fft_fft", "fft_ifft", "fft_fftn", "fft_ifftn", "fft_fftshift", "fft_ifftshift"):
    JVPS[_name] = linear(_name)
