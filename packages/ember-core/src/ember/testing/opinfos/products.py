"""OpInfo rows for ``ember/_ops/products.py`` (matmul, einsum, cross...)."""

import numpy as np

from ember import dtypes as _dt
from ember.testing.opinfo import ALL_NUMERIC, OpInfo, SampleInput

COMPLEX = (_dt.complex64, _dt.complex128)
NUMERIC = ALL_NUMERIC + COMPLEX
FLOATING_AND_COMPLEX = (_dt.float32, _dt.float64) + COMPLEX


def scalar(make):
    """A 0-d tensor (made 1-element first: make_tensor's 0-d complex case gives a NumPy
    scalar)."""
    return make(1).reshape(())


def _matmul_samples(make):
    yield SampleInput(make(3, 4), make(4, 5))
    yield SampleInput(make(4), make(4))  # dot
    yield SampleInput(make(4), make(4, 5))  # row vector
    yield SampleInput(make(3, 4), make(4))  # column vector
    yield SampleInput(make(2, 3, 4), make(4, 5))
    yield SampleInput(make(2, 1, 3, 4), make(3, 4, 2))  # broadcast batch dims
    yield SampleInput(make(0, 4), make(4, 3))
    yield SampleInput(make(3, 0), make(0, 2))  # empty contraction: zeros


def _linear_samples(make):
    yield SampleInput(make(3, 4), make(5, 4), make(5))
    yield SampleInput(make(3, 4), make(5, 4))  # no bias
    yield SampleInput(make(2, 3, 4), make(5, 4), make(5))  # leading dims fold into one GEMM
    yield SampleInput(make(4), make(5, 4), make(5))  # one sample
    yield SampleInput(make(3, 4).transpose(0, 1), make(2, 3), make(1))  # strided, bias broadcast
    yield SampleInput(make(3, 4), make(4))  # 1-D weight: one output, its dim removed
    yield SampleInput(make(4), make(4), scalar(make))
    yield SampleInput(make(0, 4), make(2, 4), make(2))


def _mm_samples(make):
    yield SampleInput(make(3, 4), make(4, 5))
    yield SampleInput(make(0, 3), make(3, 2))
    yield SampleInput(make(3, 0), make(0, 4))


def _bmm_samples(make):
    yield SampleInput(make(2, 3, 4), make(2, 4, 5))
    yield SampleInput(make(0, 3, 4), make(0, 4, 2))


def _mv_samples(make):
    yield SampleInput(make(3, 4), make(4))
    yield SampleInput(make(0, 4), make(4))


def _dot_samples(make):
    yield SampleInput(make(5), make(5))
    yield SampleInput(make(0), make(0))


def _inner_samples(make):
    yield SampleInput(make(3, 4), make(2, 4))
    yield SampleInput(make(4), make(4))
    yield SampleInput(scalar(make), make(3, 4))  # 0-d: a product
    yield SampleInput(make(2, 3, 4), make(4))


def _outer_samples(make):
    yield SampleInput(make(3), make(4))
    yield SampleInput(make(0), make(2))


def _addmm_samples(make):
    yield SampleInput(make(3, 5), make(3, 4), make(4, 5))
    yield SampleInput(make(5), make(3, 4), make(4, 5), beta=2, alpha=3)  # broadcast input
    yield SampleInput(make(1, 1), make(3, 4), make(4, 5), beta=0)
    yield SampleInput(make(0, 5), make(0, 4), make(4, 5))


def _addmv_samples(make):
    yield SampleInput(make(3), make(3, 4), make(4))
    yield SampleInput(make(1), make(3, 4), make(4), beta=2, alpha=3)
    yield SampleInput(make(3), make(3, 4), make(4), beta=0, alpha=2)


def _addbmm_samples(make):
    yield SampleInput(make(3, 5), make(2, 3, 4), make(2, 4, 5))
    yield SampleInput(make(5), make(2, 3, 4), make(2, 4, 5), beta=3, alpha=2)
    yield SampleInput(make(3, 5), make(0, 3, 4), make(0, 4, 5), beta=0)


def _baddbmm_samples(make):
    yield SampleInput(make(2, 3, 5), make(2, 3, 4), make(2, 4, 5))
    yield SampleInput(make(3, 5), make(2, 3, 4), make(2, 4, 5), beta=2, alpha=2)
    yield SampleInput(make(1), make(2, 3, 4), make(2, 4, 5), beta=0)


def _scaled_ref(product):
    def ref(inp, a, b, beta=1, alpha=1):
        prod = alpha * product(a, b)
        return prod if beta == 0 else beta * inp + prod

    return ref


def _einsum_samples(make):
    yield SampleInput("ij,jk->ik", make(3, 4), make(4, 5))
    yield SampleInput("bij,bjk->bik", make(2, 3, 4), make(2, 4, 5))
    yield SampleInput("i,i", make(4), make(4))
    yield SampleInput("ii->i", make(3, 3))
    yield SampleInput("ij->ji", make(2, 3))
    yield SampleInput("...ij,...jk", make(2, 3, 4), make(4, 2))
    yield SampleInput("ij,jk", [make(3, 4), make(4, 2)])  # list form
    yield SampleInput("ij,jk,kl->il", make(2, 3), make(3, 4), make(4, 5))
    yield SampleInput("i j , j k -> i k", make(2, 3), make(3, 1))
    yield SampleInput(make(2, 3), [0, 1], make(3, 4), [1, 2])  # sublist form


