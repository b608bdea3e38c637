"""Focused tests for the linalg family: errors, named tuples, views, edge cases.

Forward values against NumPy are checked by tests/ops/test_opinfo.py from the
OpInfo rows; parity with PyTorch by tests/parity/test_linalg_parity.py.
"""

import numpy as np
import pytest

import ember
from ember import linalg as LA
from ember._ops.linalg import TOP_LEVEL
from ember.testing import assert_close, make_tensor


def t(data, dtype=ember.float64):
    return ember.tensor(data, dtype=dtype)


def rand(*shape, dtype=ember.float64, seed=0, **kw):
    return make_tensor(*shape, dtype=dtype, rng=np.random.default_rng(seed), **kw)


def spd(n, batch=(), dtype=ember.float64):
    a = rand(*batch, n, n, dtype=dtype, low=-1, high=1).numpy()
    return ember.from_numpy(a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n, dtype=a.dtype))


# ---- products -------------------------------------------------------------------------------


def test_matmul_shape_error_is_raised_before_numpy():
    msg = r"^matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied \(3 != 4\)$"
    with pytest.raises(RuntimeError, match=msg):
        ember.matmul(ember.ones(2, 3), ember.ones(4, 5))
    with pytest.raises(RuntimeError, match=msg):
        ember.ones(2, 3) @ ember.ones(4, 5)


@pytest.mark.parametrize(
    "a, b, match",
    [
        (ember.ones(()), ember.ones(2, 2), "at least 1-D, but they are 0-D and 2-D"),
        (ember.ones(2, 2), ember.ones(2, 2, dtype=ember.float64), "same dtype"),
        (ember.ones(2, 2, dtype=ember.bool), ember.ones(2, 2, dtype=ember.bool), "bool"),
        (ember.ones(2, 3, 4), ember.ones(3, 4, 5), r"batch dimensions \(2,\) and \(3,\)"),
        (ember.ones(3), ember.ones(4), r"\(3,\) and \(4,\) cannot be multiplied"),
    ],
)
def test_matmul_errors(a, b, match):
    with pytest.raises(RuntimeError, match=rf"^matmul: .*{match}"):
        ember.matmul(a, b)


def test_matmul_rejects_python_numbers():
    with pytest.raises(TypeError, match=r"^matmul: expected tensors, got float"):
        ember.matmul(ember.ones(2, 2), 2.0)


@pytest.mark.parametrize(
    "fn, args, match",
    [
        (ember.mm, (ember.ones(3), ember.ones(3, 2)), "^mm: expected 2-D tensors, got 1-D and 2-D"),
        (ember.mm, (ember.ones(2, 3), ember.ones(4, 5)), r"^mm: shapes \(2, 3\) and \(4, 5\)"),
        (ember.bmm, (ember.ones(2, 3), ember.ones(3, 2)), "^bmm: expected 3-D tensors"),
        (ember.bmm, (ember.ones(2, 3, 4), ember.ones(3, 4, 5)), "^bmm: batch sizes differ"),
        (ember.mv, (ember.ones(2, 3), ember.ones(4)), r"^mv: shapes \(2, 3\) and \(4,\)"),
        (ember.mv, (ember.ones(3), ember.ones(3)), "^mv: expected a 2-D matrix and a 1-D"),
        (ember.dot, (ember.ones(2, 2), ember.ones(2, 2)), "^dot: 1-D tensors expected"),
        (ember.dot, (ember.ones(3), ember.ones(4)), "^dot: inconsistent tensor sizes: 3 and 4"),
        (ember.inner, (ember.ones(3, 2), ember.ones(3)), "^inner: the last dimension must"),
        (ember.outer, (ember.ones(2, 2), ember.ones(2)), "^outer: expected 1-D argument input"),
        (ember.tensordot, (ember.ones(3, 4), ember.ones(5, 6), 1), "^tensordot: contracted"),
        (ember.tensordot, (ember.ones(3, 4), ember.ones(4, 6), -1), "^tensordot: expects dims"),
        (ember.cross, (ember.ones(2, 4), ember.ones(2, 4)), "^cross: no dimension of size 3"),
        (LA.cross, (ember.ones(3, 4), ember.ones(3, 4)), "^cross: inputs dimension -1 must"),
        (LA.cross, (ember.ones(2, 1, 3), ember.ones(4, 3)), "^cross: inputs must have the same"),
        (LA.multi_dot, ([ember.ones(2, 2)],), "^linalg_multi_dot: expected at least 2 tensors"),
        (LA.multi_dot, ([ember.ones(2, 3), ember.ones(2, 3)],), "^linalg_multi_dot: tensors 0"),
        (LA.vecdot, (ember.ones(3, dtype=ember.int64),) * 2, "^linalg_vecdot: expected a float"),
    ],
)
def test_product_errors(fn, args, match):
    with pytest.raises((RuntimeError, IndexError), match=match):
        fn(*args)


