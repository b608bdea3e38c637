"""OpInfo rows for ``ember/_ops/conv.py``, against direct loop references.

The references loop over every output position and kernel offset (small shapes
only), so they share nothing with the im2col/GEMM kernels they check.
"""

import itertools

import numpy as np

from ember.testing.opinfo import OpInfo, SampleInput


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def conv_ref(x, w, b, stride, padding, dilation, transposed, output_padding, groups):
    """Convolution by direct summation: one output (or input) position at a time."""
    nd = w.ndim - 2
    unbatched = x.ndim == nd + 1
    x = x[None] if unbatched else x
    s, p, d = _tup(stride, nd), _tup(padding, nd), _tup(dilation, nd)
    y = (_conv_t_loops if transposed else _conv_loops)(
        x, w, s, p, d, _tup(output_padding, nd), groups
    )
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * nd)
    return y[0] if unbatched else y


def _conv_loops(x, w, s, p, d, op, groups):
    n = x.shape[0]
    cout, cg = w.shape[:2]
    k = w.shape[2:]
    out = [
        (i + 2 * pp - dd * (kk - 1) - 1) // ss + 1
        for i, kk, ss, pp, dd in zip(x.shape[2:], k, s, p, d)
    ]
    y = np.zeros((n, cout, *out))
    og = cout // groups
    for o in itertools.product(*(range(v) for v in out)):
        for off in itertools.product(*(range(v) for v in k)):
            pos = [oo * ss - pp + f * dd for oo, ss, pp, f, dd in zip(o, s, p, off, d)]
            if any(q < 0 or q >= size for q, size in zip(pos, x.shape[2:])):
                continue
            for g in range(groups):
                xs = x[(slice(None), slice(g * cg, (g + 1) * cg), *pos)]  # (n, cg)
                ws = w[(slice(g * og, (g + 1) * og), slice(None), *off)]  # (og, cg)
                y[(slice(None), slice(g * og, (g + 1) * og), *o)] += xs @ ws.T
    return y


def _conv_t_loops(x, w, s, p, d, op, groups):
    n, cin = x.shape[:2]
    cg, og = cin // groups, w.shape[1]
    k = w.shape[2:]
    out = [
        (i - 1) * ss - 2 * pp + dd * (kk - 1) + oo + 1
        for i, kk, ss, pp, dd, oo in zip(x.shape[2:], k, s, p, d, op)
    ]
    y = np.zeros((n, og * groups, *out))
    for i in itertools.product(*(range(v) for v in x.shape[2:])):
        for off in itertools.product(*(range(v) for v in k)):
            pos = [ii * ss - pp + f * dd for ii, ss, pp, f, dd in zip(i, s, p, off, d)]
            if any(q < 0 or q >= size for q, size in zip(pos, out)):
                continue
            for g in range(groups):
                xs = x[(slice(None), slice(g * cg, (g + 1) * cg), *i)]  # (n, cg)
                ws = w[(slice(g * cg, (g + 1) * cg), slice(None), *off)]  # (cg, og)
                y[(slice(None), slice(g * og, (g + 1) * og), *pos)] += xs @ ws
    return y


def _conv_samples(make):
    def c(x, w, b, s=1, p=0, d=1, t=False, op=0, g=1):
        nd = len(w) - 2
        return SampleInput(
            make(*x),
            make(*w),
            None if b is None else make(b),
            _tup(s, nd),
            _tup(p, nd),
            _tup(d, nd),
            t,
            _tup(op, nd),
            g,
        )

    yield c((2, 3, 7), (4, 3, 3), 4)
    yield c((2, 4, 7, 6), (6, 2, 3, 2), 6, s=(2, 1), p=(1, 2), d=(1, 2), g=2)
    yield c((3, 6, 5), (4, 3, 3, 2), None, s=2, p=1, d=2)  # unbatched 2-d
    yield c((1, 2, 4, 5, 4), (2, 1, 2, 3, 2), 2, p=1, g=2)
    yield c((0, 3, 5, 5), (2, 3, 3, 3), 2)  # empty batch
    yield c((2, 3, 5, 5), (4, 3, 1, 1), None)  # 1x1
    yield c((2, 4, 4, 3), (4, 3, 3, 3), 6, s=2, p=1, t=True, op=1, g=2)
    yield c((2, 3, 5), (3, 2, 3), None, s=3, p=2, d=2, t=True, op=(2,))
    yield c((2, 2, 3, 4), (2, 3, 2, 2), 3, t=True)
    yield c((1, 2, 3, 2, 3), (2, 2, 2, 2, 2), None, s=2, t=True, op=1)
    yield c((0, 2, 3, 3), (2, 3, 2, 2), None, s=2, t=True)  # empty batch, column scatter


