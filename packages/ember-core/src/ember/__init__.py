"""Ember: PyTorch's eager programming model on NumPy (CPU) and CuPy (GPU).

``ember`` is a namespace shared by Ember's distributions: ember-core ships this
module and the tensor core; ``ember.autograd``, ``ember.nn``... come from their
own distributions and import as sub-packages when installed.
"""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)

from ember import _malloc, _missing
from ember import cuda as cuda
from ember import fft as fft
from ember import linalg as linalg
from ember import special as special
from ember.__about__ import __version__ as __version__
from ember._ops import OPS, _numerics
from ember._ops import creation as _creation
from ember._ops.conv import *  # noqa: F403
from ember._ops.creation import *  # noqa: F403
from ember._ops.elementwise import *  # noqa: F403
from ember._ops.fft import TOP_LEVEL as _FFT_TOP_LEVEL
from ember._ops.indexing import *  # noqa: F403
from ember._ops.linalg import TOP_LEVEL as _LINALG_TOP_LEVEL
from ember._ops.memory import *  # noqa: F403
from ember._ops.nn import *  # noqa: F403
from ember._ops.pooling import *  # noqa: F403
from ember._ops.random import *  # noqa: F403
from ember._ops.reduction import *  # noqa: F403
from ember._ops.reduction import return_types as return_types
from ember._ops.shape import *  # noqa: F403
from ember._ops.sorting import *  # noqa: F403
from ember._predicates import *  # noqa: F403
from ember._printing import set_printoptions as set_printoptions
from ember.devices import device as device
from ember.dtypes import *  # noqa: F403
from ember.dtypes import dtype as dtype
from ember.random import Generator as Generator
from ember.random import get_rng_state as get_rng_state
from ember.random import initial_seed as initial_seed
from ember.random import manual_seed as manual_seed
from ember.random import seed as seed
from ember.random import set_rng_state as set_rng_state
from ember.serialization import load as load
from ember.serialization import save as save
from ember.tensor import Size as Size
from ember.tensor import Tensor as Tensor
from ember.tensor import install_methods

for _name in _creation.TENSOR_METHODS:  # new_tensor, new_empty, new_zeros, new_ones, new_full
    setattr(Tensor, _name, getattr(_creation, _name))
globals().update(_LINALG_TOP_LEVEL)  # matmul, mm, einsum... live at the top level too
globals().update(_FFT_TOP_LEVEL)
for _name in ("det", "slogdet", "inverse", "matrix_power", "matrix_exp"):
    setattr(
        Tensor, _name, _LINALG_TOP_LEVEL[_name]
    )  # Tensor.det() & co., as in PyTorch  # stft, istft and the window functions
install_methods(OPS)
_missing.install()
_malloc.tune()
_numerics.silence_kernel_warnings()

del install_methods, _name

_AUTOGRAD_NAMES = (
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
)


def __getattr__(name):
    """``ember.no_grad`` and the other grad modes, from ember-autograd on first use."""
    if name in _AUTOGRAD_NAMES:
        from ember.autograd import grad_mode

        return getattr(grad_mode, name)
    raise AttributeError(f"module 'ember' has no attribute {name!r}")
