"""Shape ops: what the OpInfo table does not see (errors, dtypes it leaves out, aliases,
composites, results' types and edge cases)."""

import itertools

import numpy as np
import pytest

import ember


@pytest.fixture
def x():
    return ember.arange(12.0).reshape(3, 4)


# ---- bad input ---------------------------------------------------------------------------

ERRORS = [
    (
        lambda x: x.view(5, -1),
        RuntimeError,
        r"view: shape \[5, -1\] is invalid for input of size 12",
    ),
    (lambda x: x.reshape(-1, -1), RuntimeError, "reshape: only one dimension can be inferred"),
    (lambda x: x.reshape(-2, 6), RuntimeError, "reshape: invalid shape dimension -2"),
    (lambda x: x.view(2.0), TypeError, "view: size must be a tuple of ints, but got float"),
    (
        lambda x: ember.zeros(0, 3).reshape(-1, 0),
        RuntimeError,
        "reshape: cannot reshape tensor of 0",
    ),
    (lambda x: x.flatten(1, 0), RuntimeError, "flatten: start_dim cannot come after end_dim"),
    (lambda x: x.unflatten(1, (3, 3)), RuntimeError, r"unflatten: provided sizes \[3, 3\]"),
    (lambda x: x.unflatten(1, ()), RuntimeError, "unflatten: sizes must be non-empty"),
    (lambda x: x.squeeze(2), IndexError, r"squeeze: Dimension out of range .*\[-2, 1\], but got 2"),
    (lambda x: x.unsqueeze(3), IndexError, r"unsqueeze: Dimension out of range .*\[-3, 2\]"),
    (lambda x: x.permute(0), RuntimeError, "permute: number of dims don't match"),
    (lambda x: x.permute(1, -1), RuntimeError, "permute: duplicate dims are not allowed"),
    (lambda x: x.transpose(0, 2), IndexError, "transpose: Dimension out of range"),
    (lambda x: ember.ones(2, 3, 4).t(), RuntimeError, "t: expects a tensor with <= 2 dimensions"),
    (lambda x: x.movedim((0, 1), 0), RuntimeError, "movedim: Invalid source or destination"),
    (lambda x: x.movedim((0, 0), (0, 1)), RuntimeError, "movedim: repeated dim"),
    (lambda x: x.expand(2, 4), RuntimeError, r"expand: the expanded size of the tensor \(2\)"),
    (lambda x: x.expand(4), RuntimeError, r"expand: the number of sizes provided \(1\)"),
    (lambda x: x.expand(-1, 3, 4), RuntimeError, "expand: .* leading, non-existing dimension 0"),
    (lambda x: x.narrow(0, 2, 5), RuntimeError, r"narrow: start \(2\) \+ length \(5\) exceeds"),
    (lambda x: x.narrow(0, 4, 0), IndexError, "narrow: start out of range"),
    (lambda x: x.narrow(0, 1, -1), RuntimeError, "narrow: length must be non-negative"),
    (lambda x: x.split([1, 1]), RuntimeError, "split: split_with_sizes expects split_sizes to sum"),
    (lambda x: x.split(0), RuntimeError, "split: split_size can only be 0"),
    (lambda x: ember.tensor(1.0).split(1), RuntimeError, "split: expects at least a 1-dim"),
    (lambda x: x.chunk(0), RuntimeError, "chunk: expects `chunks` to be greater than 0"),
    (lambda x: x.tensor_split(0), RuntimeError, "tensor_split: number of sections must be"),
    (lambda x: x.unbind(2), IndexError, "unbind: Dimension out of range"),
    (lambda x: x.diagonal(0, 1, -1), RuntimeError, "diagonal: diagonal dimensions cannot be"),
    (lambda x: ember.cat([x, ember.ones(3, 5)]), RuntimeError, "cat: Sizes of tensors must match"),
    (lambda x: ember.cat([x, ember.ones(4)]), RuntimeError, "cat: Tensors must have same number"),
    (lambda x: ember.cat([x, ember.ones(())]), RuntimeError, r"cat: zero-dimensional .*position 1"),
    (lambda x: ember.cat([x, 1]), TypeError, "cat: expected Tensor as element 1, but got int"),
    (lambda x: ember.cat([x], dim=2), IndexError, "cat: Dimension out of range"),
    (lambda x: ember.stack([x, x.t()]), RuntimeError, r"stack: .*equal size, but got \[3, 4\]"),
    (lambda x: ember.stack([x], 3), IndexError, "stack: Dimension out of range"),
    (lambda x: x.repeat(2), RuntimeError, "repeat: Number of dimensions of repeat dims"),
    (lambda x: x.repeat(-1, 2), RuntimeError, "repeat: trying to create tensor with negative"),
    (lambda x: x.tile(-1), RuntimeError, "tile: trying to create tensor with negative"),
    (lambda x: x.repeat_interleave(-1), RuntimeError, "repeat_interleave: repeats must be non"),
    (
        lambda x: x.repeat_interleave(ember.tensor([1, 2])),
        RuntimeError,
        "repeat_interleave: repeats must have the same size as input",
    ),
    (
        lambda x: x.repeat_interleave(ember.tensor([1.0])),
        TypeError,
        "repeat_interleave: repeats must be an integer tensor",
    ),
    (lambda x: x.repeat_interleave(2, output_size=5), RuntimeError, r"output_size \(5\)"),
    (lambda x: x.flip(0, 0), RuntimeError, "flip: repeated dim"),
    (lambda x: ember.fliplr(ember.ones(3)), RuntimeError, "fliplr: Input must be >= 2-d"),
    (lambda x: ember.flipud(ember.tensor(1.0)), RuntimeError, "flipud: Input must be >= 1-d"),
    (lambda x: x.roll((1, 2), 0), RuntimeError, "roll: shifts and dimensions must align"),
    (lambda x: x.roll((1, 2)), RuntimeError, "roll: shifts and dimensions must align"),
    (lambda x: x.rot90(1, (0,)), RuntimeError, "rot90: expected total rotation dims == 2"),
    (lambda x: x.rot90(1, (1, -1)), RuntimeError, "rot90: expected rotation dims to be"),
    (lambda x: ember.ones(3).rot90(), RuntimeError, "rot90: expected total dims >= 2"),
    (lambda x: ember.diag(ember.ones(2, 2, 2)), RuntimeError, "diag: Supports 1D or 2D tensors"),
    (lambda x: ember.diag_embed(x, 0, 1, -2), RuntimeError, "diag_embed: diagonal dimensions"),
    (lambda x: ember.tril(ember.ones(3)), RuntimeError, "tril: input tensor must have at least 2"),
    (lambda x: ember.triu(ember.tensor(1.0)), RuntimeError, "triu: input tensor must have"),
    (lambda x: ember.meshgrid(x, x), RuntimeError, "meshgrid: expects 0-D or 1-D tensors"),
    (lambda x: ember.meshgrid(x[0], indexing="x"), RuntimeError, "meshgrid: indexing must be"),
    (lambda x: ember.meshgrid(), RuntimeError, "meshgrid: expects a non-empty list"),
    (
        lambda x: ember.meshgrid(x[0], ember.arange(3)),
        RuntimeError,
        "meshgrid: expects all tensors to have the same dtype",
    ),
    (lambda x: ember.broadcast_tensors(x, x[:2]), RuntimeError, "broadcast_shapes: shape mismatch"),
    (lambda x: ember.atleast_2d(1), TypeError, "atleast_2d: expected Tensor as element 0"),
    (lambda x: ember.hstack([x, "a"]), TypeError, "expected Tensor as element 1"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)), ids=lambda i: ERRORS[i][2][:40])
