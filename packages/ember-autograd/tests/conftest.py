import numpy as np
import pytest

import ember
import ember.autograd
from ember.testing import devices


@pytest.fixture(params=devices())
def device(request):
    return ember.device(request.param)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
