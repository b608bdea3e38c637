"""Focused tests for the fft family: dtypes, errors, round trips, stft/istft and windows.

Forward values against NumPy are checked by tests/ops/test_opinfo.py from the
OpInfo rows; parity with PyTorch by tests/parity/test_fft_parity.py.
"""

import numpy as np
import pytest

import ember
from ember import fft as F
from ember._ops import spectral
from ember._ops.fft import TOP_LEVEL
from ember.testing import assert_close, make_tensor


def rand(*shape, dtype=ember.float32, seed=0):
    return make_tensor(*shape, dtype=dtype, rng=np.random.default_rng(seed))


@pytest.fixture
def default_float64():
    ember.set_default_dtype(ember.float64)
    yield
    ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize(
    "dtype, expected",
    [
        (ember.float32, ember.complex64),
        (ember.float64, ember.complex128),
        (ember.complex64, ember.complex64),
        (ember.int64, ember.complex64),  # integers: the default float first
        (ember.bool, ember.complex64),
    ],
)
def test_result_dtypes(dtype, expected):
    x = rand(8, dtype=dtype)
    assert F.fft(x).dtype is expected
    assert F.fftn(x).dtype is expected
    if dtype.category != ember.complex64.category:
        assert F.rfft(x).dtype is expected
        assert F.irfft(F.rfft(x)).dtype is expected.to_real()


def test_integers_follow_the_default_dtype(default_float64):
    assert F.fft(ember.arange(4)).dtype is ember.complex128


@pytest.mark.parametrize(
    "fn, args, kwargs, error, match",
    [
        (F.rfft, (rand(4, dtype=ember.complex64),), {}, RuntimeError, "expects a real input"),
        (F.ihfft, (rand(4, dtype=ember.complex64),), {}, RuntimeError, "expects a real input"),
        (F.fft, (rand(4, dtype=ember.float16),), {}, RuntimeError, "unsupported dtype float16"),
        (F.fft, (rand(4),), {"n": 0}, RuntimeError, r"invalid number of data points \(0\)"),
        (F.fft, (rand(0),), {}, RuntimeError, r"invalid number of data points \(0\)"),
        (F.irfft, (rand(1),), {}, RuntimeError, r"invalid number of data points \(0\)"),
        (F.fft, (rand(4),), {"norm": "bad"}, RuntimeError, "invalid normalization mode 'bad'"),
        (F.fft, (rand(),), {}, IndexError, "tensor has no dimensions"),
        (F.fft, (rand(4, 3),), {"dim": 2}, IndexError, "Dimension out of range"),
        (F.fftn, (rand(4, 3),), {"dim": (0, 0)}, RuntimeError, "FFT dims must be unique"),
        (F.fftn, (rand(4, 3),), {"s": (3,), "dim": (0, 1)}, RuntimeError, "same length"),
        (F.rfftn, (rand(4, 3),), {"dim": ()}, RuntimeError, "at least one axis"),
        (F.fft2, (rand(3),), {}, IndexError, "Dimension out of range"),
    ],
)
def test_errors(fn, args, kwargs, error, match):
    with pytest.raises(error, match=rf"^fft_\w+: .*{match}"):
        fn(*args, **kwargs)


def test_round_trips():
    x = rand(3, 10, dtype=ember.float64)
    assert_close(F.ifft(F.fft(x)).numpy().real, x.numpy())
    assert_close(F.irfft(F.rfft(x), 10), x)
    assert_close(F.irfft(F.rfft(x, norm="ortho"), 10, norm="ortho"), x)
    assert_close(F.hfft(F.ihfft(x), 10), x)
    assert_close(F.irfftn(F.rfftn(x), x.shape), x)
    assert_close(F.irfft2(F.rfft2(x, norm="forward"), x.shape, norm="forward"), x)
    assert_close(F.ifftshift(F.fftshift(x, dim=1), dim=1), x)


def test_fftn_over_no_dims_is_a_complex_copy():
    x = rand(2, 3)
    out = F.fftn(x, dim=())
    assert out.dtype is ember.complex64
    assert_close(out.numpy().real, x.numpy())


def test_frequencies():
    assert_close(F.fftfreq(4), np.array([0.0, 0.25, -0.5, -0.25]))
    assert_close(F.rfftfreq(5, d=0.5), np.array([0.0, 0.4, 0.8]))
    assert F.fftfreq(4).dtype is ember.float32
    assert F.fftfreq(4, dtype=ember.complex64).dtype is ember.complex64
    with pytest.raises(RuntimeError, match=r"^fftfreq: requires a floating point or complex"):
        F.fftfreq(4, dtype=ember.int64)


# ---- windows ----------------------------------------------------------------------------------


WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
def test_window_shapes_symmetry_and_errors(name):
    fn = getattr(spectral, name)
    w = fn(9, periodic=False)
    assert w.dtype is ember.float32 and w.shape == (9,)
    assert_close(w.numpy(), w.numpy()[::-1])  # symmetric windows are palindromes
    assert_close(fn(8), fn(9, periodic=False).numpy()[:-1])  # periodic: drop the last point
    assert fn(0).shape == (0,) and fn(1).tolist() == [1.0]
    assert fn(4, dtype=ember.float64).dtype is ember.float64
    with pytest.raises(RuntimeError, match=rf"^{name}: expects floating point dtypes, got int64"):
        fn(4, dtype=ember.int64)
    with pytest.raises(RuntimeError, match=rf"^{name}: requires non-negative window_length"):
        fn(-1)


def test_top_level_names():
    names = ["stft", "istft"] + WINDOWS
    assert sorted(TOP_LEVEL) == sorted(names)
    assert ember.stft is TOP_LEVEL["stft"]


@pytest.mark.skipif(
    not hasattr(ember, "hann_window"), reason="ember/__init__.py does not export TOP_LEVEL yet"
)
def test_windows_are_exported_at_the_top_level():
    for name in TOP_LEVEL:
        assert getattr(ember, name) is TOP_LEVEL[name]


# ---- stft / istft -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_fft, hop, win, window, center",
    [
        (16, None, None, "hann", True),
        (64, 16, 48, "hann", True),
        (32, 8, None, "hamming", True),
        (32, 8, None, None, True),  # rectangular
        (32, 8, None, "hamming", False),  # hann is zero at its ends: not invertible uncentred
        (32, 10, 20, "blackman", True),  # hop not dividing n_fft
    ],
)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_istft_inverts_stft(n_fft, hop, win, window, center, dtype):
    length = 488  # 32 + 8 * 57: uncentred frames cover the whole signal
    x = rand(2, length, dtype=dtype)
    w = None if window is None else getattr(spectral, f"{window}_window")(win or n_fft, dtype=dtype)
    kw = {"hop_length": hop, "win_length": win, "window": w, "center": center}
    spec = spectral.stft(x, n_fft, return_complex=True, **kw)
    y = spectral.istft(spec, n_fft, length=length, **kw)
    assert y.dtype is dtype and y.shape == (2, length)
    assert np.abs(y.numpy() - x.numpy()).max() < 1e-5 * np.abs(x.numpy()).max()


def test_complex_round_trip_and_one_dimensional_signal():
    x = rand(300, dtype=ember.complex128)
    w = spectral.hann_window(32, dtype=ember.float64)
    spec = spectral.stft(x, 32, 8, window=w, return_complex=True)
    assert spec.shape == (32, 1 + 300 // 8)  # two-sided for complex input
    y = spectral.istft(spec, 32, 8, window=w, length=300, return_complex=True)
    assert y.dtype is ember.complex128
    assert_close(y, x, rtol=1e-9, atol=1e-9)


def test_stft_is_a_tensor_method():
    x = rand(64)
    assert_close(x.stft(16, return_complex=True), spectral.stft(x, 16, return_complex=True))


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((rand(64), 16), {}, "return_complex=True is required"),
        ((rand(64), 16), {"return_complex": False}, "return_complex=True is required"),
        ((rand(2, 2, 64), 16), {"return_complex": True}, "expected a 1-D or 2-D tensor"),
        ((ember.arange(64), 16), {"return_complex": True}, "floating point or complex"),
        ((rand(64), 16), {"win_length": 20, "return_complex": True}, "0 < win_length <= n_fft"),
        ((rand(64), 16), {"hop_length": 0, "return_complex": True}, "hop_length > 0"),
        ((rand(64), 16), {"window": rand(10), "return_complex": True}, "size equal to win_length"),
        ((rand(10), 16), {"center": False, "return_complex": True}, r"expected 0 < n_fft <= 10"),
        ((rand(64), 16), {"pad_mode": "foo", "return_complex": True}, "unknown pad_mode 'foo'"),
        (
            (rand(64, dtype=ember.complex64), 16),
            {"onesided": True, "return_complex": True},
            "cannot have onesided output",
        ),
    ],
)
def test_stft_errors(args, kwargs, match):
    with pytest.raises(RuntimeError, match=rf"^stft: .*{match}"):
        spectral.stft(*args, **kwargs)


def test_istft_errors():
    spec = spectral.stft(rand(2, 100), 16, return_complex=True)
    with pytest.raises(RuntimeError, match=r"^istft: requires a complex-valued input"):
        spectral.istft(rand(9, 26), 16)
    with pytest.raises(RuntimeError, match=r"^istft: expected the frequency dim .* to be 9"):
        spectral.istft(spectral.stft(rand(100), 32, return_complex=True), 16, onesided=True)
    with pytest.raises(RuntimeError, match=r"^istft: cannot have onesided output"):
        spectral.istft(spec, 16, return_complex=True)
    hann = spectral.hann_window(16)
    spec = spectral.stft(rand(100), 16, window=hann, center=False, return_complex=True)
    with pytest.raises(RuntimeError, match=r"^istft: window overlap add min is zero"):
        spectral.istft(spec, 16, window=hann, center=False)
