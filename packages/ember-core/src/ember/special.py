"""``ember.special``: PyTorch's ``torch.special`` functions.

Most are the ops of ``ember`` under torch.special's names (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``...); ``i0e``, ``i1``, ``i1e``, ``ndtri``, ``log_ndtr`` and
``xlog1py`` exist only here, as in PyTorch; ``entr`` and ``ndtr`` are composed of
other ops (differentiable with no rule of their own).

>>> ember.special.expit(ember.tensor([0.0]))
tensor([0.5000])
"""

from __future__ import annotations

import math

from ember._ops import OPS
from ember._ops.elementwise import round as round  # noqa: A004 - torch.special.round
from ember._ops.math import exp2 as exp2
from ember._ops.math import expm1 as expm1
from ember._ops.math import log1p as log1p
from ember._ops.math import logit as logit
from ember._ops.math import sigmoid as expit
from ember._ops.math import sinc as sinc
from ember._ops.math import xlogy as xlogy
from ember._ops.nn import log_softmax as log_softmax
from ember._ops.nn import softmax as softmax
from ember._ops.reduction import logsumexp as logsumexp
from ember._ops.special import digamma as digamma
from ember._ops.special import erf as erf
from ember._ops.special import erfc as erfc
from ember._ops.special import erfinv as erfinv
from ember._ops.special import i0 as i0
from ember._ops.special import i0e as i0e
from ember._ops.special import i1 as i1
from ember._ops.special import i1e as i1e
from ember._ops.special import lgamma as gammaln
from ember._ops.special import log_ndtr as log_ndtr
from ember._ops.special import mvlgamma as multigammaln
from ember._ops.special import ndtri as ndtri
from ember._ops.special import polygamma as polygamma
from ember._ops.special import xlog1py as xlog1py

__all__ = [
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
]

psi = digamma
_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def entr(input):
    """The elementwise entropy ``-input * log(input)``: 0 at 0, -inf below 0 (as in
    PyTorch), nan for nan. Integers and bool become the default float dtype.

    >>> ember.special.entr(ember.tensor([0.0, 0.5, -1.0]))
    tensor([0.0000, 0.3466,   -inf])
    """
    out = OPS["neg"](OPS["xlogy"](input, input))
    return OPS["where"](OPS["lt"](input, 0), -math.inf, out)


def ndtr(input):
    """The standard normal CDF, ``(1 + erf(input / sqrt(2))) / 2``, computed through erfc
    so that the lower tail keeps its digits (``ndtr(-30)`` is about 4.9e-198, not 0).

    >>> ember.special.ndtr(ember.tensor([0.0]))
    tensor([0.5000])
    """
    return OPS["mul"](OPS["erfc"](OPS["mul"](input, -_INV_SQRT2)), 0.5)
