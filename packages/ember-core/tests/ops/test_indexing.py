"""Indexing ops: errors, in-place methods, PyTorch's reading of indices and edge cases
that the OpInfo table does not see."""

import numpy as np
import pytest

import ember


@pytest.fixture
def x():
    return ember.arange(12.0).reshape(3, 4).clone()


def _idx(*values):
    return ember.tensor(list(values))


# ---- bad input ---------------------------------------------------------------------------

GETITEM_ERRORS = [
    (5, IndexError, "getitem: index 5 is out of bounds for dimension 0 with size 3"),
    ((1, -5), IndexError, "getitem: index -5 is out of bounds for dimension 1 with size 4"),
    ((1, 2, 3), IndexError, "getitem: too many indices for tensor of dimension 2"),
    (slice(None, None, -1), ValueError, "getitem: step must be greater than zero"),
    ((slice(None), slice(None, None, 0)), ValueError, "getitem: step must be greater than zero"),
    (1.0, IndexError, r"getitem: only integers, slices .* \(got float\)"),
    ("a", IndexError, r"getitem: only integers, slices .* \(got str\)"),
    (ember.tensor([1.0]), IndexError, "getitem: tensors used as indices must be long"),
    (_idx(0, 3), IndexError, "getitem: index 3 is out of bounds for dimension 0 with size 3"),
    ((slice(None), [4]), IndexError, "getitem: index 4 is out of bounds for dimension 1"),
    (ember.tensor([True, False]), IndexError, r"getitem: the shape of the mask \[2\] at index 0"),
    ((Ellipsis, Ellipsis), IndexError, "getitem: an index can only have a single ellipsis"),
    (([0, 1], [0, 1, 2]), IndexError, r"shape mismatch: .* shapes \[2\], \[3\]"),
]


@pytest.mark.parametrize("case", range(len(GETITEM_ERRORS)), ids=lambda i: str(i))
def test_bad_indices_raise_clear_errors(x, case):
    index, error, message = GETITEM_ERRORS[case]
    with pytest.raises(error, match=message):
        x[index]


def test_indexing_a_0d_tensor():
    s = ember.tensor(3.0)
    with pytest.raises(IndexError, match="getitem: invalid index of a 0-dim tensor"):
        s[0]
    assert s[()].shape == () and s[None].shape == (1,) and s[...].shape == ()


SETITEM_ERRORS = [
    (0, ember.ones(3), RuntimeError, r"setitem: shape mismatch: value tensor of shape \[3\]"),
    (
        [0, 1],
        ember.ones(3, 4),
        RuntimeError,
        r"setitem: shape mismatch: value tensor of shape \[3, 4\] cannot be broadcast to "
        r"indexing result of shape \[2, 4\]",
    ),
    (0, [1.0, 2.0], TypeError, "setitem: expected a number as value, got list"),
    (0, 1j, RuntimeError, "setitem: value 1j cannot be converted to type float32"),
    (9, 1.0, IndexError, "setitem: index 9 is out of bounds for dimension 0"),
]


@pytest.mark.parametrize("case", range(len(SETITEM_ERRORS)), ids=lambda i: str(i))
def test_bad_assignments_raise_clear_errors(x, case):
    index, value, error, message = SETITEM_ERRORS[case]
    version = x._version
    with pytest.raises(error, match=message):
        x[index] = value
    assert x._version == version  # nothing was written


def test_assigning_a_number_a_dtype_cannot_hold():
    y = ember.zeros(3, dtype=ember.uint8)
    with pytest.raises(RuntimeError, match="setitem: value 300 cannot be converted to type uint8"):
        y[0] = 300
    with pytest.raises(RuntimeError, match="setitem: value nan cannot be converted to type int64"):
        ember.zeros(2, dtype=ember.int64)[0] = float("nan")


