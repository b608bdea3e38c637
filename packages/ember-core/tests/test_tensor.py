"""Tensor basics: attributes, conversions, the Python protocols, DLPack and versions."""

import numpy as np
import pytest

import ember


def test_shape_and_size():
    t = ember.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, ember.Size)
    assert t.size() == ember.Size([2, 3, 4]) and t.size(1) == 3 and t.size(-1) == 4
    assert t.ndim == 3 and t.dim() == 3 and t.numel() == 24 and t.nelement() == 24
    assert t.shape.numel() == 24 and t.shape[1:] == ember.Size([3, 4])
    assert repr(t.shape) == "ember.Size([2, 3, 4])"
    assert t.element_size() == 4 and t.itemsize == 4 and t.nbytes == 96
    with pytest.raises(IndexError, match=r"size: dimension out of range .*\[-3, 2\], but got 3"):
        t.size(3)


def test_dtype_and_device():
    t = ember.tensor([1.0])
    assert t.dtype is ember.float32 and t.device == ember.device("cpu") and t.device == "cpu"
    assert not t.is_cuda and t.is_floating_point() and not t.is_complex()
    assert ember.tensor([1j]).is_complex()
    assert not ember.tensor([1]).is_floating_point()


def test_item_and_tolist():
    assert ember.tensor(5.0).item() == 5.0 and isinstance(ember.tensor(5).item(), int)
    assert ember.tensor([[7]]).item() == 7
    assert ember.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ember.tensor(True).tolist() is True
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted"):
        ember.tensor([1.0, 2.0]).item()


def test_numpy_is_zero_copy():
    t = ember.zeros(3)
    a = t.numpy()
    a[0] = 5
    assert t.tolist() == [5.0, 0.0, 0.0]
    arr = np.arange(4.0)
    ember.from_numpy(arr).fill_(1.0)
    assert arr.tolist() == [1.0] * 4


def test_array_protocol():
    t = ember.tensor([[1, 2]], dtype=ember.int32)
    assert np.asarray(t).dtype == np.int32
    assert np.asarray(t, dtype=np.float64).tolist() == [[1.0, 2.0]]
    assert np.add(np.ones(2), t).tolist() == [[2.0, 3.0]]


def test_dlpack_round_trips_share_memory():
    t = ember.arange(6.0)
    a = np.from_dlpack(t)
    a[0] = 42
    assert t.tolist()[0] == 42
    back = ember.from_dlpack(a)
    back.fill_(1.0)
    assert t.tolist() == [1.0] * 6
    assert ember.from_dlpack(np.arange(3)).dtype is ember.int64


@pytest.mark.parametrize(
    ("method", "dtype"),
    [
        ("float", ember.float32),
        ("double", ember.float64),
        ("half", ember.float16),
        ("bfloat16", ember.bfloat16),
        ("long", ember.int64),
        ("int", ember.int32),
        ("short", ember.int16),
        ("bool", ember.bool),
    ],
)
def test_dtype_conversion_methods(method, dtype):
    t = ember.tensor([0.0, 1.5, 2.0])
    out = getattr(t, method)()
    assert out.dtype is dtype
    assert out.tolist() == t.to(dtype).tolist()


def test_conversion_to_the_same_dtype_returns_self():
    t = ember.tensor([1.0])
    assert t.to(ember.float32) is t
    assert t.float() is t


def test_to_and_type_as():
    t = ember.tensor([1.7, -2.2])
    assert t.to(ember.int64).tolist() == [1, -2]
    assert t.to(dtype=ember.float64).dtype is ember.float64
    assert t.to("cpu") is t and t.to(ember.device("cpu"), ember.float64).dtype is ember.float64
    assert t.to(t) is t and t.to(ember.float32, copy=True) is not t
    assert t.type_as(ember.tensor([1])).dtype is ember.int64
    assert t.type() == "ember.float32" and t.type(ember.float64).dtype is ember.float64
    with pytest.raises(TypeError, match=r"to: unexpected arguments \['colour'\]"):
        t.to(colour="red")


@pytest.mark.skipif(ember.cuda.is_available(), reason="checks the no-CUDA errors")
def test_cuda_without_a_gpu():
    assert not ember.cuda.is_available() and ember.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="device cuda:0: CUDA is not available"):
        ember.tensor([1.0]).to("cuda")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        ember.tensor([1.0]).cuda()
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        ember.zeros(2, device="cuda")


def test_len_iter_and_bool():
    t = ember.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    assert [row.tolist() for row in t] == [[1, 2], [3, 4], [5, 6]]
    assert bool(ember.tensor([1.0])) and not bool(ember.tensor(0))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with 2 elements is ambiguous"):
        bool(ember.tensor([1, 2]))
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1.0))


def test_number_protocols():
    assert int(ember.tensor(3.7)) == 3 and float(ember.tensor(2)) == 2.0
    assert complex(ember.tensor(1j)) == 1j
    assert [10, 20, 30][ember.tensor(1)] == 20
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][ember.tensor(1.0)]


def test_version_counter_bumps_on_in_place_ops():
    t = ember.zeros(4)
    assert t._version == 0
    t.fill_(1.0)
    t.zero_()
    t.copy_(ember.ones(4))
    t.uniform_()
    assert t._version == 4
    view = t.reshape(2, 2)
    view.fill_(3.0)
    assert t._version == 5 and view._version == 5
    t.add_(1.0)
    assert view._version == 6


def test_contiguity_and_strides():
    t = ember.zeros(2, 3)
    assert t.is_contiguous() and t.stride() == (3, 1) and t.stride(0) == 3
    tt = t.transpose(0, 1)
    assert not tt.is_contiguous() and tt.stride() == (1, 3)
    c = tt.contiguous()
    assert c.is_contiguous() and c.tolist() == tt.tolist()
    assert ember.tensor(2.0).contiguous().shape == ()


def test_tensor_constructor_and_deepcopy():
    import copy

    t = ember.Tensor([1.0, 2.0])
    assert t.dtype is ember.float32 and t.tolist() == [1.0, 2.0]
    assert ember.Tensor().shape == (0,)
    d = copy.deepcopy(t)
    d.fill_(0.0)
    assert t.tolist() == [1.0, 2.0]


def test_requires_grad_refuses_integer_tensors():
    t = ember.tensor([1, 2])
    with pytest.raises(RuntimeError):
        t.requires_grad_()
    assert not t.requires_grad and t.is_leaf and t.grad is None


def test_top_level_questions_about_a_tensor():
    x = ember.ones(2, 3)
    assert ember.is_tensor(x) and not ember.is_tensor(x.numpy()) and not ember.is_tensor(3)
    assert ember.numel(x) == 6 and ember.numel(ember.ones(0, 4)) == 0
    assert ember.is_floating_point(x) and not ember.is_floating_point(
        ember.ones(1, dtype=ember.int32)
    )
    assert ember.is_complex(ember.ones(1, dtype=ember.complex64)) and not ember.is_complex(x)
    assert ember.is_nonzero(ember.tensor([2])) and not ember.tensor([[0.0]]).is_nonzero()
    with pytest.raises(RuntimeError, match="0 elements is ambiguous"):
        ember.is_nonzero(ember.tensor([]))
    with pytest.raises(RuntimeError, match="2 elements is ambiguous"):
        ember.is_nonzero(ember.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"^numel: argument 'input' must be a Tensor, got int"):
        ember.numel(3)
