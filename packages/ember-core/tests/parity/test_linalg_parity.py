"""Parity with PyTorch for the linalg family (products, linalg, decompositions).

Every OpInfo sample of these ops runs through ember and torch; results, shapes
and dtypes must agree. Decompositions unique only up to signs or phases are
compared by their invariants (singular values, eigenvalues, magnitudes).
"""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from ember._ops import OPS  # noqa: E402
from ember.testing import load_opinfos, make_tensor  # noqa: E402

pytestmark = pytest.mark.parity

OPINFOS = load_opinfos()
FAMILIES = ("products", "linalg", "decompositions")
CASES = [
    (info, dtype)
    for info in OPINFOS.values()
    if OPS[info.name].family in FAMILIES
    for dtype in info.dtypes
]


def _case_id(case):
    return f"{case[0].name}-{case[1].name}"


def to_torch(x):
    if isinstance(x, ember.Tensor):
        return torch.from_numpy(np.array(x.cpu().numpy()))
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v) for v in x)
    if isinstance(x, dict):
        return {k: to_torch(v) for k, v in x.items()}
    return x


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.resolve_conj().resolve_neg().numpy()
    return np.asarray(x.cpu().numpy() if isinstance(x, ember.Tensor) else x)


def torch_fn(info):
    if info.torch is None:
        return getattr(torch, info.name)
    if callable(info.torch):
        return lambda *a, **k: info.torch(torch, *a, **k)
    fn = torch
    for part in info.torch.split(".")[1:]:
        fn = getattr(fn, part)
    return fn


def assert_matches(ours, theirs, msg, tol=None):
    """Values within a dtype-scaled tolerance, same shape and same dtype."""
    a, e = to_numpy(ours), to_numpy(theirs)
    assert a.shape == e.shape, f"{msg}: shape {a.shape} vs torch {e.shape}"
    if isinstance(ours, ember.Tensor) and isinstance(theirs, torch.Tensor):
        assert ours.dtype.name == str(theirs.dtype).split(".")[1], f"{msg}: dtype"
    if a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e, err_msg=msg)
        return
    tol = tol or (1e-4 if a.dtype in (np.float32, np.complex64) else 1e-9)
    scale = max(1.0, float(np.max(np.abs(e), initial=0.0)))
    np.testing.assert_allclose(a, e, rtol=tol, atol=tol * scale, err_msg=msg)


def _eig_order(w):
    return np.lexsort((np.round(w.imag, 3), np.round(w.real, 3)), axis=-1)


def _compare_svd(ours, theirs, msg):
    u, s, vh = (to_numpy(t) for t in ours)
    tu, _, tvh = (to_numpy(t) for t in theirs)
    k = s.shape[-1]
    assert_matches(ours.S, theirs.S, msg)
    assert_matches(np.abs(u[..., :k]), np.abs(tu[..., :k]), msg)
    assert_matches(np.abs(vh[..., :k, :]), np.abs(tvh[..., :k, :]), msg)
    assert u.shape == tu.shape and vh.shape == tvh.shape, msg


def _compare_eig(ours, theirs, msg):
    w, v = to_numpy(ours[0]), to_numpy(ours[1])
    tw, tv = to_numpy(theirs[0]), to_numpy(theirs[1])
    i, ti = _eig_order(w), _eig_order(tw)
    assert_matches(np.take_along_axis(w, i, -1), np.take_along_axis(tw, ti, -1), msg)
    mag = np.abs(np.take_along_axis(v, i[..., None, :], -1))
    tmag = np.abs(np.take_along_axis(tv, ti[..., None, :], -1))
    assert_matches(mag, tmag, msg)
    assert ours[1].dtype.name == str(theirs[1].dtype).split(".")[1], msg


def _compare_eigvals(ours, theirs, msg):
    w, tw = to_numpy(ours), to_numpy(theirs)
    assert_matches(np.sort_complex(w), np.sort_complex(tw), msg)
    assert ours.dtype.name == str(theirs.dtype).split(".")[1], msg


def _compare_abs(ours, theirs, msg):
    for a, b in zip(ours, theirs):
        assert_matches(np.abs(to_numpy(a)), np.abs(to_numpy(b)), msg)
        assert a.dtype.name == str(b.dtype).split(".")[1], msg


# Outputs unique only up to per-vector signs or phases.
INVARIANTS = {
    "linalg_svd": _compare_svd,
    "linalg_eigh": _compare_eig,
    "linalg_eig": _compare_eig,
    "linalg_eigvals": _compare_eigvals,
    "linalg_qr": _compare_abs,
}


def _samples(info, dtype):
    rng = np.random.default_rng(0)

    def make(*shape, **kw):
        kw.setdefault("dtype", dtype)
        return make_tensor(*shape, rng=rng, **kw)

    return list(info.samples(make))