def test_einsum_forms_and_errors():
    a, b = rand(2, 3), rand(3, 4)
    expected = ember.matmul(a, b)
    assert_close(ember.einsum("ij,jk->ik", a, b), expected)
    assert_close(ember.einsum("ij,jk", [a, b]), expected)
    with pytest.raises(RuntimeError, match=r"^einsum: the equation 'ij,jk' has 2 operand"):
        ember.einsum("ij,jk", a)
    with pytest.raises(RuntimeError, match=r"^einsum: subscript j has size 2 for operand 1"):
        ember.einsum("ij,jk", a, rand(2, 4))
    with pytest.raises(RuntimeError, match=r"^einsum: subscripts 'ijk' of operand 0"):
        ember.einsum("ijk,jk", a, b)


def test_addmm_beta_zero_ignores_nan_and_inf():
    inp = ember.full((2, 2), float("nan"))
    out = ember.addmm(inp, ember.eye(2), ember.eye(2), beta=0)
    assert_close(out, ember.eye(2))
    out = ember.addmv(ember.full((2,), float("inf")), ember.eye(2), ember.ones(2), beta=0)
    assert_close(out, ember.ones(2))


def test_addmm_scalar_and_broadcast_errors():
    i = ember.ones(2, 2, dtype=ember.int64)
    with pytest.raises(RuntimeError, match=r"^addmm: for integer tensors, beta must be an integer"):
        ember.addmm(i, i, i, beta=0.5)
    with pytest.raises(RuntimeError, match=r"^addmm: input of shape \(3,\) cannot be broadcast"):
        ember.addmm(ember.ones(3), ember.ones(2, 2), ember.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"^baddbmm: complex alpha"):
        ember.baddbmm(ember.ones(1), ember.ones(1, 2, 2), ember.ones(1, 2, 2), alpha=1j)


def test_outer_and_kron_promote_like_torch():
    i, f = ember.arange(3), ember.ones(2)
    assert ember.outer(i, f).dtype is ember.float32
    assert ember.ger(i, f).dtype is ember.float32
    assert ember.kron(i, f.to(ember.float64)).dtype is ember.float64


def test_matmul_keeps_low_precision_dtypes():
    a = ember.ones(2, 2, dtype=ember.bfloat16)
    assert (a @ a).dtype is ember.bfloat16


def test_top_level_names():
    for name in ("matmul", "mm", "bmm", "einsum", "tensordot", "kron", "cross", "chain_matmul"):
        assert getattr(ember, name) is TOP_LEVEL[name]
    assert ember.linalg.matmul is ember.matmul
    assert ember.inverse is LA.inv and ember.det is LA.det


def test_logdet_pinverse_and_cholesky_top_level_forms():
    a = spd(3, batch=(2,))
    assert_close(ember.logdet(a), np.log(np.linalg.det(a.numpy())))
    assert_close(a.logdet(), np.linalg.slogdet(a.numpy())[1])
    flip = t([[0.0, 1.0], [1.0, 0.0]])  # det -1: no real log
    assert np.isnan(ember.logdet(flip).item())
    assert ember.logdet(t([[1.0, 2.0], [2.0, 4.0]])).item() == -np.inf
    m = rand(2, 4, 3)
    assert_close(ember.pinverse(m), np.linalg.pinv(m.numpy()))
    assert_close(m.pinverse(rcond=0.5), np.linalg.pinv(m.numpy(), rcond=0.5))
    lower = np.linalg.cholesky(a.numpy())
    assert_close(ember.cholesky(a), lower)
    assert_close(a.cholesky(upper=True), np.swapaxes(lower, -1, -2))
    for name in ("logdet", "pinverse", "cholesky"):
        assert getattr(ember, name) is TOP_LEVEL[name]
    assert LA.cholesky is not ember.cholesky  # the linalg form keeps its own signature