OP_ERRORS = [
    (lambda x: x.gather(1, _idx([5])), IndexError, "gather: index 5 is out of bounds for dim"),
    (lambda x: x.gather(1, _idx([-1])), IndexError, "gather: index -1 is out of bounds"),
    (lambda x: x.gather(1, _idx(0)), RuntimeError, "gather: index tensor must have the same"),
    (lambda x: x.gather(0, _idx([0] * 5)), RuntimeError, r"gather: expected index \[1, 5\]"),
    (
        lambda x: x.gather(1, ember.tensor([[0.0]])),
        RuntimeError,
        "gather: expected an integer tensor",
    ),
    (lambda x: x.gather(1, [[0]]), TypeError, "gather: index must be a Tensor, got list"),
    (
        lambda x: x.scatter(0, _idx([0]), ember.ones(1, 1, dtype=ember.float64)),
        RuntimeError,
        "scatter: expected self and src to have the same dtype, but got float32 and float64",
    ),
    (lambda x: x.scatter(0, _idx([0])), TypeError, "scatter: expected src .* or value"),
    (
        lambda x: x.scatter(0, _idx([0, 1]), ember.ones(1, 1)),
        RuntimeError,
        r"scatter: expected index \[1, 2\] to be no larger than self \[3, 4\] apart from "
        r"dimension 0 and to be no larger than src \[1, 1\]",
    ),
    (lambda x: x.scatter(0, _idx([3]), 1.0), IndexError, "scatter: index 3 is out of bounds"),
    (lambda x: x.scatter(0, _idx([0]), 1.0, reduce="max"), RuntimeError, "scatter: reduce"),
    (
        lambda x: x.scatter_reduce(0, _idx([0]), ember.ones(1, 1), "max"),
        RuntimeError,
        "scatter_reduce: reduce argument must be either sum, prod, mean, amax or amin",
    ),
    (lambda x: x.scatter_add(0, _idx([0]), 1.0), TypeError, "scatter_add: src must be a Tensor"),
    (lambda x: x.index_select(0, _idx([0])), IndexError, "index_select: index is supposed to be"),
    (lambda x: x.index_select(0, _idx(3)), IndexError, "index_select: index 3 is out of bounds"),
    (lambda x: x.index_select(0, _idx(-1)), IndexError, "index_select: index -1 is out of bounds"),
    (
        lambda x: x.index_add(0, _idx(0, 1), ember.ones(1, 4)),
        RuntimeError,
        r"index_add: number of indices \(2\) should be equal to source.size\(dim\) \(1\)",
    ),
    (
        lambda x: x.index_add(0, _idx(0), ember.ones(1, 5)),
        RuntimeError,
        "index_add: source tensor shape must match self tensor shape",
    ),
    (
        lambda x: x.index_add(0, _idx(0), ember.ones(1, 4, dtype=ember.float64)),
        RuntimeError,
        "index_add: expected self and source to have the same dtype",
    ),
    (
        lambda x: x.to(ember.int64).index_add(0, _idx(0), _idx([1, 1, 1, 1]), alpha=0.5),
        RuntimeError,
        "index_add: for integral input tensors, alpha must not be a float",
    ),
    (lambda x: x.index_copy(0, _idx(-1), x[:1]), IndexError, "index_copy: index -1 is out of"),
    (lambda x: x.index_fill(1, _idx(4), 0.0), IndexError, "index_fill: index 4 is out of bounds"),
    (
        lambda x: x.index_fill(1, _idx(0), ember.ones(2)),
        RuntimeError,
        "index_fill: expected a number or a 0-dimensional value tensor",
    ),
    (
        lambda x: x.index_put((None, _idx(0)), ember.tensor(1.0)),
        TypeError,
        "index_put: expected Tensor as element 0 in indices, got NoneType",
    ),
    (
        lambda x: x.index_put((_idx(0),) * 3, ember.tensor(1.0)),
        IndexError,
        "index_put: too many indices for tensor of dimension 2",
    ),
    (
        lambda x: x.index_put((_idx(0),), ember.tensor(1.0, dtype=ember.float64)),
        RuntimeError,
        "index_put: expected self and values to have the same dtype",
    ),
    (lambda x: x.masked_fill(_idx(1, 0, 1, 0), 1.0), RuntimeError, "masked_fill: expected a bool"),
    (
        lambda x: x.masked_fill(x[0] > 0, ember.ones(1)),
        RuntimeError,
        "masked_fill: expected a number or a 0-dimensional value tensor",
    ),
    (
        lambda x: x.masked_fill(x[:, :3] > 0, 1.0),
        RuntimeError,
        r"masked_fill: shapes \[3, 4\] and \[3, 3\] cannot be broadcast together",
    ),
    (
        lambda x: ember.zeros(2, dtype=ember.uint8).masked_fill(_idx(True, False), 256),
        RuntimeError,
        "masked_fill: value 256 cannot be converted to type uint8 without overflow",
    ),
    (lambda x: x.masked_fill_(ember.ones(2, 3, 4) > 0, 0.0), RuntimeError, "masked_fill_: out"),
    (lambda x: x.masked_select(x), RuntimeError, "masked_select: expected a bool mask"),
    (
        lambda x: x.masked_scatter(x > 2, ember.ones(3)),
        RuntimeError,
        "masked_scatter: source has 3 elements, fewer than the 9 True values of mask",
    ),
    (
        lambda x: x.take(_idx(12)),
        IndexError,
        "take: out of range: tried to access index 12 on a tensor of 12 elements",
    ),
    (lambda x: x.take(_idx(-13)), IndexError, "take: out of range: tried to access index -13"),
    (
        lambda x: x.put(_idx(1, 2), ember.ones(3)),
        RuntimeError,
        r"put: expected source and index to have the same number of elements",
    ),
    (lambda x: x.put(_idx(12), ember.ones(1)), IndexError, "put: out of range"),
    (
        lambda x: x.take_along_dim(_idx(0), 0),
        RuntimeError,
        "take_along_dim: input and indices should have the same number of dimensions",
    ),
    (lambda x: x.take_along_dim(_idx([4]), 1), IndexError, "take_along_dim: index 4 is out of"),
    (lambda x: x.take_along_dim(_idx(12)), IndexError, "take_along_dim: out of range"),
]


