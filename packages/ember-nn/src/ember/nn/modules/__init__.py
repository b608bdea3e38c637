"""Every layer class, re-exported as ``ember.nn.<Name>``; one module per family."""

import importlib as _importlib
import pkgutil as _pkgutil

# Each family module lists its layers in __all__; importing them all here keeps
# this file free of a hand-kept list that could drift.
__all__: list = []
for _info in _pkgutil.iter_modules(__path__):
    _mod = _importlib.import_module(f"{__name__}.{_info.name}")
    for _name in getattr(_mod, "__all__", ()):
        globals()[_name] = getattr(_mod, _name)
        __all__.append(_name)
