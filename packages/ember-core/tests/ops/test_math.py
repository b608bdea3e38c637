"""Elementwise math (``ember/_ops/math.py``): stability, edge values, views, dtypes."""

import math

import numpy as np
import pytest

import ember
from ember.testing import assert_close


def t(values, dtype=None):
    return ember.tensor(values, dtype=dtype)


def test_integers_become_the_default_float():
    for op in (ember.exp, ember.log1p, ember.sin, ember.sigmoid, ember.rsqrt, ember.erf):
        assert op(t([1, 2])).dtype is ember.float32
    assert ember.atan2(t([1]), t([True])).dtype is ember.float32
    assert ember.copysign(t([1, 2]), -1).tolist() == [-1.0, -2.0]


def test_sigmoid_is_stable_at_the_extremes():
    out = ember.sigmoid(t([-100.0, 100.0, -20.0, 0.0]))
    assert out.tolist()[:2] == [0.0, 1.0]
    assert_close(out, t([0.0, 1.0, 2.0611536e-09, 0.5]), rtol=1e-6, atol=0)
    half = ember.sigmoid(t([-11.0], ember.float16))  # computed in float32: not 0
    assert half.dtype is ember.float16 and half.item() > 0
    assert ember.sigmoid(t([-11.0], ember.bfloat16)).dtype is ember.bfloat16


def test_logit_with_and_without_eps():
    out = ember.logit(t([0.0, 1.0, 0.5]))
    assert out.tolist() == [-math.inf, math.inf, 0.0]
    assert_close(ember.logit(t([0.0, 1.0]), eps=1e-6), t([-13.815510, 13.815510]), rtol=1e-3)
    # eps > 0.5: the lower bound wins, as in PyTorch
    assert_close(ember.logit(t([0.3]), eps=0.6), t([math.log(0.6 / 0.4)]))
    with pytest.raises(TypeError, match=r"^logit: complex tensors are not supported"):
        ember.logit(t([0.5j]))


def test_domain_errors_give_nan_and_inf_silently():
    assert ember.log(t([0.0])).item() == -math.inf
    assert math.isnan(ember.log(t([-1.0])).item())
    assert math.isnan(ember.sqrt(t([-1.0])).item())
    assert ember.rsqrt(t([0.0])).item() == math.inf
    assert ember.atanh(t([1.0])).item() == math.inf


def test_complex_functions():
    z = t([1 + 2j, -3j])
    assert ember.exp(z).dtype is ember.complex64
    assert_close(ember.sqrt(z), t(np.sqrt(np.array([1 + 2j, -3j], dtype=np.complex64))))
    assert_close(ember.rsqrt(z), 1 / ember.sqrt(z))


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "copysign", "xlogy"])
def test_real_only_binary_ops_refuse_complex(name):
    with pytest.raises(TypeError, match=rf"^{name}: complex tensors are not supported"):
        getattr(ember, name)(t([1j]), t([1j]))


def test_logaddexp_does_not_overflow():
    assert_close(ember.logaddexp(t([1000.0]), t([1000.0])), t([1000.0 + math.log(2)]))
    assert ember.logaddexp(t([-math.inf]), t([-math.inf])).item() == -math.inf
    assert_close(ember.logaddexp2(t([1.0]), t([1.0])), t([2.0]))


def test_xlogy_is_zero_where_x_is_zero():
    out = ember.xlogy(t([0.0, 0.0, 2.0]), t([0.0, math.nan, 1.0]))
    assert out.tolist()[0] == 0.0 and math.isnan(out.tolist()[1]) and out.tolist()[2] == 0.0
    assert ember.xlogy(t([0, 1]), t([0, 0])).tolist() == [0.0, -math.inf]
    assert ember.xlogy(2, t([1.0])).tolist() == [0.0]