@pytest.mark.parametrize("case", range(len(OP_ERRORS)), ids=lambda i: OP_ERRORS[i][2][:40])
def test_bad_input_to_indexing_ops(x, case):
    call, error, message = OP_ERRORS[case]
    with pytest.raises(error, match=message):
        call(x)


# ---- PyTorch's reading of indices ------------------------------------------------------------


def test_integers_select_before_advanced_indices():
    x = ember.arange(60).reshape(3, 4, 5)
    assert x[0, :, [1, 2]].shape == (4, 2)  # NumPy would give (2, 4)
    assert x[[0, 1], :, 0].shape == (2, 4)
    assert x[:, 0, [1, 2]].shape == (3, 2)
    assert x[ember.tensor(0), :, [1, 2]].shape == (4, 2)  # a 0-d index is an int
    np.testing.assert_array_equal(x[0, :, [1, 2]].numpy(), x.numpy()[0][:, [1, 2]])


def test_a_0d_integer_tensor_index_gives_a_view(x):
    v = x[ember.tensor(1)]
    assert v._base is x and v.tolist() == [4.0, 5.0, 6.0, 7.0]


def test_uint8_masks_are_masks_with_a_warning(x):
    with pytest.warns(UserWarning, match="uint8 is deprecated"):
        out = x[ember.tensor([1, 0, 1], dtype=ember.uint8)]
    assert out.shape == (2, 4)


def test_lists_are_index_arrays(x):
    # PyTorch 2.x still reads a list of lists as a tuple (deprecated); ember reads it as
    # one index array, as NumPy and PyTorch's announced behaviour do.
    assert x[[[0, 1], [1, 2]]].shape == (2, 2, 4)
    assert x[[]].shape == (0, 4)
    assert x[[True, False, True]].shape == (2, 4)


def test_index_tensors_from_the_cpu_and_of_int32(x):
    assert x[ember.tensor([2, 0], dtype=ember.int32)].tolist() == [x[2].tolist(), x[0].tolist()]
    assert x[:, ember.tensor([True, False, False, True])].shape == (3, 2)


def test_setitem_casts_values_even_with_advanced_indices():
    # PyTorch casts for basic indices but refuses another dtype with tensor indices;
    # ember casts in both cases.
    y = ember.zeros(3, dtype=ember.int64)
    y[[0, 1]] = ember.tensor([1.7, -2.2])
    y[2:] = ember.tensor([3.9])
    assert y.tolist() == [1, -2, 3]


def test_setitem_bumps_the_version_once(x):
    version = x._version
    x[x > 5] = 0.0
    x[0, [1, 2]] = ember.tensor([7.0, 8.0])
    assert x._version == version + 2
    assert x.tolist() == [[0.0, 7.0, 8.0, 3.0], [4.0, 5.0, 0.0, 0.0], [0.0] * 4]


def test_setitem_with_a_0d_value_from_another_tensor(x):
    x[1, 1] = x[0, 3]
    assert x[1, 1].item() == 3.0


# ---- in-place methods ----------------------------------------------------------------------

