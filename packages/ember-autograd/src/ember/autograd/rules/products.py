"""Derivatives of ``ember/_ops/products.py``: matrix products, einsum, tensordot, kron.

For ``C = A @ B`` the gradients are ``G @ B^H`` and ``A^H @ G``; batch dims that
were broadcast are summed away by the engine. Bilinear ops read each operand only
for the other's gradient (``reads_when``).
"""

from __future__ import annotations

import string

import ember
from ember._ops import OPS, wrap_dim
from ember.autograd.rules._util import add_tangents, conj, reads_when

DERIVATIVES: dict = {}
JVPS: dict = {}

_BOTH = {0: (1,), 1: (0,)}


def _h(t):
    """The conjugate transpose of the last two dims."""
    return conj(t.transpose(-1, -2))


def _matmul(grad, _out, input, other, needs_input_grad=(True, True)):
    a, b = input, other
    ga = gb = None
    if a.ndim == 1 and b.ndim == 1:
        return (grad * conj(b) if needs_input_grad[0] else None), (
            grad * conj(a) if needs_input_grad[1] else None
        )
    g = grad
    if a.ndim == 1:
        g = g.unsqueeze(-2)
    if b.ndim == 1:
        g = g.unsqueeze(-1)
    if needs_input_grad[0]:
        bb = b.unsqueeze(-1) if b.ndim == 1 else b
        ga = OPS["matmul"](g, _h(bb))
        if a.ndim == 1:
            ga = ga.squeeze(-2)
    if needs_input_grad[1]:
        aa = a.unsqueeze(0) if a.ndim == 1 else a
        if b.ndim == 2 and _is_transposed(b):
            # b is a transposed view (Linear's weight.t()): give its gradient the same
            # layout, so the gradient reaching the weight is contiguous, not a copy.
            gb = _h(OPS["matmul"](_h(g), aa))
        else:
            gb = OPS["matmul"](_h(aa), g)
        if b.ndim == 1:
            gb = gb.squeeze(-1)
    return ga, gb


def _is_transposed(t) -> bool:
    flags = t._data.flags
    return flags.f_contiguous and not flags.c_contiguous


DERIVATIVES["matmul"] = reads_when(_matmul, _BOTH)
DERIVATIVES["mm"] = reads_when(
    lambda grad, _out, a, mat2, needs_input_grad=(True, True): _matmul(
        grad, None, a, mat2, needs_input_grad
    ),
    _BOTH,
)
DERIVATIVES["bmm"] = DERIVATIVES["mm"]
DERIVATIVES["mv"] = reads_when(
    lambda grad, _out, a, vec, needs_input_grad=(True, True): _matmul(
        grad, None, a, vec, needs_input_grad
    ),
    _BOTH,
)
DERIVATIVES["dot"] = DERIVATIVES["mv"]


def _bilinear_jvp(op):
    def jvp(t, _out, a, b, *args, **kwargs):
        return add_tangents(
            None if t[0] is None else OPS[op](t[0], b, *args, **kwargs),
            None if t[1] is None else OPS[op](a, t[1], *args, **kwargs),
        )

    return jvp


for _name in ("matmul", "mm", "bmm", "mv", "dot", "outer", "inner", "kron"):
    JVPS[_name] = _bilinear_jvp(_name)


def _vdot(grad, _out, input, other, needs_input_grad=(True, True)):
    # out = sum(conj(a) * b): dL/da = conj(grad) * b, dL/db = grad * a.
    ga = conj(grad) * other if needs_input_grad[0] else None
    gb = grad * input if needs_input_grad[1] else None
    return ga, gb


DERIVATIVES["vdot"] = reads_when(_vdot, _BOTH)


