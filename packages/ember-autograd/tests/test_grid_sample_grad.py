"""Second derivatives of grid_sample, checked against finite differences and by hand.

Grid points are placed where the first derivative is smooth: away from whole and
half pixels (the corners' floor, nearest's rounding, reflection's folds and the
border's clamp all change there), where finite differences are not derivatives.
"""

import itertools

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.autograd import grad, gradcheck, gradgradcheck

MODES = ("bilinear", "nearest")
PADDINGS = ("zeros", "border", "reflection")
CASES = list(itertools.product(MODES, PADDINGS, (False, True), (2, 3)))


def _smooth_grid(rng, n, out, size, align_corners, inside=False):
    """A normalized ``(n, *out, nd)`` grid whose pixel coordinates stay at least 0.1
    from every multiple of 0.5, and run past the edges on both sides (or, ``inside``,
    keep all their corners in the image)."""
    nd = len(size)
    cols = []
    for dim in reversed(size):  # the grid's last axis is (x, y[, z])
        low, high = (0, dim - 1.5) if inside else (-1.5, dim + 0.5)
        c = rng.uniform(low, high, (n, *out))
        c = np.floor(c * 2) / 2 + rng.uniform(0.1, 0.4, c.shape)
        g = c * 2 / (dim - 1) - 1 if align_corners else (2 * c + 1) / dim - 1
        cols.append(g)
    return np.stack(cols, axis=-1).reshape(n, *out, nd)


def _inputs(nd, align_corners, seed=0):
    rng = np.random.default_rng(seed)
    n, size, out = (2, (3, 4), (3, 2)) if nd == 2 else (1, (2, 3, 3), (2, 1, 3))
    x = ember.tensor(rng.standard_normal((n, 2, *size)), requires_grad=True)
    g = ember.tensor(_smooth_grid(rng, n, out, size, align_corners), requires_grad=True)
    return x, g


@pytest.mark.parametrize(("mode", "padding", "align", "nd"), CASES)
def test_gradgradcheck(mode, padding, align, nd):
    x, g = _inputs(nd, align)
    fn = lambda a, b: OPS["grid_sampler"](a, b, mode, padding, align)
    assert gradcheck(fn, (x, g))
    assert gradgradcheck(fn, (x, g))


@pytest.mark.parametrize(
    ("mode", "padding", "align"), list(itertools.product(MODES, PADDINGS, (False, True)))
)
def test_backward_op_gradcheck(mode, padding, align):
    """grid_sampler_backward's own derivative, in all three of its tensor arguments."""
    x, g = _inputs(2, align, seed=1)
    rng = np.random.default_rng(2)
    up = ember.tensor(rng.standard_normal((2, 2, 3, 2)), requires_grad=True)
    fn = lambda u, a, b: OPS["grid_sampler_backward"](u, a, b, mode, padding, align)
    assert gradcheck(fn, (up, x, g))


def test_third_derivative():
    """The double-backward rule is itself differentiable (create_graph all the way)."""
    x, g = _inputs(2, False, seed=3)
    x, g = x[:1, :1].detach().requires_grad_(), g[:1, :2].detach().requires_grad_()

    def first(a, b):
        out = OPS["grid_sampler"](a, b, "bilinear", "reflection", False)
        return grad((out * out).sum(), (a, b), create_graph=True)

    assert gradgradcheck(first, (x, g))


def test_nearest_has_no_grid_derivative():
    """Nearest sampling is piecewise constant in the grid: every grid derivative is zero,
    while the input gradient still depends on the input through the output gradient."""
    x, g = _inputs(2, True)
    out = OPS["grid_sampler"](x, g, "nearest", "zeros", True)
    gx, gg = grad((out * out).sum(), (x, g), create_graph=True)
    assert not bool(gg.abs().sum())
    hx, hg = grad(gx.pow(2).sum(), (x, g), allow_unused=True)
    assert hg is None or not bool(hg.abs().sum())
    assert bool(hx.abs().sum())


def test_bilinear_grid_hessian_by_hand():
    """Bilinear weights are linear in each coordinate, so a point's x-x and y-y second
    derivatives vanish; its x-y one is the cell's twist v11 - v10 - v01 + v00 times
    both coordinate scales, and distinct points do not interact."""
    rng = np.random.default_rng(4)
    h, w = 4, 5
    x = rng.standard_normal((1, 2, h, w))
    g = _smooth_grid(rng, 1, (3, 2), (h, w), False, inside=True)
    gt = ember.tensor(g, requires_grad=True)
    out = OPS["grid_sampler"](ember.tensor(x), gt, "bilinear", "zeros", False).sum()
    (gg,) = grad(out, gt, create_graph=True)
    flat = gg.reshape(-1)
    hess = np.stack(
        [grad(flat[i], gt, retain_graph=True)[0].numpy().reshape(-1) for i in range(flat.shape[0])]
    )
    expected = np.zeros_like(hess)
    for p, (gx, gy) in enumerate(g.reshape(-1, 2)):
        cx, cy = ((gx + 1) * w - 1) / 2, ((gy + 1) * h - 1) / 2
        i, j = int(np.floor(cy)), int(np.floor(cx))
        v = x[0, :, i : i + 2, j : j + 2].sum(axis=0)
        expected[2 * p, 2 * p + 1] = expected[2 * p + 1, 2 * p] = (
            (v[1, 1] - v[1, 0] - v[0, 1] + v[0, 0]) * (w / 2) * (h / 2)
        )
    np.testing.assert_allclose(hess, expected, atol=1e-12)