def run_parity(info, dtype):
    fn = torch_fn(info)
    for sample in _samples(info, dtype):
        ours = OPS[info.name](*sample.args, **sample.kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's deprecation notes (torch.cross dim=None)
            theirs = fn(*to_torch(sample.args), **to_torch(sample.kwargs))
        msg = f"{info.name}{sample}"
        if info.name in INVARIANTS:
            INVARIANTS[info.name](ours, theirs, msg)
        elif isinstance(ours, tuple):
            assert len(ours) == len(theirs), msg
            for a, b in zip(ours, theirs):
                assert_matches(a, b, msg)
        else:
            assert_matches(ours, theirs, msg)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_op_matches_torch(case):
    run_parity(*case)


# ---- composites (plain functions built on the ops) ------------------------------------------


def _pair(*shape, dtype=ember.float32, seed=0):
    x = make_tensor(*shape, dtype=dtype, rng=np.random.default_rng(seed))
    return x, to_torch(x)


@pytest.mark.parametrize(
    "args",
    [
        ((3, 4), {}),
        ((3, 4), {"ord": 1}),
        ((3, 4), {"ord": "nuc"}),
        ((3, 4), {"ord": float("inf")}),
        ((5,), {"ord": 3}),
        ((2, 3, 4), {}),
        ((2, 3, 4), {"dim": 1}),
        ((2, 3, 4), {"ord": 2, "dim": (0, 2), "keepdim": True}),
        ((2, 3, 4), {"dim": (1, 2)}),
    ],
)
def test_norm_matches_torch(args):
    shape, kwargs = args
    x, tx = _pair(*shape)
    assert_matches(ember.linalg.norm(x, **kwargs), torch.linalg.norm(tx, **kwargs), "norm")


def test_linalg_cross_matches_torch():
    (a, ta), (b, tb) = _pair(2, 3, 3, seed=1), _pair(2, 3, 3, seed=2)
    assert_matches(ember.linalg.cross(a, b), torch.linalg.cross(ta, tb), "linalg.cross")
    assert_matches(ember.linalg.cross(a, b, dim=1), torch.linalg.cross(ta, tb, dim=1), "cross")


@pytest.mark.parametrize(
    "kwargs", [{}, {"offset": 1}, {"offset": -2}, {"dim1": 0, "dim2": 2}, {"offset": 5}]
)
def test_linalg_diagonal_matches_torch(kwargs):
    a, ta = _pair(2, 3, 4)
    assert_matches(ember.linalg.diagonal(a, **kwargs), torch.linalg.diagonal(ta, **kwargs), "diag")


def test_chain_matmul_matches_torch():
    mats = [_pair(*s, seed=i) for i, s in enumerate([(2, 3), (3, 4), (4, 5)])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.chain_matmul(*[t for _, t in mats])
    assert_matches(ember.chain_matmul(*[m for m, _ in mats]), expected, "chain_matmul")


def test_top_level_aliases_match_torch():
    a, ta = _pair(3, 3)
    assert_matches(ember.det(a), torch.det(ta), "det")
    assert_matches(ember.inverse(a), torch.inverse(ta), "inverse")
    assert_matches(ember.matrix_power(a, 3), torch.matrix_power(ta, 3), "matrix_power")
    for ours, theirs in zip(ember.slogdet(a), torch.slogdet(ta)):
        assert_matches(ours, theirs, "slogdet")


def test_singular_inverse_message_matches_torch():
    a = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]]
    with pytest.raises(RuntimeError) as theirs:
        torch.linalg.inv(torch.tensor(a))
    with pytest.raises(RuntimeError) as ours:
        ember.linalg.inv(ember.tensor(a))
    tail = str(theirs.value).split(": ", 1)[1]
    assert str(ours.value) == f"linalg_inv: {tail}"


# ---- top-level composites: logdet, pinverse, cholesky ------------------------------


