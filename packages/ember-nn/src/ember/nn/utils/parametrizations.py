"""Ready-made parametrizations: ``weight_norm``, ``spectral_norm`` and ``orthogonal``.

Each registers through :mod:`ember.nn.utils.parametrize`, with PyTorch's
state_dict keys (``parametrizations.weight.original0``/``original1`` for
weight norm, ``parametrizations.weight.0._u``/``_v`` for spectral norm,
``parametrizations.weight.0.base`` for orthogonal).
"""

from __future__ import annotations

from enum import Enum, auto

import ember
from ember.autograd import no_grad
from ember.nn.module import Module
from ember.nn.utils import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ---- orthogonal -------------------------------------------------------------------------


def _is_orthogonal(q) -> bool:
    n, k = q.shape[-2], q.shape[-1]
    eye = ember.eye(k, dtype=q.dtype, device=q.device)
    eps = 10.0 * n * ember.finfo(q.dtype).eps
    return bool(ember.allclose(q.mH @ q, eye, atol=eps))


def _make_orthogonal(a):
    """The Q of A's QR decomposition, with columns signed so that diag(R) > 0."""
    q, r = ember.linalg.qr(a)
    return q * r.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _householder_product(a, tau):
    """First k columns of H_1...H_k, H_i = I - tau_i v_i v_i^H, v_i = [0, 1, a[i+1:, i]].

    Composed of matmuls, so it is differentiable (LAPACK's ``orgqr``).
    """
    n, k = a.shape[-2], a.shape[-1]
    eye = ember.eye(n, k, dtype=a.dtype, device=a.device)
    v_all = a.tril(-1) + eye
    q = eye.expand(*a.shape[:-2], n, k)
    for i in range(k - 1, -1, -1):
        v = v_all[..., :, i : i + 1]
        t = tau[..., i : i + 1].unsqueeze(-1)
        q = q - (t * v) @ (v.mH @ q)
    return q


def _geqrf(m):
    """Householder QR in LAPACK's compact form: (R above the diagonal and v below, tau)."""
    k = m.shape[-1]
    r = m.clone()
    taus = []
    for i in range(k):
        x = r[..., i:, i]
        alpha, rest = x[..., 0], x[..., 1:]
        xnorm = ember.linalg.vector_norm(rest, dim=-1)
        h = ember.sqrt(alpha * alpha + xnorm * xnorm)
        zero = xnorm.eq(0)
        beta = ember.where(zero, alpha, ember.where(alpha.ge(0), -h, h))
        tau = ember.where(zero, 0.0, (beta - alpha) / ember.where(zero, 1.0, beta))
        scale = ember.where(zero, 1.0, alpha - beta).unsqueeze(-1)
        v_rest = ember.where(zero.unsqueeze(-1), 0.0, rest / scale)
        v = ember.cat([ember.ones_like(alpha).unsqueeze(-1), v_rest], -1).unsqueeze(-1)
        trailing = r[..., i:, i + 1 :]
        r[..., i:, i + 1 :] = trailing - (tau.unsqueeze(-1).unsqueeze(-1) * v) @ (v.mH @ trailing)
        r[..., i, i] = beta
        r[..., i + 1 :, i] = v_rest
        taus.append(tau)
    return r, ember.stack(taus, -1)


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map: _OrthMaps, *, use_trivialization=True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x):
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            q = self._skew_map(x, n, k)
        else:
            a = x.tril(-1)
            tau = 2.0 / (1.0 + (a * a).sum(-2))
            q = _householder_product(a, tau)
            q = q * x.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            q = self.base @ q
        return q.mT if transposed else q

    def _skew_map(self, x, n, k):
        x = x.tril()
        if n != k:
            pad = x.new_zeros(n, n - k).expand(*x.shape[:-2], -1, -1)
            x = ember.cat([x, pad], -1)
        a = x - x.mH
        if self.orthogonal_map == _OrthMaps.matrix_exp:
            q = ember.linalg.matrix_exp(a)
        else:
            eye = ember.eye(n, dtype=a.dtype, device=a.device)
            q = ember.linalg.solve(eye - 0.5 * a, eye + 0.5 * a)
        return q[..., :k] if n != k else q

    def right_inverse(self, q):
        if tuple(q.shape) != tuple(self.shape):
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {tuple(self.shape)}. "
                f"Got a tensor of shape {tuple(q.shape)}."
            )
        with no_grad():
            return self._right_inverse(q)

    def _right_inverse(self, q):
        q_init = q
        n, k = q.shape[-2], q.shape[-1]
        transpose = n < k
        if transpose:
            q = q.mT
            n, k = k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                raise NotImplementedError(
                    "It is not possible to assign to the matrix exponential or the Cayley "
                    "parametrizations when use_trivialization=False."
                )
            a, tau = _geqrf(q)
            diag = a.diagonal(dim1=-2, dim2=-1).sign()
            diag = ember.where(tau.eq(0.0), -diag, diag)
            eye = ember.eye(n, k, dtype=a.dtype, device=a.device)
            a = a * (1 - eye) + diag.unsqueeze(-2) * eye
            return a.mT if transpose else a
        if n == k:
            q = q.clone() if _is_orthogonal(q) else _make_orthogonal(q)
        else:
            extra = ember.randn(*q.shape[:-2], n, n - k, dtype=q.dtype, device=q.device)
            q = _make_orthogonal(ember.cat([q, extra], -1))
        self.base = q
        eye = ember.eye(q_init.shape[-2], q_init.shape[-1], dtype=q_init.dtype)
        return (-eye).expand(*q_init.shape).clone().to(q_init.device)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Constrain ``module.<name>`` (a matrix or batch of them) to be orthogonal.

    ``orthogonal_map`` is ``"matrix_exp"``, ``"cayley"`` or ``"householder"``
    (default: ``matrix_exp`` for square or complex matrices, else ``householder``).

    >>> layer = orthogonal(ember.nn.Linear(20, 40))
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, ember.Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(
            f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions."
        )
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


