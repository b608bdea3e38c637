"""The Optimizer base (groups, state, state_dict, hooks, errors) and each algorithm's update."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.optim as optim
from ember.autograd import is_grad_enabled


def param(values, dtype=ember.float64):
    return nn.Parameter(ember.tensor(values, dtype=dtype))


def set_grad(p, values):
    p.grad = ember.tensor(values, dtype=p.dtype)


ALL = [
    (optim.SGD, {"lr": 0.1}),
    (optim.Adam, {}),
    (optim.AdamW, {}),
    (optim.Adamax, {}),
    (optim.NAdam, {}),
    (optim.RAdam, {}),
    (optim.Adagrad, {}),
    (optim.Adadelta, {}),
    (optim.RMSprop, {}),
    (optim.Rprop, {}),
    (optim.ASGD, {}),
    (optim.SparseAdam, {}),
]


# ---- construction errors ---------------------------------------------------------------


@pytest.mark.parametrize("cls,kw", ALL + [(optim.LBFGS, {})])
def test_empty_parameter_list(cls, kw):
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        cls([], **kw)


@pytest.mark.parametrize("cls,kw", ALL)
def test_non_leaf_tensor(cls, kw):
    p = param([1.0, 2.0])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        cls([p * 2], **kw)


def test_tensor_instead_of_iterable():
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(param([1.0]), lr=0.1)


def test_set_of_params_and_non_tensor():
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({param([1.0])}, lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value: -1e-08"),
        (lambda p: optim.AdamW(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
        (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
        (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
        (lambda p: optim.Rprop(p, etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
        (lambda p: optim.SparseAdam(p, lr=0.0), "Invalid learning rate: 0.0"),
        (lambda p: optim.LBFGS(p, line_search_fn="armijo"), "only 'strong_wolfe'"),
    ],
)
def test_invalid_hyper_parameters(make, match):
    with pytest.raises(ValueError if "strong" not in match else RuntimeError, match=match):
        make([param([1.0])])


def test_param_in_two_groups_is_an_error():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})


def test_duplicate_within_group_warns():
    p = param([1.0])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)


def test_required_default():
    class Needs(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": optim.optimizer.required})

        def step(self, closure=None):
            return None

    with pytest.raises(ValueError, match="didn't specify a value of required"):
        Needs([param([1.0])])
    assert Needs([{"params": [param([1.0])], "lr": 0.5}]).param_groups[0]["lr"] == 0.5


def test_lbfgs_rejects_groups():
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [param([1.0])]}, {"params": [param([2.0])]}])


# ---- groups, zero_grad, hooks -----------------------------------------------------------


def test_param_groups_get_defaults_and_overrides():
    a, b = param([1.0]), param([2.0])
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["params"] == [b]
    c = param([3.0])
    opt.add_param_group({"params": [c], "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0


def test_named_parameters_give_param_names():
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [param([1.0])]})


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p = param([1.0, 2.0])
    set_grad(p, [3.0, 4.0])
    optim.SGD([p], lr=0.1).zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p.grad is None
    else:
        np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])


def test_step_hooks_run_in_order_and_can_be_removed():
    p = param([1.0])
    set_grad(p, [1.0])
    opt = optim.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", o is opt)))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", o is opt)))
    opt.step()
    assert calls == [("pre", True), ("post", True)]
    h1.remove()
    h2.remove()
    opt.step()
    assert len(calls) == 2


def test_pre_hook_can_replace_arguments():
    p = param([1.0])
    set_grad(p, [1.0])
    opt = optim.SGD([p], lr=0.1)
    opt.register_step_pre_hook(lambda o, a, k: ((lambda: ember.tensor(7.0),), {}))
    assert opt.step().item() == 7.0
    opt.register_step_pre_hook(lambda o, a, k: "bad")
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt.step()


def test_global_step_hook():
    p = param([1.0])
    set_grad(p, [1.0])
    seen = []
    handle = optim.optimizer.register_optimizer_step_post_hook(lambda o, a, k: seen.append(o))
    opt = optim.Adam([p])
    opt.step()
    handle.remove()
    opt.step()
    assert seen == [opt]


def test_closure_runs_with_grad_and_step_without():
    p = param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1)
    seen = {}

    def closure():
        opt.zero_grad()
        seen["grad_enabled"] = is_grad_enabled()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert seen["grad_enabled"] and loss.item() == 5.0
    np.testing.assert_allclose(p.detach().numpy(), [0.8, -1.6])
    assert p.is_leaf and p.grad_fn is None


def test_subclass_calling_super_step_runs_hooks_once():
    class Logged(optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    p = param([1.0])
    set_grad(p, [1.0])
    opt = Logged([p], lr=0.1)
    calls = []
    opt.register_step_pre_hook(lambda *a: calls.append(1))
    opt.step()
    assert calls == [1]


def test_repr():
    opt = optim.SGD([param([1.0])], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text


# ---- state_dict ---------------------------------------------------------------------------


def _trained_adam(dtype=ember.float64):
    a, b = param([1.0, 2.0], dtype), param([[3.0]], dtype)
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.01}], amsgrad=True)
    for _ in range(2):
        set_grad(a, [0.5, -0.5])
        set_grad(b, [[1.0]])
        opt.step()
    return opt, a, b


def test_state_dict_layout():
    opt, _, _ = _trained_adam()
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.01 and sd["param_groups"][0]["lr"] == 1e-3
    assert sorted(sd["state"]) == [0, 1]
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert sd["state"][0]["step"].item() == 2.0 and sd["state"][0]["step"].dtype is ember.float32
    assert tuple(sd["state"][1]["exp_avg"].shape) == (1, 1)


def test_load_state_dict_resumes_identically():
    opt, a, b = _trained_adam()
    a2, b2 = param(a.detach().numpy()), param(b.detach().numpy())
    opt2 = optim.Adam([{"params": [a2]}, {"params": [b2]}], amsgrad=True)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.param_groups[1]["lr"] == 0.01 and opt2.param_groups[1]["params"] == [b2]
    assert opt2.state[a2]["exp_avg"] is not opt.state[a]["exp_avg"]  # copied, not shared
    for o, (x, y) in ((opt, (a, b)), (opt2, (a2, b2))):
        set_grad(x, [1.0, 1.0])
        set_grad(y, [[2.0]])
        o.step()
    np.testing.assert_array_equal(a.detach().numpy(), a2.detach().numpy())
    np.testing.assert_array_equal(b.detach().numpy(), b2.detach().numpy())


def test_load_state_dict_casts_to_param_dtype_but_not_step():
    opt, _, _ = _trained_adam(ember.float64)
    a32, b32 = param([0.0, 0.0], ember.float32), param([[0.0]], ember.float32)
    opt32 = optim.Adam([{"params": [a32]}, {"params": [b32]}], amsgrad=True)
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[a32]["exp_avg"].dtype is ember.float32
    assert opt32.state[a32]["step"].dtype is ember.float32


def test_load_state_dict_mismatches():
    opt, _, _ = _trained_adam()
    other = optim.Adam([param([1.0, 2.0])])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict(opt.state_dict())
    other = optim.Adam([{"params": [param([1.0]), param([2.0])]}, {"params": []}])
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        other.load_state_dict(opt.state_dict())


def test_load_old_style_python_number_step():
    p = param([1.0])
    opt = optim.Adam([p])
    sd = {
        "state": {0: {"step": 3, "exp_avg": ember.zeros(1), "exp_avg_sq": ember.zeros(1)}},
        "param_groups": [{**opt.param_groups[0], "params": [0]}],
    }
    opt.load_state_dict(sd)
    assert isinstance(opt.state[p]["step"], ember.Tensor) and opt.state[p]["step"].item() == 3


def test_state_dict_hooks():
    opt, _, _ = _trained_adam()
    calls = []
    opt.register_state_dict_pre_hook(lambda o: calls.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_load_state_dict_pre_hook(lambda o, sd: calls.append("load_pre"))
    opt.register_load_state_dict_post_hook(lambda o: calls.append("load_post"))
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert calls == ["pre", "load_pre", "load_post"]


def test_sgd_without_momentum_keeps_no_state():
    p = param([1.0])
    set_grad(p, [1.0])
    opt = optim.SGD([p], lr=0.1)
    opt.step()
    assert opt.state_dict()["state"] == {}


# ---- the updates (hand-derived) -------------------------------------------------------


def test_sgd_momentum_nesterov_weight_decay_by_hand():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.5)
    set_grad(p, [2.0])
    opt.step()  # g = 2 + 0.5 = 2.5, buf = 2.5, nesterov g = 2.5 + 0.9 * 2.5 = 4.75
    assert p.item() == pytest.approx(1.0 - 0.475)
    set_grad(p, [2.0])
    opt.step()  # g = 2 + 0.5 * 0.525, buf = 0.9 * 2.5 + g, p -= 0.1 * (g + 0.9 * buf)
    g = 2.0 + 0.5 * 0.525
    buf = 0.9 * 2.5 + g
    assert p.item() == pytest.approx(0.525 - 0.1 * (g + 0.9 * buf))


def test_adam_first_step_is_lr_times_sign():
    p = param([1.0, -1.0, 0.5])
    set_grad(p, [3.0, -0.2, 1e-3])
    optim.Adam([p], lr=0.1).step()
    # m̂ = g, v̂ = g², so the step is lr * g / (|g| + eps) ≈ lr * sign(g).
    np.testing.assert_allclose(p.detach().numpy(), [0.9, -0.9, 0.4], atol=2e-6)


def test_maximize_goes_uphill():
    p = param([1.0])
    set_grad(p, [1.0])
    optim.SGD([p], lr=0.1, maximize=True).step()
    assert p.item() == pytest.approx(1.1)


def test_adagrad_by_hand():
    p = param([1.0])
    opt = optim.Adagrad([p], lr=0.5, lr_decay=0.1, initial_accumulator_value=1.0)
    assert opt.state[p]["sum"].item() == 1.0  # state exists before the first step
    for step, g in enumerate([2.0, 1.0], start=1):
        before = p.item()
        total = opt.state[p]["sum"].item() + g * g
        set_grad(p, [g])
        opt.step()
        clr = 0.5 / (1 + (step - 1) * 0.1)
        assert p.item() == pytest.approx(before - clr * g / (math.sqrt(total) + 1e-10))


def test_rprop_sign_logic():
    p = param([0.0, 0.0])
    opt = optim.Rprop([p], lr=0.1, etas=(0.5, 2.0), step_sizes=(1e-3, 1.0))
    set_grad(p, [1.0, 1.0])
    opt.step()  # first step: prev = 0, sign product 0 -> step size unchanged
    np.testing.assert_allclose(p.detach().numpy(), [-0.1, -0.1])
    set_grad(p, [1.0, -1.0])
    opt.step()  # same sign: step doubles; flipped sign: step halves and no move
    np.testing.assert_allclose(p.detach().numpy(), [-0.3, -0.1])
    np.testing.assert_allclose(opt.state[p]["step_size"].numpy(), [0.2, 0.05])
    np.testing.assert_allclose(opt.state[p]["prev"].numpy(), [1.0, 0.0])


@pytest.mark.parametrize("cls,kw", ALL)
def test_every_optimizer_descends_a_quadratic(cls, kw):
    rng = np.random.default_rng(1)
    target = rng.standard_normal(4)
    p = param(np.zeros(4))
    opt = cls([p], **{**kw, **({"lr": 0.05} if cls is not optim.Adadelta else {})})
    first = None
    for _ in range(200):
        opt.zero_grad()
        loss = ((p - ember.tensor(target)) ** 2).sum()
        first = loss.item() if first is None else first
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first
    assert p.is_leaf and p.grad_fn is None


def test_lbfgs_strong_wolfe_minimises_rosenbrock():
    p = param([-1.5, 2.0])
    opt = optim.LBFGS([p], lr=1, max_iter=100, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        x, y = p[0], p[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(p.detach().numpy(), [1.0, 1.0], atol=1e-5)
    state = opt.state_dict()["state"][0]
    assert {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag"} <= set(state)


def test_sparse_adam_leaves_absent_rows_untouched():
    w = param(np.ones((3, 2)))
    opt = optim.SparseAdam([w], lr=0.1)
    set_grad(w, [[1.0, -1.0], [0.0, 0.0], [2.0, 0.0]])
    opt.step()
    out = w.detach().numpy()
    np.testing.assert_array_equal(out[1], [1.0, 1.0])
    np.testing.assert_allclose(out[0], [0.9, 1.1], rtol=1e-6)
    np.testing.assert_allclose(out[2], [0.9, 1.0], rtol=1e-6)  # present row, zero element
    np.testing.assert_array_equal(opt.state[w]["exp_avg"].numpy()[1], [0.0, 0.0])
    assert opt.state[w]["step"] == 1


def test_differentiable_is_refused():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.Adam([param([1.0])], differentiable=True)


def test_float32_params_stay_float32():
    p = param([1.0, 2.0], ember.float32)
    for cls, kw in ALL:
        opt = cls([p], **kw)
        set_grad(p, [0.1, -0.2])
        opt.step()
        assert p.dtype is ember.float32
        assert all(
            v.dtype is ember.float32 for v in opt.state[p].values() if isinstance(v, ember.Tensor)
        )