def _einsum_ref(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], list):
        operands = operands[0]
    return np.einsum(equation, *operands)


def _tensordot_samples(make):
    yield SampleInput(make(3, 4, 5), make(4, 5, 2))
    yield SampleInput(make(3, 4), make(4, 2), dims=1)
    yield SampleInput(make(3, 4, 5), make(4, 3, 2), dims=([1, 0], [0, 1]))
    yield SampleInput(make(3), make(2), 0)  # outer product


def _tensordot_ref(a, b, dims=2):
    return np.tensordot(a, b, axes=dims)


def _kron_samples(make):
    yield SampleInput(make(2, 3), make(3, 2))
    yield SampleInput(make(2), make(3))
    yield SampleInput(make(2, 2), make(2, 3, 1))  # different ranks
    yield SampleInput(scalar(make), make(2, 3))


def _cross_samples(make):
    yield SampleInput(make(4, 3), make(4, 3))
    yield SampleInput(make(3, 4), make(3, 4), 0)
    yield SampleInput(make(2, 1, 3), make(1, 4, 3), dim=-1)  # broadcasting
    yield SampleInput(make(5, 3), make(5, 3))  # dim=None: the first dim of size 3
    yield SampleInput(make(0, 3), make(0, 3), -1)


def _cross_ref(a, b, dim=None):
    shape = np.broadcast_shapes(a.shape, b.shape)
    dim = shape.index(3) if dim is None else dim
    return np.cross(a, b, axis=dim)


def _multi_dot_samples(make):
    yield SampleInput([make(3, 4), make(4, 5)])
    yield SampleInput([make(4), make(4, 5), make(5)])  # 1-D ends: a scalar
    yield SampleInput([make(2, 3), make(3, 6), make(6, 4), make(4, 2)])
    yield SampleInput([make(4), make(4, 3)])


def _vecdot_samples(make):
    yield SampleInput(make(3, 4), make(3, 4))
    yield SampleInput(make(2, 1, 4), make(3, 4))  # broadcasting
    yield SampleInput(make(3, 4), make(3, 4), dim=0)
    yield SampleInput(make(0, 4), make(4))


def _vecdot_ref(x, y, dim=-1):
    return np.sum(np.conj(x) * y, axis=dim)


OpInfo("matmul", np.matmul, _matmul_samples, NUMERIC, grad_order=2)
OpInfo("mm", np.matmul, _mm_samples, NUMERIC, grad_order=2)
OpInfo("bmm", np.matmul, _bmm_samples, NUMERIC, grad_order=2)
OpInfo("mv", np.matmul, _mv_samples, NUMERIC, grad_order=2)
OpInfo("dot", np.dot, _dot_samples, NUMERIC, grad_order=2)
OpInfo("vdot", np.vdot, _dot_samples, NUMERIC, grad_order=2)
OpInfo("inner", np.inner, _inner_samples, NUMERIC, grad_order=2)
OpInfo("outer", np.outer, _outer_samples, NUMERIC, grad_order=2)
OpInfo("addmm", _scaled_ref(np.matmul), _addmm_samples, NUMERIC, grad_order=2)
OpInfo("addmv", _scaled_ref(np.matmul), _addmv_samples, NUMERIC, grad_order=2)
OpInfo(
    "linear",
    lambda x, w, b=None: np.matmul(x, w.T) + (0 if b is None else b),
    _linear_samples,
    FLOATING_AND_COMPLEX,
    grad_order=2,
    torch="torch.nn.functional.linear",
)
OpInfo(
    "addbmm",
    _scaled_ref(lambda a, b: np.matmul(a, b).sum(0, dtype=a.dtype)),
    _addbmm_samples,
    NUMERIC,
    grad_order=2,
)
OpInfo("baddbmm", _scaled_ref(np.matmul), _baddbmm_samples, NUMERIC, grad_order=2)
OpInfo("einsum", _einsum_ref, _einsum_samples, NUMERIC, grad_order=2)
OpInfo("tensordot", _tensordot_ref, _tensordot_samples, NUMERIC, grad_order=2)
OpInfo("kron", np.kron, _kron_samples, NUMERIC, grad_order=2)
OpInfo("cross", _cross_ref, _cross_samples, NUMERIC, grad_order=2)
OpInfo(
    "linalg_multi_dot",
    np.linalg.multi_dot,
    _multi_dot_samples,
    NUMERIC,
    grad_order=2,
    torch="torch.linalg.multi_dot",
)
OpInfo(
    "linalg_vecdot",
    _vecdot_ref,
    _vecdot_samples,
    FLOATING_AND_COMPLEX,
    grad_order=2,
    torch="torch.linalg.vecdot",
)
