"""Creation functions: dtype inference, shapes, ranges, the new_* methods and bad input."""

import numpy as np
import pytest

import ember
from ember._ops import creation
from ember.testing import assert_close


@pytest.fixture
def default_float64():
    ember.set_default_dtype(ember.float64)
    yield
    ember.set_default_dtype(ember.float32)


# ---- tensor(): dtype inference as in PyTorch ----------------------------------------------


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([True, False], ember.bool),
        ([1, 2], ember.int64),
        ([1, 2.0], ember.float32),
        ([1, True], ember.int64),
        ([True, 2.5], ember.float32),
        ([1, 2j], ember.complex64),
        (3, ember.int64),
        (3.5, ember.float32),
        ([], ember.float32),
        ([[]], ember.float32),
        (np.float32(2), ember.float32),
        (np.array([1.0, 2.0]), ember.float64),
        (np.array(3, dtype=np.int32), ember.int32),
    ],
)
def test_tensor_infers_pytorch_dtypes(data, dtype):
    assert ember.tensor(data).dtype is dtype


def test_tensor_of_zero_d_tensors_promotes_their_dtypes():
    assert ember.tensor([ember.tensor(1.0), ember.tensor(2.0)]).dtype is ember.float32
    assert ember.tensor([ember.tensor(1), ember.tensor(2.5)]).dtype is ember.float32
    assert ember.tensor([ember.tensor(1, dtype=ember.float64), 2]).dtype is ember.float64
    t32 = ember.tensor(1, dtype=ember.int32)
    assert ember.tensor([t32, t32]).dtype is ember.int32
    assert ember.tensor([t32, 2]).dtype is ember.int64
    half = ember.tensor(1.0, dtype=ember.float16)
    assert ember.tensor([half, 2.0]).dtype is ember.float32
    assert ember.tensor([ember.tensor(1), ember.tensor(2)]).tolist() == [1, 2]


def test_default_dtype_applies_to_python_floats(default_float64):
    assert ember.tensor([1.0]).dtype is ember.float64
    assert ember.tensor([1j]).dtype is ember.complex128
    assert ember.zeros(2).dtype is ember.float64
    assert ember.arange(0.0, 1.0, 0.5).dtype is ember.float64
    assert ember.full((2,), 1.5).dtype is ember.float64
    assert ember.tensor([1, 2]).dtype is ember.int64


def test_tensor_copies_and_as_tensor_shares():
    a = np.arange(3.0)
    t = ember.tensor(a)
    a[0] = 9
    assert t.tolist() == [0.0, 1.0, 2.0]
    shared = ember.as_tensor(a)
    a[1] = 7
    assert shared.tolist() == [9.0, 7.0, 2.0]
    assert ember.from_numpy(a).numpy() is a


def test_tensor_with_dtype_converts():
    assert ember.tensor([1.7, -2.2], dtype=ember.int64).tolist() == [1, -2]
    assert ember.tensor([1, 0, 2], dtype=ember.bool).tolist() == [True, False, True]
    assert ember.as_tensor([1, 2], dtype=ember.float16).dtype is ember.float16


def test_tensor_errors():
    with pytest.raises(
        ValueError, match=r"tensor: expected sequence of length 2 at dim 1 \(got 1\)"
    ):
        ember.tensor([[1, 2], [3]])
    with pytest.raises(ValueError, match="tensor: integer values overflow int64"):
        ember.tensor([2**63])
    with pytest.raises(TypeError, match="tensor: could not infer a dtype from str"):
        ember.tensor(["a", "b"])


# ---- filled tensors ---------------------------------------------------------------------