INPLACE = [
    ("index_add_", lambda x: (0, _idx(0, 0), ember.ones(2, 4)), {"alpha": 2}),
    ("index_copy_", lambda x: (1, _idx(3), ember.zeros(3, 1)), {}),
    ("index_fill_", lambda x: (1, _idx(-1), -1.0), {}),
    ("index_put_", lambda x: ((_idx(0, 0), _idx(1, 1)), ember.tensor(1.0)), {"accumulate": True}),
    ("masked_fill_", lambda x: (x > 6, 0.0), {}),
    ("masked_scatter_", lambda x: (x > 9, -ember.ones(5)), {}),
    ("scatter_", lambda x: (1, ember.tensor([[0], [1], [2]]), 9.0), {}),
    ("scatter_add_", lambda x: (0, ember.tensor([[2, 2]]), ember.ones(1, 2)), {}),
    (
        "scatter_reduce_",
        lambda x: (0, ember.tensor([[0, 0]]), ember.ones(1, 2) * 50),
        {"reduce": "amax"},
    ),
    ("put_", lambda x: (_idx(0, -1), ember.tensor([5.0, 6.0])), {"accumulate": True}),
]


@pytest.mark.parametrize("name, args, kwargs", INPLACE, ids=[c[0] for c in INPLACE])
def test_in_place_methods_match_the_out_of_place_ops(x, name, args, kwargs):
    expected = getattr(ember, name[:-1])(x, *args(x), **kwargs)
    version = x._version
    out = getattr(x, name)(*args(x), **kwargs)
    assert out is x and x._version == version + 1
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


# ---- semantics -------------------------------------------------------------------------------


def test_accumulating_repeated_indices_adds_them_all():
    out = ember.zeros(3).index_put((_idx(0, 0, 2, 0),), ember.tensor([1.0, 2.0, 3.0, 4.0]), True)
    assert out.tolist() == [7.0, 0.0, 3.0]
    rows = ember.zeros(2, 3).index_put((_idx(1, 1, -1),), ember.ones(3), accumulate=True)
    assert rows.tolist() == [[0.0] * 3, [3.0] * 3]
    assert ember.zeros(4).index_add(0, _idx(1, 1), ember.ones(2)).tolist() == [0, 2, 0, 0]
    assert ember.zeros(4).put(_idx(3, -1), ember.ones(2), accumulate=True).tolist()[3] == 2


def test_scatter_reduce_means_round_down_for_integers():
    x = ember.arange(4)
    index, src = _idx(0, 0, 1), _idx(3, 4, 5)
    assert x.scatter_reduce(0, index, src, "mean").tolist() == [2, 3, 2, 3]
    assert x.scatter_reduce(0, index, src, "mean", include_self=False).tolist() == [3, 5, 2, 3]
    floats = ember.zeros(2).scatter_reduce(0, _idx(0, 0), ember.tensor([1.0, 2.0]), "mean")
    assert floats.tolist() == [1.0, 0.0]


def test_scatter_reduce_without_self_starts_from_the_identity():
    x = ember.full((3,), 100.0)
    index, src = _idx(0, 0, 1), ember.tensor([1.0, 2.0, 5.0])
    assert x.scatter_reduce(0, index, src, "amin", include_self=False).tolist() == [1, 5, 100]
    assert x.scatter_reduce(0, index, src, "prod", include_self=False).tolist() == [2, 5, 100]
    ints = ember.zeros(2, dtype=ember.int16)
    src = ember.tensor([-7], dtype=ember.int16)
    assert ints.scatter_reduce(0, _idx(0), src, "amax", include_self=False).tolist() == [-7, 0]


def test_nonzero_forms():
    y = ember.tensor([[0.0, 1.0, 0.0], [2.0, 0.0, -3.0]])
    rows, cols = y.nonzero(as_tuple=True)
    assert y[rows, cols].numpy().tolist() == y.numpy()[y.numpy() != 0].tolist()
    assert y.nonzero().shape == (int((y.numpy() != 0).sum()), 2)
    assert y.nonzero().dtype is ember.int64 and y.argwhere().shape == y.nonzero().shape
    assert ember.nonzero(ember.tensor(0.0)).shape == (0, 0)
    assert ember.nonzero(ember.tensor(2.0), as_tuple=True)[0].tolist() == [0]


def test_gather_and_scatter_are_inverse_on_a_permutation():
    x = ember.arange(12.0).reshape(3, 4)
    perm = ember.tensor([[2, 0, 1, 1], [0, 1, 2, 0], [1, 2, 0, 2]])
    g = x.gather(0, perm)
    assert g.tolist()[0] == [8.0, 1.0, 6.0, 7.0]
    back = ember.zeros(3, 4).scatter(0, perm[:, :1], g[:, :1])
    assert back[:, 0].tolist() == x[:, 0].tolist()


# ---- unravel_index and the *_scatter ops ----------------------------------------------


