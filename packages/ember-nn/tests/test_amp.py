"""ember.amp: autocast regions (state, op lists, casting, autograd) and GradScaler.

The casting tests need the core dispatcher's ``CASTS`` hook (op name -> caster). Where
the installed ember-core predates it, the ``casts_hook`` fixture stands in with the same
contract: a ``CASTS`` table consulted before each op runs.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.amp as amp
import ember.nn as nn
import ember.optim as optim
from ember import dispatch
from ember.amp import autocast_mode


@pytest.fixture
def casts_hook(monkeypatch):
    if hasattr(dispatch, "CASTS"):
        yield dispatch.CASTS
        return
    table: dict = {}
    original = dispatch.dispatch

    def hooked(op, args, kwargs):
        if table:
            cast = table.get(op.name)
            if cast is not None:
                args, kwargs = cast(args, kwargs)
        return original(op, args, kwargs)

    def force_slow_path(*_):  # elementwise fast paths skip dispatch unless someone observes
        return None

    monkeypatch.setattr(dispatch, "CASTS", table, raising=False)
    monkeypatch.setattr(dispatch, "dispatch", hooked)
    dispatch.add_observer(force_slow_path)
    try:
        yield table
    finally:
        dispatch.remove_observer(force_slow_path)


def randn(*shape, dtype=ember.float32):
    return ember.tensor(np.random.default_rng(0).standard_normal(shape), dtype=dtype)


# ---- region state ---------------------------------------------------------------------------


def test_state_and_nesting(casts_hook):
    assert not amp.is_autocast_enabled("cpu")
    assert amp.get_autocast_dtype("cpu") is ember.bfloat16
    assert amp.get_autocast_dtype("cuda") is ember.float16
    with amp.autocast("cpu", dtype=ember.float16):
        assert amp.is_autocast_enabled("cpu") and not amp.is_autocast_enabled("cuda")
        assert amp.get_autocast_dtype("cpu") is ember.float16
        with amp.autocast("cpu", enabled=False):
            assert not amp.is_autocast_enabled("cpu")
            assert casts_hook == {}
        assert amp.is_autocast_enabled("cpu") and "matmul" in casts_hook
    assert not amp.is_autocast_enabled("cpu") and casts_hook == {}


def test_decorator_form(casts_hook):
    @amp.autocast("cpu", dtype=ember.float16)
    def inner():
        return amp.is_autocast_enabled("cpu")

    assert inner() and inner() and not amp.is_autocast_enabled("cpu")


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        amp.autocast(ember.device("cpu"))
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        amp.autocast("tpu")
    with pytest.raises(RuntimeError, match=r"target dtype ember\.float64 is not supported"):
        amp.autocast("cuda", dtype=ember.float64)
    with pytest.warns(UserWarning, match="Disabling autocast"):
        region = amp.autocast("cpu", dtype=ember.float32)
    assert not region._enabled


def test_op_lists_name_real_ops():
    for table in (amp.autocast_mode.LOWER, amp.autocast_mode.FP32, amp.autocast_mode.PROMOTE):
        assert set(table) == {"cpu", "cuda"}
    assert {"matmul", "addmm", "convolution", "bmm"} <= autocast_mode.LOWER["cpu"]
    assert {"softmax", "exp", "layer_norm", "sum"} <= autocast_mode.FP32["cuda"]
    assert "softmax" not in autocast_mode.FP32["cpu"]  # as in PyTorch's CPU list
    for name in ("matmul", "addmm", "convolution", "bmm", "softmax", "exp", "cat", "prod"):
        assert name in ember.OPS


# ---- casting ------------------------------------------------------------------------------


def test_lower_precision_ops_and_untouched_ones(casts_hook):
    a, b = randn(3, 4), randn(4, 2)
    with amp.autocast("cpu", dtype=ember.float16):
        assert ember.matmul(a, b).dtype is ember.float16
        assert ember.mm(a, b).dtype is ember.float16
        assert (a + 1).dtype is ember.float32  # not on any list
        assert ember.exp(a).dtype is ember.float32  # fp32 on CUDA only
        assert ember.prod(a.half()).dtype is ember.float32  # CPU fp32 list
        assert ember.matmul(a.double(), b.double()).dtype is ember.float64  # never lowered
        mixed = ember.cat([a.half(), a.double()])
        assert mixed.dtype is ember.float64  # promote list: widest input
    assert ember.matmul(a, b).dtype is ember.float32


def test_linear_layer_runs_in_low_precision_and_grads_stay_float32(casts_hook):
    layer = nn.Linear(4, 3)
    x = randn(5, 4)
    with amp.autocast("cpu", dtype=ember.float16):
        y = layer(x)
        assert y.dtype is ember.float16
    y.float().sum().backward()
    assert layer.weight.grad.dtype is ember.float32
    expected = np.ones((5, 3)).T @ x.numpy()
    np.testing.assert_allclose(layer.weight.grad.numpy(), expected, rtol=2e-3)


def test_weight_cast_is_cached_within_a_region(casts_hook):
    w = nn.Parameter(randn(4, 4))
    x = randn(2, 4)
    with amp.autocast("cpu", dtype=ember.float16):
        ember.matmul(x, w)
        first = autocast_mode._CACHE[id(w)][1]
        ember.matmul(x, w)
        assert autocast_mode._CACHE[id(w)][1] is first
    assert autocast_mode._CACHE == {}
    with amp.autocast("cpu", dtype=ember.float16, cache_enabled=False):
        ember.matmul(x, w)
        assert autocast_mode._CACHE == {}


def test_bfloat16_forward(casts_hook):
    with amp.autocast("cpu"):
        out = ember.matmul(randn(2, 3), randn(3, 2))
    assert out.dtype is ember.bfloat16


def test_autocast_op_for_composites(casts_hook):
    seen = {}

    @amp.autocast_op("mse_loss")
    def mse(a, b):
        seen["enabled"] = amp.is_autocast_enabled("cpu")
        return ((a - b) ** 2).mean()

    @amp.autocast_op("linear")
    def lin(x, w):
        return x @ w.t()

    h = randn(3, 2, dtype=ember.float16)
    with amp.autocast("cpu", dtype=ember.float16):
        assert mse(h, h).dtype is ember.float32 and seen["enabled"] is False
        assert lin(randn(3, 2), randn(4, 2)).dtype is ember.float16
    assert mse(h, h).dtype is ember.float16 and seen["enabled"] is False


def test_custom_fwd_and_bwd(casts_hook):
    seen = {}

    class Square(ember.autograd.Function):
        @staticmethod
        @amp.custom_fwd(device_type="cpu", cast_inputs=ember.float32)
        def forward(ctx, x):
            seen["fwd"] = (x.dtype, amp.is_autocast_enabled("cpu"))
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @amp.custom_bwd(device_type="cpu")
        def backward(ctx, grad):
            seen["bwd"] = amp.is_autocast_enabled("cpu")
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = nn.Parameter(randn(3, dtype=ember.float16))
    with amp.autocast("cpu", dtype=ember.float16):
        y = Square.apply(x)
    assert seen["fwd"] == (ember.float32, False) and y.dtype is ember.float32
    y.sum().backward()
    assert seen["bwd"] is True
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-3)


# ---- GradScaler ---------------------------------------------------------------------------


def _setup(**kw):
    p = nn.Parameter(ember.tensor([1.0, 2.0]))
    opt = optim.SGD([p], lr=0.1)
    return p, opt, amp.GradScaler("cpu", **kw)


def test_scale_unscale_step_update():
    p, opt, scaler = _setup(init_scale=8.0, growth_interval=2)
    loss = (p * p).sum()
    scaled = scaler.scale(loss)
    assert scaled.item() == pytest.approx(8 * 5.0)
    scaled.backward()
    np.testing.assert_allclose(p.grad.numpy(), [16.0, 32.0])
    scaler.unscale_(opt)
    np.testing.assert_allclose(p.grad.numpy(), [2.0, 4.0])
    scaler.step(opt)
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6])
    scaler.update()
    assert scaler.get_scale() == 8.0 and scaler._get_growth_tracker() == 1


def test_growth_after_interval_and_backoff_on_inf():
    p, opt, scaler = _setup(init_scale=4.0, growth_interval=2, growth_factor=3.0)
    for _ in range(2):
        opt.zero_grad()
        scaler.scale((p * p).sum()).backward()
        scaler.step(opt)
        scaler.update()
    assert scaler.get_scale() == 12.0 and scaler._get_growth_tracker() == 0
    before = p.detach().numpy().copy()
    opt.zero_grad()
    scaler.scale((p * p).sum()).backward()
    p.grad = ember.tensor([float("inf"), 1.0])
    assert scaler.step(opt) is None  # skipped
    np.testing.assert_array_equal(p.detach().numpy(), before)
    scaler.update()
    assert scaler.get_scale() == 6.0


def test_scale_nested_outputs_and_new_scale():
    _, _, scaler = _setup(init_scale=2.0)
    a, b = scaler.scale([ember.tensor(1.0), (ember.tensor(3.0),)])
    assert a.item() == 2.0 and b[0].item() == 6.0
    scaler._per_optimizer_states[0]["found_inf_per_device"] = {"cpu": ember.tensor(0.0)}
    scaler.update(new_scale=5.0)
    assert scaler.get_scale() == 5.0
    with pytest.raises(ValueError, match="outputs must be a Tensor"):
        scaler.scale("loss")


def test_errors():
    p, opt, scaler = _setup()
    with pytest.raises(RuntimeError, match="but _scale is None"):
        scaler.unscale_(opt)
    scaler.scale((p * p).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: None)
    with pytest.raises(ValueError, match="new_scale should be a float"):
        scaler.update(new_scale=ember.ones(2))
    with pytest.raises(ValueError, match=r"The growth factor must be > 1\.0"):
        amp.GradScaler("cpu", growth_factor=0.5)


def test_fp16_grads_are_not_unscaled():
    p = nn.Parameter(ember.tensor([1.0, 2.0], dtype=ember.float16))
    opt = optim.SGD([p], lr=0.1)
    scaler = amp.GradScaler("cpu", init_scale=4.0)
    scaler.scale(p.sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        scaler.unscale_(opt)


def test_disabled_and_cuda_without_gpu():
    p, opt, _ = _setup()
    scaler = amp.GradScaler("cpu", enabled=False)
    loss = (p * p).sum()
    assert scaler.scale(loss) is loss and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    loss.backward()
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6])
    if not ember.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available.  Disabling"):
            assert not amp.GradScaler().is_enabled()


def test_state_dict_round_trip():
    p, opt, scaler = _setup(init_scale=16.0, growth_interval=3)
    scaler.scale((p * p).sum()).backward()
    scaler.step(opt)
    scaler.update()
    sd = scaler.state_dict()
    assert sd == {"scale": 16.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                  "growth_interval": 3, "_growth_tracker": 1}  # fmt: skip
    other = amp.GradScaler("cpu")
    other.load_state_dict(sd)
    assert other.state_dict() == sd
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        other.load_state_dict({})


def test_mixed_precision_training_loop_learns(casts_hook):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((64, 4)), dtype=ember.float32)
    y = x @ ember.tensor([[1.0], [-2.0], [0.5], [3.0]])
    model = nn.Linear(4, 1)
    opt = optim.SGD(model.parameters(), lr=0.05)
    scaler = amp.GradScaler("cpu", init_scale=2.0**10)
    first = None
    for _ in range(60):
        opt.zero_grad()
        with amp.autocast("cpu", dtype=ember.float16):
            out = model(x)
        loss = ((out.float() - y) ** 2).mean()
        first = loss.item() if first is None else first
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    assert loss.item() < 0.05 * first
    assert model.weight.dtype is ember.float32