def test_logdet_errors():
    with pytest.raises(RuntimeError, match=r"^logdet: A must be batches of square matrices"):
        ember.logdet(rand(2, 3))
    with pytest.raises(RuntimeError, match=r"^logdet: Expected a floating point or complex"):
        ember.logdet(ember.ones(2, 2, dtype=ember.int64))


def test_matmul_float32_returns_the_blas_result_without_a_copy():
    # Speed against NumPy is measured in bench/overhead.py; here, no extra copy.
    a, b = rand(256, 256, dtype=ember.float32), rand(256, 256, dtype=ember.float32, seed=1)
    out = a @ b
    assert out._data.flags.owndata and out._data.flags.c_contiguous
    assert_close(out, a.numpy() @ b.numpy())


# ---- linalg: dtypes, shapes and singular inputs -----------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [LA.det, LA.inv, LA.slogdet, LA.cholesky, LA.qr, LA.svd, LA.svdvals, LA.eigh, LA.eig]
    + [LA.eigvals, LA.eigvalsh, LA.pinv, LA.matrix_rank, LA.matrix_exp, LA.vector_norm]
    + [LA.matrix_norm, LA.inv_ex],
)
def test_integer_inputs_raise_like_torch(fn):
    with pytest.raises(
        RuntimeError, match=r"^linalg_\w+: expected a (float32|floating point).* got int64$"
    ):
        fn(ember.ones(3, 3, dtype=ember.int64))


@pytest.mark.parametrize("fn", [LA.inv, LA.det, LA.cholesky, LA.eigh, LA.eig, LA.matrix_exp])
def test_square_matrices_are_required(fn):
    with pytest.raises(RuntimeError, match=r"^linalg_\w+: A must be batches of square matrices"):
        fn(rand(2, 3))
    with pytest.raises(RuntimeError, match=r"^linalg_\w+: the input tensor A must have at least 2"):
        fn(rand(3))


def test_singular_inverse_names_the_zero_pivot():
    a = t([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]])
    msg = (
        "^linalg_inv: The diagonal element 3 is zero, the inversion could not be completed "
        "because the input matrix is singular.$"
    )
    with pytest.raises(LA.LinAlgError, match=msg):
        LA.inv(a)
    batch = ember.from_numpy(np.stack([np.eye(3), np.zeros((3, 3))]))
    with pytest.raises(RuntimeError, match=r"^linalg_inv: \(Batch element 1\): The diagonal"):
        LA.inv(batch)
    assert issubclass(LA.LinAlgError, RuntimeError)


def test_inv_ex_reports_info_without_raising():
    batch = ember.from_numpy(np.stack([2 * np.eye(2), [[1.0, 2.0], [2.0, 4.0]]]))
    out = LA.inv_ex(batch)
    assert out._fields == ("inverse", "info")
    assert out.info.dtype is ember.int32 and out.info.tolist() == [0, 2]
    assert_close(out.inverse.numpy()[0], 0.5 * np.eye(2))
    with pytest.raises(LA.LinAlgError, match=r"^linalg_inv_ex: .*The diagonal element 2 is zero"):
        LA.inv_ex(batch, check_errors=True)


def test_cholesky_names_the_failing_minor():
    a = ember.from_numpy(np.stack([np.eye(3), [[1.0, 0, 0], [0, 1, 2], [0, 2, 1]]]))
    msg = r"^linalg_cholesky: \(Batch element 1\): .*definite \(the leading minor of order 3 is"
    with pytest.raises(LA.LinAlgError, match=msg):
        LA.cholesky(a)


def test_cholesky_upper_and_reconstruction():
    a = spd(4, (2,), ember.complex128)
    low, up = LA.cholesky(a), LA.cholesky(a, upper=True)
    l_, u_ = low.numpy(), up.numpy()
    assert_close(l_ @ np.conj(np.swapaxes(l_, -1, -2)), a.numpy())
    assert_close(u_, np.conj(np.swapaxes(l_, -1, -2)))
    assert np.all(np.triu(l_, 1) == 0)


