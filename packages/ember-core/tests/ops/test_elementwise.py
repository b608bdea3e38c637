"""Elementwise arithmetic, rounding, clamping and selection: what the OpInfo table can't see
(errors, PyTorch's edge cases, dtypes, views, operators, in-place methods)."""

import math

import pytest

import ember
from ember._ops import OPS
from ember.testing import assert_close

FAMILY = ("elementwise", "math", "special", "logical")


def t(values, dtype=None):
    return ember.tensor(values, dtype=dtype)


def test_every_op_of_the_family_has_a_docstring():
    ops = [op for op in OPS.values() if op.family in FAMILY]
    assert len(ops) > 90
    assert not [op.name for op in ops if not (op.__doc__ or "").strip()]


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("subtract", "sub"),
        ("multiply", "mul"),
        ("divide", "div"),
        ("true_divide", "div"),
        ("negative", "neg"),
        ("absolute", "abs"),
        ("fix", "trunc"),
        ("clip", "clamp"),
        ("arcsin", "asin"),
        ("arctanh", "atanh"),
        ("arctan2", "atan2"),
        ("greater", "gt"),
        ("greater_equal", "ge"),
        ("less", "lt"),
        ("less_equal", "le"),
        ("not_equal", "ne"),
    ],
)
def test_aliases_are_the_same_op(alias, name):
    assert getattr(ember, alias) is OPS[name]
    assert getattr(ember.Tensor, alias) is getattr(ember.Tensor, name)


# ---- add, sub, div ----------------------------------------------------------------------


def test_add_and_sub_with_alpha():
    a, b = t([1, 2, 3]), t([10, 20, 30])
    assert ember.add(a, b, alpha=2).tolist() == [21, 42, 63]
    assert ember.sub(a, b, alpha=-1).tolist() == [11, 22, 33]
    out = ember.add(t([1.0, 2.0]), t([1, 1]), alpha=0.5)
    assert out.dtype is ember.float32 and out.tolist() == [1.5, 2.5]
    # bool stays bool: alpha scales the truth value
    assert ember.add(t([True, False]), t([True, True]), alpha=2).dtype is ember.bool


def test_alpha_errors():
    with pytest.raises(TypeError, match=r"^add: alpha must be an integer for integer tensors"):
        ember.add(t([1, 2]), t([1, 2]), alpha=0.5)
    with pytest.raises(TypeError, match=r"^sub: alpha must be real"):
        ember.sub(t([1.0]), t([1.0]), alpha=1j)


def test_addcmul_and_addcdiv():
    x, a, b = t([1.0, 2.0]), t([[1.0], [2.0]]), t([4.0, 8.0])
    assert ember.addcmul(x, a, b, value=0.5).tolist() == [[3.0, 6.0], [5.0, 10.0]]
    assert ember.addcdiv(x, a, b, value=-4).tolist() == [[0.0, 1.5], [-1.0, 1.0]]
    assert ember.addcmul(t([1, 2]), t([3, 4]), t([5, 6]), value=2).tolist() == [31, 50]
    out = ember.addcdiv(t([1, 2]), t([1.0, 3.0]), t([2, 4]))  # one float operand: true division
    assert out.dtype is ember.float32 and out.tolist() == [1.5, 2.75]
    y = t([1.0, 1.0])
    assert y.addcmul_(t([2.0, 3.0]), t([4.0, 5.0])) is y and y.tolist() == [9.0, 16.0]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: ember.addcmul(t([1, 2]), t([1, 2]), t([1, 2]), value=0.5),
            TypeError,
            "value must be an integer",
        ),
        (
            lambda: ember.addcmul(t([1.0]), t([1.0]), t([1.0]), value=1j),
            TypeError,
            "value must be real",
        ),
        (lambda: ember.addcmul(t([True]), t([True]), t([True])), TypeError, "not bool"),
        (lambda: ember.addcmul(t([1.0]), 2, t([1.0])), TypeError, "tensor1 must be a tensor"),
        (lambda: ember.addcdiv(t([1.0]), t([1]), t([2])), RuntimeError, "integer division"),
        (lambda: t([1.0]).addcmul_(t([1.0, 2.0]), t([1.0, 2.0])), RuntimeError, "broadcast"),
    ],
)
def test_addcmul_and_addcdiv_refuse_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_sub_of_bools_is_refused():
    with pytest.raises(TypeError, match=r"^sub: subtracting bool tensors is not supported"):
        t([True]) - t([False])
    assert (t([True]) - 1).dtype is ember.int64  # a Python int makes it integer


