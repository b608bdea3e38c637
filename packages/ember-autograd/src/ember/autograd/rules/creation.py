"""Derivatives of ``ember/_ops/creation.py``'s ops (``complex``, ``polar``, ``heaviside``);
the creation functions (``zeros``, ``arange``...) make leaves and are not ops."""

from __future__ import annotations

import ember
from ember.autograd.rules import NOT_DIFFERENTIABLE
from ember.autograd.rules._util import imag, real

DERIVATIVES: dict = {}


def _complex(grad, _out, _real, _imag):
    # out = re + i im: dL/dre = Re(grad), dL/dim = Im(grad) under the Wirtinger convention.
    return real(grad), imag(grad)


def _polar(grad, out, _abs, angle, needs_input_grad=(True, True)):
    # out = r e^{i theta}: dL/dr = Re(grad conj(e^{i theta})), dL/dtheta = Re(grad conj(i out)).
    ga = gt = None
    if needs_input_grad[0]:
        ga = real(grad * ember.complex(angle.cos(), -angle.sin()))
    if needs_input_grad[1]:
        gt = real(grad * (out * 1j).conj())
    return ga, gt


DERIVATIVES["complex"] = _complex
DERIVATIVES["polar"] = _polar
DERIVATIVES["heaviside"] = NOT_DIFFERENTIABLE