def _inner(grad, _out, input, other, needs_input_grad=(True, True)):
    a, b = input, other
    if a.ndim == 0 or b.ndim == 0:
        return (grad * conj(b)).sum() if a.ndim == 0 else grad * conj(b), (
            (grad * conj(a)).sum() if b.ndim == 0 else grad * conj(a)
        )
    na, nb = a.ndim - 1, b.ndim - 1
    ga = gb = None
    letters = string.ascii_letters
    sa, sb, k = letters[:na], letters[na : na + nb], letters[na + nb]
    if needs_input_grad[0]:
        ga = OPS["einsum"](f"{sa}{sb},{sb}{k}->{sa}{k}", grad, conj(b))
    if needs_input_grad[1]:
        gb = OPS["einsum"](f"{sa}{sb},{sa}{k}->{sb}{k}", grad, conj(a))
    return ga, gb


DERIVATIVES["inner"] = reads_when(_inner, _BOTH)


def _outer(grad, _out, input, vec2, needs_input_grad=(True, True)):
    ga = OPS["mv"](grad, conj(vec2)) if needs_input_grad[0] else None
    gb = OPS["mv"](grad.transpose(0, 1), conj(input)) if needs_input_grad[1] else None
    return ga, gb


DERIVATIVES["outer"] = reads_when(_outer, _BOTH)


def _scale(g, s):
    return g if s == 1 else g * s


def _addmm(grad, _out, _input, mat1, mat2, *, beta=1, alpha=1, needs_input_grad=(True, True, True)):
    ga, gb = _matmul(_scale(grad, alpha), None, mat1, mat2, needs_input_grad[1:])
    return _scale(grad, beta), ga, gb


DERIVATIVES["addmm"] = reads_when(_addmm, {1: (2,), 2: (1,)})
DERIVATIVES["addmv"] = DERIVATIVES["addmm"]
DERIVATIVES["baddbmm"] = DERIVATIVES["addmm"]


def _linear(grad, _out, input, weight, bias=None, needs_input_grad=(True, True, True)):
    # y = x W^T + b over x's leading dims: dx = g conj(W), dW = g^T conj(x) with the leading
    # dims folded (the weight's layout, so it reaches .grad without a copy), db = g (the
    # engine sums it down to the bias's shape).
    gx = gw = None
    gb = grad if len(needs_input_grad) > 2 and needs_input_grad[2] else None
    if weight.ndim == 1:  # one output, its dim removed
        g = grad.unsqueeze(-1)
        if needs_input_grad[0]:
            gx = g * conj(weight)
        if needs_input_grad[1]:
            gw = (g * conj(input)).reshape(-1, weight.shape[0]).sum(0)
        return gx, gw, gb
    rows = grad if grad.ndim == 2 else grad.reshape(-1, weight.shape[0])
    if needs_input_grad[0]:
        gx = OPS["matmul"](rows, conj(weight))
        if grad.ndim != 2:
            gx = gx.reshape(input.shape)
    if needs_input_grad[1]:
        x = input if input.ndim == 2 else input.reshape(-1, weight.shape[1])
        gw = OPS["matmul"](rows.transpose(0, 1), conj(x))
    return gx, gw, gb


DERIVATIVES["linear"] = reads_when(_linear, {0: (1,), 1: (0,), 2: ()})


def _linear_jvp(t, out, input, weight, bias=None):
    return add_tangents(
        None if t[0] is None else OPS["linear"](t[0], weight),
        None if t[1] is None else OPS["linear"](input, t[1]),
        None if len(t) < 3 or t[2] is None else t[2].expand(tuple(out.shape)),
    )


JVPS["linear"] = _linear_jvp


def _addbmm(
    grad, _out, _input, batch1, batch2, *, beta=1, alpha=1, needs_input_grad=(True, True, True)
):
    g = _scale(grad, alpha).unsqueeze(0)  # the same gradient for every matrix of the batch
    ga = OPS["matmul"](g, _h(batch2)) if needs_input_grad[1] else None
    gb = OPS["matmul"](_h(batch1), g) if needs_input_grad[2] else None
    return _scale(grad, beta), ga, gb


DERIVATIVES["addbmm"] = reads_when(_addbmm, {1: (2,), 2: (1,)})


# ---- einsum and tensordot ----------------------------------------------------------