@pytest.mark.parametrize("make", [ember.zeros, ember.ones, ember.empty])
def test_size_forms(make):
    for size in [(2, 3), ((2, 3),), ([2, 3],), (ember.Size([2, 3]),)]:
        assert make(*size).shape == (2, 3)
    assert make().shape == ()
    assert make(0).shape == (0,)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_negative_and_non_int_sizes_are_refused(name):
    fn = getattr(ember, name)
    with pytest.raises(RuntimeError, match=rf"{name}: negative dimension -1 in size \(2, -1\)"):
        fn(2, -1)
    with pytest.raises(TypeError, match=rf"{name}: size must be a sequence of ints"):
        fn(2.5)


def test_full_dtype_follows_the_fill_value():
    assert ember.full((2,), True).dtype is ember.bool
    assert ember.full((2,), 2).dtype is ember.int64
    assert ember.full((2,), 2.0).dtype is ember.float32
    assert ember.full((2,), 1 + 2j).dtype is ember.complex64
    assert ember.full((2,), 1.5, dtype=ember.int64).tolist() == [1, 1]
    assert ember.full(3, 0.5).shape == (3,)


def test_like_functions_keep_shape_dtype_and_device():
    x = ember.tensor([[1, 2, 3]], dtype=ember.int32)
    for fn in (ember.zeros_like, ember.ones_like, ember.empty_like):
        y = fn(x)
        assert y.shape == (1, 3) and y.dtype is ember.int32 and y.device == x.device
    assert ember.full_like(x, 2.7).tolist() == [[2, 2, 2]]
    assert ember.zeros_like(x, dtype=ember.float64).dtype is ember.float64


def test_scalar_tensor_is_a_default_float():
    assert ember.scalar_tensor(3).dtype is ember.float32
    assert ember.scalar_tensor(True).item() == 1.0


# ---- ranges --------------------------------------------------------------------------------


def test_arange_element_counts_and_dtypes():
    assert ember.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert ember.arange(10, 0, -3).tolist() == [10, 7, 4, 1]
    assert ember.arange(0, 1, 0.1).shape == (10,)
    assert ember.arange(1, 2.5, 0.5).tolist() == [1.0, 1.5, 2.0]
    assert ember.arange(0, 0.3, 0.1).shape == (3,)  # not 4: computed in float64
    assert ember.arange(0.0, 5).dtype is ember.float32
    assert ember.arange(ember.tensor(4)).tolist() == [0, 1, 2, 3]
    assert ember.arange(5, dtype=ember.uint8).dtype is ember.uint8
    assert ember.arange(3, 3).shape == (0,)


def test_arange_errors():
    with pytest.raises(RuntimeError, match="arange: step must be nonzero"):
        ember.arange(0, 10, 0)
    with pytest.raises(RuntimeError, match="arange: upper bound and lower bound inconsistent"):
        ember.arange(0, -1)
    with pytest.raises(RuntimeError, match="arange: unsupported range"):
        ember.arange(float("inf"))
    with pytest.raises(RuntimeError, match="arange: dtype bool is not supported"):
        ember.arange(3, dtype=ember.bool)
    with pytest.raises(TypeError, match="arange: expected a real number, got complex"):
        ember.arange(1 + 2j)


def test_linspace_and_logspace():
    assert_close(ember.linspace(0, 1, 5), ember.tensor([0.0, 0.25, 0.5, 0.75, 1.0]))
    assert ember.linspace(0, 10, 5, dtype=ember.int64).tolist() == [0, 2, 5, 7, 10]
    assert ember.linspace(0, 1, 1).tolist() == [0.0]
    assert ember.linspace(0, 1, 0).shape == (0,)
    assert_close(ember.logspace(0, 2, 3), ember.tensor([1.0, 10.0, 100.0]))
    assert_close(ember.logspace(0, 2, 3, base=2), ember.tensor([1.0, 2.0, 4.0]))
    with pytest.raises(RuntimeError, match="linspace: number of steps must be non-negative"):
        ember.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="logspace: steps must be an int"):
        ember.logspace(0, 1, 2.5)


