"""Views share memory with their base exactly where PyTorch's do: a write through one
reaches the other, the version counter is shared, and strides and storage offsets are
PyTorch's. Strides and offsets below are the values PyTorch 2 reports.
"""

import numpy as np
import pytest

import ember


@pytest.fixture
def x():
    return ember.arange(20.0).reshape(4, 5).clone()  # its own storage: a root


VIEWS = {
    "basic index": lambda t: t[1:3, ::2],
    "int index": lambda t: t[2],
    "0-d index": lambda t: t[1, 2],
    "0-d tensor index": lambda t: t[ember.tensor(1)],
    "None and Ellipsis": lambda t: t[None, ..., 1],
    "view": lambda t: t.view(2, 10),
    "view_as": lambda t: t.view_as(ember.zeros(10, 2)),
    "reshape": lambda t: t.reshape(-1),
    "flatten": lambda t: t.flatten(),
    "unflatten": lambda t: t.unflatten(0, (2, 2)),
    "ravel": lambda t: t.ravel(),
    "squeeze": lambda t: t[None].squeeze(0),
    "unsqueeze": lambda t: t.unsqueeze(1),
    "permute": lambda t: t.permute(1, 0),
    "transpose": lambda t: t.transpose(0, 1),
    "swapaxes": lambda t: t.swapaxes(0, 1),
    "t": lambda t: t.t(),
    "T": lambda t: t.T,
    "mT": lambda t: t.mT,
    "movedim": lambda t: t.movedim(0, 1),
    "expand": lambda t: t[:1].expand(3, 5),
    "expand_as": lambda t: t[:1].expand_as(ember.zeros(2, 4, 5)),
    "broadcast_to": lambda t: t[:, :1].broadcast_to(4, 3),
    "narrow": lambda t: t.narrow(1, 1, 3),
    "diagonal": lambda t: t.diagonal(1),
    "split": lambda t: t.split(2)[1],
    "chunk": lambda t: t.chunk(2, 1)[1],
    "tensor_split": lambda t: t.tensor_split([1, 3], 1)[2],
    "unbind": lambda t: t.unbind(1)[4],
    "iteration": lambda t: list(t)[3],
    "view of a view": lambda t: t[1:].T[2:].diagonal(),
    "view(dtype)": lambda t: t.view(ember.int32),
    "contiguous of contiguous": lambda t: t.contiguous(),
    "atleast_3d": lambda t: ember.atleast_3d(t),
    "as_strided": lambda t: t.as_strided((2, 2), (5, 1), 6),
    "as_strided of a view": lambda t: t[1:].as_strided((3,), (6,)),
    "hsplit": lambda t: t.hsplit([2])[1],
    "vsplit": lambda t: ember.vsplit(t, 2)[1],
    "dsplit": lambda t: t.view(4, 5, 1).dsplit([0])[1],
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_a_view_shares_memory_and_version(x, name):
    v = VIEWS[name](x)
    assert np.shares_memory(v.numpy(), x.numpy())
    root = v._base
    assert root is x, f"{name}: the view's base is not the tensor it came from"
    before = x._version
    if name in ("expand", "expand_as", "broadcast_to"):
        v.fill_(0)  # elements share memory: index assignment is refused, as in PyTorch
    else:
        v[...] = 0
    assert x._version == v._version == before + 1
    assert (x.numpy() == 0).sum() > 1  # the write landed (x held a single 0)


def test_a_write_through_a_view_changes_the_base(x):
    x[1:3, ::2][0] = -1.0
    assert x[1].tolist() == [-1.0, 6.0, -1.0, 8.0, -1.0]
    x.T[0, 3] = 100.0
    assert x[3, 0].item() == 100.0
    x.diagonal()[...] = 0.0
    assert [x[i, i].item() for i in range(4)] == [0.0] * 4
    x[:1].expand(3, 5)[2, 4] = 42.0  # rows of an expanded tensor alias one row
    assert x[0, 4].item() == 42.0
    x.view(ember.int32)[0, 0] = 0  # zero bits are 0.0
    assert x[0, 0].item() == 0.0


def test_an_in_place_op_on_the_base_is_seen_by_its_views(x):
    v = x[2]
    version = v._version
    x[...] = x[[3, 2, 1, 0]]
    assert v.tolist() == [5.0, 6.0, 7.0, 8.0, 9.0]
    assert v._version == version + 1


@pytest.mark.parametrize(
    "name",
    ["advanced", "mask", "flip", "roll", "repeat", "tile", "cat", "diag", "clone", "tril"],
)
def test_copies_do_not_share_memory(x, name):
    copies = {
        "advanced": lambda t: t[[0, 2]],
        "mask": lambda t: t[t > 3],
        "flip": lambda t: t.flip(0),
        "roll": lambda t: t.roll(1),
        "repeat": lambda t: t.repeat(1, 1),
        "tile": lambda t: t.tile((1,)),
        "cat": lambda t: ember.cat([t]),
        "diag": lambda t: ember.diag(t),
        "clone": lambda t: t.clone(),
        "tril": lambda t: t.tril(),
    }
    c = copies[name](x)
    assert not np.shares_memory(c.numpy(), x.numpy())
    assert c._base is None
    version = x._version
    c[...] = 0
    assert x._version == version


def test_reshape_copies_only_when_it_must(x):
    assert np.shares_memory(x.t().reshape(20).numpy(), x.numpy()) is False
    assert np.shares_memory(x[1:3].reshape(10).numpy(), x.numpy())
    assert np.shares_memory(x[::2].reshape(10).numpy(), x.numpy()) is False
    assert np.shares_memory(x.t().reshape(5, 2, 2).numpy(), x.numpy())


def test_view_refuses_when_a_copy_is_needed(x):
    with pytest.raises(RuntimeError, match=r"view: view size is not compatible .* \.reshape"):
        x.t().view(-1)
    with pytest.raises(RuntimeError, match="view: shape"):
        x.view(3, -1)
    y = x.t().view(5, 2, 2)  # these dims stay contiguous chunks: a view is possible
    assert y.stride() == (1, 10, 5)


LAYOUTS = [  # (view, shape, stride, storage_offset, is_contiguous), as PyTorch reports
    (lambda t: t, (4, 5), (5, 1), 0, True),
    (lambda t: t[1:, 2:], (3, 3), (5, 1), 7, False),
    (lambda t: t[::2, 1::3], (2, 2), (10, 3), 1, False),
    (lambda t: t[2], (5,), (1,), 10, True),
    (lambda t: t[:, 3], (4,), (5,), 3, False),
    (lambda t: t.t(), (5, 4), (1, 5), 0, False),
    (lambda t: t.T[1:], (4, 4), (1, 5), 1, False),
    (lambda t: t[:, :1].expand(4, 3), (4, 3), (5, 0), 0, False),
    (lambda t: t[1].expand(2, 3, 5), (2, 3, 5), (0, 0, 1), 5, False),
    (lambda t: t.diagonal(), (4,), (6,), 0, False),
    (lambda t: t.diagonal(2), (3,), (6,), 2, False),
    (lambda t: t.diagonal(-1), (3,), (6,), 5, False),
    (lambda t: t.narrow(0, 1, 2).view(10), (10,), (1,), 5, True),
    (lambda t: t[::2].view(2, 5), (2, 5), (10, 1), 0, False),
    (lambda t: t.t().view(5, 2, 2), (5, 2, 2), (1, 10, 5), 0, False),
    (lambda t: t.split(2, 1)[2], (4, 1), (5, 1), 4, False),
    (lambda t: t.unbind(1)[2], (4,), (5,), 2, False),
    (lambda t: t.as_strided((2, 3), (1, 4), 2), (2, 3), (1, 4), 2, False),
    (lambda t: t[1:].as_strided((2,), (1,)), (2,), (1,), 5, True),  # offset: the input's
    (lambda t: t[1:].as_strided((2,), (1,), 0), (2,), (1,), 0, True),  # absolute offset
    (lambda t: t.T.as_strided((3, 2), (1, 1)), (3, 2), (1, 1), 0, False),  # overlapping
    (lambda t: t.hsplit([1, 3])[1], (4, 2), (5, 1), 1, False),
    (lambda t: t.vsplit(2)[1], (2, 5), (5, 1), 10, True),
]


@pytest.mark.parametrize("case", range(len(LAYOUTS)))
def test_strides_and_offsets_are_pytorchs(x, case):
    view, shape, stride, offset, contiguous = LAYOUTS[case]
    v = view(x)
    assert tuple(v.shape) == shape
    assert v.stride() == stride
    assert v.storage_offset() == offset
    assert v.is_contiguous() is contiguous


def test_stride_of_a_dim(x):
    assert x.t().stride(0) == 1
    assert x.t().stride(-1) == 5


def test_transposes_of_small_tensors():
    s, v = ember.tensor(3.0), ember.arange(3.0)
    assert s.T.shape == () and v.T.shape == (3,) and v.t().shape == (3,)
    assert ember.ones(2, 3, 4).T.shape == (4, 3, 2)  # reversed, without PyTorch's warning
    assert ember.ones(2, 3, 4).mT.shape == (2, 4, 3)
    assert s.H.item() == 3.0
    with pytest.raises(RuntimeError, match="mT is only supported on matrices"):
        v.mT
    with pytest.raises(RuntimeError, match="H is only supported on matrices"):
        ember.ones(2, 3, 4).H


def test_view_dtype_reinterprets_bits():
    x = ember.tensor([1.0, -2.0], dtype=ember.float32)
    bits = x.view(ember.int32)
    assert bits.tolist() == np.array([1.0, -2.0], np.float32).view(np.int32).tolist()
    assert x.view(ember.uint8).shape == (8,)
    assert x.view(ember.uint8).view(ember.float32).tolist() == [1.0, -2.0]
    assert ember.ones(2, 4).view(dtype=ember.float64).shape == (2, 2)
    with pytest.raises(RuntimeError, match=r"view_dtype: self.stride\(-1\) must be 1"):
        ember.ones(4, 2).t().view(ember.int16)
    with pytest.raises(RuntimeError, match=r"view_dtype: self.size\(-1\) must be divisible"):
        ember.ones(3).view(ember.float64)
    with pytest.raises(RuntimeError, match=r"view_dtype: self.dim\(\) cannot be 0"):
        ember.tensor(1.0).view(ember.float64)


def test_as_strided_reads_the_storage_not_the_input_layout(x):
    # PyTorch's as_strided ignores the input's own strides: the storage is indexed.
    v = x.T.as_strided((2, 3), (5, 1), 1)
    assert v.tolist() == [[1.0, 2.0, 3.0], [6.0, 7.0, 8.0]]
    assert x[2:].as_strided((2,), (1,), 0).tolist() == [0.0, 1.0]
    w = x.as_strided((3, 2), (1, 1))  # overlapping windows alias one another
    w[1, 0] = -1.0
    assert w[0, 1].item() == -1.0 and x[0, 1].item() == -1.0


AS_STRIDED_ERRORS = [
    ((2, 2), (1, 20), 0, RuntimeError, "as_strided: .*requiring a storage size of 88"),
    ((2, 2), (-1, 2), 0, RuntimeError, "as_strided: Negative strides are not supported"),
    ((2,), (1, 2), 0, RuntimeError, "as_strided: mismatch in length of strides and shape"),
    ((2,), (1,), -1, RuntimeError, "as_strided: invalid storage offset -1"),
    ((-2,), (1,), 0, RuntimeError, "as_strided: sizes must be non-negative"),
    ((2.0,), (1,), 0, TypeError, "as_strided: size must be a tuple of ints"),
    ((20,), (1,), 1, RuntimeError, "out of bounds for storage of size 80"),
]


@pytest.mark.parametrize("size, stride, offset, error, match", AS_STRIDED_ERRORS)
def test_as_strided_refuses_bad_geometry(x, size, stride, offset, error, match):
    with pytest.raises(error, match=match):
        x.as_strided(size, stride, offset)


def test_as_strided_of_an_empty_tensor():
    e = ember.zeros(0)
    assert tuple(e.as_strided((0, 3), (1, 1)).shape) == (0, 3)
    with pytest.raises(RuntimeError, match="out of bounds"):
        e.as_strided((1,), (1,))
