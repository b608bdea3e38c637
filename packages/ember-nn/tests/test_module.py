"""``Module``: registration, traversal, state_dict, modes, conversions, hooks and repr."""

from __future__ import annotations

import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import Buffer, Parameter


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("steps", ember.tensor(0))
        self.register_buffer("scratch", ember.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Tied(nn.Module):
    """Two children sharing one module, and a parameter shared by attribute."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = self.a
        self.w = self.a.weight


# ---- registration -------------------------------------------------------------------


def test_attribute_assignment_registers_parameters_buffers_and_modules():
    m = Net()
    assert list(m._parameters) == []
    assert list(m._modules) == ["fc1", "act", "fc2"]
    assert list(m._buffers) == ["steps", "scratch"]
    m.p = Parameter(ember.ones(2))
    m.b = Buffer(ember.zeros(3))
    m.nb = Buffer(ember.zeros(1), persistent=False)
    assert list(m._parameters) == ["p"]
    assert "b" in m._buffers and "nb" in m._non_persistent_buffers_set
    assert type(m.b) is ember.Tensor  # a Buffer marks registration, then is a plain tensor
    m.plain = ember.zeros(1)  # a plain tensor stays a plain attribute
    assert "plain" not in m._buffers and "plain" not in m._parameters


def test_reassigning_a_registered_name_keeps_its_kind():
    m = Net()
    m.steps = ember.tensor(5)  # a registered buffer: a tensor replaces it as a buffer
    assert m._buffers["steps"].item() == 5
    m.scratch = ember.ones(2)
    assert "scratch" in m._non_persistent_buffers_set
    m.fc1 = None
    assert m._modules["fc1"] is None
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'fc1'"):
        m.fc1 = 3
    m.p = Parameter(ember.ones(2))
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'p'"):
        m.p = ember.ones(2)
    m.p = None
    assert m._parameters["p"] is None and m.p is None
    with pytest.raises(TypeError, match="cannot assign 'ReLU' as parameter 'p'"):
        m.p = nn.ReLU()
    # A buffer name can become a parameter (moved between registries).
    m.steps = Parameter(ember.ones(1))
    assert "steps" in m._parameters and "steps" not in m._buffers


def test_registration_errors():
    m = nn.Module()
    with pytest.raises(KeyError, match="can't contain"):
        m.register_parameter("a.b", Parameter(ember.ones(1)))
    with pytest.raises(KeyError, match="can't contain"):
        m.register_buffer("", ember.ones(1))
    with pytest.raises(TypeError, match="parameter name should be a string"):
        m.register_parameter(1, None)
    with pytest.raises(TypeError, match=r"ember.nn.Parameter or None required"):
        m.register_parameter("w", ember.ones(1))
    with pytest.raises(TypeError, match=r"ember.Tensor or None required"):
        m.register_buffer("b", [1.0])
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("c", 3)
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", ember.ones(1))

    class Early(nn.Module):
        def __init__(self):
            self.w = Parameter(ember.ones(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__"):
        Early()
    with pytest.raises(TypeError, match="unexpected arguments"):
        nn.Module(3)


def test_getattr_and_delattr():
    m = Net()
    assert isinstance(m.fc1, nn.Linear) and m.steps.item() == 0
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        m.nope
    del m.fc1, m.steps, m.scratch
    assert "fc1" not in m._modules and "steps" not in m._buffers
    assert "scratch" not in m._non_persistent_buffers_set
    assert "fc2" in dir(m)


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(ember.ones(1))


# ---- traversal ----------------------------------------------------------------------


def test_named_parameters_prefix_recurse_and_duplicates():
    m = Net()
    assert [n for n, _ in m.named_parameters()] == [
        "fc1.weight",
        "fc1.bias",
        "fc2.weight",
        "fc2.bias",
    ]
    assert next(n for n, _ in m.named_parameters(prefix="net")) == "net.fc1.weight"
    assert list(m.named_parameters(recurse=False)) == []
    t = Tied()
    assert [n for n, _ in t.named_parameters()] == ["w", "a.bias"]
    names = [n for n, _ in t.named_parameters(remove_duplicate=False)]
    assert names == ["w", "a.weight", "a.bias", "b.weight", "b.bias"]
    assert len(list(t.parameters())) == 2


def test_named_buffers_children_modules():
    m = Net()
    assert [n for n, _ in m.named_buffers()] == ["steps", "scratch"]
    seq = nn.Sequential(m, nn.BatchNorm1d(2))
    names = [n for n, _ in seq.named_buffers(prefix="s")]
    assert names == [
        "s.0.steps",
        "s.0.scratch",
        "s.1.running_mean",
        "s.1.running_var",
        "s.1.num_batches_tracked",
    ]
    assert [n for n, _ in seq.named_buffers(recurse=False)] == []
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules(prefix="m")] == ["m", "m.fc1", "m.act", "m.fc2"]
    t = Tied()
    assert [n for n, _ in t.named_modules()] == ["", "a"]
    assert [n for n, _ in t.named_modules(remove_duplicate=False)] == ["", "a", "b"]
    assert len(list(t.children())) == 1
    assert len(list(m.modules())) == 4


def test_get_submodule_parameter_buffer():
    seq = nn.Sequential(Net(), nn.Linear(2, 2))
    assert seq.get_submodule("") is seq
    assert seq.get_submodule("0.fc2") is seq[0].fc2
    assert seq.get_parameter("0.fc1.bias") is seq[0].fc1.bias
    assert seq.get_parameter("1.weight") is seq[1].weight
    assert seq.get_buffer("0.steps") is seq[0].steps
    with pytest.raises(AttributeError, match="has no submodule `nope`"):
        seq.get_submodule("0.nope")
    with pytest.raises(AttributeError, match="`steps` is not a parameter"):
        seq.get_parameter("0.steps")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        seq.get_buffer("1.weight")


# ---- state_dict ---------------------------------------------------------------------


def test_state_dict_keys_values_and_metadata():
    m = Net()
    sd = m.state_dict()
    assert list(sd) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert not sd["fc1.weight"].requires_grad  # detached unless keep_vars
    assert m.state_dict(keep_vars=True)["fc1.weight"] is m.fc1.weight
    assert sd._metadata[""] == {"version": 1} and "fc1" in sd._metadata
    assert next(iter(m.state_dict(prefix="x."))) == "x.steps"
    np.testing.assert_array_equal(sd["fc2.bias"].numpy(), m.fc2.bias.detach().numpy())


def test_load_state_dict_copies_in_place():
    src, dst = Net(), Net()
    w = dst.fc1.weight
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert dst.fc1.weight is w and w.requires_grad
    np.testing.assert_array_equal(w.detach().numpy(), src.fc1.weight.detach().numpy())
    # The checkpoint is not aliased: changing the source later leaves dst alone.
    src.fc1.weight.data = ember.zeros(4, 3)
    assert dst.fc1.weight.detach().numpy().any()


def test_load_state_dict_strict_reports_missing_and_unexpected():
    m = Net()
    sd = m.state_dict()
    del sd["fc1.bias"]
    sd["fc3.weight"] = ember.ones(1)
    sd["scratch"] = ember.ones(2)  # a non-persistent buffer is not a state key
    msg = (
        r"Error\(s\) in loading state_dict for Net:\n\tMissing key\(s\) in state_dict: "
        r'"fc1.bias". \n\tUnexpected key\(s\) in state_dict: "fc3.weight", "scratch". '
    )
    with pytest.raises(RuntimeError, match=msg):
        m.load_state_dict(sd)
    result = m.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc1.bias"]
    assert result.unexpected_keys == ["fc3.weight", "scratch"]
    assert "missing_keys=['fc1.bias']" in repr(result)


def test_load_state_dict_size_mismatch_and_bad_values():
    m = Net()
    sd = m.state_dict()
    sd["fc2.weight"] = ember.zeros(3, 3)
    with pytest.raises(
        RuntimeError,
        match=r"size mismatch for fc2.weight: copying a param with "
        r"shape \(3, 3\) from checkpoint, the shape in current model is \(2, 4\)",
    ):
        m.load_state_dict(sd)
    # A size mismatch is an error even when not strict.
    with pytest.raises(RuntimeError, match="size mismatch"):
        m.load_state_dict(sd, strict=False)
    sd = m.state_dict()
    sd["fc2.bias"] = [0.0, 1.0]
    with pytest.raises(RuntimeError, match=r'While copying the parameter named "fc2.bias"'):
        m.load_state_dict(sd)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([1, 2])


def test_load_state_dict_assign_replaces_parameters():
    m = Net()
    old = m.fc1.weight
    sd = {k: v.clone() for k, v in Net().state_dict().items()}
    m.load_state_dict(sd, assign=True)
    assert m.fc1.weight is not old
    assert isinstance(m.fc1.weight, Parameter) and m.fc1.weight.requires_grad
    assert m.fc1.weight.data_ptr() == sd["fc1.weight"].data_ptr()  # no copy
    assert m.steps.data_ptr() == sd["steps"].data_ptr()


def test_load_state_dict_casts_dtype():
    m = nn.Linear(2, 2)
    sd = {k: v.to(ember.float64) for k, v in m.state_dict().items()}
    m.load_state_dict(sd)
    assert m.weight.dtype == ember.float32


def test_batchnorm_checkpoint_without_num_batches_tracked_loads():
    """Checkpoints from before version 2 of BatchNorm have no num_batches_tracked."""
    bn = nn.BatchNorm1d(3)
    bn.num_batches_tracked.fill_(7)
    old = OrderedDict((k, v) for k, v in nn.BatchNorm1d(3).state_dict().items())
    del old["num_batches_tracked"]
    bn.load_state_dict(old)  # no metadata: treated as an old checkpoint
    assert bn.num_batches_tracked.item() == 0
    new = nn.BatchNorm1d(3).state_dict()
    del new["num_batches_tracked"]
    with pytest.raises(RuntimeError, match=r'Missing key.*"num_batches_tracked"'):
        bn.load_state_dict(new)  # version 2 metadata: the key is really missing


def test_state_dict_hooks():
    m = Net()
    seen = []
    h1 = m.register_state_dict_pre_hook(lambda mod, prefix, keep: seen.append(("pre", prefix)))

    def post(mod, sd, prefix, meta):
        sd[prefix + "extra"] = ember.ones(1)

    h2 = m.register_state_dict_post_hook(post)
    sd = m.state_dict()
    assert seen == [("pre", "")] and "extra" in sd
    h1.remove()
    h2.remove()
    assert "extra" not in m.state_dict() and len(seen) == 1

    calls = []

    def load_pre(mod, sd, prefix, meta, strict, missing, unexpected, errors):
        sd.pop(prefix + "extra", None)
        calls.append("pre")

    def load_post(mod, keys):
        calls.append(("post", list(keys.unexpected_keys)))

    m.register_load_state_dict_pre_hook(load_pre)
    m.register_load_state_dict_post_hook(load_post)
    state = dict(m.state_dict())
    state["extra"] = ember.ones(1)
    m.load_state_dict(state)
    assert calls == ["pre", ("post", [])]


# ---- modes and conversions --------------------------------------------------------


def test_train_eval_recurse_through_children():
    calls = []

    class Custom(nn.Module):
        def train(self, mode=True):
            calls.append(mode)
            return super().train(mode)

    m = nn.Sequential(Net(), Custom())
    assert m.training and m[0].fc1.training
    assert m.eval() is m
    assert not m.training and not m[0].fc1.training and not m[1].training
    m.train()
    assert m[0].act.training and calls == [False, True]
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_requires_grad_and_zero_grad():
    m = Net()
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    m(ember.randn(2, 3)).sum().backward()
    g = m.fc1.weight.grad
    m.zero_grad(set_to_none=False)
    assert m.fc1.weight.grad is g and not g.numpy().any()
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_to_double_half_float_keep_identity_and_integer_buffers():
    m = Net()
    m(ember.randn(2, 3)).sum().backward()
    w = m.fc1.weight
    assert m.double() is m
    assert m.fc1.weight is w and w.dtype == ember.float64 and w.grad.dtype == ember.float64
    assert m.steps.dtype == ember.int64
    m.half()
    assert w.dtype == ember.float16 and m.scratch.dtype == ember.float16
    m.to(ember.float32)
    assert w.dtype == ember.float32 and m.steps.dtype == ember.int64
    m.to("cpu")
    assert w.device.type == "cpu"
    m.cpu().float()
    assert w.dtype == ember.float32 and w.requires_grad
    out = m(ember.randn(2, 3))
    assert out.dtype == ember.float32


def test_apply_visits_children_first():
    order = []
    m = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    assert m.apply(lambda mod: order.append(type(mod).__name__)) is m
    assert order == ["Linear", "ReLU", "Sequential", "Sequential"]

    def init_weights(mod):
        if isinstance(mod, nn.Linear):
            nn.init.constant_(mod.weight, 0.5)

    m.apply(init_weights)
    assert m[0].weight.item() == 0.5


def test_deepcopy_and_pickle():
    m = Net()
    c = copy.deepcopy(m)
    assert c.fc1.weight is not m.fc1.weight and isinstance(c.fc1.weight, Parameter)
    np.testing.assert_array_equal(c.fc1.weight.detach().numpy(), m.fc1.weight.detach().numpy())
    t = copy.deepcopy(Tied())
    assert t.a is t.b and t.w is t.a.weight
    p = pickle.loads(pickle.dumps(m))
    x = ember.randn(2, 3)
    np.testing.assert_allclose(p(x).detach().numpy(), m(x).detach().numpy())


# ---- hooks --------------------------------------------------------------------------


def test_forward_pre_hooks_and_kwargs():
    m = nn.Linear(2, 2)
    h = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    assert not m(ember.ones(1, 2)).sub(m.bias).detach().numpy().any()
    h.remove()
    assert not m._forward_pre_hooks

    class Scaled(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    s = Scaled()

    def pre(mod, args, kwargs):
        return args, {**kwargs, "scale": 3.0}

    s.register_forward_pre_hook(pre, with_kwargs=True)
    assert s(ember.ones(1)).item() == 3.0
    s.register_forward_pre_hook(lambda mod, args: ember.ones(1) * 2)  # a single value
    assert s(ember.ones(1)).item() == 6.0


def test_forward_hooks_order_prepend_and_kwargs():
    m = nn.Identity()
    order = []
    m.register_forward_hook(lambda mod, args, out: order.append("a"))
    m.register_forward_hook(lambda mod, args, out: order.append("b"), prepend=True)
    m(ember.ones(1))
    assert order == ["b", "a"]
    seen = {}

    def hook(mod, args, kwargs, out):
        seen.update(kwargs)
        return out + 1

    class KW(nn.Module):
        def forward(self, x, *, shift=0):
            return x + shift

    k = KW()
    with k.register_forward_hook(hook, with_kwargs=True):
        assert k(ember.zeros(1), shift=2).item() == 3.0
    assert seen == {"shift": 2}
    assert k(ember.zeros(1), shift=2).item() == 2.0  # the with block removed the hook
    assert not k._forward_hooks_with_kwargs


# ---- repr -------------------------------------------------------------------------


def test_repr_like_pytorch():
    m = Net()
    assert repr(m) == (
        "Net(\n"
        "  (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (act): ReLU()\n"
        "  (fc2): Linear(in_features=4, out_features=2, bias=True)\n"
        ")"
    )
    seq = nn.Sequential(OrderedDict(body=nn.Sequential(nn.Conv2d(1, 2, 3)), head=nn.Tanh()))
    assert repr(seq) == (
        "Sequential(\n"
        "  (body): Sequential(\n"
        "    (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))\n"
        "  )\n"
        "  (head): Tanh()\n"
        ")"
    )

    class Multi(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Multi()) == (
        "Multi(\n  a=1\n  b=2\n  (fc): Linear(in_features=1, out_features=1, bias=True)\n)"
    )
    assert repr(nn.Module()) == "Module()"


def test_parameter_and_buffer():
    p = Parameter(ember.zeros(2))
    assert p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\n")
    assert not Parameter(ember.zeros(2), requires_grad=False).requires_grad
    t = ember.ones(3)
    assert Parameter(t).data_ptr() == t.data_ptr()  # shares storage
    assert Buffer(t).persistent and not Buffer(t, persistent=False).persistent
    q = pickle.loads(pickle.dumps(p))
    assert isinstance(q, Parameter) and q.requires_grad


# ---- lazy modules ---------------------------------------------------------------


def test_lazy_linear_and_conv_materialize_on_first_call():
    fc = nn.LazyLinear(4)
    assert isinstance(fc.weight, nn.UninitializedParameter) and fc.has_uninitialized_params()
    opt_view = list(fc.parameters())
    out = fc(ember.randn(2, 7))
    assert type(fc) is nn.Linear and fc.in_features == 7 and tuple(out.shape) == (2, 4)
    assert opt_view[0] is fc.weight and type(fc.weight) is nn.Parameter  # same object
    assert np.abs(fc.weight.detach().numpy()).max() <= 1 / math.sqrt(7)
    conv = nn.LazyConv2d(3, 2, groups=1)
    conv(ember.randn(5, 4, 4))  # unbatched
    assert type(conv) is nn.Conv2d and tuple(conv.weight.shape) == (3, 5, 2, 2)
    assert not conv._forward_pre_hooks
    t = nn.LazyConvTranspose1d(2, 3)
    t(ember.randn(1, 6, 4))
    assert tuple(t.weight.shape) == (6, 2, 3)


def test_lazy_module_loads_state_dict():
    src = nn.Linear(5, 3)
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(src.state_dict())
    assert lazy.in_features == 5 and not lazy.has_uninitialized_params()
    x = ember.randn(2, 5)
    np.testing.assert_allclose(lazy(x).detach().numpy(), src(x).detach().numpy())
    with pytest.raises(ValueError, match="expected 3D \\(unbatched\\) or 4D"):
        nn.LazyConv2d(2, 3)(ember.randn(4, 4))
