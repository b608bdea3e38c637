"""Hook-based spectral normalization (``torch.nn.utils.spectral_norm``), kept for old checkpoints.

``module.<name>`` becomes the parameter ``<name>_orig`` plus buffers ``<name>_u`` and
``<name>_v`` (the power-iteration vectors), and a forward pre-hook sets
``module.<name> = <name>_orig / sigma`` before every call, ``sigma = u . (W v)``.
In training mode each call first runs ``n_power_iterations`` steps that update ``u``
and ``v`` in place; in eval mode the stored vectors are used as they are.

The state_dict records a version (1) under ``_metadata[prefix]["spectral_norm"]``. A
version-0 checkpoint (from PyTorch before ``<name>_v`` was saved) holds ``<name>_orig``,
``<name>_u`` and the normalized ``<name>`` instead; loading it solves for a ``v`` that
reproduces that ``<name>``.
"""

from __future__ import annotations

import ember
from ember.autograd import no_grad
from ember.nn.module import Module
from ember.nn.parameter import Parameter
from ember.nn.utils.parametrizations import (
    _check_spectral_args,
    _is_conv_transpose,
    _normalized_mv,
    _sigma,
    _weight_to_matrix,
)
from ember.nn.utils.weight_norm import _hookable_parameter, _unhook

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name>`` to ``<name>_orig / sigma``.

    Invariant after a training call: ``u = normalize(W v)``, with W the matrix of
    ``<name>_orig`` whose rows run along ``dim`` (each step updates v from u, then u from v).
    """

    # Bumped when the saved layout changes; 1 is the layout that saves <name>_v.
    _version = 1

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12) -> None:
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        return _weight_to_matrix(weight, self.dim)

    def compute_weight(self, module: Module, do_power_iteration: bool):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    # v before u: PyTorch's order, so stored u/v evolve the same way.
                    _normalized_mv(weight_mat.mT, u, self.eps, v)
                    _normalized_mv(weight_mat, v, self.eps, u)
        # Copies: the buffers change in place on the next training call, and sigma's
        # backward must see the vectors this call used.
        return weight / _sigma(weight_mat, u.clone(), v.clone())

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))

    def _solve_v_and_rescale(self, weight_mat, u, target_sigma):
        """A ``v`` with ``u = normalize(W v)`` and ``u . (W v) = target_sigma``.

        Least squares through the pseudo-inverse of ``W^T W`` (which may be singular);
        ``rtol`` as PyTorch's ``pinverse`` default, so the same directions are dropped.
        """
        gram_pinv = ember.linalg.pinv(weight_mat.mT @ weight_mat, rtol=1e-15)
        v = gram_pinv @ ember.mv(weight_mat.mT, u)
        return v * (target_sigma / ember.dot(u, ember.mv(weight_mat, v)))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float):
        weight = _hookable_parameter(module, name, SpectralNorm, "spectral_norm", "spectral")
        dim = _check_spectral_args(weight.ndim, dim, n_power_iterations)
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = ember.normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=eps)
            v = ember.normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        # Until the first call, module.<name> is the unnormalized weight (as in PyTorch).
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        module.register_state_dict_post_hook(SpectralNormStateDictHook(fn))
        module.register_load_state_dict_pre_hook(SpectralNormLoadStateDictPreHook(fn))
        return fn


class SpectralNormStateDictHook:
    """Records the layout version under ``state_dict._metadata[prefix]['spectral_norm']``."""

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(self, module, state_dict, prefix, local_metadata) -> None:
        # Module.state_dict hands post hooks a scratch dict; the record that is kept is the
        # destination's own _metadata entry for this module.
        records = getattr(state_dict, "_metadata", None)
        metadata = local_metadata if records is None else records.setdefault(prefix[:-1], {})
        metadata.setdefault("spectral_norm", {})[self.fn.name + ".version"] = self.fn._version


class SpectralNormLoadStateDictPreHook:
    """Turns a version-0 entry (``<name>_orig``, ``<name>_u``, ``<name>``) into version 1.

    Version 0 saved, after at least one training call, ``u = normalize(W_orig v)`` and
    ``W = W_orig / sigma`` with ``sigma = u . W_orig v``, but not ``v``. So ``sigma`` is
    ``mean(W_orig / W)``, and ``v`` is the solution of ``W_orig x = u`` rescaled so that
    ``u . W_orig v = sigma``.
    """

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(
        self, module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors
    ) -> None:
        fn = self.fn
        version = local_metadata.get("spectral_norm", {}).get(fn.name + ".version")
        if version is not None and version >= 1:
            return
        key = prefix + fn.name
        keys_v1 = all(key + s in state_dict for s in ("_orig", "_u", "_v"))
        if version is None and keys_v1 and key not in state_dict:
            return  # current layout without metadata (e.g. a dict built by hand)
        if not all(key + s in state_dict for s in ("_orig", "", "_u")):
            # Not convertible; the ordinary load reports the missing parameter and buffers,
            # so only the key it cannot know about is added here.
            if strict and key not in state_dict:
                missing.append(key)
            return
        with no_grad():
            weight_orig = state_dict[key + "_orig"]
            sigma = (weight_orig / state_dict.pop(key)).mean()
            weight_mat = fn.reshape_weight_to_matrix(weight_orig)
            state_dict[key + "_v"] = fn._solve_v_and_rescale(
                weight_mat, state_dict[key + "_u"], sigma
            )


def spectral_norm(module: Module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its spectral norm, estimated by power iteration.

    ``n_power_iterations`` steps run before each forward in training mode; ``eps``
    guards the normalizations; ``dim`` (the output dim: 1 for ``ConvTranspose*``,
    else 0 by default) is the one whose slices are the matrix rows. Returns ``module``.

    >>> disc = spectral_norm(ember.nn.Linear(20, 40))
    >>> tuple(disc.weight_u.shape), tuple(disc.weight_v.shape)
    ((40,), (20,))
    """
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name="weight") -> Module:
    """Undo :func:`spectral_norm`: ``module.<name>`` becomes a plain parameter again,
    holding ``<name>_orig / sigma`` from the stored ``u`` and ``v``.

    >>> layer = remove_spectral_norm(spectral_norm(ember.nn.Linear(20, 40)))
    """
    _unhook(module, name, SpectralNorm, "spectral_norm")
    for table in (module._state_dict_hooks, module._load_state_dict_pre_hooks):
        _drop_state_hook(table, name)
    return module


def _drop_state_hook(table, name: str) -> None:
    for hook_id, hook in list(table.items()):
        if isinstance(hook, (SpectralNormStateDictHook, SpectralNormLoadStateDictPreHook)):
            if hook.fn.name == name:
                del table[hook_id]
