"""grid_sample's double backward against PyTorch's.

Both sides differentiate ``(grad_input * v).sum() + (grad_grid * w).sum()``, where
``(grad_input, grad_grid)`` is the first backward for output gradient ``u``, with
respect to the input, the grid and ``u``. Grids come at random points and on lattices
that hit whole pixels, the borders and reflection folds exactly, where the answer
rests on which side of each kink the derivative is taken (PyTorch's choice)."""

import itertools

import numpy as np
import pytest

import ember
from ember._ops import OPS
from ember.autograd import grad
from ember.testing import assert_close

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.parity

CASES = list(
    itertools.product(("bilinear", "nearest"), ("zeros", "border", "reflection"), (False, True))
)
SIZES = {2: (2, 3, 4, 5), 3: (1, 2, 3, 4, 3)}


def _lattice(nd, k):
    """A ``(1, k, ..., k, nd)`` grid on ``linspace(-3, 3, k)`` in every axis (-3 is
    where reflection folds a second time)."""
    axis = np.linspace(-3, 3, k)
    mesh = np.meshgrid(*[axis] * nd, indexing="ij")
    return np.stack(mesh[::-1], axis=-1)[None]


def _grids(nd, rng):
    yield "random", rng.uniform(-1.6, 1.6, (SIZES[nd][0], *(3,) * nd, nd))
    lattice = _lattice(nd, 25 if nd == 2 else 9)
    yield "lattice", np.repeat(lattice, SIZES[nd][0], axis=0)


def _second(lib, x, g, u, v, w, args):
    """The gradients of the double-backward loss for (input, grid, output gradient)."""
    if lib is torch:
        out = torch.nn.functional.grid_sample(x, g, *args)
        gi, gg = torch.autograd.grad(out, (x, g), u, create_graph=True)
        loss = (gi * v).sum() + (gg * w).sum()
        return torch.autograd.grad(loss, (x, g, u), allow_unused=True)
    out = OPS["grid_sampler"](x, g, *args)
    gi, gg = grad(out, (x, g), u, create_graph=True)
    return grad((gi * v).sum() + (gg * w).sum(), (x, g, u), allow_unused=True)


def _dense(t, shape):
    """A returned gradient as an array; None (no dependence) as zeros."""
    return np.zeros(shape) if t is None else np.asarray(t.detach().numpy())


@pytest.mark.parametrize("nd", [2, 3])
@pytest.mark.parametrize(("mode", "padding", "align"), CASES)
def test_double_backward_matches_torch(mode, padding, align, nd):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SIZES[nd])
    for kind, g in _grids(nd, rng):
        u = rng.standard_normal(SIZES[nd][:2] + g.shape[1:-1])
        v, w = rng.standard_normal(x.shape), rng.standard_normal(g.shape)
        arrays = (x, g, u, v, w)
        args = (mode, padding, align)
        ours = _second(
            ember, *[ember.tensor(a, requires_grad=i < 3) for i, a in enumerate(arrays)], args
        )
        theirs = _second(
            torch, *[torch.tensor(a, requires_grad=i < 3) for i, a in enumerate(arrays)], args
        )
        for name, leaf, a, b in zip(("input", "grid", "grad_output"), arrays, ours, theirs):
            assert_close(
                ember.tensor(_dense(a, leaf.shape)),
                ember.tensor(_dense(b, leaf.shape)),
                rtol=1e-7,
                atol=1e-9,
                msg=f"{mode}/{padding}/align_corners={align}, {nd}-d, {kind} grid: d/d{name}",
            )