def test_eye():
    assert ember.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert ember.eye(2, dtype=ember.bool).dtype is ember.bool
    assert ember.eye(0).shape == (0, 0)
    with pytest.raises(RuntimeError, match="eye: n must be greater or equal to 0, got -1"):
        ember.eye(-1)
    with pytest.raises(RuntimeError, match="eye: m must be greater or equal to 0, got -2"):
        ember.eye(2, -2)


def test_empty_strided():
    t = ember.empty_strided((2, 3), (1, 2))
    assert t.shape == (2, 3) and t.stride() == (1, 2) and t.dtype is ember.float32
    assert ember.empty_strided((2, 0), (0, 1)).shape == (2, 0)
    assert ember.empty_strided((), ()).shape == ()
    with pytest.raises(RuntimeError, match=r"empty_strided: size .* and stride .* same length"):
        ember.empty_strided((2, 3), (1,))
    with pytest.raises(RuntimeError, match="empty_strided: strides must be non-negative"):
        ember.empty_strided((2,), (-1,))


# ---- new_* -----------------------------------------------------------------------------


def test_new_functions_take_dtype_and_device_from_self():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64)
    assert creation.new_zeros(x, 2, 3).dtype is ember.float64
    assert creation.new_zeros(x, (2, 3)).shape == (2, 3)
    assert creation.new_ones(x, 2, dtype=ember.int32).tolist() == [1, 1]
    assert creation.new_empty(x, 3).shape == (3,)
    assert creation.new_full(x, (2,), True).tolist() == [1.0, 1.0]
    assert creation.new_tensor(x, [1, 2]).dtype is ember.float64
    i = ember.tensor([1, 2])
    assert creation.new_full(i, (2,), 3.5).tolist() == [3, 3]
    assert creation.new_tensor(i, [1.7, 2.0]).tolist() == [1, 2]
    assert creation.new_zeros(x, 2).device == x.device


def test_new_methods_are_attached_to_tensor():
    x = ember.tensor([1.0, 2.0])
    for name in creation.TENSOR_METHODS:
        assert hasattr(x, name), f"Tensor.{name} is missing"
    assert x.new_zeros(2, 2).shape == (2, 2)


def test_new_functions_refuse_negative_sizes():
    with pytest.raises(RuntimeError, match="new_zeros: negative dimension"):
        creation.new_zeros(ember.zeros(1), -1)


# ---- complex, polar, heaviside, fill_, zero_ ---------------------------------------------


def test_complex_keeps_infinities_and_checks_dtypes():
    z = ember.complex(ember.tensor([1.0]), ember.tensor([float("inf")]))
    assert z.dtype is ember.complex64
    assert z.tolist() == [complex(1.0, float("inf"))]
    z64 = ember.complex(ember.zeros(2, 1, dtype=ember.float64), ember.ones(3, dtype=ember.float64))
    assert z64.dtype is ember.complex128 and z64.shape == (2, 3)
    with pytest.raises(
        RuntimeError, match="complex: expected both inputs to be float32 or float64"
    ):
        ember.complex(ember.tensor([1]), ember.tensor([2]))
    with pytest.raises(RuntimeError, match="got float32 and float64"):
        ember.complex(ember.tensor([1.0]), ember.tensor([2.0], dtype=ember.float64))
    with pytest.raises(TypeError, match="complex: expected tensors, got float"):
        ember.complex(ember.tensor([1.0]), 2.0)


def test_polar():
    z = ember.polar(ember.tensor([2.0]), ember.tensor([np.pi / 2]))
    assert_close(z, ember.tensor([2j], dtype=ember.complex64), atol=1e-6, rtol=0)
    with pytest.raises(RuntimeError, match="polar: expected both inputs"):
        ember.polar(ember.tensor([1.0], dtype=ember.float16), ember.tensor([1.0]))