# ---- weight norm ------------------------------------------------------------------------


def _norm_except_dim(v, dim):
    """The 2-norm over every dim but ``dim`` (keeping dims); ``dim=-1`` means all of them."""
    if dim == -1:
        return ember.linalg.vector_norm(v)
    dim = dim % v.ndim
    others = [d for d in range(v.ndim) if d != dim]
    return ember.linalg.vector_norm(v, 2, dim=others, keepdim=True)


def _weight_norm(v, g, dim):
    """``g * v / ||v||``, the norm taken as in :func:`_norm_except_dim`."""
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    def __init__(self, dim=0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name: str = "weight", dim=0):
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (Salimans & Kingma).

    ``g`` is ``parametrizations.<name>.original0`` and ``v`` is ``original1``; norms
    are over every dim but ``dim`` (``dim=None``: the whole tensor). Old-style
    ``<name>_g``/``<name>_v`` checkpoint keys are converted on load.

    >>> layer = weight_norm(ember.nn.Linear(20, 40))
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _compat_hook(state_dict, prefix, *_args) -> None:
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module.register_load_state_dict_pre_hook(lambda m, sd, prefix, *rest: _compat_hook(sd, prefix))
    return module


# ---- spectral norm ----------------------------------------------------------------------


def _check_spectral_args(ndim: int, dim: int, n_power_iterations: int) -> int:
    """Validate the arguments of a spectral norm; returns ``dim`` made non-negative."""
    if dim >= ndim or dim < -ndim:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but "
            f"got {dim})"
        )
    if n_power_iterations <= 0:
        raise ValueError(
            "Expected n_power_iterations to be positive, but got "
            f"n_power_iterations={n_power_iterations}"
        )
    return dim if dim >= 0 else dim + ndim


def _weight_to_matrix(weight, dim: int):
    """``weight`` as a matrix whose rows run along ``dim`` (a 1-d weight becomes a column)."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def _normalized_mv(mat, vec, eps: float, out) -> None:
    """One half step of power iteration: ``out <- normalize(mat @ vec)``.

    Written in place so that ``out`` stays the tensor registered as a buffer.
    """
    out.copy_(ember.normalize(ember.mv(mat, vec), dim=0, eps=eps))


def _sigma(weight_mat, u, v):
    """The singular-value estimate ``u^H W v`` (differentiable in ``W`` only)."""
    return ember.vdot(u, ember.mv(weight_mat, v))


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        super().__init__()
        ndim = weight.ndim
        self.dim = _check_spectral_args(ndim, dim, n_power_iterations)
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight.detach())
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", ember.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", ember.normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        return _weight_to_matrix(weight, self.dim)

    def _power_method(self, weight_mat, n_power_iterations: int) -> None:
        with no_grad():
            for _ in range(n_power_iterations):
                _normalized_mv(weight_mat, self._v, self.eps, self._u)
                _normalized_mv(weight_mat.H, self._u, self.eps, self._v)

    def forward(self, weight):
        if weight.ndim == 1:
            return ember.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat.detach(), self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        return weight / _sigma(weight_mat, u, v)

    def right_inverse(self, value):
        return value


def _is_conv_transpose(module) -> bool:
    return type(module).__name__ in ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its largest singular value (Miyato et al.).

    The singular value is estimated by ``n_power_iterations`` of power iteration per
    forward in training mode (buffers ``_u``/``_v``); ``dim`` defaults to 1 for
    transposed convolutions and 0 otherwise.

    >>> disc_layer = spectral_norm(ember.nn.Linear(20, 40))
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, ember.Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module