def _spd(batch, n, seed=0):
    a = np.random.default_rng(seed).uniform(-1, 1, batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logdet_pinverse_cholesky_match_torch(dtype):
    rng = np.random.default_rng(0)
    square = rng.uniform(-2, 2, (3, 4, 4)).astype(dtype)  # some determinants negative
    spd = _spd((2,), 3).astype(dtype)
    wide = rng.uniform(-2, 2, (2, 3, 5)).astype(dtype)
    cases = [
        ("logdet", square, {}),
        ("logdet", spd, {}),
        ("pinverse", wide, {}),
        ("pinverse", wide, {"rcond": 0.3}),
        ("cholesky", spd, {}),
        ("cholesky", spd, {"upper": True}),
    ]
    rtol = 1e-4 if dtype == np.float32 else 1e-7
    for name, a, kw in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # torch.cholesky's deprecation
            expected = getattr(torch, name)(torch.from_numpy(a), **kw).numpy()
        out = getattr(ember, name)(ember.from_numpy(a), **kw)
        assert out.dtype.name == str(expected.dtype), name
        np.testing.assert_allclose(out.numpy(), expected, rtol=rtol, atol=rtol, err_msg=name)


# ---- legacy solvers and factorizations: triangular_solve, cholesky_*, lu*, qr, svd ---------


def _both(a):
    return ember.from_numpy(a), torch.from_numpy(a)


# torch's deprecation notes for its legacy forms (triangular_solve, lu, qr, svd...)
legacy = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@legacy
def test_legacy_solvers_match_torch(dtype):
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (2, 1, 3, 3)) + 3 * np.eye(3)
    b = rng.uniform(-1, 1, (4, 3, 2))
    if np.dtype(dtype).kind == "c":
        a, b = a + 0.5j * rng.uniform(-1, 1, a.shape), b - 0.5j * rng.uniform(-1, 1, b.shape)
    (ea, ta), (eb, tb) = _both(a.astype(dtype)), _both(b.astype(dtype))
    for kw in ({}, {"upper": False}, {"transpose": True}, {"unitriangular": True}):
        ours, theirs = ember.triangular_solve(eb, ea, **kw), torch.triangular_solve(tb, ta, **kw)
        for x, y in zip(ours, theirs):
            assert_matches(x, y, f"triangular_solve{kw}")
    for upper in (False, True):
        # A dominant real diagonal (a Cholesky factor's is real): a valid factor.
        f = _both((a - 1j * np.imag(a) * np.eye(3) if a.dtype.kind == "c" else a).astype(dtype))
        assert_matches(
            ember.cholesky_solve(eb, f[0], upper), torch.cholesky_solve(tb, f[1], upper), "cs"
        )
        assert_matches(
            ember.cholesky_inverse(f[0], upper), torch.cholesky_inverse(f[1], upper), "ci"
        )
    lu, tlu = ember.lu(ea), torch.lu(ta)
    assert_matches(ember.lu_solve(eb, *lu), torch.lu_solve(tb, *tlu), "lu_solve")


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (3, 5), (5, 3), (2, 2, 4)])
@pytest.mark.parametrize("dtype", [np.float64, np.complex64])
@legacy
def test_lu_and_lu_unpack_match_torch(shape, dtype):
    rng = np.random.default_rng(2)
    a = rng.uniform(-2, 2, shape) + (1j * rng.uniform(-2, 2, shape) if dtype == np.complex64 else 0)
    ea, ta = _both(a.astype(dtype))
    ours, theirs = ember.lu(ea, get_infos=True), torch.lu(ta, get_infos=True)
    for x, y in zip(ours, theirs):
        assert_matches(x, y, f"lu{shape}")
    for x, y in zip(ember.lu_unpack(*ours[:2]), torch.lu_unpack(*theirs[:2])):
        assert_matches(x, y, f"lu_unpack{shape}")


def test_linalg_lu_factor_matches_torch():
    a = np.random.default_rng(3).uniform(-2, 2, (2, 4, 4))
    ea, ta = _both(a)
    for x, y in zip(ember.linalg.lu_factor(ea), torch.linalg.lu_factor(ta)):
        assert_matches(x, y, "lu_factor")
    singular = [[1.0, 2.0], [2.0, 4.0]]
    ours, theirs = (
        ember.linalg.lu_factor_ex(ember.tensor(singular)),
        torch.linalg.lu_factor_ex(torch.tensor(singular)),
    )
    for x, y in zip(ours, theirs):
        assert_matches(x, y, "lu_factor_ex")


@legacy
def test_lu_of_singular_matrices_matches_torch():
    for a in ([[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]):
        ours, theirs = (
            ember.lu(ember.tensor(a), get_infos=True),
            torch.lu(torch.tensor(a), get_infos=True),
        )
        for x, y in zip(ours, theirs):
            assert_matches(x, y, f"lu({a})")


@pytest.mark.parametrize("kw", [{}, {"some": False}, {"compute_uv": False}])
@legacy
def test_legacy_qr_and_svd_match_torch(kw):
    a = np.random.default_rng(3).uniform(-1, 1, (2, 4, 3))
    ea, ta = _both(a)
    ours, theirs = ember.svd(ea, **kw), torch.svd(ta, **kw)
    assert [tuple(x.shape) for x in ours] == [tuple(y.shape) for y in theirs]
    assert_matches(ours.S, theirs.S, f"svd{kw}")
    if kw.get("compute_uv", True):  # singular vectors are unique up to signs
        _compare_abs((ours.U, ours.V), (theirs.U, theirs.V), f"svd{kw}")
    else:
        assert_matches(ours.U, theirs.U, "svd U")
        assert_matches(ours.V, theirs.V, "svd V")
    if "compute_uv" not in kw:
        _compare_abs(ember.qr(ea, **kw), torch.qr(ta, **kw), f"qr{kw}")