def _parse(equation, operands):
    """``(input subscripts, output subscripts)`` with ``...`` spelled out as letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    used = set(eq) - set(".,->")
    spare = [c for c in string.ascii_letters if c not in used]
    nb = max((t.ndim - (len(s) - 3) for s, t in zip(terms, operands) if "..." in s), default=0)
    dots = "".join(spare[:nb])
    subs = []
    for s, t in zip(terms, operands):
        if "..." in s:
            k = t.ndim - (len(s) - 3)
            s = s.replace("...", dots[nb - k :] if k else "")
        subs.append(s)
    if not arrow:
        counts = {c: "".join(subs).count(c) for c in set("".join(subs))}
        rhs = dots + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in dots))
    else:
        rhs = rhs.replace("...", dots)
    return subs, rhs


def _einsum_grad(grad, subs, out, operands, i):
    s = subs[i]
    if len(set(s)) != len(s):
        return _einsum_diagonal_grad(grad, subs, out, operands, i)
    others = [(subs[j], conj(operands[j])) for j in range(len(subs)) if j != i]
    avail = set(out).union(*(set(t) for t, _ in others))
    kept = "".join(c for c in s if c in avail)
    eq = ",".join([out] + [t for t, _ in others]) + "->" + kept
    g = OPS["einsum"](eq, grad, *[o for _, o in others])
    if kept == s:
        return g
    # Indices only this operand had were summed out: the gradient is constant along them.
    shape = [operands[i].shape[k] if c not in avail else None for k, c in enumerate(s)]
    g = g.reshape([1 if n is not None else -1 for n in shape] if kept else [1] * len(s))
    return g.expand(tuple(operands[i].shape))


def _einsum_diagonal_grad(grad, subs, out, operands, i):
    """An operand with a repeated index (``'ii'``) reads a diagonal: the gradient of the
    distinct-index operand, spread onto that diagonal with identity matrices."""
    s, x = subs[i], operands[i]
    used = set("".join(subs) + out)
    spare = iter(c for c in string.ascii_letters if c not in used)
    seen, renamed, eyes = {}, [], []
    for k, c in enumerate(s):
        if c in seen:
            fresh = next(spare)
            renamed.append(fresh)
            n = x.shape[k]
            eyes.append((c + fresh, ember.eye(n, dtype=x.dtype, device=x.device)))
        else:
            seen[c] = k
            renamed.append(c)
    distinct = "".join(dict.fromkeys(s))
    dims = [x.shape[s.index(c)] for c in distinct]
    proxy = _Shape(dims, x)
    g = _einsum_grad(
        grad,
        subs[:i] + [distinct] + subs[i + 1 :],
        out,
        list(operands[:i]) + [proxy] + list(operands[i + 1 :]),
        i,
    )
    eq = ",".join([distinct] + [e for e, _ in eyes]) + "->" + "".join(renamed)
    return OPS["einsum"](eq, g, *[m for _, m in eyes])


class _Shape:
    """Stands for an operand whose gradient is wanted: its shape, dtype and device only."""

    def __init__(self, shape, like):
        self.shape, self.ndim, self.dtype, self.device = (
            tuple(shape),
            len(shape),
            like.dtype,
            like.device,
        )


def _einsum(grad, _out, equation, *operands, needs_input_grad=None):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        inner = _einsum(grad, _out, equation, *operands[0], needs_input_grad=None)
        return (None, list(inner[1:]))
    if not isinstance(equation, str):
        return _einsum_sublist(grad, (equation, *operands), needs_input_grad)
    subs, out = _parse(equation, operands)
    grads = [None]
    for i in range(len(operands)):
        needed = needs_input_grad is None or needs_input_grad[i + 1]
        grads.append(_einsum_grad(grad, subs, out, operands, i) if needed else None)
    return tuple(grads)


def _einsum_sublist(grad, args, needs_input_grad):
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])``: the same with letters for the numbers."""
    letters = string.ascii_letters
    tensors = list(args[0::2])
    lists = list(args[1::2])
    out = None
    if len(tensors) > len(lists):  # a trailing output list
        out = tensors.pop()
    terms = ["".join("..." if v is Ellipsis else letters[v] for v in sub) for sub in lists]
    eq = ",".join(terms)
    if out is not None:
        eq += "->" + "".join("..." if v is Ellipsis else letters[v] for v in out)
    needs = None if needs_input_grad is None else (False, *needs_input_grad[0::2])
    grads = _einsum(grad, None, eq, *tensors, needs_input_grad=needs)[1:]
    result = []
    for g in grads:
        result += [g, None]
    return tuple(result)


