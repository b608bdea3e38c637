"""``ember.nn``: modules, layers, losses, ``functional`` and ``init``, as ``torch.nn``."""

import ember.__about__ as _core_about
from ember.nn.__about__ import REQUIRES_OPS_SCHEMA as _REQUIRES
from ember.nn.__about__ import __version__

if _core_about.OPS_SCHEMA < _REQUIRES:
    raise ImportError(
        f"ember-nn {__version__} needs ember-core with op schema >= {_REQUIRES}; found "
        f"ember-core {_core_about.__version__} (op schema {_core_about.OPS_SCHEMA})"
    )

from ember.nn import functional as functional
from ember.nn import init as init
from ember.nn import utils as utils
from ember.nn.module import Module as Module
from ember.nn.modules import *  # noqa: F403
from ember.nn.parameter import Buffer as Buffer
from ember.nn.parameter import Parameter as Parameter
from ember.nn.parameter import UninitializedParameter as UninitializedParameter
