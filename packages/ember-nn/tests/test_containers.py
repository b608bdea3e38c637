"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import Parameter


def _seq():
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))


# ---- Sequential ---------------------------------------------------------------------


def test_sequential_forward_chains_modules():
    s = _seq()
    x = ember.randn(4, 2)
    expected = s[2](s[1](s[0](x)))
    np.testing.assert_allclose(s(x).detach().numpy(), expected.detach().numpy())
    assert list(s.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_sequential_indexing_and_slicing():
    s = _seq()
    assert isinstance(s[0], nn.Linear) and s[-1] is s[2]
    sub = s[1:]
    assert type(sub) is nn.Sequential and len(sub) == 2
    assert list(sub._modules) == ["1", "2"] and sub[0] is s[1]  # keys kept, modules shared
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    with pytest.raises(IndexError, match="index -4 is out of range"):
        s[-4]
    s[1] = nn.Tanh()
    assert isinstance(s[1], nn.Tanh)


def test_sequential_ordered_dict_and_names():
    s = nn.Sequential(OrderedDict([("conv", nn.Conv1d(1, 2, 1)), ("act", nn.ReLU())]))
    assert s.conv is s[0] and list(s.state_dict()) == ["conv.weight", "conv.bias"]
    assert [n for n, _ in s.named_children()] == ["conv", "act"]


def test_sequential_append_insert_extend_pop_del():
    s = _seq()
    tanh = nn.Tanh()
    assert s.append(tanh) is s and len(s) == 4 and s[3] is tanh
    s.insert(0, nn.Identity())
    assert isinstance(s[0], nn.Identity) and list(s._modules) == ["0", "1", "2", "3", "4"]
    s.insert(-1, nn.Sigmoid())
    assert isinstance(s[4], nn.Sigmoid) and s[5] is tanh
    s.extend([nn.ReLU(), nn.ReLU()])
    assert len(s) == 8
    popped = s.pop(0)
    assert isinstance(popped, nn.Identity) and list(s._modules) == [str(i) for i in range(7)]
    del s[1:3]
    assert len(s) == 5 and list(s._modules) == ["0", "1", "2", "3", "4"]
    with pytest.raises(IndexError, match="index out of range"):
        s.insert(10, nn.ReLU())
    with pytest.raises(AssertionError, match="module should be of type"):
        s.insert(0, 3)


def test_sequential_iteration_add_mul():
    s = _seq()
    assert [type(m).__name__ for m in s] == ["Linear", "ReLU", "Linear"]
    both = s + nn.Sequential(nn.Tanh())
    assert len(both) == 4 and both[0] is s[0]
    assert len(s * 2) == 6 and (s * 2)[3] is s[0]
    assert len(2 * s) == 6
    t = nn.Sequential(nn.ReLU())
    t += nn.Sequential(nn.Tanh())
    assert len(t) == 2
    t *= 2
    assert len(t) == 4
    with pytest.raises(ValueError, match="only objects of Sequential class"):
        s + [nn.ReLU()]
    with pytest.raises(ValueError, match="Non-positive"):
        s * 0


def test_empty_sequential_is_identity():
    x = ember.ones(2)
    assert nn.Sequential()(x) is x


# ---- ModuleList ---------------------------------------------------------------------


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and list(layers._modules) == ["0", "1", "2"]
    assert len(list(layers.parameters())) == 6
    assert isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 2
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(1, nn.Sigmoid())
    assert [type(m).__name__ for m in layers] == [
        "Linear",
        "Sigmoid",
        "Linear",
        "Linear",
        "ReLU",
        "Tanh",
    ]
    assert isinstance(layers.pop(1), nn.Sigmoid) and len(layers) == 5
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3"]
    layers[-1] = nn.GELU()
    assert isinstance(layers[3], nn.GELU)
    combined = layers + nn.ModuleList([nn.ReLU()])
    assert len(combined) == 5
    layers += [nn.ReLU()]
    assert len(layers) == 5
    with pytest.raises(IndexError):
        layers[9]
    with pytest.raises(TypeError, match="should be called with an iterable"):
        layers.extend(3)
    assert "0" not in dir(layers)


def test_module_list_repr_groups_repeats():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])
    assert repr(layers) == (
        "ModuleList(\n"
        "  (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (2): ReLU()\n"
        "  (3): Linear(in_features=2, out_features=2, bias=True)\n"
        ")"
    )
    assert repr(nn.ModuleList()) == "ModuleList()"


# ---- ModuleDict ---------------------------------------------------------------------