DERIVATIVES["einsum"] = _einsum


def _tensordot_dims(a, b, dims):
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    if isinstance(dims, int):
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    da, db = dims
    da = [da] if isinstance(da, int) else list(da)
    db = [db] if isinstance(db, int) else list(db)
    return [wrap_dim(d, a.ndim) for d in da], [wrap_dim(d, b.ndim) for d in db]


def _tensordot(grad, _out, a, b, dims=2, needs_input_grad=(True, True)):
    da, db = _tensordot_dims(a, b, dims)
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in da] + [
        c for k, c in enumerate(sb) if k not in db
    ]
    eq = f"{''.join(sa)},{''.join(sb)}->{''.join(out)}"
    res = _einsum(grad, None, eq, a, b, needs_input_grad=(False, *needs_input_grad))
    return res[1], res[2]


DERIVATIVES["tensordot"] = reads_when(_tensordot, _BOTH)


def _kron(grad, _out, input, other, needs_input_grad=(True, True)):
    n = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    split = []
    for p, q in zip(a.shape, b.shape):
        split += [p, q]
    g = grad.reshape(split)
    ga = gb = None
    if needs_input_grad[0]:
        bb = b.reshape([s if k % 2 else 1 for k, s in enumerate(split)])
        ga = (g * conj(bb)).sum(tuple(range(1, 2 * n, 2))).reshape(input.shape)
    if needs_input_grad[1]:
        aa = a.reshape([1 if k % 2 else s for k, s in enumerate(split)])
        gb = (g * conj(aa)).sum(tuple(range(0, 2 * n, 2))).reshape(other.shape)
    return ga, gb


DERIVATIVES["kron"] = reads_when(_kron, _BOTH)


def _cross(grad, _out, input, other, dim=None, needs_input_grad=(True, True)):
    if dim is None:
        dim = next(i for i, s in enumerate(grad.shape) if s == 3)
    ga = OPS["cross"](conj(other), grad, dim) if needs_input_grad[0] else None
    gb = OPS["cross"](grad, conj(input), dim) if needs_input_grad[1] else None
    return ga, gb


DERIVATIVES["cross"] = reads_when(_cross, _BOTH)


def _multi_dot(grad, _out, tensors):
    mats = [t.unsqueeze(0) if i == 0 and t.ndim == 1 else t for i, t in enumerate(tensors)]
    if tensors[-1].ndim == 1:
        mats[-1] = mats[-1].unsqueeze(1)
    g = grad
    if tensors[0].ndim == 1:
        g = g.unsqueeze(0)
    if tensors[-1].ndim == 1:
        g = g.unsqueeze(-1)
    grads = []
    for i, t in enumerate(tensors):
        left = _chain(mats[:i])
        right = _chain(mats[i + 1 :])
        gi = g
        if left is not None:
            gi = OPS["mm"](_h(left), gi)
        if right is not None:
            gi = OPS["mm"](gi, _h(right))
        grads.append(gi.reshape(t.shape))
    return (grads,)


def _chain(mats):
    if not mats:
        return None
    out = mats[0]
    for m in mats[1:]:
        out = OPS["mm"](out, m)
    return out


DERIVATIVES["linalg_multi_dot"] = _multi_dot


def _vecdot(grad, _out, x, y, *, dim=-1, needs_input_grad=(True, True)):
    g = grad.unsqueeze(dim)
    gx = conj(g) * y if needs_input_grad[0] else None
    gy = g * x if needs_input_grad[1] else None
    return gx, gy


DERIVATIVES["linalg_vecdot"] = reads_when(_vecdot, _BOTH)
