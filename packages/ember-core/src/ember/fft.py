"""``ember.fft``: PyTorch's ``torch.fft`` functions."""

from ember._ops.fft import *  # noqa: F403
