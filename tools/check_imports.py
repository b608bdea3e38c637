"""Import every module of the installed Ember packages; check that the missing ones
fail with an error naming their distribution.

Usage: python tools/check_imports.py ember-core ember-nn ...   (the installed set)
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import ember
from ember._missing import DISTRIBUTIONS


def main(installed: list) -> None:
    for mod in pkgutil.walk_packages(ember.__path__, "ember."):
        if ".tests" not in mod.name:
            importlib.import_module(mod.name)
    for part, dist in DISTRIBUTIONS.items():
        if dist in installed:
            importlib.import_module(f"ember.{part}")
            continue
        try:
            importlib.import_module(f"ember.{part}")
        except ImportError as e:
            assert dist in str(e), f"ember.{part}: error does not name {dist}: {e}"
        else:
            raise AssertionError(f"ember.{part} imported although {dist} is not installed")
    print(f"ok: {', '.join(installed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
