"""Gradients of PyTorch's legacy linear-algebra functions (``ember.triangular_solve``,
``cholesky_solve``, ``cholesky_inverse``, ``lu``, ``lu_solve``, ``lu_unpack``, ``qr``,
``svd``): composites of differentiable ops, checked against finite differences."""

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck


def _leaf(*shape, seed=0, shift=0.0, dtype=ember.float64):
    a = np.random.default_rng(seed).uniform(-1, 1, shape)
    if dtype.is_complex:
        a = a + 1j * np.random.default_rng(seed + 100).uniform(-1, 1, shape)
    if shift:
        a = a + shift * np.eye(shape[-1])
    return ember.from_numpy(a.astype(dtype.np)).requires_grad_()


@pytest.mark.parametrize("dtype", [ember.float64, ember.complex128])
@pytest.mark.parametrize(
    "kw", [{}, {"upper": False}, {"transpose": True}, {"unitriangular": True, "upper": False}]
)
def test_triangular_solve(kw, dtype):
    a, b = _leaf(2, 3, 3, shift=3.0, dtype=dtype), _leaf(3, 2, seed=1, dtype=dtype)
    assert gradcheck(lambda a, b: ember.triangular_solve(b, a, **kw).solution, (a, b))
    assert gradcheck(lambda a, b: ember.triangular_solve(b, a, **kw).cloned_coefficient, (a, b))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    # Any matrix with a dominant diagonal is a valid factor: only its triangle is read.
    f, b = _leaf(2, 3, 3, shift=3.0), _leaf(1, 3, 2, seed=1)
    assert gradcheck(lambda b, f: ember.cholesky_solve(b, f, upper), (b, f))
    assert gradcheck(lambda f: ember.cholesky_inverse(f, upper), (f,))


def test_cholesky_solve_through_cholesky():
    x, b = _leaf(2, 3, 3), _leaf(3, 1, seed=1)

    def fn(x, b):
        a = x @ x.mT + 3 * ember.eye(3, dtype=x.dtype)
        return ember.cholesky_solve(b, ember.linalg.cholesky(a))

    assert gradcheck(fn, (x, b))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (3, 5), (5, 3)])
def test_lu_and_lu_unpack(shape):
    a = _leaf(*shape)
    assert gradcheck(lambda a: ember.lu(a)[0], (a,))

    def unpacked(a):
        _, L, U = ember.lu_unpack(*ember.lu(a))
        return L, U

    assert gradcheck(unpacked, (a,))


def test_lu_complex():
    assert gradcheck(lambda a: ember.lu(a)[0], (_leaf(2, 3, 3, dtype=ember.complex128),))


def test_lu_solve():
    a, b = _leaf(2, 1, 4, 4, shift=2.0), _leaf(3, 4, 2, seed=1)
    assert gradcheck(lambda a, b: ember.lu_solve(b, *ember.lu(a)), (a, b))
    lu, piv = ember.lu(a.detach())
    lu.requires_grad_()
    assert gradcheck(lambda lu, b: ember.lu_solve(b, lu, piv), (lu, b))


@pytest.mark.parametrize("shape, some", [((2, 4, 3), True), ((3, 5), True), ((3, 3), False)])
def test_qr(shape, some):
    a = _leaf(*shape)

    def fn(a):
        Q, R = ember.qr(a, some)
        # Q R is unique up to column signs; these are invariant to them.
        return Q @ Q.mT, R.mT @ R

    assert gradcheck(fn, (a,))


@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 5), (3, 3)])
def test_svd(shape):
    # Distinct, well-separated singular values: U diag(s) V^T with s = 1, 2, 3...
    k = min(shape[-2:])
    q1 = np.linalg.qr(np.random.default_rng(0).standard_normal(shape[:-1] + (k,)))[0]
    q2 = np.linalg.qr(np.random.default_rng(1).standard_normal(shape[:-2] + (shape[-1], k)))[0]
    a = ember.from_numpy((q1 * np.arange(1.0, k + 1)) @ np.swapaxes(q2, -1, -2)).requires_grad_()

    def fn(a):
        U, S, V = ember.svd(a)
        # Sign flips of a (u, v) pair cancel in u v^T and in u u^T.
        return S, (U * S.unsqueeze(-2)) @ V.mT, U @ U.mT, V @ V.mT

    assert gradcheck(fn, (a,))
    assert gradcheck(lambda a: ember.svd(a, compute_uv=False).S, (a,))


def test_svd_without_uv_has_no_gradient_for_u_and_v():
    a = _leaf(3, 2)
    out = ember.svd(a, compute_uv=False)
    assert out.S.requires_grad and not out.U.requires_grad and not out.V.requires_grad
