"""A clear ImportError for ``ember.<part>`` when its distribution is not installed."""

from __future__ import annotations

import importlib.abc
import sys

# ember.<sub-package> -> the distribution that ships it
DISTRIBUTIONS = {
    "autograd": "ember-autograd",
    "nn": "ember-nn",
    "optim": "ember-nn",
    "amp": "ember-nn",
    "data": "ember-data",
    "jit": "ember-script",
    "onnx": "ember-script",
    "distributed": "ember-distributed",
    "vision": "ember-vision",
    "audio": "ember-audio",
    "integrations.lightning": "ember-lightning",
    "integrations.hf": "ember-hf",
}


class _MissingPartFinder(importlib.abc.MetaPathFinder):
    """Last on ``sys.meta_path``: reached only when no installed distribution has the part."""

    def find_spec(self, fullname, path=None, target=None):
        part = fullname.removeprefix("ember.")
        if fullname.startswith("ember.") and part in DISTRIBUTIONS:
            dist = DISTRIBUTIONS[part]
            raise ModuleNotFoundError(
                f"{fullname} is provided by the {dist} distribution, which is not installed: "
                f"pip install {dist}",
                name=fullname,
            )
        return None


def install() -> None:
    if not any(isinstance(f, _MissingPartFinder) for f in sys.meta_path):
        sys.meta_path.append(_MissingPartFinder())