def test_module_dict():
    d = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.ReLU()})
    assert list(d) == ["b", "a"] and list(d.keys()) == ["b", "a"]
    assert "a" in d and len(d) == 2 and isinstance(d["b"], nn.Linear)
    d["c"] = nn.Tanh()
    d.update([("e", nn.GELU())])
    d.update(OrderedDict(f=nn.SiLU()))
    assert list(d) == ["b", "a", "c", "e", "f"]
    assert [k for k, _ in d.items()] == list(d.keys())
    assert isinstance(d.pop("c"), nn.Tanh) and "c" not in d
    del d["e"]
    assert list(d.state_dict()) == ["b.weight", "b.bias"]
    assert len(list(d.values())) == 3
    d.clear()
    assert len(d) == 0
    with pytest.raises(TypeError, match="iterable of key/value pairs"):
        d.update(3)
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        d.update([("a", nn.ReLU(), 1)])
    with pytest.raises(TypeError, match="should be Iterable"):
        d.update([1])


# ---- ParameterList / ParameterDict -------------------------------------------------


def test_parameter_list():
    ps = nn.ParameterList([Parameter(ember.ones(2)), ember.zeros(3)])
    assert len(ps) == 2 and all(isinstance(p, Parameter) for p in ps)
    assert ps[1].requires_grad  # a plain tensor became a Parameter
    ps.append(Parameter(ember.ones(1)))
    ps.extend([ember.ones(4)])
    assert [tuple(p.shape) for p in ps] == [(2,), (3,), (1,), (4,)]
    assert [n for n, _ in ps.named_parameters()] == ["0", "1", "2", "3"]
    assert isinstance(ps[1:3], nn.ParameterList) and len(ps[1:3]) == 2
    ps[0] = ember.full((2,), 5.0)
    assert ps[0].tolist() == [5.0, 5.0] and isinstance(ps[0], Parameter)
    assert ps[-1] is ps[3]
    with pytest.raises(IndexError):
        ps[4]
    with pytest.raises(TypeError, match="should be called with an iterable"):
        ps.extend(ember.ones(2))
    with pytest.raises(RuntimeError, match="should not be called"):
        ps(1)
    assert repr(nn.ParameterList([ember.ones(2, 3)])) == (
        "ParameterList(  (0): Parameter containing: [ember.float32 of size 2x3])"
    )


def test_parameter_list_in_module_state_dict():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = nn.ParameterList([ember.ones(2), ember.ones(3)])

    assert list(M().state_dict()) == ["ps.0", "ps.1"]


def test_parameter_dict():
    pd = nn.ParameterDict({"b": ember.ones(2), "a": Parameter(ember.zeros(1))})
    assert list(pd) == ["a", "b"]  # a plain dict is sorted, as PyTorch does
    pd["c"] = ember.ones(3)
    assert isinstance(pd["c"], Parameter) and "c" in pd and len(pd) == 3
    assert [k for k, _ in pd.items()] == ["a", "b", "c"]
    assert [n for n, _ in pd.named_parameters()] == ["a", "b", "c"]
    assert pd.get("zz") is None and pd.get("a") is pd["a"]
    assert pd.setdefault("d", ember.ones(1)) is pd["d"]
    assert pd.pop("d").shape == (1,)
    key, value = pd.popitem()
    assert key == "c" and value.shape == (3,) and "c" not in pd
    copy = pd.copy()
    assert copy["a"] is pd["a"]
    merged = pd | nn.ParameterDict({"z": ember.ones(1)})
    assert list(merged) == ["a", "b", "z"]
    pd.update([("y", ember.ones(1))])
    assert list(reversed(pd)) == ["y", "b", "a"]
    del pd["y"]
    assert list(pd.keys()) == ["a", "b"]
    assert list(pd.fromkeys(["u", "v"], ember.ones(1))) == ["u", "v"]
    pd.clear()
    assert len(pd) == 0
    with pytest.raises(TypeError, match="keys must be strings"):
        pd[1] = ember.ones(1)
    assert repr(nn.ParameterDict({"w": ember.ones(2)})) == (
        "ParameterDict(  (w): Parameter containing: [ember.float32 of size 2])"
    )


def test_containers_train_and_to():
    s = nn.Sequential(nn.ModuleDict({"d": nn.Dropout()}), nn.ModuleList([nn.BatchNorm1d(2)]))
    s.eval()
    assert not s[0]["d"].training and not s[1][0].training
    s.double()
    assert s[1][0].weight.dtype == ember.float64