def test_solve_shapes_and_errors():
    a = spd(3, (2,))
    b = rand(2, 3)
    assert LA.solve(a, b).shape == (2, 3)  # a batch of vectors
    assert LA.solve(a, rand(3, 4)).shape == (2, 3, 4)  # broadcast
    x = LA.solve(a, rand(4, 3), left=False)  # X A = B, broadcast over A's batch
    assert_close(x.numpy() @ a.numpy(), np.broadcast_to(rand(4, 3).numpy(), (2, 4, 3)))
    with pytest.raises(LA.LinAlgError, match=r"^linalg_solve: The solver failed because"):
        LA.solve(ember.zeros(2, 2, dtype=ember.float64), t([1.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"^linalg_solve: incompatible shapes of A and B"):
        LA.solve(spd(2), t([1.0, 1.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"^linalg_solve: expected all tensors to have the same"):
        LA.solve(spd(2), ember.ones(2))
    with pytest.raises(RuntimeError, match=r"^linalg_solve: vector broadcasting"):
        LA.solve(spd(2), t([1.0, 1.0]), left=False)


def test_named_tuples():
    a = rand(4, 3)
    assert LA.qr(a)._fields == ("Q", "R")
    assert LA.svd(a)._fields == ("U", "S", "Vh")
    assert LA.slogdet(spd(3))._fields == ("sign", "logabsdet")
    assert LA.eigh(spd(3))._fields == ("eigenvalues", "eigenvectors")
    assert LA.eig(spd(3))._fields == ("eigenvalues", "eigenvectors")
    fields = ("solution", "residuals", "rank", "singular_values")
    assert LA.lstsq(a, rand(4, 2))._fields == fields


def test_qr_modes_and_svd_shapes():
    a = rand(5, 3)
    q, r = LA.qr(a, mode="r")
    assert q.shape == (0,) and r.shape == (3, 3)
    q, r = LA.qr(a, mode="complete")
    assert q.shape == (5, 5) and r.shape == (5, 3)
    with pytest.raises(RuntimeError, match=r"^linalg_qr: unrecognized mode 'x'"):
        LA.qr(a, mode="x")
    assert [tuple(x.shape) for x in LA.svd(a)] == [(5, 5), (3,), (3, 3)]
    assert [tuple(x.shape) for x in LA.svd(a, full_matrices=False)] == [(5, 3), (3,), (3, 3)]


def test_eig_is_always_complex_and_eigh_checks_uplo():
    w, v = LA.eig(rand(3, 3, dtype=ember.float32))
    assert w.dtype is ember.complex64 and v.dtype is ember.complex64
    assert LA.eigvals(spd(3)).dtype is ember.complex128
    with pytest.raises(RuntimeError, match=r"^linalg_eigh: expected UPLO argument to be 'L' or"):
        LA.eigh(spd(3), UPLO="X")


def test_lstsq_drivers_and_errors():
    a, b = rand(6, 3), rand(6, 2)
    out = LA.lstsq(a, b, driver="gelsd")
    assert out.rank.dtype is ember.int64 and out.rank.item() == 3
    assert out.residuals.shape == (2,) and out.singular_values.shape == (3,)
    assert LA.lstsq(a, b).residuals.shape == (0,)  # gelsy, the default, skips residuals
    with pytest.raises(RuntimeError, match=r"^linalg_lstsq: driver should be one of"):
        LA.lstsq(a, b, driver="foo")
    with pytest.raises(RuntimeError, match=r"^linalg_lstsq: A and B must have the same number"):
        LA.lstsq(a, rand(5, 2))


def test_rank_deficient_lstsq_is_the_minimum_norm_solution():
    a = ember.from_numpy(np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]]))
    out = LA.lstsq(a, t([[2.0], [2.0], [0.0]]), driver="gelsd")
    assert_close(out.solution, t([[1.0], [1.0]]))
    assert out.rank.item() == 1


def test_pinv_rank_and_tolerances():
    a = ember.from_numpy(np.diag([3.0, 1e-3, 0.0]))
    assert LA.matrix_rank(a).item() == 2
    assert LA.matrix_rank(a, atol=0.01).item() == 1
    assert LA.matrix_rank(a, rtol=0.5).item() == 1
    assert LA.matrix_rank(a, hermitian=True).item() == 2
    assert_close(LA.pinv(a), np.diag([1 / 3, 1e3, 0.0]))
    assert_close(LA.pinv(a, atol=0.01), np.diag([1 / 3, 0.0, 0.0]))
    assert_close(LA.pinv(a, hermitian=True), np.diag([1 / 3, 1e3, 0.0]))


def test_matrix_power():
    a = spd(3)
    assert_close(LA.matrix_power(a, -2).numpy(), np.linalg.inv(a.numpy() @ a.numpy()))
    assert_close(LA.matrix_power(rand(2, 3, 3), 0), np.broadcast_to(np.eye(3), (2, 3, 3)))
    i = ember.from_numpy(np.array([[1, 1], [0, 1]]))
    assert LA.matrix_power(i, 3).tolist() == [[1, 3], [0, 1]]
    with pytest.raises(RuntimeError, match=r"^linalg_matrix_power: expected a float32"):
        LA.matrix_power(i, -1)
    with pytest.raises(TypeError, match=r"^linalg_matrix_power: n must be an int, got float"):
        LA.matrix_power(a, 2.0)


def test_matrix_exp_known_values():
    assert_close(
        LA.matrix_exp(ember.from_numpy(np.diag([0.0, 1.0, -2.0]))), np.diag(np.exp([0, 1, -2]))
    )
    nil = ember.from_numpy(np.array([[0.0, 1.0], [0.0, 0.0]]))  # exp = I + N
    assert_close(LA.matrix_exp(nil), np.array([[1.0, 1.0], [0.0, 1.0]]))
    rot = ember.from_numpy(np.array([[0.0, -40.0], [40.0, 0.0]]))  # needs many squarings
    c, s = np.cos(40.0), np.sin(40.0)
    assert_close(LA.matrix_exp(rot), np.array([[c, -s], [s, c]]), rtol=1e-9, atol=1e-9)
    batch = ember.from_numpy(np.stack([np.zeros((2, 2)), np.array([[0.0, -40.0], [40.0, 0.0]])]))
    assert_close(LA.matrix_exp(batch).numpy()[0], np.eye(2))  # scaled per matrix


def test_norms():
    x = t([[3.0, -4.0], [0.0, 0.0]])
    assert LA.vector_norm(x).item() == 5.0
    assert LA.vector_norm(x, 0).item() == 2.0
    assert LA.vector_norm(ember.ones(2, dtype=ember.complex64)).dtype is ember.float32
    assert LA.vector_norm(ember.ones(2), dtype=ember.float64).dtype is ember.float64
    assert LA.vector_norm(ember.ones(4, dtype=ember.float16)).item() == 2.0
    with pytest.raises(TypeError, match=r"^linalg_norm: expected a tensor, got list"):
        LA.norm([1.0, 2.0])
    assert LA.norm(x, "fro").item() == 5.0 and LA.norm(x, 1).item() == 4.0
    with pytest.raises(TypeError, match=r"^linalg_vector_norm: ord must be a number, got 'fro'"):
        LA.vector_norm(x, "fro")
    with pytest.raises(RuntimeError, match=r"^linalg_vector_norm: cannot compute the inf norm"):
        LA.vector_norm(ember.ones(0), float("inf"))
    with pytest.raises(RuntimeError, match=r"^linalg_matrix_norm: order 3 not supported"):
        LA.matrix_norm(x, 3)
    with pytest.raises(RuntimeError, match=r"^linalg_matrix_norm: dims must be different"):
        LA.matrix_norm(x, dim=(0, 0))
    with pytest.raises(RuntimeError, match=r"^linalg_norm: if dim is not given but ord is"):
        LA.norm(rand(2, 2, 2), 2)


def test_diagonal_is_a_writable_view():
    a = ember.from_numpy(np.arange(12.0).reshape(3, 4))
    d = LA.diagonal(a, offset=1)
    assert d.tolist() == [1.0, 6.0, 11.0]
    assert d._base is a
    d.copy_(ember.zeros(3, dtype=ember.float64))
    assert a.numpy()[0, 1] == 0.0 and a.numpy()[2, 3] == 0.0
    with pytest.raises(RuntimeError, match=r"^diagonal: diagonal dimensions cannot be identical"):
        LA.diagonal(a, dim1=0, dim2=-2)
    assert LA.diagonal(ember.ones(2, 3, 4), offset=1, dim1=0, dim2=2).shape == (3, 2)


def test_empty_and_batched_inputs():
    assert LA.det(ember.zeros(0, 0)).item() == 1.0
    assert LA.inv(ember.zeros(0, 3, 3)).shape == (0, 3, 3)
    assert LA.det(spd(3, (2, 2))).shape == (2, 2)
    assert LA.svdvals(ember.zeros(0, 3)).shape == (0,)


# ---- legacy top-level solvers and factorizations ----------------------------------------


def _unit(n, batch=()):
    """A well-conditioned (batch of) square matrices."""
    return ember.from_numpy(rand(*batch, n, n, low=-1, high=1).numpy() + n * np.eye(n))


def test_triangular_solve_flags_and_broadcasting():
    a, b = _unit(3, (2, 1)), rand(4, 3, 2, seed=1)
    an, bn = a.numpy(), b.numpy()
    for upper in (True, False):
        for transpose in (False, True):
            for unit in (False, True):
                tri = np.triu(an) if upper else np.tril(an)
                if unit:
                    tri = tri - np.eye(3) * np.diagonal(tri, 0, -2, -1)[..., None] + np.eye(3)
                tri = np.swapaxes(tri, -1, -2) if transpose else tri
                out = ember.triangular_solve(b, a, upper, transpose, unit)
                assert_close(out.solution, np.linalg.solve(tri, np.broadcast_to(bn, (2, 4, 3, 2))))
    out = b.triangular_solve(a)
    assert type(out).__name__ == "triangular_solve"
    assert out._fields == ("solution", "cloned_coefficient")
    assert out.cloned_coefficient.shape == (2, 4, 3, 3)
    assert_close(out.cloned_coefficient, np.broadcast_to(an, (2, 4, 3, 3)))


@pytest.mark.parametrize(
    "fn, args, match",
    [
        (ember.triangular_solve, (rand(3), _unit(3)), "triangular_solve: expected b to have at"),
        (ember.triangular_solve, (rand(2, 2), _unit(3)), "each b matrix is 2 by 2"),
        (ember.triangular_solve, (rand(3, 2), rand(3, 4)), "triangular_solve: A must be batches"),
        (ember.triangular_solve, (rand(3, 2, dtype=ember.float32), _unit(3)), "same dtype"),
        (ember.triangular_solve, (rand(2, 3, 1), _unit(3, (3,))), r"batch dimensions \(3,\)"),
        (ember.cholesky_solve, (rand(3), _unit(3)), "cholesky_solve: expected B to have at"),
        (ember.cholesky_solve, (rand(2, 2), _unit(3)), "cholesky_solve: incompatible matrix"),
        (ember.cholesky_inverse, (rand(3, 4),), "cholesky_inverse: A must be batches"),
        (ember.cholesky_inverse, (rand(3),), "cholesky_inverse: the input must have at least"),
        (
            ember.lu_solve,
            (rand(3, 1), _unit(3), ember.ones(3)),
            "lu_solve: pivots must be an int32",
        ),
        (ember.lu_solve, (rand(3, 1), _unit(3), ember.ones(2, dtype=ember.int32)), "3 pivots"),
        (ember.lu_unpack, (_unit(3), ember.full((3,), 4, dtype=ember.int32)), "between 1 and 3"),
        (ember.lu, (ember.ones(3, 3, dtype=ember.int64),), "linalg_lu_factor_ex: expected a float"),
        (ember.svd, (rand(3), True, False), "svd: the input must have at least 2 dimensions"),
    ],
)
def test_legacy_solver_errors(fn, args, match):
    with pytest.raises(RuntimeError, match=match):
        fn(*args)


def test_triangular_solve_of_a_singular_matrix_raises():
    a = t([[0.0, 1.0], [0.0, 1.0]])
    with pytest.raises(
        LA.LinAlgError, match=r"^triangular_solve: the triangular matrix is singular"
    ):
        ember.triangular_solve(t([[1.0], [1.0]]), a)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    a = spd(3, batch=(2,))
    f = LA.cholesky(a, upper=upper)
    b = rand(3, 2, seed=2)
    expected = np.linalg.solve(a.numpy(), np.broadcast_to(b.numpy(), (2, 3, 2)))
    assert_close(ember.cholesky_solve(b, f, upper), expected)
    assert_close(b.cholesky_solve(f, upper=upper), expected)
    inv = f.cholesky_inverse(upper)
    assert_close(inv, np.linalg.inv(a.numpy()))
    assert_close(inv, inv.mT)  # symmetric by construction
    noisy = f + (f.tril(-1) if upper else f.triu(1)) * 5  # the other triangle is not read
    assert_close(ember.cholesky_inverse(noisy, upper), inv)


def test_cholesky_solve_complex():
    a = spd(3, dtype=ember.complex128)
    b = rand(3, 2, dtype=ember.complex128, seed=3)
    x = ember.cholesky_solve(b, LA.cholesky(a))
    assert_close(x, np.linalg.solve(a.numpy(), b.numpy()))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (3, 5), (5, 3), (0, 0)])