@pytest.mark.parametrize("shape", [(3, 2), (2, 3, 4), (5,), (1, 7, 1)])
def test_unravel_index_matches_numpy(shape):
    flat = np.arange(int(np.prod(shape))).reshape(-1, 1)
    ours = ember.unravel_index(ember.tensor(flat), shape)
    theirs = np.unravel_index(flat, shape)
    assert isinstance(ours, tuple) and len(ours) == len(shape)
    for o, t in zip(ours, theirs):
        assert o.dtype is ember.int64 and tuple(o.shape) == flat.shape
        np.testing.assert_array_equal(o.numpy(), t)


def test_unravel_index_wraps_as_pytorch_does():
    rows, cols = ember.unravel_index(ember.tensor([-1, 6, -7], dtype=ember.int32), (3, 2))
    assert rows.tolist() == [2, 0, 2] and cols.tolist() == [1, 0, 1]
    assert rows.dtype is ember.int64
    (only,) = ember.unravel_index(ember.tensor(4), 3)
    assert only.ndim == 0 and only.item() == 1
    assert ember.unravel_index(ember.tensor(3), ()) == ()


UNRAVEL_ERRORS = [
    (lambda: ember.unravel_index(3, (3,)), TypeError, "unravel_index: expected 'indices' to be a"),
    (lambda: ember.unravel_index(ember.tensor([1.0]), (3,)), TypeError, "integer dtype.*float32"),
    (lambda: ember.unravel_index(ember.tensor([True]), (3,)), TypeError, "integer dtype.*bool"),
    (lambda: ember.unravel_index(ember.tensor([1]), (3, -2)), ValueError, "negative values"),
    (lambda: ember.unravel_index(ember.tensor([1]), (2.0,)), TypeError, "only contain ints"),
    (lambda: ember.unravel_index(ember.tensor([0]), (0,)), ValueError, "empty shape"),
]


@pytest.mark.parametrize("case", range(len(UNRAVEL_ERRORS)))
def test_unravel_index_refuses_bad_input(case):
    call, error, match = UNRAVEL_ERRORS[case]
    with pytest.raises(error, match=match):
        call()


def test_scatter_views_copy_and_cast():
    x = ember.zeros(3, 4)
    out = ember.slice_scatter(x, ember.ones(3, 2, dtype=ember.float64), 1, 0, None, 2)
    assert out.dtype is ember.float32  # src takes input's dtype
    assert out.tolist() == [[1.0, 0.0, 1.0, 0.0]] * 3
    assert x.sum().item() == 0.0  # out of place
    assert not np.shares_memory(out.numpy(), x.numpy())
    assert x.select_scatter(ember.ones(4), 0, -1)[2].tolist() == [1.0] * 4
    d = x.int().diagonal_scatter(ember.tensor([5, 6, 7]), 1)
    assert d.dtype is ember.int32 and d.diagonal(1).tolist() == [5, 6, 7]


SCATTER_VIEW_ERRORS = [
    (lambda x: x.slice_scatter(ember.ones(3, 3), 1), RuntimeError, r"src size = \[3, 3\], slice"),
    (lambda x: x.slice_scatter(ember.ones(3, 2), 1, 0, 4, 0), RuntimeError, "step must be posi"),
    (lambda x: x.slice_scatter(ember.ones(3, 1), 3), IndexError, "Dimension out of range"),
    (lambda x: ember.zeros(()).slice_scatter(ember.ones(()), 0), IndexError, "0-dim tensor"),
    (lambda x: x.select_scatter(ember.ones(4), 0, 3), IndexError, "index 3 out of range"),
    (lambda x: x.select_scatter(ember.ones(3), 0, 0), RuntimeError, r"src size = \[3\]"),
    (lambda x: x.diagonal_scatter(ember.ones(2)), RuntimeError, r"slice size = \[3\]"),
    (lambda x: x.diagonal_scatter(ember.ones(3), 0, 1, -1), RuntimeError, "cannot be identical"),
    (lambda x: x.diagonal_scatter(1.0), TypeError, "diagonal_scatter: src must be a Tensor"),
    (lambda x: x.select_scatter(ember.ones(4) * 1j, 0, 0), RuntimeError, "complex src"),
]


@pytest.mark.parametrize("case", range(len(SCATTER_VIEW_ERRORS)))
def test_scatter_views_refuse_bad_input(case):
    call, error, match = SCATTER_VIEW_ERRORS[case]
    with pytest.raises(error, match=match):
        call(ember.zeros(3, 4))
