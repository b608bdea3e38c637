"""Helpers for gradient tests driven by ember-core's OpInfo table (used by this
package's tests and by other packages' gradient tests).

``samples(info, dtype)`` makes an OpInfo row's samples; ``flatten(sample, name)``
turns one into ``(leaves, call)``: its floating tensors as fresh leaves that
require grad, and a function of them that calls the op. Ops whose inputs or
outputs need care for finite differences (Hermitian inputs, eigenvector phases)
are wrapped the way PyTorch's OpInfos wrap them.
"""

from __future__ import annotations

import numpy as np

import ember
from ember import dispatch as _dispatch
from ember import dtypes as _dt
from ember._ops import OPS
from ember.testing import make_tensor

__all__ = ["grad_dtypes", "is_random", "samples", "flatten", "skip_reason"]


def grad_dtypes(info):
    """The dtypes an OpInfo row is gradient-checked in: float64, complex128."""
    out = []
    if any(d.category == _dt.FLOATING for d in info.dtypes):
        out.append(ember.float64)
    if any(d.category == _dt.COMPLEX for d in info.dtypes):
        out.append(ember.complex128)
    return out


def is_random(info):
    return OPS[info.name].family == "random"


# Ops that read one triangle of a Hermitian input: checked on (A + A^H) / 2, as PyTorch's
# OpInfos do, since finite differences of the other triangle are zero by construction.
def _hermitian_input(args):
    a = args[0]
    return ((a + a.mT.conj()) / 2, *args[1:])


def _phase_fixed(v):
    """Eigen/singular vectors scaled so each column's first entry is real and positive:
    a function of the input that does not depend on the solver's choice of phase."""
    first = v.narrow(-2, 0, 1)
    return v * (first.abs() / first)


def _svd_gauge(out):
    u, s, vh = out
    k = s.shape[-1]
    u, vh = u.narrow(-1, 0, k), vh.narrow(-2, 0, k)
    first = u.narrow(-2, 0, 1)
    return u * (first.abs() / first), s, vh * (first / first.abs()).mT


INPUT_WRAPPERS = {
    "linalg_cholesky": _hermitian_input,
    "linalg_eigh": _hermitian_input,
    "linalg_eigvalsh": _hermitian_input,
}
OUTPUT_WRAPPERS = {
    "linalg_eig": lambda out: (out[0], _phase_fixed(out[1])),
    "linalg_eigh": lambda out: (out[0], _phase_fixed(out[1])),
    "linalg_svd": _svd_gauge,
}


def skip_reason(name, sample):
    """Samples where finite differences cannot check the gradient (and why)."""
    for a in [*sample.args, *sample.kwargs.values()]:
        if _differentiable(a) and not bool(a.isfinite().all()):
            return "non-finite input values"
    if name == "pow" and _differentiable(sample.args[0]) and _differentiable(sample.args[1]):
        base = sample.args[0]
        if not base.is_complex() and bool((base <= 0).any()):
            return "d/dy x**y needs log(x): undefined for x <= 0"
    if name == "angle" and not sample.args[0].is_complex():
        return "angle of a real input is piecewise constant (jumps at 0)"
    if name == "embedding" and len(sample.args) > 2:
        return "padding_idx rows get no gradient by design, as in PyTorch"
    weight_at = {"nll_loss": 2, "nll_loss_backward": 3}.get(name, len(sample.args))
    if len(sample.args) > weight_at and sample.args[weight_at] is not None:
        return "class weights have no derivative, as in PyTorch"
    if name == "group_norm" and not sample.args[0].numel():
        return "the core's group_norm warns on an empty batch (Mean of empty slice)"
    if name == "max_unpool":
        return "indices may repeat (last write wins): not a max_pool output"
    if name == "linalg_qr" and "r" in (sample.kwargs.get("mode"), *sample.args[1:2]):
        return "mode='r' computes no Q, as in PyTorch it is not differentiable"
    if name == "linalg_qr" and sample.kwargs.get("mode") == "complete":
        a = sample.args[0]
        if a.shape[-2] > a.shape[-1]:
            return "complete QR of a tall matrix is not differentiable, as in PyTorch"
    return None


def samples(info, dtype, noncontiguous=False):
    rng = np.random.default_rng(0)

    def make(*shape, **kw):
        kw.setdefault("dtype", dtype)
        return make_tensor(*shape, rng=rng, noncontiguous=noncontiguous, **kw)

    return list(info.samples(make))


def _differentiable(t):
    return isinstance(t, ember.Tensor) and t.dtype.category >= _dt.FLOATING


def flatten(sample, name):
    """``(leaves, call)``: the sample's floating tensors as fresh leaves that require
    grad, and ``call(*leaves)``, which runs op ``name`` on them (wrapped as needed)."""
    leaves = []

    def take(a):
        if _differentiable(a):
            leaves.append(_dispatch.wrap(a._data, a.device).requires_grad_())
            return ("leaf", len(leaves) - 1)
        if isinstance(a, (list, tuple)) and a and any(_differentiable(x) for x in a):
            return (type(a), [take(x) for x in a])
        return ("const", a)

    args = [take(a) for a in sample.args]
    kwargs = {k: take(v) for k, v in sample.kwargs.items()}
    plain_kwargs = dict(sample.kwargs)

    def build(spec, values):
        kind, payload = spec
        if kind == "leaf":
            return values[payload]
        if kind == "const":
            return payload
        return kind(build(s, values) for s in payload)

    def call(*values):
        a = [build(s, values) for s in args]
        if OPS[name].inplace and isinstance(a[0], ember.Tensor):
            a[0] = a[0].clone()  # write into a copy: a leaf cannot be written in place
        if name in INPUT_WRAPPERS or (name == "linalg_pinv" and plain_kwargs.get("hermitian")):
            a = list(_hermitian_input(a))
        k = {key: build(s, values) for key, s in kwargs.items()}
        out = OPS[name](*a, **k)
        return OUTPUT_WRAPPERS[name](out) if name in OUTPUT_WRAPPERS else out

    return leaves, call
