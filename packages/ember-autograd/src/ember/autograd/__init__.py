"""``ember.autograd``: reverse-mode (and forward-mode) automatic differentiation.

Importing this package installs the recorder in the core's dispatcher: from
then on, every op call with an input that requires grad adds a node to the
graph (see :mod:`ember.autograd.graph`), and ``Tensor.backward`` /
:func:`grad` run the graph backward with the rules of
:mod:`ember.autograd.rules`.

>>> x = ember.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4.])
"""

from __future__ import annotations

import ember
from ember import dispatch as _dispatch
from ember.autograd.__about__ import REQUIRES_OPS_SCHEMA, __version__

if ember.__about__.OPS_SCHEMA < REQUIRES_OPS_SCHEMA:
    raise ImportError(
        f"ember-autograd {__version__} needs ember-core with op schema >= "
        f"{REQUIRES_OPS_SCHEMA}; found ember-core {ember.__about__.__version__} "
        f"(op schema {ember.__about__.OPS_SCHEMA})"
    )

from ember.autograd import forward_ad as forward_ad
from ember.autograd import functional as functional
from ember.autograd import graph as graph
from ember.autograd.anomaly_mode import (
    detect_anomaly as detect_anomaly,
)
from ember.autograd.anomaly_mode import (
    is_anomaly_check_nan_enabled as is_anomaly_check_nan_enabled,
)
from ember.autograd.anomaly_mode import (
    is_anomaly_enabled as is_anomaly_enabled,
)
from ember.autograd.anomaly_mode import (
    set_detect_anomaly as set_detect_anomaly,
)
from ember.autograd.checkpoint import checkpoint as checkpoint
from ember.autograd.engine import backward as backward
from ember.autograd.engine import grad as grad
from ember.autograd.function import Function as Function
from ember.autograd.function import FunctionCtx as FunctionCtx
from ember.autograd.function import once_differentiable as once_differentiable
from ember.autograd.grad_mode import enable_grad as enable_grad
from ember.autograd.grad_mode import inference_mode as inference_mode
from ember.autograd.grad_mode import is_grad_enabled as is_grad_enabled
from ember.autograd.grad_mode import (
    is_inference_mode_enabled as is_inference_mode_enabled,
)
from ember.autograd.grad_mode import no_grad as no_grad
from ember.autograd.grad_mode import set_grad_enabled as set_grad_enabled
from ember.autograd.gradcheck import GradcheckError as GradcheckError
from ember.autograd.gradcheck import gradcheck as gradcheck
from ember.autograd.gradcheck import gradgradcheck as gradgradcheck
from ember.autograd.graph import Node as Node
from ember.autograd.hooks import register_hook as register_hook
from ember.autograd.hooks import (
    register_post_accumulate_grad_hook as register_post_accumulate_grad_hook,
)
from ember.autograd.hooks import retain_grad as retain_grad
from ember.autograd.rules import DERIVATIVES as DERIVATIVES
from ember.autograd.rules import JVPS as JVPS
from ember.autograd.rules import NOT_DIFFERENTIABLE as NOT_DIFFERENTIABLE
from ember.autograd.tensor_methods import install as _install_methods

__all__ = [
    "backward",
    "grad",
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "checkpoint",
    "functional",
    "forward_ad",
    "graph",
    "Node",
    "register_hook",
    "register_post_accumulate_grad_hook",
    "retain_grad",
    "DERIVATIVES",
    "JVPS",
    "NOT_DIFFERENTIABLE",
]

_dispatch.add_observer(graph.record, grad_only=True)
_dispatch.RECORDING[0] = graph.recording
if graph.refuse_leaf_write not in _dispatch.INPLACE_CHECKS:
    _dispatch.INPLACE_CHECKS.append(graph.refuse_leaf_write)
_install_methods()