def test_bad_input_raises_a_clear_error(x, case):
    call, error, message = ERRORS[case]
    with pytest.raises(error, match=message):
        call(x)


# ---- dtypes the OpInfo rows leave out (bool, complex) and promotion --------------------------


@pytest.mark.parametrize("dtype", [ember.bool, ember.complex64, ember.float16])
def test_shape_ops_keep_any_dtype(dtype):
    a = np.arange(12).reshape(3, 4)
    data = (a % 2 == 0) if dtype is ember.bool else (a + 1j * a if dtype.is_complex else a)
    x = ember.tensor(data, dtype=dtype)
    ref = np.asarray(data, dtype=dtype.np)
    results = {
        "view": (x.view(4, 3), ref.reshape(4, 3)),
        "T": (x.T, ref.T),
        "flip": (x.flip(0), ref[::-1]),
        "roll": (x.roll(1, 1), np.roll(ref, 1, 1)),
        "repeat": (x.repeat(2, 1), np.tile(ref, (2, 1))),
        "cat": (ember.cat([x, x]), np.concatenate([ref, ref])),
        "stack": (ember.stack([x, x], 1), np.stack([ref, ref], 1)),
        "tril": (x.tril(), np.tril(ref)),
        "diag_embed": (ember.diag_embed(x), _diag_embed(ref)),
        "getitem": (x[[0, 2], 1:], ref[[0, 2], 1:]),
        "expand": (x[:1].expand(2, 4), np.broadcast_to(ref[:1], (2, 4))),
        "diagonal": (x.diagonal(1), np.diagonal(ref, 1)),
    }
    for name, (ours, expected) in results.items():
        assert ours.dtype is dtype, name
        np.testing.assert_array_equal(ours.numpy(), expected, err_msg=name)