def test_true_division_of_integers_gives_the_default_float():
    assert (t([1, 2]) / t([2, 4])).dtype is ember.float32
    ember.set_default_dtype(ember.float64)
    try:
        assert (t([1, 2]) / 2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


def test_div_rounding_modes():
    x, y = t([-7, 7, -8]), t([2, -2, 3])
    assert ember.div(x, y, rounding_mode="trunc").tolist() == [-3, -3, -2]
    assert ember.div(x, y, rounding_mode="floor").tolist() == [-4, -4, -3]
    assert ember.div(x, y, rounding_mode="floor").dtype is ember.int64
    f = ember.div(t([-7.0, 7.5]), 2, rounding_mode="trunc")
    assert f.dtype is ember.float32 and f.tolist() == [-3.0, 3.0]
    assert (x // y).tolist() == [-4, -4, -3]
    assert (7 // y).tolist() == [3, -4, 2]


def test_trunc_division_of_large_integers_is_exact():
    big = 2**62 + 1
    out = ember.div(t([big, -big]), t([3, 3]), rounding_mode="trunc")
    assert out.tolist() == [big // 3, -(big // 3)]


def test_div_rejects_an_unknown_rounding_mode():
    with pytest.raises(ValueError, match=r"^div: rounding_mode must be None, 'trunc' or 'floor'"):
        ember.div(t([1.0]), t([2.0]), rounding_mode="round")


@pytest.mark.parametrize(
    "call",
    [
        lambda x, y: x // y,
        lambda x, y: x % y,
        lambda x, y: ember.fmod(x, y),
        lambda x, y: ember.div(x, y, rounding_mode="trunc"),
        lambda x, y: ember.div(x, y, rounding_mode="floor"),
        lambda x, y: x % 0,
        lambda x, y: ember.floor_divide(x, 0),
    ],
)
def test_integer_division_by_zero_raises_like_pytorch(call):
    with pytest.raises(RuntimeError, match=r"ZeroDivisionError"):
        call(t([5, -7, 3]), t([0, 2, 0]))


def test_float_division_by_zero_is_silent():
    x, z = t([1.0, -1.0, 0.0]), t([0.0, 0.0, 0.0])
    assert (x / z).tolist()[:2] == [math.inf, -math.inf]
    assert math.isnan((x / z).tolist()[2])
    assert (x // z).tolist()[:2] == [math.inf, -math.inf]
    assert all(math.isnan(v) for v in (x % z).tolist())
    assert all(math.isnan(v) for v in ember.fmod(x, z).tolist())


def test_floor_divide_refuses_bool_and_complex():
    with pytest.raises(TypeError, match=r"^floor_divide: expected numeric tensors \(not bool\)"):
        t([True]) // t([True])
    with pytest.raises(TypeError, match=r"^remainder: complex tensors are not supported"):
        t([1j]) % t([1j])


# ---- remainder and fmod ---------------------------------------------------------------


def test_remainder_takes_the_sign_of_the_divisor_and_fmod_of_the_dividend():
    x = t([-3, 3, -3, 3])
    y = t([2, 2, -2, -2])
    assert (x % y).tolist() == [1, 1, -1, -1]
    assert ember.fmod(x, y).tolist() == [-1, 1, -1, 1]
    xf = t([-3.5, 3.5])
    assert ember.remainder(xf, 2).tolist() == [0.5, 1.5]
    assert ember.fmod(xf, 2).tolist() == [-1.5, 1.5]
    assert (7 % t([3, -3])).tolist() == [1, -2]
    assert ember.remainder(t([5]), 2.5).dtype is ember.float32
    assert ember.remainder(t([-1.0]), math.inf).tolist() == [math.inf]


# ---- pow ---------------------------------------------------------------------------------


def test_integer_to_a_negative_python_integer_raises():
    with pytest.raises(RuntimeError, match=r"^pow: integers to negative integer powers"):
        t([2, 3]) ** -1
    with pytest.raises(RuntimeError, match=r"^pow: integers to negative integer powers"):
        ember.pow(t([2], ember.uint8), -2)


def test_integer_tensor_exponents_may_be_negative():
    base = t([0, 1, -1, -1, 2, -2])
    exponent = t([-1, -3, -3, -2, -1, -1])
    out = ember.pow(base, exponent)
    assert out.dtype is ember.int64 and out.tolist() == [0, 1, -1, 1, 0, 0]
    assert ember.pow(t([2, 3], ember.int8), t(-1, ember.int8)).tolist() == [0, 0]


def test_pow_dtypes():
    i = t([1, 2, 3])
    assert (i**2).dtype is ember.int64
    assert (i**2.5).dtype is ember.float32
    assert (2**i).dtype is ember.int64 and (2**i).tolist() == [2, 4, 8]
    assert (2.5**i).dtype is ember.float32
    assert (i ** t(2.0, ember.float64)).dtype is ember.float64
    assert (t([True, False]) ** 2).dtype is ember.int64
    assert ember.pow(t([2.0]), -1).tolist() == [0.5]
    with pytest.raises(TypeError, match=r"^pow: bool tensors are not supported"):
        ember.pow(t([True]), t([True]))


def test_pow_of_negative_bases_to_fractions_is_silent_nan():
    assert math.isnan(ember.pow(t([-2.0]), 0.5).item())
    assert ember.pow(t([0.0]), -1.0).item() == math.inf


# ---- unary arithmetic ------------------------------------------------------------------


def test_neg_and_positive_refuse_bool():
    with pytest.raises(TypeError, match=r"^neg: expected a numeric tensor \(use logical_not"):
        -t([True])
    with pytest.raises(TypeError, match=r"^positive: expected a numeric tensor"):
        +t([True])


def test_positive_is_a_view_of_its_input():
    x = t([1.0, 2.0])
    y = ember.positive(x)
    assert y.data_ptr() == x.data_ptr()
    assert y._base is x


def test_reciprocal_abs_sign_sgn_square():
    assert ember.reciprocal(t([2, 4])).tolist() == [0.5, 0.25]
    assert ember.reciprocal(t([0.0])).tolist() == [math.inf]
    assert abs(t([-128], ember.int8)).tolist() == [-128]  # wraps, as in PyTorch
    assert ember.abs(t([3 + 4j])).dtype is ember.float32
    assert ember.sign(t([-2.0, 0.0, 3.0, math.nan])).tolist() == [-1.0, 0.0, 1.0, 0.0]
    assert ember.sign(t([True, False])).dtype is ember.bool
    sgn = ember.sgn(t([3 + 4j, 0j]))
    assert sgn.dtype is ember.complex64
    assert_close(sgn, t([0.6 + 0.8j, 0j]))
    assert ember.square(t([True, False])).dtype is ember.int64
    assert ember.square(t([3], ember.uint8)).tolist() == [9]


def test_sign_refuses_complex():
    with pytest.raises(TypeError, match=r"^sign: complex tensors are not supported; use sgn"):
        ember.sign(t([1j]))


# ---- rounding --------------------------------------------------------------------------


def test_round_is_half_to_even_with_decimals():
    assert ember.round(t([0.5, 1.5, 2.5, -0.5])).tolist() == [0.0, 2.0, 2.0, -0.0]
    assert_close(ember.round(t([1.2345]), decimals=2), t([1.23]))
    assert ember.round(t([1234.5678]), decimals=-2).tolist() == [1200.0]


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_passes_integers_through_as_copies(name):
    x = t([5, -7, 3])
    y = OPS[name](x)
    assert y.dtype is ember.int64 and y.tolist() == [5, -7, 3]
    assert y.data_ptr() != x.data_ptr()


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "frac"])
def test_rounding_refuses_complex(name):
    with pytest.raises(TypeError, match=rf"^{name}: complex tensors are not supported"):
        OPS[name](t([1.5j]))


def test_frac_and_trunc():
    assert_close(ember.frac(t([-1.5, 2.25])), t([-0.5, 0.25]))
    assert math.isnan(ember.frac(t([math.inf])).item())
    assert ember.trunc(t([-3.7, 3.7])).tolist() == [-3.0, 3.0]


# ---- clamp, minimum, maximum -------------------------------------------------------------


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match=r"^clamp: at least one of 'min' or 'max'"):
        ember.clamp(t([1.0]))
    with pytest.raises(ValueError, match=r"^clamp: at least one of 'min' or 'max'"):
        ember.clamp(t([1.0]), None, None)


def test_clamp_semantics():
    x = t([1, 5, 9])
    assert ember.clamp(x, 6, 2).tolist() == [2, 2, 2]  # min > max: max wins
    assert ember.clamp(x, min=0, max=2).dtype is ember.int64
    assert ember.clamp(x, 1.5).dtype is ember.float32  # a float bound promotes
    assert ember.clamp(x, t(1.5, ember.float64)).dtype is ember.float64
    out = ember.clamp(t([1.0, math.nan]), 0, 0.5).tolist()
    assert out[0] == 0.5 and math.isnan(out[1])
    assert math.isnan(ember.clamp(t([1.0]), min=math.nan).item())
    lo = t([[0], [4]])
    assert ember.clamp(x, lo).tolist() == [[1, 5, 9], [4, 5, 9]]
    assert ember.clip is ember.clamp
    with pytest.raises(TypeError, match=r"^clamp: complex tensors are not supported"):
        ember.clamp(t([1j]), 0)


def test_clamp_in_place_and_as_a_method():
    x = t([1.0, 5.0, 9.0])
    assert x.clamp(2, 6).tolist() == [2.0, 5.0, 6.0]
    x.clamp_(max=3)
    assert x.tolist() == [1.0, 3.0, 3.0]


def test_minimum_maximum_propagate_nan_and_fmin_fmax_ignore_it():
    a, b = t([math.nan, 1.0]), t([1.0, math.nan])
    assert all(math.isnan(v) for v in ember.minimum(a, b).tolist())
    assert all(math.isnan(v) for v in ember.maximum(a, b).tolist())
    assert ember.fmin(a, b).tolist() == [1.0, 1.0]
    assert ember.fmax(a, b).tolist() == [1.0, 1.0]
    assert ember.minimum(t([1, 5]), t([2.5])).dtype is ember.float32
    with pytest.raises(TypeError, match=r"^maximum: complex tensors are not supported"):
        ember.maximum(t([1j]), t([1j]))


# ---- where -----------------------------------------------------------------------------


def test_where_promotes_between_the_branches():
    c = t([True, False, True])
    i, f = t([5, -7, 3]), t([1.5, -2.0, 0.0])
    assert ember.where(c, i, f).dtype is ember.float32
    assert ember.where(c, i, f).tolist() == [5.0, -2.0, 3.0]
    assert ember.where(c, 1, 0).dtype is ember.int64
    assert ember.where(c, 1.0, 0).dtype is ember.float32
    assert ember.where(c, i, 2.5).dtype is ember.float32
    assert ember.where(c, i, 2).dtype is ember.int64
    assert ember.where(c, t(1.5, ember.float64), i).dtype is ember.float64
    assert ember.where(c, 1, t([1.0, 2.0, 3.0], ember.float16)).dtype is ember.float16


def test_where_broadcasts_all_three():
    out = ember.where(t([[True], [False]]), t([1, 2, 3]), t(0))
    assert out.tolist() == [[1, 2, 3], [0, 0, 0]]


def test_where_errors():
    with pytest.raises(TypeError, match=r"^where: expected condition to be a bool tensor"):
        ember.where(t([1, 0]), t([1, 2]), t([3, 4]))
    with pytest.raises(RuntimeError, match=r"^where: value 300 cannot be converted to int8"):
        ember.where(t([True]), t([1], ember.int8), 300)
    with pytest.raises(TypeError, match=r"^where: expected both input and other"):
        ember.where(t([True]), t([1]))


def test_where_with_a_condition_alone_gives_indices():
    rows, cols = ember.where(t([[True, False], [False, True]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]


# ---- operators and in-place methods ----------------------------------------------------


def test_python_operators_map_to_the_ops():
    x = t([6, -7])
    assert (x // 4).tolist() == [1, -2]
    assert (x % 4).tolist() == [2, 1]
    assert (x**2).tolist() == [36, 49]
    assert (-x).tolist() == [-6, 7]
    assert abs(x).tolist() == [6, 7]
    assert (+x).tolist() == [6, -7]


def test_in_place_methods_keep_the_dtype_and_refuse_narrowing():
    x = t([1.5, -2.5])
    y = x.floor_()
    assert y is x and x.tolist() == [1.0, -3.0]
    i = t([1, 2])
    with pytest.raises(RuntimeError, match=r"can't be cast to the desired output type int64"):
        i.div_(2)
    i.mul_(3)
    assert i.tolist() == [3, 6]


def test_numpy_warnings_never_escape():
    # the suite turns warnings into errors: each of these would warn in plain NumPy
    z = t([0.0, -1.0, math.inf])
    for out in [
        ember.log(z),
        ember.sqrt(z),
        ember.rsqrt(z),
        z / 0,
        ember.pow(z, -1),
        ember.reciprocal(z),
        ember.atanh(t([1.0, 2.0])),
        ember.acos(t([2.0])),
        ember.logit(t([0.0, 1.0])),
        ember.sigmoid(t([-1000.0])),
        ember.exp2(t([1000.0])),
        ember.sinh(t([1000.0])),
        ember.frac(t([math.inf])),
    ]:
        assert out.numel() > 0
