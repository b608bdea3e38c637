"""Ember: PyTorch's eager programming model on NumPy (CPU) and CuPy (GPU).

``ember`` is a namespace shared by Ember's distributions: ember-core ships this
module and the tensor core; ``ember.autograd``, ``ember.nn``... come from their
own distributions and import as sub-packages when installed.
"""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)

from ember import _missing
from ember import cuda as cuda
from ember.__about__ import __version__ as __version__
from ember._ops import OPS
from ember._ops.creation import *  # noqa: F403
from ember._ops.elementwise import *  # noqa: F403
from ember._ops.memory import *  # noqa: F403
from ember._ops.reduction import *  # noqa: F403
from ember._ops.shape import *  # noqa: F403
from ember.devices import device as device
from ember.dtypes import *  # noqa: F403
from ember.dtypes import dtype as dtype
from ember.tensor import Size as Size
from ember.tensor import Tensor as Tensor
from ember.tensor import install_methods

install_methods(OPS)
_missing.install()

del install_methods
