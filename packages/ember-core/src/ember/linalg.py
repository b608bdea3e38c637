"""``ember.linalg``: PyTorch's ``torch.linalg`` functions."""

from ember._ops.linalg import *  # noqa: F403
