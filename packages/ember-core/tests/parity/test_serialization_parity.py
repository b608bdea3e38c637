"""ember.load on files written by torch.save, and torch reading ember's safetensors files."""

import collections
import pickle

import numpy as np
import pytest

import ember
from ember.serialization import load, save

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity


def as_numpy(t):
    if t.dtype == torch.bfloat16:
        return t.float().numpy()
    return t.detach().numpy()


def ember_numpy(e):
    arr = np.asarray(e._data)
    return arr.astype(np.float32) if e.dtype is ember.bfloat16 else arr


def assert_same(e, t):
    assert isinstance(e, ember.Tensor)
    assert e.dtype.name == str(t.dtype).removeprefix("torch.")
    assert tuple(e.shape) == tuple(t.shape)
    assert np.array_equal(ember_numpy(e), as_numpy(t), equal_nan=True)


def state_dict():
    base = torch.arange(60, dtype=torch.float32).reshape(6, 10)
    return collections.OrderedDict(
        f32=torch.randn(3, 4),
        f64=torch.randn(5, dtype=torch.float64),
        i64=torch.tensor([-(2**62), 0, 2**62]),
        i32=torch.arange(4, dtype=torch.int32),
        u8=torch.arange(250, 256, dtype=torch.uint8),
        i8=torch.tensor([-128, 127], dtype=torch.int8),
        b=torch.tensor([True, False]),
        bf16=torch.randn(7).to(torch.bfloat16),
        f16=torch.randn(2, 2).to(torch.float16),
        c64=torch.randn(3, dtype=torch.complex64),
        c128=torch.randn(2, dtype=torch.complex128),
        view_offset=base[2:4, 3:7],  # storage offset 23, strides (10, 1)
        view_strided=base[::2, ::3],
        view_t=base.t(),
        expanded=torch.ones(1, 3).expand(4, 3),  # stride 0
        zero_d=torch.tensor(3.5),
        empty=torch.zeros(0, 4),
        param=torch.nn.Parameter(torch.ones(2)),
        nested={"inner": {"w": torch.ones(2, 2)}, "list": [torch.zeros(1), 3], "t": (1, "a")},
    )


def check_tree(e, t):
    if isinstance(t, torch.Tensor):
        assert_same(e, t)
    elif isinstance(t, dict):
        assert type(e) is type(t) and list(e) == list(t)
        for k in t:
            check_tree(e[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            check_tree(a, b)
    else:
        assert e == t


def test_loads_torch_state_dicts(tmp_path):
    sd = state_dict()
    path = tmp_path / "sd.pt"
    torch.save(sd, path)
    out = load(path)
    assert isinstance(out, collections.OrderedDict)
    check_tree(out, sd)


def test_loads_a_model_state_dict_with_metadata(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    path = tmp_path / "model.pth"
    torch.save(model.state_dict(), path)
    out = load(path, map_location="cpu")
    check_tree(out, model.state_dict())
    assert out._metadata == model.state_dict()._metadata


def test_loads_single_tensors_lists_and_old_style_names(tmp_path):
    for obj in (torch.arange(5), [torch.ones(2), torch.zeros(3, dtype=torch.int16)], {"a": 1}):
        path = tmp_path / "x.pt"
        torch.save(obj, path)
        check_tree(load(path), obj)


def test_archive_folder_name_may_vary(tmp_path):
    path = tmp_path / "renamed_checkpoint.tar"
    torch.save({"w": torch.ones(2)}, path)  # the folder inside is named after the file
    assert load(path)["w"].tolist() == [1.0, 1.0]


class Payload:
    def __init__(self):
        self.x = 1


@pytest.mark.parametrize(
    ("obj", "refused"),
    [
        ({"f": Payload()}, "Payload"),
        ({"f": np.ones(2)}, "numpy"),
        ({"f": collections.Counter("ab")}, "collections.Counter"),
    ],
)
def test_refuses_arbitrary_objects(tmp_path, obj, refused):
    path = tmp_path / "evil.pt"
    torch.save(obj, path)
    with pytest.raises(pickle.UnpicklingError, match=f"refusing to load the global .*{refused}"):
        load(path)


def test_refuses_a_lambda_that_pickle_cannot_write(tmp_path):
    # torch.save cannot pickle a lambda at all; a module-level function is refused on load.
    path = tmp_path / "fn.pt"
    torch.save({"fn": np.add}, path)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load the global"):
        load(path)


def test_torch_reads_embers_files(tmp_path):
    from safetensors.torch import load_file

    path = tmp_path / "ember.safetensors"
    w = ember.arange(6.0).reshape(2, 3)
    save({"fc.weight": w, "fc.bias": ember.tensor([1.5, 2.5], dtype=ember.bfloat16)}, path)
    got = load_file(path)
    assert torch.equal(got["fc.weight"], torch.arange(6.0).reshape(2, 3))
    assert got["fc.bias"].dtype == torch.bfloat16 and got["fc.bias"].tolist() == [1.5, 2.5]


def test_ember_reads_torch_safetensors_files(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "torch.safetensors"
    tensors = {"a": torch.randn(2, 3), "b": torch.arange(4).to(torch.bfloat16)}
    save_file(tensors, path)
    out = load(path)
    for k, t in tensors.items():
        assert_same(out[k], t)