def test_lu_and_lu_unpack_rebuild_the_input(shape):
    a = rand(*shape)
    lu, piv = ember.lu(a)
    assert piv.dtype == ember.int32 and piv.shape == (*shape[:-2], min(shape[-2:]))
    P, L, U = ember.lu_unpack(lu, piv)
    assert_close(P @ L @ U, a.numpy())
    k = min(shape[-2:])
    assert L.shape == (*shape[:-2], shape[-2], k) and U.shape == (*shape[:-2], k, shape[-1])
    assert_close(L, np.tril(L.numpy(), -1) + np.eye(shape[-2], k))


def test_lu_infos_and_singular_inputs():
    out = ember.lu(t([[1.0, 2.0], [2.0, 4.0]]), get_infos=True)
    assert out._fields == ("LU", "pivots", "info")
    assert_close(out.LU, [[2.0, 4.0], [0.5, 0.0]])
    assert out.pivots.tolist() == [2, 2] and out.info.item() == 2
    assert len(rand(2, 3, 3).lu()) == 2
    assert ember.lu(rand(2, 3, 3), get_infos=True).info.tolist() == [0, 0]
    with pytest.raises(RuntimeError, match=r"^linalg_lu_factor_ex: LU without pivoting"):
        ember.lu(rand(3, 3), pivot=False)