def _diag_embed(a):
    out = np.zeros(a.shape + a.shape[-1:], a.dtype)
    idx = np.arange(a.shape[-1])
    out[..., idx, idx] = a
    return out


@pytest.mark.parametrize(
    "dtypes, expected",
    [
        ((ember.bool, ember.uint8), ember.uint8),
        ((ember.uint8, ember.int8), ember.int16),
        ((ember.int64, ember.float16), ember.float16),
        ((ember.int32, ember.float32, ember.complex64), ember.complex64),
        ((ember.float32, ember.float64), ember.float64),
    ],
)
def test_cat_and_stack_promote_as_pytorch(dtypes, expected):
    tensors = [ember.ones(2, dtype=d) for d in dtypes]
    assert ember.cat(tensors).dtype is expected
    assert ember.stack(tensors).dtype is expected


def test_cat_skips_legacy_empty_tensors_but_promotes_with_them():
    out = ember.cat([ember.zeros(0, dtype=ember.float64), ember.ones(2, 3)])
    assert out.shape == (2, 3) and out.dtype is ember.float64
    assert ember.cat([ember.zeros(0), ember.zeros(0)]).shape == (0,)


# ---- aliases, composites and results -----------------------------------------------------------


def test_aliases_are_the_same_ops(x):
    assert ember.swapaxes is ember.transpose and ember.swapdims is ember.transpose
    assert ember.moveaxis is ember.movedim and ember.broadcast_to is ember.OPS["expand"]
    assert ember.concat is ember.cat and ember.concatenate is ember.cat
    assert ember.argwhere is ember.nonzero and ember.row_stack is ember.vstack
    assert x.swapdims(0, 1).shape == (4, 3) and x.moveaxis(0, 1).shape == (4, 3)
    assert ember.broadcast_to(x[:1], (2, 4)).shape == (2, 4)
    assert x.broadcast_to((2, 3, 4)).shape == (2, 3, 4)


def test_splits_return_tuples_of_views(x):
    for pieces in (x.split(2), x.chunk(2), x.tensor_split(2), x.unbind(), x.split([1, 2])):
        assert isinstance(pieces, tuple)
        assert all(np.shares_memory(p.numpy(), x.numpy()) for p in pieces)
    assert [p.shape[0] for p in ember.arange(6).chunk(4)] == [2, 2, 2]
    assert [p.shape[0] for p in ember.arange(0).chunk(3)] == [0, 0, 0]
    assert [p.shape[0] for p in ember.arange(7).tensor_split(ember.tensor([1, 5]))] == [1, 4, 2]
    assert [p.shape[0] for p in ember.arange(7).tensor_split(ember.tensor(3))] == [3, 2, 2]


