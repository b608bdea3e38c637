"""``ember.nn.functional``: the stateless side of each layer and loss (``torch.nn.functional``)."""

from ember.nn.functional._attention import *  # noqa: F403
from ember.nn.functional._layers import *  # noqa: F403
from ember.nn.functional._losses import *  # noqa: F403
