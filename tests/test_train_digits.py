"""The main job end to end, shortened: real digits, worker processes, checkpoints, resume."""

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the digits come from scikit-learn (nox installs it)")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_digits.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("train_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # worker processes unpickle the dataset by module name
    spec.loader.exec_module(module)
    return module


def test_training_learns_checkpoints_reload_and_resume_exactly(tmp_path):
    example = _load_example()
    result = example.main(["--epochs", "4", "--workers", "2", "--out", str(tmp_path),
                           "--no-progress"])  # fmt: skip
    assert result["accuracy"] > 0.9
    assert result["reloaded_same"]
    assert result["resume_exact"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"digits-epoch{i}.ember" for i in range(1, 5)
    ]