def test_linalg_lu_factor_and_lu_factor_ex():
    a = rand(2, 3, 3)
    lu, piv = LA.lu_factor(a)
    P, L, U = ember.lu_unpack(lu, piv)
    assert_close(P @ L @ U, a.numpy())
    ex = LA.lu_factor_ex(t([[1.0, 2.0], [2.0, 4.0]]))
    assert ex._fields == ("LU", "pivots", "info") and ex.info.item() == 2
    with pytest.raises(LA.LinAlgError, match=r"U\[2,2\] is zero"):
        LA.lu_factor(t([[1.0, 2.0], [2.0, 4.0]]))


def test_lu_unpack_partial_outputs():
    lu, piv = ember.lu(rand(3, 3))
    P, L, U = ember.lu_unpack(lu, piv, unpack_data=False)
    assert P.shape == (3, 3) and L.numel() == 0 and U.numel() == 0
    P, L, U = ember.lu_unpack(lu, piv, unpack_pivots=False)
    assert P.numel() == 0 and L.shape == (3, 3)


def test_lu_solve_broadcasts_batches():
    a, b = _unit(4, (2, 1)), rand(3, 4, 2, seed=4)
    lu, piv = a.lu()
    expected = np.linalg.solve(a.numpy(), np.broadcast_to(b.numpy(), (2, 3, 4, 2)))
    assert_close(ember.lu_solve(b, lu, piv), expected)
    assert_close(b.lu_solve(lu, piv), expected)


def test_legacy_qr_and_svd():
    a = rand(2, 4, 3)
    Q, R = ember.qr(a)
    assert Q.shape == (2, 4, 3) and R.shape == (2, 3, 3)
    out = a.qr(some=False)
    assert type(out).__name__ == "qr" and out.Q.shape == (2, 4, 4) and out.R.shape == (2, 4, 3)
    assert_close(out.Q @ out.R, a.numpy())
    U, S, V = ember.svd(a)
    assert U.shape == (2, 4, 3) and V.shape == (2, 3, 3)
    assert_close((U * S.unsqueeze(-2)) @ V.mT, a.numpy())
    assert a.svd(some=False).U.shape == (2, 4, 4)
    out = ember.svd(a, compute_uv=False)
    assert out._fields == ("U", "S", "V")
    assert out.U.shape == (2, 4, 4) and out.V.shape == (2, 3, 3)
    assert not out.U.numpy().any() and not out.V.numpy().any()
    assert_close(out.S, np.linalg.svd(a.numpy(), compute_uv=False))
    assert ember.qr is not LA.qr and ember.svd is not LA.svd
