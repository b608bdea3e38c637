"""Dtypes: names and aliases, PyTorch's promotion rules, finfo and iinfo."""

import pickle

import numpy as np
import pytest

import ember
from ember import dtypes as dt


def test_names_aliases_and_attributes():
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.half is ember.float16 and ember.long is ember.int64 and ember.int is ember.int32
    assert ember.short is ember.int16 and ember.cfloat is ember.complex64
    assert ember.cdouble is ember.complex128
    assert repr(ember.float32) == "ember.float32"
    assert ember.float32.is_floating_point and not ember.float32.is_complex
    assert ember.complex64.is_complex and ember.uint8.is_signed is False
    assert ember.bfloat16.itemsize == 2 and ember.complex128.itemsize == 16
    assert pickle.loads(pickle.dumps(ember.bfloat16)) is ember.bfloat16


def test_as_dtype_accepts_many_spellings():
    assert dt.as_dtype(float) is ember.float32 and dt.as_dtype(int) is ember.int64
    assert dt.as_dtype(bool) is ember.bool and dt.as_dtype(complex) is ember.complex64
    assert dt.as_dtype("float64") is ember.float64 and dt.as_dtype(np.int16) is ember.int16
    assert dt.as_dtype(np.dtype("uint8")) is ember.uint8
    with pytest.raises(TypeError, match="dtype <U1 is not supported by ember"):
        dt.as_dtype(np.dtype("U1"))


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.get_default_dtype() is ember.float64
        assert dt.as_dtype(complex) is ember.complex128
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError, match="set_default_dtype: only floating dtypes are allowed"):
        ember.set_default_dtype(ember.int64)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (ember.uint8, ember.int8, ember.int16),
        (ember.float16, ember.bfloat16, ember.float32),
        (ember.int64, ember.float16, ember.float16),
        (ember.bool, ember.uint8, ember.uint8),
        (ember.complex64, ember.float64, ember.complex128),
        (ember.int32, ember.int32, ember.int32),
        (ember.float32, ember.complex64, ember.complex64),
        (ember.bfloat16, ember.int64, ember.bfloat16),
    ],
)
def test_promote_types(a, b, expected):
    assert ember.promote_types(a, b) is expected
    assert ember.promote_types(b, a) is expected


def test_result_type_ranks_dimensioned_zero_d_and_scalars():
    assert ember.result_type(ember.tensor([1, 2]), 1.5) is ember.float32
    assert ember.result_type(ember.tensor([1], dtype=ember.int8), ember.tensor(1000)) is ember.int8
    half, big = ember.tensor([1.0], dtype=ember.float16), ember.tensor(1.0, dtype=ember.float64)
    assert ember.result_type(half, big) is ember.float16
    assert ember.result_type(ember.tensor([1], dtype=ember.int32), 2j) is ember.complex64
    assert ember.result_type(ember.tensor([1.0], dtype=ember.float64), 2j) is ember.complex128
    assert ember.result_type(3, 4) is ember.int64 and ember.result_type(True, False) is ember.bool
    with pytest.raises(TypeError, match="result_type: expected at least one tensor or number"):
        ember.result_type()


def test_can_cast_refuses_only_lower_categories():
    assert ember.can_cast(ember.int32, ember.float32)
    assert not ember.can_cast(ember.float32, ember.int32)
    assert not ember.can_cast(ember.complex64, ember.float64)
    assert ember.can_cast(ember.int64, ember.int8)  # same category: allowed, as in PyTorch
    assert not ember.can_cast(ember.int8, ember.bool)


def test_finfo():
    f = ember.finfo(ember.float32)
    assert f.bits == 32 and f.eps == np.finfo(np.float32).eps and f.dtype == "float32"
    assert f.max == float(np.finfo(np.float32).max) and f.tiny == f.smallest_normal
    assert ember.finfo(ember.bfloat16).eps == 0.0078125
    assert ember.finfo(ember.float16).max == 65504.0
    assert ember.finfo().dtype == "float32" and ember.finfo(ember.complex128).dtype == "float64"
    assert "eps=1.19209e-07" in repr(f)
    with pytest.raises(TypeError, match="finfo: expected a floating or complex dtype"):
        ember.finfo(ember.int32)


def test_iinfo():
    i = ember.iinfo(ember.int8)
    assert (i.bits, i.min, i.max) == (8, -128, 127)
    assert ember.iinfo(ember.uint8).max == 255 and ember.iinfo(ember.int64).max == 2**63 - 1
    assert repr(i) == "iinfo(min=-128, max=127, dtype=int8)"
    with pytest.raises(TypeError, match="iinfo: expected an integer dtype"):
        ember.iinfo(ember.float32)