def test_nextafter_and_its_dtypes():
    one = t([1.0], ember.float64)
    assert ember.nextafter(one, t([2.0], ember.float64)).item() == 1.0 + 2**-52
    with pytest.raises(TypeError, match=r"^nextafter: expected floating tensors"):
        ember.nextafter(t([1]), t([2]))


def test_lerp_is_exact_at_the_end_and_accepts_tensor_weights():
    a, b = t([1.0, -2.0, 3.3]), t([2.0, 5.0, 7.7])
    assert ember.lerp(a, b, 1.0).tolist() == b.tolist()
    assert ember.lerp(a, b, 0.0).tolist() == a.tolist()
    assert_close(ember.lerp(a, b, t([0.5, 0.25, 1.0])), t([1.5, -0.25, 7.7]))
    assert ember.lerp(a.to(ember.float16), b.to(ember.float16), 0.5).dtype is ember.float16
    assert_close(ember.lerp(t(1.0), a, a), t([1.0, 7.0, 1.0 + 3.3 * 2.3]))


def test_nan_to_num_defaults_are_the_dtype_limits():
    x = [math.nan, math.inf, -math.inf, 1.5]
    assert ember.nan_to_num(t(x)).tolist() == [
        0.0,
        3.4028234663852886e38,
        -3.4028234663852886e38,
        1.5,
    ]
    assert ember.nan_to_num(t(x, ember.float16)).tolist() == [0.0, 65504.0, -65504.0, 1.5]
    out = ember.nan_to_num(t(x, ember.float64), nan=1.0, posinf=2.0, neginf=-2.0)
    assert out.dtype is ember.float64 and out.tolist() == [1.0, 2.0, -2.0, 1.5]
    assert ember.nan_to_num(t([math.inf]), posinf=1e300).tolist() == [math.inf]  # as float32
    i = t([5, -7])
    assert ember.nan_to_num(i, nan=1.5).tolist() == [5, -7]
    c = ember.nan_to_num(t([complex(math.nan, math.inf)]))
    assert c.dtype is ember.complex64 and c.tolist() == [complex(0, 3.4028234663852886e38)]


def test_real_and_imag_are_views():
    z = t([1 + 2j, 3 - 4j])
    re, im = ember.real(z), ember.imag(z)
    assert re.dtype is ember.float32 and re.tolist() == [1.0, 3.0]
    assert im.tolist() == [2.0, -4.0]
    assert re._base is z and im._base is z
    r = t([1.0, 2.0])
    assert ember.real(r).data_ptr() == r.data_ptr()
    assert ember.conj(r).data_ptr() == r.data_ptr()
    with pytest.raises(RuntimeError, match=r"^imag: only complex tensors"):
        ember.imag(r)


def test_view_as_real_and_view_as_complex_share_memory():
    z = t([1 + 2j, 3 - 4j])
    pairs = ember.view_as_real(z)
    assert pairs.dtype is ember.float32 and pairs.tolist() == [[1.0, 2.0], [3.0, -4.0]]
    assert pairs._base is z
    pairs[1, 1] = 9.0
    assert z.tolist() == [1 + 2j, 3 + 9j]
    back = ember.view_as_complex(pairs)
    assert back.dtype is ember.complex64 and back.data_ptr() == z.data_ptr()
    back[0] = 5j
    assert pairs.tolist() == [[0.0, 5.0], [3.0, 9.0]]
    # A strided complex tensor gives a strided real view, as in PyTorch.
    zt = ember.zeros(3, 4, dtype=ember.complex128).t()
    assert ember.view_as_real(zt).stride() == (2, 8, 1)
    # Rows of pairs at an even stride are fine; so is an empty tensor.
    rows = ember.view_as_complex(ember.arange(18.0).reshape(3, 3, 2)[:, 1:])
    assert rows.stride() == (3, 1) and rows.tolist()[0] == [2 + 3j, 4 + 5j]
    assert ember.view_as_complex(ember.ones(3, 0, 2)).shape == (3, 0)
    assert ember.view_as_complex(t([1.0, 2.0])).shape == ()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ember.view_as_real(t([1.0])), r"^view_as_real: expected a complex tensor"),
        (lambda: ember.view_as_complex(t([1, 2])), r"expected a float32 or float64 tensor"),
        (lambda: ember.view_as_complex(t([1.0, 2.0], ember.float16)), "complex32"),
        (lambda: ember.view_as_complex(t(1.0)), "one or more dimensions"),
        (lambda: ember.view_as_complex(ember.ones(3, 3)), "last dimension of size 2, got 3"),
        (lambda: ember.view_as_complex(ember.ones(2, 3).t()), "last dimension with stride 1"),
        (lambda: ember.view_as_complex(ember.ones(3, 4)[:, ::2]), "last dimension with stride 1"),
        (lambda: ember.view_as_complex(ember.ones(9)[1:].view(4, 2)), "storage_offset"),
        (lambda: ember.view_as_complex(ember.ones(3, 3)[:, :2]), "divisible by 2"),
    ],
)
def test_view_as_complex_refuses_what_it_cannot_view(make, message):
    with pytest.raises(RuntimeError, match=message):
        make()


