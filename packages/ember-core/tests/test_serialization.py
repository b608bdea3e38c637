"""ember.save / ember.load: round trips, atomic writes, PyTorch files without PyTorch."""

import collections
import importlib
import io
import json
import os
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy

import ember
from ember.serialization import load, safetensors_format, save
from ember.testing import assert_close

DATA = Path(__file__).parent / "data"


def roundtrip(obj, tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save(obj, path)
    return load(path)


# ---- ember's format -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype",
    [
        ember.bool,
        ember.uint8,
        ember.int8,
        ember.int16,
        ember.int32,
        ember.int64,
        ember.float16,
        ember.bfloat16,
        ember.float32,
        ember.float64,
        ember.complex64,
        ember.complex128,
    ],
)
def test_every_dtype_round_trips(dtype, tmp_path):
    t = ember.tensor([[1, 0, 3], [4, 5, 6]]).to(dtype)
    out = roundtrip({"t": t}, tmp_path)["t"]
    assert out.dtype is dtype and out.shape == (2, 3)
    assert np.array_equal(np.asarray(out._data), np.asarray(t._data))


def test_bfloat16_values_are_exact(tmp_path):
    t = ember.tensor([1.5, -2.25, 3e38, 1e-38], dtype=ember.bfloat16)
    out = roundtrip(t, tmp_path)
    assert out._data.tobytes() == t._data.tobytes()


def test_structure_round_trips(tmp_path):
    obj = {
        "model": collections.OrderedDict(w=ember.ones(2, 3), b=ember.zeros(3)),
        "step": 10,
        "lr": 0.1,
        "inf": float("inf"),
        "name": "adam",
        "flags": [True, False, None],
        "betas": (0.9, 0.999),
        "blob": b"\x00\xff",
        "z": 1 - 2j,
        3: "int key",
        (1, 2): "tuple key",
        "dtype": ember.float16,
        "device": ember.device("cpu"),
        "size": ember.Size([2, 3]),
    }
    out = roundtrip(obj, tmp_path)
    assert list(out) == list(obj)
    assert isinstance(out["model"], collections.OrderedDict) and list(out["model"]) == ["w", "b"]
    assert isinstance(out["betas"], tuple) and out["betas"] == (0.9, 0.999)
    assert out["flags"] == [True, False, None] and out["step"] == 10 and out["lr"] == 0.1
    assert out["inf"] == float("inf") and out["blob"] == b"\x00\xff" and out["z"] == 1 - 2j
    assert out[3] == "int key" and out[(1, 2)] == "tuple key"
    assert out["dtype"] is ember.float16 and out["device"] == ember.device("cpu")
    assert isinstance(out["size"], ember.Size) and out["size"] == (2, 3)
    assert_close(out["model"]["w"], ember.ones(2, 3))


def test_zero_d_empty_and_noncontiguous_tensors(tmp_path):
    base = ember.arange(12.0).reshape(3, 4)
    obj = [ember.tensor(5), ember.tensor(True), ember.zeros(0, 3), base.transpose(0, 1)]
    out = roundtrip(obj, tmp_path)
    assert out[0].shape == () and out[0].item() == 5 and out[0].dtype is ember.int64
    assert out[1].shape == () and out[1].item() is True
    assert out[2].shape == (0, 3)
    assert out[3].tolist() == base.transpose(0, 1).tolist() and out[3].is_contiguous()


def test_shared_tensors_are_saved_as_independent_copies(tmp_path):
    base = ember.arange(6.0)
    view = base.reshape(2, 3).transpose(0, 1)
    out = roundtrip({"base": base, "view": view}, tmp_path)
    out["base"].fill_(0.0)
    assert out["view"].tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_requires_grad_is_recorded(tmp_path):
    t = ember.ones(2)
    t._requires_grad = True  # what requires_grad_() sets, without needing ember-autograd
    path = tmp_path / "g.safetensors"
    save({"p": t, "q": ember.ones(1)}, path)
    with open(path, "rb") as f:
        metadata, _ = safetensors_format.read_arrays(f)
    assert '"requires_grad": true' in metadata["ember.structure"]
    try:
        importlib.import_module("ember.autograd")
        expected = True
    except ImportError:  # nothing could use the flag: the tensor loads plain
        expected = False
    out = load(path)
    assert out["p"].requires_grad is expected and not out["q"].requires_grad


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    save({"a": ember.ones(2)}, buf)
    buf.seek(0)
    assert load(buf)["a"].tolist() == [1.0, 1.0]
    with open(tmp_path / "f.bin", "wb") as f:
        save([1, ember.zeros(1)], f)
    with open(tmp_path / "f.bin", "rb") as f:
        assert load(f)[0] == 1
    save({"x": 1}, str(tmp_path / "s.safetensors"))  # str paths too
    assert load(str(tmp_path / "s.safetensors")) == {"x": 1}