def test_composites_are_views_of_each_input():
    a, b = ember.arange(3.0), ember.arange(2.0)
    ga, gb = ember.meshgrid(a, b, indexing="xy")
    assert ga.shape == gb.shape == (2, 3)
    assert ga._base is a and gb._base is b  # each output is linked to its own input
    ba, bb = ember.broadcast_tensors(a[None], b[:, None])
    assert ba._base is a and bb._base is b and ba.stride() == (0, 1)
    assert ember.atleast_1d(a) is a
    assert ember.atleast_2d(a, b)[1]._base is b


def test_hstack_family():
    a, b = ember.arange(3.0), ember.arange(3.0, 6.0)
    assert ember.hstack([a, b]).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert ember.vstack((a, b)).shape == (2, 3)
    assert ember.dstack([a, b]).shape == (1, 3, 2)
    assert ember.column_stack([a, b]).tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_repeat_interleave_forms():
    assert ember.repeat_interleave(ember.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    x = ember.tensor([[1, 2], [3, 4]])
    assert x.repeat_interleave(2).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    out = x.repeat_interleave(ember.tensor([1, 2]), dim=0, output_size=3)
    assert out.tolist() == [[1, 2], [3, 4], [3, 4]]
    assert x.repeat_interleave(ember.tensor(2), dim=1).shape == (2, 4)


def test_expand_writes_reach_one_storage():
    x = ember.zeros(3, 1)
    e = x.expand(3, 4)
    assert e.stride() == (1, 0)
    e[1, 2] = 5.0  # every column of a row is the same element
    assert x[1, 0].item() == 5.0 and e[1].tolist() == [5.0] * 4


def test_transposing_a_0d_tensor(x):
    s = ember.tensor(2.0)
    assert s.transpose(0, -1).shape == () and s.t().shape == () and s.permute().shape == ()
    assert s.flatten().shape == (1,) and s.unsqueeze(0).shape == (1,)
    assert s.squeeze(0).shape == () and s.expand(2, 2).shape == (2, 2)


# ---- hsplit, vsplit, dsplit, block_diag, cartesian_prod, combinations, vander ----------


@pytest.mark.parametrize(
    "name, shape, arg",
    [
        ("hsplit", (2, 6), 3),
        ("hsplit", (6,), [1, 4]),
        ("hsplit", (2, 4, 3), [5]),
        ("vsplit", (4, 2), 2),
        ("vsplit", (5, 2, 1), [2, 2]),
        ("dsplit", (2, 3, 4), 2),
        ("dsplit", (1, 2, 5, 2), [1, 3]),
    ],
)
def test_directional_splits_match_numpy(name, shape, arg):
    a = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    x = ember.tensor(a)
    ours = getattr(ember, name)(x, arg)
    theirs = getattr(np, name)(a, arg)
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.numpy(), t)
        assert o._base is x or not o.numel()  # views, as in PyTorch
    assert [tuple(o.shape) for o in getattr(x, name)(arg)] == [t.shape for t in theirs]


SPLIT_ERRORS = [
    (lambda: ember.zeros(2, 5).hsplit(2), "hsplit: attempted to split along dimension 1, .* 5"),
    (lambda: ember.zeros(4).hsplit(0), "hsplit: .*not divisible by the split_size 0"),
    (lambda: ember.zeros(()).hsplit(1), "hsplit: requires a tensor with at least 1 dim"),
    (lambda: ember.zeros(3).vsplit(1), "vsplit: requires a tensor with at least 2 dim"),
    (lambda: ember.zeros(3, 2).dsplit(1), "dsplit: requires a tensor with at least 3 dim"),
    (lambda: ember.zeros(3, 2, 3).dsplit(2), "dsplit: .*dimension 2, .*size of the dimension 3"),
]


@pytest.mark.parametrize("case", range(len(SPLIT_ERRORS)))
def test_directional_splits_refuse_bad_sections(case):
    call, match = SPLIT_ERRORS[case]
    with pytest.raises(RuntimeError, match=match):
        call()


