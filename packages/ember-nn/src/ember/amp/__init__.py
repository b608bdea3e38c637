"""``ember.amp``: automatic mixed precision (``autocast``) and loss scaling (``GradScaler``).

Shipped by the ember-nn distribution.
"""

from ember.amp.autocast_mode import autocast as autocast
from ember.amp.autocast_mode import autocast_op as autocast_op
from ember.amp.autocast_mode import custom_bwd as custom_bwd
from ember.amp.autocast_mode import custom_fwd as custom_fwd
from ember.amp.autocast_mode import get_autocast_dtype as get_autocast_dtype
from ember.amp.autocast_mode import is_autocast_available as is_autocast_available
from ember.amp.autocast_mode import is_autocast_enabled as is_autocast_enabled
from ember.amp.grad_scaler import GradScaler as GradScaler

__all__ = [
    "autocast",
    "autocast_op",
    "custom_fwd",
    "custom_bwd",
    "get_autocast_dtype",
    "is_autocast_available",
    "is_autocast_enabled",
    "GradScaler",
]
