"""Parity with PyTorch for the neural-network kernels: every OpInfo sample of the conv,
pooling, activation, normalization, sampling, loss and nn ops, then every public function
against ``torch.nn.functional``.
"""

import functools
import warnings

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember._ops.conv import fold, unfold
from ember.testing import assert_close, load_opinfos, make_tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional

pytestmark = pytest.mark.parity

FAMILIES = (
    "conv",
    "pooling",
    "adaptive",
    "nn",
    "activation",
    "normalization",
    "sampling",
    "losses",
)
ROWS = [info for info in load_opinfos().values() if OPS[info.name].family in FAMILIES]
CASES = [(info, dtype) for info in ROWS for dtype in info.dtypes]


def to_torch(v):
    """Ember tensors as PyTorch's (copies: some ops write in place), dtypes as torch's."""
    if isinstance(v, ember.Tensor):
        return torch.from_numpy(np.array(v.cpu()._data))
    if isinstance(v, ember.dtype):
        return getattr(torch, v.name)
    if isinstance(v, tuple):
        return tuple(to_torch(i) for i in v)
    if isinstance(v, list):
        return [to_torch(i) for i in v]
    if isinstance(v, dict):
        return {k: to_torch(i) for k, i in v.items()}
    return v


def assert_same(ours, theirs, msg="", rtol=None, atol=None):
    """Same structure, shape, dtype and values."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple), f"{msg}: expected a tuple, got {type(ours).__name__}"
        assert len(ours) == len(theirs), f"{msg}: {len(ours)} results, expected {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{msg}[{i}]", rtol, atol)
        return
    expected = str(theirs.dtype).removeprefix("torch.")
    assert ours.dtype.name == expected, f"{msg}: dtype {ours.dtype.name}, expected {expected}"
    assert tuple(ours.shape) == tuple(theirs.shape), f"{msg}: shape {tuple(ours.shape)}"
    assert_close(ours, theirs.detach().numpy(), rtol=rtol, atol=atol, check_dtype=False, msg=msg)


def _torch_fn(info):
    if info.torch is None:
        return getattr(torch, info.name)
    if isinstance(info.torch, str):
        return functools.reduce(getattr, info.torch.split(".")[1:], torch)
    return functools.partial(info.torch, torch)


def _samples(info, dtype):
    rng = np.random.default_rng(0)

    def make(*shape, **kw):
        kw.setdefault("dtype", dtype)
        return make_tensor(*shape, rng=rng, **kw)

    return list(info.samples(make))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0].name}-{c[1].name}")
def test_op_matches_torch(case):
    info, dtype = case
    fn = _torch_fn(info)
    for sample in _samples(info, dtype):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = fn(*to_torch(sample.args), **to_torch(sample.kwargs))
        ours = OPS[info.name](*sample.args, **sample.kwargs)
        if isinstance(ours, ember.Tensor) and isinstance(theirs, (tuple, list)):
            theirs = theirs[0]  # in-place ops return their first argument
        assert_same(ours, theirs, f"{info.name}{sample}", info.rtol, info.atol)


# ---- the public functions (composites and wrappers) ----------------------------------


def _t(*shape, seed=0, low=None, high=None, dtype=ember.float64):
    return make_tensor(*shape, dtype=dtype, rng=np.random.default_rng(seed), low=low, high=high)


def _calls():
    x1, x2, x3 = _t(2, 4, 9), _t(2, 4, 7, 6), _t(1, 2, 5, 6, 4)
    w1, w2, w3 = _t(6, 2, 3, seed=1), _t(6, 2, 3, 2, seed=1), _t(4, 1, 2, 3, 2, seed=1)
    b6 = _t(6, seed=2)
    cases = [
        ("conv1d", x1, w1, b6, 2, 1, 1, 2),
        ("conv1d", x1, w1, None, 1, "same", 2, 2),
        ("conv2d", x2, w2, b6, (2, 1), (1, 0), (1, 2), 2),
        ("conv2d", x2, w2, None, 1, "same", 1, 2),
        ("conv2d", x2, w2, b6, 1, "valid", 1, 2),
        ("conv2d", x2[0], w2, b6, 1, 0, 1, 2),
        ("conv3d", x3, w3, None, 1, "same", 1, 2),
        ("conv3d", x3, w3, None, 2, 1, 1, 2),
        ("conv_transpose1d", x1, _t(4, 3, 3, seed=3), None, 2, 1, 1, 2),
        ("conv_transpose2d", x2, _t(4, 3, 3, 2, seed=3), _t(6), (2, 1), 1, (1, 0), 2, (1, 2)),
        ("conv_transpose3d", x3, _t(2, 3, 2, 2, 3, seed=3), None, 2, 0, 1),
        ("max_pool1d", x1, 3, 2, 1, 1, True, True),
        ("max_pool2d", x2, (3, 2), None, 1),
        ("max_pool2d", x2, 3, 2, 1, 2, False, True),
        ("max_pool3d", x3, 2, 1, 1, 1, True),
        ("avg_pool1d", x1, 3, 2, 1, True, False),
        ("avg_pool2d", x2, 3, 2, 1, True, True, 2),
        ("avg_pool3d", x3, 2, 2, 1),
        ("adaptive_avg_pool1d", x1, 4),
        ("adaptive_avg_pool2d", x2, (3, None)),
        ("adaptive_avg_pool3d", x3, 1),
        ("adaptive_max_pool1d", x1, 4, True),
        ("adaptive_max_pool2d", x2, (3, 4), True),
        ("adaptive_max_pool3d", x3, (2, 1, 3)),
        ("lp_pool1d", x1, 2.0, 3, 2),
        ("lp_pool2d", x2, 3.0, 2),
        ("lp_pool3d", _t(1, 2, 4, 4, 4, low=0.1, high=3), 1.5, 2),
        ("pad", x2, (1, 2, 0, 3), "reflect"),
        ("pad", x2, (1, -2), "constant", 2.5),
        ("pad", x3, (1, 1, 2, 0, 1, 2), "circular"),
        ("interpolate", x2, None, 1.5, "bilinear", True),
        ("interpolate", x2, (5, 9), None, "bicubic"),
        ("interpolate", x1, None, 2.5, "linear", False, True),
        ("interpolate", x3, (3, 7, 2), None, "trilinear"),
        ("interpolate", x2, (3, 4), None, "area"),
        ("interpolate", x2, None, (0.7, 1.3), "nearest-exact"),
        ("interpolate", x1, 13),
        ("grid_sample", x2, _t(2, 3, 5, 2, low=-1.2, high=1.2), "bilinear", "border", True),
        ("grid_sample", x3, _t(1, 2, 3, 2, 3, low=-1, high=1), "nearest", "zeros", False),
        ("affine_grid", _t(2, 2, 3), (2, 3, 4, 5), False),
        ("affine_grid", _t(1, 3, 4), (1, 1, 2, 3, 4), True),
        ("pixel_shuffle", _t(2, 12, 2, 3), 2),
        ("pixel_unshuffle", _t(2, 3, 4, 6), 2),
        ("unfold", x2, (2, 3), (1, 2), 1, (2, 1)),
        ("fold", _t(2, 12, 20), (6, 7), (2, 3), (1, 2), 1, (2, 1)),
    ]
    return cases


def _elementwise_calls():
    x = _t(3, 4, 5, low=-30, high=30)
    cases = []
    for name in (
        "relu",
        "relu6",
        "gelu",
        "silu",
        "softplus",
        "elu",
        "selu",
        "celu",
        "mish",
        "leaky_relu",
        "hardtanh",
        "hardswish",
        "hardsigmoid",
        "hardshrink",
        "softshrink",
        "logsigmoid",
        "softsign",
        "tanhshrink",
    ):
        cases.append((name, x))
    cases += [
        ("glu", x, 1),
        ("threshold", x, 1.0, -2.0),
        ("prelu", x, _t(4, seed=5)),
        ("rrelu", x, 0.1, 0.3, False),
        ("softmax", x, 1),
        ("log_softmax", x, -1),
        ("softmin", x, 0),
        ("dropout", x, 0.5, False),
        ("alpha_dropout", x, 0.5, False),
        ("embedding", ember.tensor([[0, 3], [4, 3]]), _t(5, 3), 3),
        ("one_hot", ember.tensor([[0, 3], [4, 1]]), 6),
        ("cosine_similarity", x, _t(3, 1, 5, seed=3)),
        ("pairwise_distance", _t(4, 5), _t(4, 5, seed=3), 1.5),
        ("pdist", _t(5, 3), 3.0),
        ("normalize", x, 1.0, -1),
        ("layer_norm", x, (4, 5), _t(4, 5, seed=3), _t(4, 5, seed=4)),
        ("group_norm", x, 2, _t(4, seed=3), _t(4, seed=4)),
        ("rms_norm", x, (5,), _t(5, seed=3)),
        ("instance_norm", x),
        ("local_response_norm", x, 3),
        ("local_response_norm", _t(2, 4, 7, 6), 2, 1e-3, 0.5, 2.0),
        (
            "scaled_dot_product_attention",
            _t(2, 3, 4, 8),
            _t(2, 3, 6, 8, seed=1),
            _t(2, 3, 6, 5, seed=2),
        ),
    ]
    return cases


def _torch_function(name):
    return {"unfold": F.unfold, "fold": F.fold}.get(name) or getattr(F, name)


def _ember_function(name):
    return {"unfold": unfold, "fold": fold}.get(name) or getattr(ember, name)


@pytest.mark.parametrize("call", _calls() + _elementwise_calls(), ids=lambda c: c[0])
def test_function_matches_torch(call):
    name, *args = call
    ours = _ember_function(name)(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's notes on 'same' padding
        theirs = _torch_function(name)(*to_torch(args))
    if name == "one_hot":
        assert_same(ours, theirs, name)
    else:
        assert_same(ours, theirs, name, rtol=1e-6, atol=1e-6)


def test_batch_and_instance_norm_update_running_stats_like_torch():
    x = _t(4, 3, 5)
    for fn, kwargs in (
        ("batch_norm", {"training": True, "momentum": 0.3}),
        ("instance_norm", {"use_input_stats": True, "momentum": 0.2}),
    ):
        stats = [_t(3, seed=1, low=-1, high=1), _t(3, seed=2, low=0.5, high=2)]
        theirs_stats = to_torch(stats)
        ours = getattr(ember, fn)(x, *stats, _t(3, seed=3), _t(3, seed=4), **kwargs)
        theirs = getattr(F, fn)(
            to_torch(x), *theirs_stats, *to_torch([_t(3, seed=3), _t(3, seed=4)]), **kwargs
        )
        assert_same(ours, theirs, fn, rtol=1e-6, atol=1e-6)
        assert_same(tuple(stats), tuple(theirs_stats), f"{fn} running stats", rtol=1e-6, atol=1e-6)
        eval_ours = getattr(ember, fn)(x, *stats, None, None, False) if fn == "batch_norm" else None
        if eval_ours is not None:
            assert_same(eval_ours, F.batch_norm(to_torch(x), *theirs_stats), "eval", 1e-6, 1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"is_causal": True},
        {"scale": 0.3},
        {"mask": "bool"},
        {"mask": "float"},
        {"mask": "dead rows"},
        {"gqa": True},
    ],
    ids=str,
)
def test_attention_matches_torch(kwargs):
    kwargs = dict(kwargs)
    q, k, v = _t(2, 4, 3, 8), _t(2, 4, 5, 8, seed=1), _t(2, 4, 5, 6, seed=2)
    if kwargs.pop("gqa", False):
        k, v = _t(2, 2, 5, 8, seed=1), _t(2, 2, 5, 6, seed=2)
        kwargs["enable_gqa"] = True
    mask = kwargs.pop("mask", None)
    if mask == "float":
        kwargs["attn_mask"] = _t(3, 5, seed=4)
    elif mask is not None:
        keep = np.random.default_rng(5).random((3, 5)) > 0.4
        if mask == "dead rows":
            keep[1] = False  # nothing to attend to: zeros, as torch's
        kwargs["attn_mask"] = ember.tensor(keep)
    ours = ember.scaled_dot_product_attention(q, k, v, **kwargs)
    theirs = F.scaled_dot_product_attention(*to_torch((q, k, v)), **to_torch(kwargs))
    assert_same(ours, theirs, "sdpa", rtol=1e-6, atol=1e-6)


def test_embedding_max_norm_renormalises_the_weight_like_torch():
    idx, w = ember.tensor([[0, 3], [4, 3]]), _t(5, 3)
    tw = to_torch(w)
    ours = ember.embedding(idx, w, max_norm=2.0, norm_type=1.0)
    theirs = F.embedding(to_torch(idx), tw, max_norm=2.0, norm_type=1.0)
    assert_same(ours, theirs, "embedding", rtol=1e-6, atol=1e-6)
    assert_same(w, tw, "renormalised weight", rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "name",
    ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"],
)
def test_dropout_statistics_match_torch(name):
    # Random masks differ; their statistics and the kept values' scaling must not.
    shape = {"dropout1d": (64, 32, 8), "dropout2d": (64, 32, 4, 2), "dropout3d": (32, 32, 2, 2, 2)}
    x = _t(*shape.get(name, (64, 32, 8)), low=0.5, high=1.5)
    ours = getattr(ember, name)(x, 0.3, True).numpy()
    theirs = getattr(F, name)(to_torch(x), 0.3, True).numpy()
    if "alpha" in name:
        draws = 64 * 32 if "feature" in name else ours.size
        alpha = 1.7580993408473766
        a = 1.0 / ((alpha * alpha * 0.3 + 1) * 0.7) ** 0.5
        expected = a * 0.7 * x.numpy().mean()  # the mean the affine correction keeps
        for out in (ours, theirs):
            assert abs(out.mean() - expected) < 4 * out.std() / draws**0.5
        return
    kept = ours != 0
    draws = kept.size if name == "dropout" else kept.shape[0] * kept.shape[1]
    for fraction in (kept.mean(), (theirs != 0).mean()):
        assert abs(fraction - 0.7) < 4 * (0.21 / draws) ** 0.5
    np.testing.assert_allclose(ours[kept], x.numpy()[kept] / 0.7, rtol=1e-12)


# ---- distances: cdist and dist -------------------------------------------------------


def _distance_calls():
    a, b = _t(4, 3), _t(5, 3, seed=1)
    batched = (_t(2, 1, 4, 3), _t(3, 5, 3, seed=1))
    calls = [("cdist", (a, b, p), {}) for p in (0.0, 1.0, 1.5, 2.0, float("inf"))]
    calls += [
        ("cdist", batched, {}),
        ("cdist", (a, b), {"compute_mode": "donot_use_mm_for_euclid_dist"}),
        ("cdist", (_t(0, 3), b), {}),
        ("cdist", (_t(3, 4, dtype=ember.float32), _t(2, 4, seed=1, dtype=ember.float32)), {}),
        ("dist", (a, _t(3, seed=1)), {}),
        ("dist", (a, b[:4], 3), {}),
        ("dist", (a, b[:4], float("inf")), {}),
        ("dist", (a, b[:4], 0), {}),
    ]
    return calls


@pytest.mark.parametrize(("name", "args", "kwargs"), _distance_calls())
def test_distances_match_torch(name, args, kwargs):
    theirs = getattr(torch, name)(*to_torch(args), **kwargs)
    assert_same(getattr(ember, name)(*args, **kwargs), theirs, name, rtol=1e-5, atol=1e-6)