def _scipy_block_diag(*arrays):
    blocks = [np.atleast_2d(a) for a in arrays]
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    r = c = 0
    for b in blocks:
        out[r : r + b.shape[0], c : c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def test_block_diag_values_and_dtypes():
    a, b, c = ember.tensor(7), ember.tensor([1.5, 2.5]), ember.arange(6).reshape(3, 2)
    out = ember.block_diag(a, b, c)
    assert out.dtype is ember.float32  # int64, float32, int64 promote to float32
    expected = _scipy_block_diag(np.array(7), np.array([1.5, 2.5]), np.arange(6).reshape(3, 2))
    np.testing.assert_array_equal(out.numpy(), expected)
    assert ember.block_diag(c, c).dtype is ember.int64
    assert tuple(ember.block_diag().shape) == (1, 0)
    assert tuple(ember.block_diag(ember.zeros(0, 2), ember.zeros(2, 0)).shape) == (2, 2)
    with pytest.raises(RuntimeError, match=r"block_diag: Input tensors must have 2 or fewer .*1"):
        ember.block_diag(a, ember.zeros(1, 2, 3))
    with pytest.raises(TypeError, match="block_diag: expected Tensor as element 1"):
        ember.block_diag(a, 3)


def test_cartesian_prod_is_itertools_product():
    a, b, c = ember.tensor([1, 2]), ember.tensor([3, 4, 5]), ember.tensor([6])
    expected = list(itertools.product([1, 2], [3, 4, 5], [6]))
    assert [tuple(r) for r in ember.cartesian_prod(a, b, c).tolist()] == expected
    assert ember.cartesian_prod(a) is a  # one tensor: itself, as in PyTorch
    assert tuple(ember.cartesian_prod(a, ember.tensor([], dtype=ember.int64)).shape) == (0, 2)
    with pytest.raises(RuntimeError, match=r"cartesian_prod: Expect a 1D vector, .*\[1, 2\]"):
        ember.cartesian_prod(a, ember.ones(1, 2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="cartesian_prod: expects a non-empty list"):
        ember.cartesian_prod()


@pytest.mark.parametrize("r", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations_are_itertools(r, with_replacement):
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    x = ember.tensor([10.0, 20.0, 30.0, 40.0])
    out = ember.combinations(x, r, with_replacement=with_replacement)
    expected = [list(c) for c in pick([10.0, 20.0, 30.0, 40.0], r)]
    if r == 0:
        assert tuple(out.shape) == (0,)
    else:
        assert tuple(out.shape) == (len(expected), r)
        assert out.tolist() == expected
    assert out.dtype is ember.float32


def test_combinations_refuse_bad_input():
    with pytest.raises(RuntimeError, match=r"combinations: Expect a 1D vector, .*\[1, 1\]"):
        ember.combinations(ember.ones(1, 1))
    with pytest.raises(RuntimeError, match=r"combinations: Expect a non-negative number, .*-1"):
        ember.combinations(ember.ones(3), -1)


@pytest.mark.parametrize("n", [None, 0, 1, 2, 5])
@pytest.mark.parametrize("increasing", [False, True])
def test_vander_matches_numpy(n, increasing):
    a = np.array([1.5, -2.0, 0.0, 3.0])
    out = ember.vander(ember.tensor(a, dtype=ember.float64), n, increasing)
    np.testing.assert_allclose(out.numpy(), np.vander(a, n, increasing))


def test_vander_dtypes_and_errors():
    assert ember.vander(ember.tensor([1, 2], dtype=ember.int8)).dtype is ember.int64
    assert ember.vander(ember.tensor([True, False]), 3).tolist() == [[1, 1, 1], [0, 0, 1]]
    assert ember.vander(ember.tensor([2.0]), 3).dtype is ember.float32
    with pytest.raises(RuntimeError, match="vander: x must be a one-dimensional tensor"):
        ember.vander(ember.tensor(1.0))
    with pytest.raises(RuntimeError, match="vander: N must be non-negative"):
        ember.vander(ember.tensor([1.0]), -1)
