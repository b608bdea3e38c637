"""Parity with PyTorch for the fft family: transforms, shifts, stft/istft and windows.

Every OpInfo sample runs through ember and torch; values, shapes and dtypes
(float32 -> complex64, integers -> the default float) must agree.
"""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from ember import fft as efft  # noqa: E402
from ember._ops import OPS, spectral  # noqa: E402
from ember.testing import load_opinfos, make_tensor  # noqa: E402

pytestmark = pytest.mark.parity

OPINFOS = load_opinfos()
CASES = [
    (info, dtype)
    for info in OPINFOS.values()
    if OPS[info.name].family in ("fft", "spectral")
    for dtype in info.dtypes
]


def to_torch(x):
    if isinstance(x, ember.Tensor):
        return torch.from_numpy(np.array(x.cpu().numpy()))
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v) for v in x)
    if isinstance(x, dict):
        return {k: to_torch(v) for k, v in x.items()}
    return x


def assert_matches(ours, theirs, msg=""):
    """Same shape, same dtype and values within a float32- or float64-sized tolerance."""
    a, e = ours.cpu().numpy(), theirs.resolve_conj().numpy()
    assert a.shape == e.shape, f"{msg}: shape {a.shape} vs torch {e.shape}"
    assert ours.dtype.name == str(theirs.dtype).split(".")[1], f"{msg}: dtype"
    tol = 1e-5 if a.dtype in (np.float32, np.complex64) else 1e-12
    scale = max(1.0, float(np.max(np.abs(e), initial=0.0)))
    np.testing.assert_allclose(a, e, rtol=tol, atol=tol * scale, err_msg=msg)


def torch_fn(info):
    fn = torch
    for part in (info.torch or f"torch.{info.name}").split(".")[1:]:
        fn = getattr(fn, part)
    return fn


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0].name}-{c[1].name}")
def test_op_matches_torch(case):
    info, dtype = case
    rng = np.random.default_rng(0)

    def make(*shape, **kw):
        kw.setdefault("dtype", dtype)
        return make_tensor(*shape, rng=rng, **kw)

    for sample in info.samples(make):
        if sample.args[0].numel() == 0:
            continue  # torch's MKL FFT fails on empty batches; ember returns an empty result
        ours = OPS[info.name](*sample.args, **sample.kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's note on stft without a window
            theirs = torch_fn(info)(*to_torch(sample.args), **to_torch(sample.kwargs))
        assert_matches(ours, theirs, f"{info.name}{sample}")


@pytest.mark.parametrize("name", ["fft2", "ifft2", "rfft2", "irfft2"])
@pytest.mark.parametrize("kwargs", [{}, {"s": (4, 6)}, {"dim": (0, 2), "norm": "ortho"}])
def test_2d_transforms_match_torch(name, kwargs):
    x = make_tensor(3, 4, 5, dtype=ember.float64, rng=np.random.default_rng(0))
    expected = getattr(torch.fft, name)(to_torch(x), **kwargs)
    assert_matches(getattr(efft, name)(x, **kwargs), expected, name)


@pytest.mark.parametrize("n, d", [(5, 1.0), (8, 0.1), (1, 2.0), (0, 1.0)])
def test_frequencies_match_torch(n, d):
    assert_matches(efft.fftfreq(n, d), torch.fft.fftfreq(n, d), "fftfreq")
    assert_matches(efft.rfftfreq(n, d), torch.fft.rfftfreq(n, d), "rfftfreq")
    ours = efft.fftfreq(n, d, dtype=ember.float64)
    assert_matches(ours, torch.fft.fftfreq(n, d, dtype=torch.float64), "fftfreq float64")


WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("length", [0, 1, 2, 7, 16])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name, length, periodic):
    ours = getattr(spectral, name)(length, periodic)
    assert_matches(ours, getattr(torch, name)(length, periodic), name)
    ours = getattr(spectral, name)(length, periodic, dtype=ember.float64)
    assert_matches(ours, getattr(torch, name)(length, periodic, dtype=torch.float64), name)


def test_window_parameters_match_torch():
    ours = spectral.hamming_window(9, False, 0.5, 0.5)
    assert_matches(ours, torch.hamming_window(9, False, 0.5, 0.5), "hamming")
    ours = spectral.kaiser_window(9, True, 5.0)
    assert_matches(ours, torch.kaiser_window(9, True, 5.0), "kaiser")


def test_stft_round_trip_matches_torch():
    x = make_tensor(3, 400, dtype=ember.float64, rng=np.random.default_rng(1))
    w, tw = (
        spectral.hann_window(64, dtype=ember.float64),
        torch.hann_window(64, dtype=torch.float64),
    )
    spec = spectral.stft(x, 64, 16, window=w, return_complex=True)
    tspec = torch.stft(to_torch(x), 64, 16, window=tw, return_complex=True)
    assert_matches(spec, tspec, "stft")
    y = spectral.istft(spec, 64, 16, window=w, length=400)
    assert_matches(y, torch.istft(tspec, 64, 16, window=tw, length=400), "istft")