def test_heaviside():
    x = ember.tensor([-1.0, 0.0, 2.0, float("nan")])
    assert ember.heaviside(x, ember.tensor(0.5)).tolist() == [0.0, 0.5, 1.0, 0.0]
    assert x.heaviside(ember.tensor([7.0])).tolist() == [0.0, 7.0, 1.0, 0.0]
    b = ember.heaviside(ember.tensor([True, False]), ember.tensor([True]))
    assert b.tolist() == [True, True]
    with pytest.raises(RuntimeError, match="heaviside: expected input and values of one dtype"):
        ember.heaviside(x, ember.tensor([1]))
    with pytest.raises(TypeError, match="heaviside: values must be a tensor, got float"):
        ember.heaviside(x, 0.5)
    with pytest.raises(RuntimeError, match="heaviside: complex tensors are not supported"):
        ember.heaviside(ember.tensor([1j]), ember.tensor([1j]))


def test_fill_and_zero_are_in_place():
    x = ember.ones(2, 3)
    view = x.transpose(0, 1)
    v0 = x._version
    assert x.fill_(2.5) is x
    assert x.tolist() == [[2.5] * 3] * 2 and x._version == v0 + 1
    assert view.tolist()[0] == [2.5, 2.5]
    assert x.fill_(ember.tensor(4.0)).tolist()[0] == [4.0] * 3
    assert x.zero_() is x and x.tolist() == [[0.0] * 3] * 2
    assert ember.zeros(3, dtype=ember.int64).fill_(2.9).tolist() == [2, 2, 2]
    assert ember.zeros(2, dtype=ember.bool).fill_(True).tolist() == [True, True]
    view.fill_(1.0)  # writes through the view
    assert x.tolist() == [[1.0] * 3] * 2


def test_fill_errors():
    with pytest.raises(RuntimeError, match="fill_: only supports a 0-dimension value tensor"):
        ember.zeros(2).fill_(ember.ones(2))
    with pytest.raises(RuntimeError, match="fill_: cannot fill a float32 tensor with a complex"):
        ember.zeros(2).fill_(1j)
    with pytest.raises(TypeError, match="fill_: value must be a number or a 0-d tensor, got str"):
        ember.zeros(2).fill_("a")


def test_zeros_out():
    out = ember.ones(2)
    assert ember.zeros(2, out=out) is out and out.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match=r"zeros: out has shape \(2,\), expected \(3,\)"):
        ember.zeros(3, out=out)


@pytest.mark.parametrize(
    "row, col, offset",
    [(3, 3, 0), (3, 4, 1), (4, 2, -1), (0, 3, 0), (3, 0, 0), (2, 2, 5), (2, 2, -5)],
)
def test_triangle_indices_match_numpy(row, col, offset):
    for fn, ref in ((ember.tril_indices, np.tril_indices), (ember.triu_indices, np.triu_indices)):
        out = fn(row, col, offset)
        assert out.dtype is ember.int64 and out.shape[0] == 2
        np.testing.assert_array_equal(out.numpy(), np.stack(ref(row, offset, col)).reshape(2, -1))


def test_triangle_indices_dtype_and_errors():
    out = ember.triu_indices(3, 3, dtype=ember.int32, device="cpu")
    assert out.dtype is ember.int32 and out.device.type == "cpu"
    assert out.tolist() == [[0, 0, 0, 1, 1, 2], [0, 1, 2, 1, 2, 2]]
    with pytest.raises(RuntimeError, match="tril_indices: row must be non-negative, got -1"):
        ember.tril_indices(-1, 3)
    with pytest.raises(RuntimeError, match="triu_indices: col must be non-negative"):
        ember.triu_indices(3, -2)
    with pytest.raises(
        NotImplementedError, match="tril_indices: not implemented for dtype float32"
    ):
        ember.tril_indices(3, 3, dtype=ember.float32)
    with pytest.raises(TypeError, match="triu_indices: row must be an int, got float"):
        ember.triu_indices(3.0, 3)


# ---- frombuffer: a tensor over a Python buffer --------------------------------------------


