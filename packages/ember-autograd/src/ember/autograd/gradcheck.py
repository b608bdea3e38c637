"""``gradcheck`` and ``gradgradcheck``: analytical gradients against finite differences.

Each Jacobian column is estimated by central differences, perturbing one input
element at a time by ``eps`` (use float64 inputs: float32 differences are too
coarse), and each row is computed by one backward pass with a one-hot output
gradient. Complex inputs and outputs follow PyTorch's convention: for a
gradient ``v`` of output ``w``, backward computes ``dL/da + i dL/db`` for
``L = Re(conj(v) * w)`` and ``z = a + ib``; both are checked with ``v = 1``
and ``v = 1j``.
"""

from __future__ import annotations

import numpy as np

from ember import dispatch as _dispatch
from ember.autograd import engine as _engine
from ember.tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """gradcheck found an analytical gradient that disagrees with finite differences."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable_outputs(out):
    return tuple(o for o in _as_tuple(out) if isinstance(o, Tensor) and o._data.dtype.kind in "fcV")


def _host(a):
    return a.get() if hasattr(a, "get") else np.asarray(a)


def gradcheck(
    func,
    inputs,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_backward_ad=True,
    fast_mode=False,
    masked=None,
):
    """Check the gradients of ``func`` at ``inputs`` against finite differences.

    Args:
        func: takes the inputs, returns a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of arguments; the tensors that require grad
            are checked (make them float64).
        eps: the finite-difference step.
        atol, rtol: tolerances of the comparison.
        raise_exception: raise :class:`GradcheckError` on failure (else return False).
        nondet_tol: how far two backward passes may differ (0: must be identical).

    Returns:
        True when every gradient matches.

    >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
    True
    """
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not diff:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, "
            "but none of the them have requires_grad=True."
        )
    try:
        outputs = _differentiable_outputs(func(*inputs))
        analytical = _analytical(outputs, inputs, diff, nondet_tol)
        numerical = _numerical(func, inputs, diff, outputs, eps)
        _compare(analytical, numerical, inputs, diff, outputs, atol, rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _vs(o):
    return (1.0, 1j) if o._data.dtype.kind == "c" else (1.0,)


def _analytical(outputs, inputs, diff, nondet_tol):
    """``{(j, v, i): matrix [output element, input element]}`` from backward passes."""
    jac = {}
    targets = [inputs[i] for i in diff]
    for j, o in enumerate(outputs):
        if not o._requires_grad:
            continue
        xp = o._device.xp
        for v in _vs(o):
            rows = {i: [] for i in diff}
            for k in range(o._data.size):
                g = xp.zeros(o._data.size, o._data.dtype)
                g[k] = v
                go = _dispatch.wrap(g.reshape(o._data.shape), o._device)
                first = _backward(o, targets, go)
                again = _backward(o, targets, go)
                for i, a, b in zip(diff, first, again):
                    _check_reentrant(a, b, nondet_tol, j, i)
                    rows[i].append(_flat(a, inputs[i]))
            for i in diff:
                jac[(j, v, i)] = np.array(rows[i]).reshape(o._data.size, inputs[i]._data.size)
    return jac


def _backward(o, targets, go):
    return _engine.grad(o, targets, go, retain_graph=True, allow_unused=True)


def _flat(g, like):
    if g is None:
        return np.zeros(like._data.size, _host(like._data).dtype)
    if tuple(g.shape) != tuple(like.shape):
        raise GradcheckError(
            f"gradient has shape {tuple(g.shape)}, expected the input's {tuple(like.shape)}"
        )
    return _host(g.detach()._data).reshape(-1)


def _check_reentrant(a, b, tol, j, i):
    if a is None and b is None:
        return
    da, db = _host(a._data), _host(b._data)
    if not np.allclose(da, db, rtol=0, atol=tol, equal_nan=True):
        raise GradcheckError(
            f"Backward is not reentrant, i.e., running backward with same input and "
            f"grad_output multiple times gives different values, although analytical "
            f"gradient matches numerical gradient (output {j}, input {i}). "
            f"The tolerance for nondeterminism was {tol}."
        )


def _numerical(func, inputs, diff, outputs, eps):
    """The same matrices, by central differences of ``func``.

    ``func`` runs with grad mode as the caller has it: gradgradcheck's function
    itself differentiates.
    """
    jac = {}
    for i in diff:
        x = inputs[i]
        n = x._data.size
        cols = {}
        complex_in = x._data.dtype.kind == "c"
        for m in range(n):
            idx = np.unravel_index(m, x._data.shape) if x._data.ndim else ()
            da = _difference(func, inputs, x, idx, eps)
            db = _difference(func, inputs, x, idx, eps * 1j) if complex_in else None
            for j, o in enumerate(outputs):
                for v in _vs(o):
                    # dL/da for L = Re(conj(v) w) is Re(conj(v) dw/da).
                    col = np.real(np.conj(v) * da[j])
                    if db is not None:
                        col = col + 1j * np.real(np.conj(v) * db[j])
                    cols.setdefault((j, v), []).append(col)
        for (j, v), c in cols.items():
            jac[(j, v, i)] = np.array(c).reshape(n, outputs[j]._data.size).T
    return jac


def _difference(func, inputs, x, idx, step):
    data = x._data
    orig = data[idx].copy() if hasattr(data[idx], "copy") else data[idx]
    data[idx] = orig + step
    plus = [_host(o._data).reshape(-1).copy() for o in _differentiable_outputs(func(*inputs))]
    data[idx] = orig - step
    minus = [_host(o._data).reshape(-1).copy() for o in _differentiable_outputs(func(*inputs))]
    data[idx] = orig
    scale = 2 * abs(step)
    return [(p - q) / scale for p, q in zip(plus, minus)]


def _compare(analytical, numerical, inputs, diff, outputs, atol, rtol):
    for (j, v, i), num in numerical.items():
        if not outputs[j]._requires_grad:
            continue  # a non-differentiable output (indices, residuals...)
        ana = analytical.get((j, v, i))
        if ana is None:
            ana = np.zeros_like(num)
        if not np.allclose(ana, num, rtol=rtol, atol=atol, equal_nan=True):
            which = "" if v == 1.0 else " (grad_output 1j)"
            diff = np.abs(ana - num)
            diff[np.isnan(diff)] = np.inf
            worst = np.unravel_index(np.argmax(diff), num.shape)
            raise GradcheckError(
                f"Jacobian mismatch for output {j} with respect to input {i}{which},\n"
                f"numerical:{num}\nanalytical:{ana}\n"
                f"(largest difference at [output element {worst[0]}, input element "
                f"{worst[1]}]: numerical {num[worst]} vs analytical {ana[worst]}; "
                f"rtol={rtol}, atol={atol})"
            )


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    gen_non_contig_grad_outputs=False,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_fwd_over_rev=False,
    check_rev_over_rev=True,
    fast_mode=False,
    masked=False,
):
    """Check second derivatives: ``gradcheck`` of the gradients of ``func``.

    Args:
        grad_outputs: the output gradients to differentiate through (random
            float64 tensors that require grad, when None).

    Returns:
        True when every second derivative matches.
    """
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(_random_like(o, rng) for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]

    def first_grads(*args):
        outs = _differentiable_outputs(func(*args[:n]))
        pairs = [(o, g) for o, g in zip(outs, args[n:]) if o._requires_grad]
        if not pairs:
            return ()
        found = _engine.grad(
            [o for o, _ in pairs],
            [args[i] for i in diff],
            [g for _, g in pairs],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(g for g in found if g is not None)

    return gradcheck(
        first_grads,
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
    )


def _random_like(o, rng):
    a = rng.standard_normal(o._data.shape)
    if o._data.dtype.kind == "c":
        a = a + 1j * rng.standard_normal(o._data.shape)
    data = o._device.xp.asarray(a.astype(_host(o._data).dtype))
    t = _dispatch.wrap(data, o._device)
    t.requires_grad = True
    return t
