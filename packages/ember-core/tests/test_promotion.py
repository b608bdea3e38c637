"""Type promotion and broadcasting of binary elementwise ops, as PyTorch does them.

The oracle is a hand-written copy of PyTorch's promotion table (c10's
``promoteTypes``) and its rules for 0-d tensors and Python scalars: dimensioned
tensors decide, then 0-d tensors, then Python scalars, and a lower class only matters
when it brings a higher category (bool < integer < floating < complex).
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

_NAMES = ["b1", "u1", "i1", "i2", "i4", "i8", "f2", "bf", "f4", "f8", "c4", "c8"]
_DTYPES = dict(
    zip(
        _NAMES,
        [
            ember.bool,
            ember.uint8,
            ember.int8,
            ember.int16,
            ember.int32,
            ember.int64,
            ember.float16,
            ember.bfloat16,
            ember.float32,
            ember.float64,
            ember.complex64,
            ember.complex128,
        ],
    )
)
# torch.promote_types(row, column)
_TABLE = """
    b1 u1 i1 i2 i4 i8 f2 bf f4 f8 c4 c8
b1  b1 u1 i1 i2 i4 i8 f2 bf f4 f8 c4 c8
u1  u1 u1 i2 i2 i4 i8 f2 bf f4 f8 c4 c8
i1  i1 i2 i1 i2 i4 i8 f2 bf f4 f8 c4 c8
i2  i2 i2 i2 i2 i4 i8 f2 bf f4 f8 c4 c8
i4  i4 i4 i4 i4 i4 i8 f2 bf f4 f8 c4 c8
i8  i8 i8 i8 i8 i8 i8 f2 bf f4 f8 c4 c8
f2  f2 f2 f2 f2 f2 f2 f2 f4 f4 f8 c4 c8
bf  bf bf bf bf bf bf f4 bf f4 f8 c4 c8
f4  f4 f4 f4 f4 f4 f4 f4 f4 f4 f8 c4 c8
f8  f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 c8 c8
c4  c4 c4 c4 c4 c4 c4 c4 c4 c4 c8 c4 c8
c8  c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8 c8
"""
_ROWS = [line.split() for line in _TABLE.strip().splitlines()[1:]]
PROMOTE = {(row[0], col): out for row in _ROWS for col, out in zip(_NAMES, row[1:])}
SCALAR_DTYPE = {bool: "b1", int: "i8", float: "f4", complex: "c4"}  # f4: the default dtype


def category(name):
    """0 bool, 1 integer, 2 floating, 3 complex."""
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}[name[0] if name != "bf" else "f"]


def to_complex(name):
    return {"f8": "c8"}.get(name, "c4")


def combine(higher, lower):
    """A lower-priority class (0-d tensors, then scalars) only raises the category."""
    if higher is None:
        return lower
    if lower is None or category(lower) <= category(higher):
        return higher
    if category(lower) == 3 and category(higher) == 2:
        return to_complex(higher)
    return lower


def expected_dtype(operands):
    """operands: ("dim" | "0d", name) for tensors, or a Python number."""
    classes = {"dim": None, "0d": None, "scalar": None}
    for x in operands:
        kind, name = ("scalar", SCALAR_DTYPE[type(x)]) if not isinstance(x, tuple) else x
        seen = classes[kind]
        classes[kind] = name if seen is None else PROMOTE[seen, name]
    return combine(classes["dim"], combine(classes["0d"], classes["scalar"]))


def make(operand):
    if not isinstance(operand, tuple):
        return operand
    kind, name = operand
    values = np.array([1, 2, 3] if kind == "dim" else 2)
    return ember.tensor(values.astype(_DTYPES[name].np))


def _float(r):
    return r if category(r) >= 2 else "f4"


# op -> (how the promoted dtype becomes the result dtype, dtypes names it refuses)
OPS = {
    "add": (lambda r: r, ()),
    "mul": (lambda r: r, ()),
    "div": (_float, ()),
    "eq": (lambda r: "b1", ()),
    "lt": (lambda r: "b1", ("c4", "c8")),
    "maximum": (lambda r: r, ("c4", "c8")),
    "atan2": (_float, ("c4", "c8")),
}


def _check(op_name, a, b):
    result, refused = OPS[op_name]
    r = expected_dtype([a, b])
    # ember has no complex32: PyTorch gives it for float16 with complex 0-d or scalars
    assume(not (r == "c4" and "f2" in [x[1] for x in (a, b) if isinstance(x, tuple)]))
    if r in refused:
        with pytest.raises(TypeError, match=rf"^{op_name}: "):
            ember.__dict__[op_name](make(a), make(b))
        return
    out = ember.__dict__[op_name](make(a), make(b))
    assert out.dtype is _DTYPES[result(r)], f"{op_name}({a}, {b})"


tensor_operand = st.tuples(st.sampled_from(["dim", "0d"]), st.sampled_from(_NAMES))
scalar_operand = st.sampled_from([True, 2, 2.5, 1 + 1j])


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(sorted(OPS)), a=tensor_operand, b=tensor_operand)
def test_tensor_pairs_promote_like_pytorch(op, a, b):
    _check(op, a, b)


@settings(max_examples=300, deadline=None)
@given(
    op=st.sampled_from(sorted(OPS)),
    a=tensor_operand,
    s=scalar_operand,
    reflected=st.booleans(),
)
def test_tensor_and_python_scalar_promote_like_pytorch(op, a, s, reflected):
    assume(not (reflected and op in ("lt", "maximum", "atan2", "eq")))
    _check(op, *((s, a) if reflected else (a, s)))


@settings(max_examples=200, deadline=None)
@given(a=tensor_operand, b=tensor_operand)
def test_bitwise_ops_take_integers_and_bool_only(a, b):
    r = expected_dtype([a, b])
    if category(r) > 1:
        with pytest.raises(TypeError, match=r"^bitwise_and: expected integer or bool tensors"):
            ember.bitwise_and(make(a), make(b))
    else:
        assert ember.bitwise_and(make(a), make(b)).dtype is _DTYPES[r]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("dim", "u1"), ("dim", "i1"), ember.int16),
        (("dim", "b1"), ("dim", "b1"), ember.bool),
        (("dim", "i8"), 2.5, ember.float32),
        (("dim", "i4"), 2, ember.int32),
        (("dim", "f2"), ("dim", "bf"), ember.float32),
        # PyTorch 2.x: a 0-d float64 tensor brings its own dtype to an integer tensor
        (("dim", "i8"), ("0d", "f8"), ember.float64),
        (("dim", "f4"), ("0d", "f8"), ember.float32),
        (("dim", "i1"), ("0d", "i8"), ember.int8),
        (("0d", "i1"), ("0d", "u1"), ember.int16),
        (("dim", "f4"), 1j, ember.complex64),
        (("dim", "f8"), 1j, ember.complex128),
        (("dim", "i8"), ("0d", "c8"), ember.complex128),
        (("dim", "f4"), ("0d", "c8"), ember.complex64),
        (("dim", "f8"), ("0d", "c4"), ember.complex128),
        (("dim", "b1"), 2, ember.int64),
        (("dim", "f2"), 2.5, ember.float16),
    ],
)
def test_named_promotions(a, b, expected):
    assert ember.add(make(a), make(b)).dtype is expected


@pytest.mark.parametrize("op", [ember.add, ember.mul, ember.maximum, ember.clamp, ember.div])
def test_bfloat16_tensor_with_a_python_float_stays_bfloat16(op):
    # ml_dtypes widens bfloat16 with a Python float to float32; PyTorch does not
    assert op(make(("dim", "bf")), 2.5).dtype is ember.bfloat16


def test_the_default_dtype_decides_for_float_scalars():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.add(make(("dim", "i4")), 2.5).dtype is ember.float64
        assert ember.div(make(("dim", "i4")), 2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


# ---- broadcasting ----------------------------------------------------------------------

_ELEMENTS = st.floats(-10, 10, width=32)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4))
def test_binary_ops_broadcast_like_numpy(data, shapes):
    x, y = (
        data.draw(hnp.arrays(np.float32, shape, elements=_ELEMENTS))
        for shape in shapes.input_shapes
    )
    for op, ref in [(ember.add, np.add), (ember.mul, np.multiply), (ember.maximum, np.maximum)]:
        out = op(ember.from_numpy(x), ember.from_numpy(y))
        assert tuple(out.shape) == shapes.result_shape
        np.testing.assert_array_equal(out.numpy(), ref(x, y))


@settings(max_examples=50, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3),
)
def test_where_broadcasts_three_ways(shapes):
    c, x, y = shapes.input_shapes
    cond = ember.from_numpy(np.ones(c, dtype=bool))
    out = ember.where(cond, ember.zeros(x, dtype=ember.float64), ember.ones(y, dtype=ember.int8))
    assert tuple(out.shape) == shapes.result_shape
    assert out.dtype is ember.float64


def test_shapes_that_do_not_broadcast_raise():
    with pytest.raises(ValueError, match=r"^add: .*could not be broadcast"):
        ember.add(ember.zeros(2, 3), ember.zeros(4))