def test_frombuffer_reads_and_shares_memory():
    data = bytearray(np.arange(1, 5, dtype=np.int32).tobytes())
    t = ember.frombuffer(data, dtype=ember.int32)
    assert t.dtype is ember.int32 and t.shape == (4,) and t.tolist() == [1, 2, 3, 4]
    t[0] = 9  # writes through the tensor reach the buffer...
    t[1:3].add_(10)
    assert np.frombuffer(data, dtype=np.int32).tolist() == [9, 12, 13, 4]
    data[12:16] = np.int32(-7).tobytes()  # ...and writes to the buffer reach the tensor
    assert t[3].item() == -7


def test_frombuffer_count_and_offset():
    data = bytearray(np.arange(6, dtype=np.int16).tobytes())
    assert ember.frombuffer(data, dtype=ember.int16, count=2, offset=4).tolist() == [2, 3]
    assert ember.frombuffer(data, dtype=ember.int16, offset=6).tolist() == [3, 4, 5]
    assert ember.frombuffer(data, dtype=ember.int16, count=-5).tolist() == list(range(6))
    assert ember.frombuffer(data, dtype=ember.uint8, offset=11).tolist() == [0]
    assert ember.frombuffer(data, dtype=ember.int32, count=1, offset=8).tolist() == [4 + (5 << 16)]


def test_frombuffer_takes_array_memoryview_and_mmap():
    import array
    import mmap

    values = array.array("f", [1.5, -2.0, 3.25])
    t = ember.frombuffer(values, dtype=ember.float32)
    assert t.tolist() == [1.5, -2.0, 3.25]
    view = memoryview(bytearray(8))
    ember.frombuffer(view, dtype=ember.float64).fill_(0.5)
    assert np.frombuffer(view, dtype=np.float64).tolist() == [0.5]
    with mmap.mmap(-1, 16) as m:
        t = ember.frombuffer(m, dtype=ember.float32, offset=4, count=2)
        t[1] = 2.5
        assert np.frombuffer(m, dtype=np.float32, count=1, offset=8).item() == 2.5
        del t  # the tensor holds an export of the map, which must go before it closes


def test_frombuffer_read_only_buffer_warns_and_cannot_be_written():
    with pytest.warns(UserWarning, match=r"^frombuffer: The given buffer is not writable"):
        t = ember.frombuffer(b"\x01\x02\x03", dtype=ember.uint8)
    assert t.tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="read-only"):
        t[0] = 5


@pytest.mark.parametrize(
    ("buffer", "kwargs", "error", "match"),
    [
        (bytearray(12), {"offset": 12}, ValueError, r"offset \(12 bytes\) must be non-negative"),
        (bytearray(12), {"offset": -1}, ValueError, r"offset \(-1 bytes\) must be non-negative"),
        (bytearray(12), {"count": 4}, ValueError, r"requested buffer length \(4 \* 4 bytes\)"),
        (bytearray(12), {"count": 0}, ValueError, r"both buffer length \(12\) and count \(0\)"),
        (bytearray(), {}, ValueError, r"both buffer length \(0\) and count \(-1\)"),
        (bytearray(12), {"offset": 1}, ValueError, r"must be a multiple of element size \(4\)"),
        (bytearray(12), {"count": 2.0}, TypeError, "count must be an int"),
        ([1, 2, 3], {}, ValueError, "does not implement Python buffer protocol"),
        (memoryview(bytearray(8))[::2], {}, ValueError, "could not retrieve buffer"),
    ],
)
def test_frombuffer_errors(buffer, kwargs, error, match):
    with pytest.raises(error, match=r"^frombuffer: .*" + match):
        ember.frombuffer(buffer, dtype=ember.int32, **kwargs)


def test_frombuffer_needs_a_dtype():
    with pytest.raises(TypeError, match="dtype"):
        ember.frombuffer(bytearray(4))