def test_conj_and_angle():
    assert ember.conj(t([1 + 2j])).tolist() == [1 - 2j]
    out = ember.angle(t([-1.0, 0.0, -0.0, 2.0, math.nan], ember.float64))
    assert out.tolist()[:4] == [math.pi, 0.0, 0.0, 0.0] and math.isnan(out.tolist()[4])
    assert ember.angle(t([-1, 1])).dtype is ember.float32
    assert_close(ember.angle(t([1j])), t([math.pi / 2]))
    assert ember.angle(t([1j])).dtype is ember.float32


def test_clamp_min_and_clamp_max():
    x = ember.tensor([1, 5, 3])
    assert ember.clamp_min(x, 2).tolist() == [2, 5, 3]
    assert x.clamp_max(2.5).dtype is ember.float32  # a float bound promotes, as in PyTorch
    assert x.clamp_max_(2).tolist() == [1, 2, 2] and x.tolist() == [1, 2, 2]


def test_angles_sinc_and_float_power():
    assert ember.deg2rad(ember.tensor([180])).item() == pytest.approx(np.pi)
    assert ember.rad2deg(ember.tensor([np.pi], dtype=ember.float64)).item() == 180.0
    with pytest.raises(TypeError, match="rad2deg: complex tensors are not supported"):
        ember.rad2deg(ember.tensor([1j]))
    assert ember.sinc(ember.tensor([0.0, 0.5])).tolist() == pytest.approx([1.0, 2 / np.pi])
    out = ember.float_power(ember.tensor([2, 3], dtype=ember.int8), 2)
    assert out.dtype is ember.float64 and out.tolist() == [4.0, 9.0]
    assert ember.float_power(ember.tensor([1.0]), 1j).dtype is ember.complex128


def test_ldexp_frexp_gcd_lcm():
    half = ember.ldexp(ember.tensor([1e-5], dtype=ember.float16), ember.tensor([20]))
    assert half.dtype is ember.float16 and half.item() == 10.5  # 2**20 is inf in float16
    m, e = ember.frexp(ember.tensor([8.0, 0.0, -3.0]))
    assert m.tolist() == [0.5, 0.0, -0.75] and e.tolist() == [4, 0, 2] and e.dtype is ember.int32
    with pytest.raises(TypeError, match="frexp: expected a floating-point tensor"):
        ember.frexp(ember.tensor([1]))
    a, b = ember.tensor([12, -18, 0]), ember.tensor([8, 12, 0])
    assert ember.gcd(a, b).tolist() == [4, 6, 0]
    assert ember.lcm(a, b).tolist() == [24, 36, 0]
    with pytest.raises(TypeError, match="gcd"):
        ember.gcd(ember.tensor([1.0]), ember.tensor([2.0]))