def test_a_state_dict_is_a_plain_safetensors_file(tmp_path):
    path = tmp_path / "sd.safetensors"
    save({"fc.weight": ember.ones(2, 3), "fc.bias": ember.zeros(2)}, path)
    plain = safetensors.numpy.load_file(path)
    assert sorted(plain) == ["fc.bias", "fc.weight"] and plain["fc.weight"].shape == (2, 3)


def test_plain_safetensors_files_load_as_a_dict(tmp_path):
    path = tmp_path / "plain.safetensors"
    safetensors.numpy.save_file({"a": np.arange(3, dtype=np.int32), "b": np.ones((2, 2))}, path)
    out = load(path)
    assert out["a"].dtype is ember.int32 and out["a"].tolist() == [0, 1, 2]
    assert out["b"].dtype is ember.float64


def test_colliding_paths_get_distinct_keys(tmp_path):
    out = roundtrip({"a.b": ember.ones(1), "a": {"b": ember.zeros(1)}}, tmp_path)
    assert out["a.b"].tolist() == [1.0] and out["a"]["b"].tolist() == [0.0]


def test_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match=r"save: cannot save a set at model\.extra"):
        save({"model": {"extra": {1, 2}}}, tmp_path / "x")
    with pytest.raises(TypeError, match="save: cannot save a function"):
        save(lambda: 0, tmp_path / "x")
    with pytest.raises(TypeError, match="save: expected a path or a binary file object"):
        save({}, 3)
    assert not list(tmp_path.iterdir())  # nothing was written