def _weight_grad_ref(x, g, weight_shape, stride, padding, dilation, groups):
    # The adjoint of the (linear in w) reference: sum over basis weights.
    out = np.zeros(weight_shape)
    for idx in np.ndindex(*weight_shape):
        e = np.zeros(weight_shape)
        e[idx] = 1
        out[idx] = np.sum(g * conv_ref(x, e, None, stride, padding, dilation, False, 0, groups))
    return out


def _weight_grad_samples(make):
    yield SampleInput(make(2, 2, 5, 4), make(2, 3, 4, 2), (3, 2, 2, 3), (1, 1), (0, 0), (1, 1), 1)
    yield SampleInput(make(2, 4, 5), make(2, 2, 3), (2, 2, 2), (2,), (1,), (2,), 2)
    yield SampleInput(make(0, 2, 5, 4), make(0, 3, 4, 2), (3, 2, 2, 3), (1, 1), (0, 0), (1, 1), 1)
    yield SampleInput(make(1, 2, 6, 5), make(1, 2, 4, 3), (2, 2, 2, 2), (2, 2), (1, 1), (1, 1), 1)


OpInfo(
    "convolution",
    conv_ref,
    _conv_samples,
    grad_order=2,
    rtol=1e-5,
    atol=1e-5,
    torch=lambda torch, x, w, *args: (
        torch.convolution(x, w, *args)
        if x.ndim == w.ndim
        else torch.convolution(x[None], w, *args)[0]
    ),
)
OpInfo(
    "convolution_weight_grad",
    _weight_grad_ref,
    _weight_grad_samples,
    grad_order=2,
    rtol=1e-5,
    atol=1e-5,
    torch=lambda torch, x, g, ws, s, p, d, groups: torch.ops.aten.convolution_backward(
        g,
        x,
        torch.zeros(ws, dtype=x.dtype),
        None,
        s,
        p,
        d,
        False,
        [0] * (len(ws) - 2),
        groups,
        [False, True, False],
    )[1],
)


def _im2col_ref(x, kernel_size, dilation=1, padding=0, stride=1):
    unbatched = x.ndim == 3
    x = x[None] if unbatched else x
    k, d, p, s = (_tup(v, 2) for v in (kernel_size, dilation, padding, stride))
    out = [
        (n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
        for n, kk, ss, pp, dd in zip(x.shape[2:], k, s, p, d)
    ]
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    cols = np.zeros((x.shape[0], x.shape[1], k[0], k[1], out[0], out[1]))
    for i, j, a, b in itertools.product(range(k[0]), range(k[1]), range(out[0]), range(out[1])):
        cols[:, :, i, j, a, b] = xp[:, :, a * s[0] + i * d[0], b * s[1] + j * d[1]]
    cols = cols.reshape(x.shape[0], -1, out[0] * out[1])
    return cols[0] if unbatched else cols


def _col2im_ref(cols, output_size, kernel_size, dilation=1, padding=0, stride=1):
    unbatched = cols.ndim == 2
    cols = cols[None] if unbatched else cols
    k = _tup(kernel_size, 2)
    c = cols.shape[1] // (k[0] * k[1])
    shape = (cols.shape[0], c, *_tup(output_size, 2))
    out = np.zeros(shape)
    for idx in np.ndindex(*shape[1:]):  # the adjoint of im2col, basis image by basis image
        e = np.zeros((1,) + shape[1:])
        e[(0, *idx)] = 1
        col = _im2col_ref(e, kernel_size, dilation, padding, stride)[0]
        out[(slice(None), *idx)] = np.einsum("nkl,kl->n", cols, col)
    return out[0] if unbatched else out


def _im2col_samples(make):
    yield SampleInput(make(2, 3, 5, 4), (2, 3))
    yield SampleInput(make(2, 2, 6, 7), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    yield SampleInput(make(3, 4, 4), 3, 1, 1, 1)  # unbatched


def _col2im_samples(make):
    yield SampleInput(make(2, 12, 6), (3, 4), (2, 2))
    yield SampleInput(make(2, 12, 20), (6, 7), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    yield SampleInput(make(9, 16), (4, 4), 3, 1, 1, 1)  # unbatched


OpInfo(
    "im2col",
    _im2col_ref,
    _im2col_samples,
    grad_order=2,
    torch=lambda torch, x, *a, **k: torch.nn.functional.unfold(x, *a, **k),
)
OpInfo(
    "col2im",
    _col2im_ref,
    _col2im_samples,
    grad_order=2,
    torch=lambda torch, x, *a, **k: torch.nn.functional.fold(x, *a, **k),
)