def test_save_is_atomic_when_the_writer_fails(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    save({"w": ember.ones(3)}, path)
    before = path.read_bytes()

    def crash_midway(arrays, tmp, metadata):
        safetensors.numpy.save_file(arrays, tmp, metadata=metadata)
        data = Path(tmp).read_bytes()
        Path(tmp).write_bytes(data[: len(data) // 2])  # half a file, then the crash
        raise OSError("disk full")

    monkeypatch.setattr(safetensors_format, "save_file", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        save({"w": ember.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]  # no temporary left
    assert load(path)["w"].tolist() == [1.0, 1.0, 1.0]


def test_saved_files_get_normal_permissions(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({}, path)
    old = os.umask(0)
    os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o666 & ~old


def test_map_location_forms(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"w": ember.ones(2)}, path)
    assert load(path, map_location="cpu")["w"].device == ember.device("cpu")
    assert load(path, map_location=ember.device("cpu"))["w"].device == ember.device("cpu")
    assert load(path, map_location={"cuda:0": "cpu"})["w"].device == ember.device("cpu")
    seen = []

    def hook(t, location):
        seen.append(location)
        return t * 2

    assert load(path, map_location=hook)["w"].tolist() == [2.0, 2.0] and seen == ["cpu"]


@pytest.mark.skipif(ember.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_tensors_without_cuda_need_a_map_location(tmp_path):
    path = tmp_path / "gpu.safetensors"
    save({"w": ember.ones(2)}, path)
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    structure = header["__metadata__"]["ember.structure"].replace('"cpu"', '"cuda:0"')
    header["__metadata__"]["ember.structure"] = structure
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + n :])
    with pytest.raises(RuntimeError, match="saved on cuda:0 but CUDA is not available"):
        load(path)
    assert load(path, map_location="cpu")["w"].tolist() == [1.0, 1.0]
    assert load(path, map_location={"cuda:0": "cpu"})["w"].device == ember.device("cpu")


def test_corrupt_and_unknown_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"hello world, not a checkpoint")
    with pytest.raises(RuntimeError, match="load: unrecognised file format"):
        load(bad)
    good = tmp_path / "good.safetensors"
    save({"w": ember.ones(100)}, good)
    good.write_bytes(good.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match="load: the file is truncated inside tensor 'w'"):
        load(good)
    with pytest.raises(TypeError, match="load: expected a path or a binary file object"):
        load(42)


# ---- PyTorch files, without PyTorch ------------------------------------------------------
# tests/data/torch_state_dict.pt was written by torch 2.13 with:
#
#   base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
#   sd = collections.OrderedDict(
#       weight=base, view=base[1:, ::2], t=base.t(),
#       double=torch.arange(5, dtype=torch.float64) / 4, long=torch.tensor([-3, 0, 2**40]),
#       mask=torch.tensor([True, False, True]),
#       bf16=torch.tensor([1.5, -2.25, 3e38], dtype=torch.bfloat16),
#       half=torch.tensor([0.5, 65504.0], dtype=torch.float16),
#       scalar=torch.tensor(7), empty=torch.zeros(0, 3),
#       nested={"step": 10, "lr": 0.1, "name": "adam", "betas": (0.9, 0.999),
#               "ids": [1, 2], "none": None},
#   )
#   torch.save(sd, "tests/data/torch_state_dict.pt")


def test_reads_a_pytorch_state_dict():
    sd = load(DATA / "torch_state_dict.pt")
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    assert isinstance(sd, collections.OrderedDict)
    assert list(sd) == [
        *("weight", "view", "t", "double", "long", "mask", "bf16", "half", "scalar", "empty"),
        "nested",
    ]
    assert np.array_equal(sd["weight"]._data, base) and sd["weight"].dtype is ember.float32
    assert np.array_equal(sd["view"]._data, base[1:, ::2])  # storage offset and strides
    assert np.array_equal(sd["t"]._data, base.T)
    assert sd["double"].dtype is ember.float64 and sd["double"].tolist()[1] == 0.25
    assert sd["long"].tolist() == [-3, 0, 2**40]
    assert sd["mask"].tolist() == [True, False, True]
    assert sd["bf16"].dtype is ember.bfloat16
    assert np.asarray(sd["bf16"]._data).astype(np.float64)[:2].tolist() == [1.5, -2.25]
    assert sd["half"].tolist() == [0.5, 65504.0] and sd["half"].dtype is ember.float16
    assert sd["scalar"].shape == () and sd["scalar"].item() == 7
    assert sd["empty"].shape == (0, 3)
    assert sd["nested"] == {
        "step": 10,
        "lr": 0.1,
        "name": "adam",
        "betas": (0.9, 0.999),
        "ids": [1, 2],
        "none": None,
    }
    sd["weight"].fill_(0.0)  # each tensor owns its memory
    assert sd["view"].tolist()[0] == [6.0, 8.0, 10.0]


def test_pytorch_file_objects_and_map_location():
    data = (DATA / "torch_state_dict.pt").read_bytes()
    seen = set()
    sd = load(io.BytesIO(data), map_location=lambda t, loc: seen.add(loc) or t)
    assert seen == {"cpu"} and sd["scalar"].item() == 7


def _zip_checkpoint(path, pickled, storages=None):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickled)
        z.writestr("archive/byteorder", "little")
        for key, raw in (storages or {}).items():
            z.writestr(f"archive/data/{key}", raw)


class _Malicious:
    def __reduce__(self):
        return (os.system, ("echo owned",))


def test_refuses_globals_outside_the_allow_list(tmp_path):
    path = tmp_path / "evil.pt"
    _zip_checkpoint(path, pickle.dumps({"x": _Malicious()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load the global posix\.system"):
        load(path)
    _zip_checkpoint(path, pickle.dumps({"f": collections.Counter()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"collections\.Counter"):
        load(path)


def test_refuses_tensors_reading_past_their_storage(tmp_path):
    # A hand-made pickle: _rebuild_tensor_v2 over a 4-element storage asking for 10 elements.
    proto = (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n("
        b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000"
        b"X\x03\x00\x00\x00cpuK\x04tQK\x00K\n\x85K\x01\x85\x89)tR."
    )
    path = tmp_path / "oob.pt"
    _zip_checkpoint(path, proto, {"0": np.zeros(4, np.float32).tobytes()})
    with pytest.raises(pickle.UnpicklingError, match="reads past its storage of 4 elements"):
        load(path)
    ok = proto.replace(b"K\n\x85", b"K\x04\x85")  # size 4: fine
    _zip_checkpoint(path, ok, {"0": np.arange(4, dtype=np.float32).tobytes()})
    assert load(path).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_zip_files_that_are_not_checkpoints(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(RuntimeError, match="load: not a PyTorch checkpoint"):
        load(path)


def test_public_names():
    assert ember.save is save and ember.load is load
