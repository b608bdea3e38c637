"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm`` (plain creation
functions), ``normal``, ``bernoulli``, ``multinomial``, ``poisson`` (ops) and the
in-place samplers ``uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
``exponential_``, ``geometric_``, ``log_normal_`` and ``cauchy_`` (in-place ops,
installed as ``Tensor`` methods).

Every function takes ``generator=`` (an :class:`ember.Generator`); without it
the device's default generator is used. For one seed the numbers are
reproducible, but they are not PyTorch's numbers (see :mod:`ember.random`).
No sampler is differentiable: PyTorch gives them zero gradients.
"""

from __future__ import annotations

import math

import numpy as np

from ember import dtypes as _dt
from ember._ops import Op
from ember._ops.creation import _finish, _like, _shape
from ember.devices import as_device
from ember.dispatch import expect_no_internal_overlap
from ember.random import default_generator, generator_for

__all__ = [
    "rand",
    "rand_like",
    "randn",
    "randn_like",
    "randint",
    "randint_like",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "poisson",
]

_SIGNIFICAND_BITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


# ---- sampling helpers shared by the functions and the kernels --------------------------


def _category(dtype) -> int:
    return _dt.from_numpy(dtype).category


def _work_dtype(np_dtype):
    """The dtype samples are drawn in: float64 stays float64, other floats use float32."""
    return np.float64 if np_dtype in (np.float64, np.complex128) else np.float32


def _uniform01(rng, shape, np_dtype):
    """Uniform samples in [0, 1) of a real floating dtype; never rounded up to 1."""
    if np_dtype in (np.float32, np.float64):
        return rng.random(shape, dtype=np_dtype)
    # float16/bfloat16: an exact grid of 2**-bits steps, so rounding cannot reach 1.
    bits = _SIGNIFICAND_BITS[np.dtype(np_dtype).name]
    k = rng.integers(0, 2**bits, size=shape, dtype=np.int32)
    return (k * np.float32(2.0**-bits)).astype(np_dtype)


def _uniform(rng, shape, np_dtype, low=0.0, high=1.0):
    """Uniform samples in [low, high); complex dtypes get independent real and imag parts."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind == "c":
        work = _work_dtype(np_dtype)
        re, im = _uniform(rng, shape, work, low, high), _uniform(rng, shape, work, low, high)
        return (re + 1j * im).astype(np_dtype)
    if low == 0 and high == 1:
        return _uniform01(rng, shape, np_dtype)
    u = _uniform01(rng, shape, _work_dtype(np_dtype))
    return (low + (high - low) * u).astype(np_dtype, copy=False)


def _standard_normal(rng, shape, np_dtype):
    """Standard normal samples; complex ones have variance 1 (1/2 per part), as in PyTorch."""
    np_dtype = np.dtype(np_dtype)
    work = _work_dtype(np_dtype)
    if np_dtype.kind == "c":
        parts = rng.standard_normal((2, *shape), dtype=work) * work(math.sqrt(0.5))
        return (parts[0] + 1j * parts[1]).astype(np_dtype)
    return rng.standard_normal(shape, dtype=work).astype(np_dtype, copy=False)


def _fill(x, values):
    """Write ``values`` into the kernel's output array ``x`` (any strides)."""
    with np.errstate(over="ignore"):  # heavy tails overflow float16 to inf, as in PyTorch
        x[...] = values.astype(x.dtype, copy=False)
    return x


def _require_floating(name, dtype, what="input", complex_ok=True):
    category = _category(dtype)
    if category < _dt.FLOATING or (category == _dt.COMPLEX and not complex_ok):
        kinds = "floating point or complex" if complex_ok else "real floating point"
        raise RuntimeError(f"{name}: expected a {kinds} {what}, got {_dt.from_numpy(dtype).name}")


def _float_dtype(name, dtype):
    dtype = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    if dtype.category < _dt.FLOATING:
        raise RuntimeError(f"{name}: expected a floating point or complex dtype, got {dtype}")
    return dtype


def _rng(device, generator):
    """The NumPy/CuPy generator to draw from for a new tensor on ``device``."""
    if generator is None:
        return default_generator(device).rng
    if generator.device.type != device.type:
        raise RuntimeError(f"expected a {device.type} generator, got one on {generator.device}")
    return generator.rng


# ---- creation functions --------------------------------------------------------------


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """A tensor of shape ``size`` uniformly distributed on [0, 1).

    >>> ember.rand(2, 3, generator=ember.Generator().manual_seed(0)).shape
    ember.Size([2, 3])
    """
    dtype, device = _float_dtype("rand", dtype), as_device(device)
    arr = _uniform(_rng(device, generator), _shape(size, "rand"), dtype.np)
    return _finish(arr, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """A tensor of shape ``size`` of standard normal samples (mean 0, variance 1)."""
    dtype, device = _float_dtype("randn", dtype), as_device(device)
    arr = _standard_normal(_rng(device, generator), _shape(size, "randn"), dtype.np)
    return _finish(arr, device, requires_grad)


def rand_like(
    input, *, generator=None, dtype=None, device=None, requires_grad=False, memory_format=None
):
    """:func:`rand` with the shape (and by default dtype and device) of ``input``."""
    d, dev = _like(input, dtype, device)
    return rand(input.shape, generator=generator, dtype=d, device=dev, requires_grad=requires_grad)


def randn_like(
    input, *, generator=None, dtype=None, device=None, requires_grad=False, memory_format=None
):
    """:func:`randn` with the shape (and by default dtype and device) of ``input``."""
    d, dev = _like(input, dtype, device)
    return randn(input.shape, generator=generator, dtype=d, device=dev, requires_grad=requires_grad)


def _int_bounds(name, dtype):
    """The inclusive range of values ``dtype`` can hold exactly, for integer sampling."""
    if dtype is _dt.bool:
        return 0, 1
    if dtype.category == _dt.INTEGRAL:
        info = np.iinfo(dtype.np)
        return int(info.min), int(info.max)
    if dtype.category == _dt.FLOATING:
        top = 2 ** _SIGNIFICAND_BITS[dtype.name]
        return -top, top
    raise RuntimeError(f"{name}: integers cannot be drawn into a {dtype.name} tensor")


def _integers(name, rng, low, high, shape, dtype):
    """Integers uniform on [low, high) as ``dtype``, with PyTorch's range checks."""
    for v, what in ((low, "low"), (high, "high")):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float)):
            raise TypeError(f"{name}: {what} must be a number, got {type(v).__name__}")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"{name}: expected low < high, got low={low} >= high={high}")
    lo, hi = _int_bounds(name, dtype)
    if low < lo or high - 1 > hi:
        raise RuntimeError(
            f"{name}: range [{low}, {high}) is out of bounds for {dtype.name} "
            f"(which holds [{lo}, {hi}])"
        )
    return rng.integers(low, high, size=shape, dtype=np.int64).astype(dtype.np, copy=False)


def _randint_args(args, low, high, size):
    """PyTorch's overloads: (high, size), (low, high, size), or keywords."""
    if len(args) == 3:
        low, high, size = args
    elif len(args) == 2:
        if size is None:
            high, size = args
        else:
            low, high = args
    elif len(args) == 1:
        high = args[0]
    elif len(args) > 3:
        raise TypeError(f"randint: expected at most 3 positional arguments, got {len(args)}")
    if high is None or size is None:
        raise TypeError("randint: expected (high, size) or (low, high, size)")
    return (0 if low is None else low), high, size


def randint(
    *args,
    low=None,
    high=None,
    size=None,
    generator=None,
    dtype=None,
    device=None,
    requires_grad=False,
):
    """Integers uniform on [low, high) (low defaults to 0) of shape ``size``; int64 by default.

    >>> ember.randint(10, (3,)).dtype
    ember.int64
    >>> ember.randint(3, 10, (2, 2)).shape
    ember.Size([2, 2])
    """
    low, high, size = _randint_args(args, low, high, size)
    dtype = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    device = as_device(device)
    shape = _shape(tuple(size) if isinstance(size, (tuple, list)) else (size,), "randint")
    arr = _integers("randint", _rng(device, generator), low, high, shape, dtype)
    return _finish(arr, device, requires_grad)


def randint_like(
    input,
    low=0,
    high=None,
    *,
    generator=None,
    dtype=None,
    device=None,
    requires_grad=False,
    memory_format=None,
):
    """:func:`randint` with the shape, dtype and device of ``input``; ``(input, high)`` too."""
    if high is None:
        low, high = 0, low
    d, dev = _like(input, dtype, device)
    return randint(
        low,
        high,
        tuple(input.shape),
        generator=generator,
        dtype=d,
        device=dev,
        requires_grad=requires_grad,
    )


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of ``0 .. n-1``; int64 by default."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"randperm: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dtype = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    if dtype.category != _dt.BOOL and n > 0 and n - 1 > _int_bounds("randperm", dtype)[1]:
        raise RuntimeError(f"randperm: n={n} is too large for {dtype.name}")
    device = as_device(device)
    rng = _rng(device, generator)
    permutation = getattr(rng, "permutation", None)
    if permutation is not None:
        perm = permutation(int(n))
    else:  # CuPy's generator has no permutation: sort random keys instead
        perm = device.xp.argsort(rng.random(int(n)))
    return _finish(perm.astype(dtype.np), device, requires_grad)


# ---- out-of-place sampling ops -------------------------------------------------------


def _is_array(v):
    return hasattr(v, "dtype") and hasattr(v, "shape")


def _check_std(name, std):
    bad = bool((std < 0).any()) if _is_array(std) else std < 0
    if bad:
        raise RuntimeError(
            f"{name}: expected std >= 0.0, got {'a negative std' if _is_array(std) else std}"
        )


def _normal(xp, mean, std=1.0, size=None, *, generator=None, dtype=None, device=None):
    """Samples from normal distributions with the given ``mean`` and ``std``.

    PyTorch's overloads: ``normal(mean: Tensor, std: Tensor)`` (broadcast; the
    result takes ``mean``'s dtype), ``normal(mean: Tensor, std: float)``,
    ``normal(mean: float, std: Tensor)`` and ``normal(mean: float, std: float,
    size)`` (with ``dtype`` and ``device``).

    Args:
        mean: the mean(s), a tensor or a number.
        std: the standard deviation(s), >= 0.
        size: the shape, only when ``mean`` and ``std`` are both numbers.
        generator: the :class:`ember.Generator` to draw from.

    >>> ember.normal(ember.zeros(3), 1.0).shape
    ember.Size([3])
    >>> ember.normal(2.0, 3.0, size=(2, 2)).shape
    ember.Size([2, 2])
    """
    arrays = [v for v in (mean, std) if _is_array(v)]
    if not arrays:
        if size is None:
            raise TypeError("normal: with a number mean and std, size is required")
        target = _float_dtype("normal", dtype).np
        xp = as_device(device).xp
        shape = _shape(tuple(size) if isinstance(size, (tuple, list)) else (size,), "normal")
    else:
        if size is not None or dtype is not None or device is not None:
            raise TypeError(
                "normal: size, dtype and device are only taken with number mean and std"
            )
        if _is_array(mean):
            _require_floating("normal", mean.dtype, "mean")
        if _is_array(std):
            _require_floating("normal", std.dtype, "std", complex_ok=False)
        target = (mean if _is_array(mean) else std).dtype
        shape = xp.broadcast_shapes(*(v.shape for v in arrays))
    _check_std("normal", std)
    z = _standard_normal(generator_for(xp, generator).rng, shape, target)
    return (mean + std * z).astype(target, copy=False)


def _bernoulli(xp, input, p=None, *, generator=None):
    """Draws 0s and 1s: ``out[i] = 1`` with probability ``input[i]`` (or ``p`` if given).

    The result has ``input``'s shape and dtype.

    Args:
        input: the probabilities (floating, in [0, 1]), or the shape and dtype with ``p``.
        p: one probability for every element.
        generator: the :class:`ember.Generator` to draw from.
    """
    probs = input if p is None else p
    if p is None:
        _require_floating("bernoulli", input.dtype, complex_ok=False)
    _check_probability("bernoulli", probs)
    u = _uniform01(generator_for(xp, generator).rng, input.shape, np.float64)
    return (u < probs).astype(input.dtype)


def _check_probability(name, p):
    if _is_array(p):
        if not bool(((p >= 0) & (p <= 1)).all()):
            raise RuntimeError(f"{name}: expected all probabilities in [0, 1]")
    elif isinstance(p, bool) or not isinstance(p, (int, float, np.number)) or not 0 <= p <= 1:
        raise RuntimeError(f"{name}: expected p in [0, 1], got {p!r}")


def _check_multinomial(probs, num_samples, replacement):
    _require_floating("multinomial", probs.dtype, "probability tensor", complex_ok=False)
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {probs.ndim} dims")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
        raise TypeError(f"multinomial: num_samples must be an int, got {num_samples!r}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples, got {num_samples}")
    if not replacement and num_samples > probs.shape[-1]:
        raise RuntimeError(
            f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
            f"replacement ({num_samples} > {probs.shape[-1]})"
        )
    if probs.size and not bool(((probs >= 0) & (probs < np.inf)).all()):
        raise RuntimeError(
            "multinomial: probability tensor contains either `inf`, `nan` or element < 0"
        )
    if probs.size == 0 or not bool((probs.sum(axis=-1) > 0).all()):
        raise RuntimeError("multinomial: invalid distribution (sum of probabilities <= 0)")


def _multinomial(xp, input, num_samples, replacement=False, *, generator=None):
    """Indices drawn from the categorical distributions in the rows of ``input``.

    Args:
        input: non-negative weights (1-d, or 2-d with one distribution per row);
            they need not sum to one.
        num_samples: how many indices to draw per row.
        replacement: draw with replacement; without it an index appears at most once.
        generator: the :class:`ember.Generator` to draw from.

    Returns:
        An int64 tensor of shape ``(num_samples,)`` or ``(rows, num_samples)``.
    """
    _check_multinomial(input, num_samples, replacement)
    rng = generator_for(xp, generator).rng
    probs = input.reshape(-1, input.shape[-1]).astype(np.float64)
    rows, n = probs.shape
    if replacement:
        # Inverse CDF: one searchsorted over all rows, each row's CDF shifted by its index.
        cdf = xp.cumsum(probs, axis=1)
        cdf /= cdf[:, -1:]
        offset = xp.arange(rows, dtype=np.float64)[:, None]
        u = rng.random((rows, num_samples)) + offset
        idx = xp.searchsorted((cdf + offset).ravel(), u.ravel(), side="right")
        out = xp.minimum(idx.reshape(rows, num_samples) - offset.astype(np.int64) * n, n - 1)
    else:
        # Gumbel-top-k: the k largest log(p) + Gumbel noise are a draw without replacement.
        with np.errstate(divide="ignore"):
            keys = xp.log(probs) - xp.log(-xp.log1p(-_uniform01(rng, probs.shape, np.float64)))
        out = _top_k(xp, keys, num_samples)
    return out.astype(np.int64).reshape(input.shape[:-1] + (num_samples,))


def _top_k(xp, keys, k):
    """Indices of the ``k`` largest keys of each row, largest first."""
    if k < keys.shape[1]:
        part = xp.argpartition(-keys, k - 1, axis=1)[:, :k]
        order = xp.argsort(-xp.take_along_axis(keys, part, axis=1), axis=1)
        return xp.take_along_axis(part, order, axis=1)
    return xp.argsort(-keys, axis=1)


def _poisson(xp, input, generator=None):
    """Samples from Poisson distributions with the rates in ``input``, in ``input``'s dtype."""
    _require_floating("poisson", input.dtype, "rate tensor", complex_ok=False)
    if input.size and not bool((input >= 0).all()):
        raise RuntimeError("poisson: invalid Poisson rate, expected rates to be non-negative")
    rng = generator_for(xp, generator).rng
    return xp.asarray(rng.poisson(input.astype(np.float64), size=input.shape)).astype(input.dtype)


normal = Op("normal", _normal, method=False, factory=True)
bernoulli = Op("bernoulli", _bernoulli)
multinomial = Op("multinomial", _multinomial)
poisson = Op("poisson", _poisson, method=False)


# ---- in-place samplers (Tensor methods) ----------------------------------------------


def _inplace_rng(name, xp, x, generator, kinds="fc"):
    """The generator for an in-place sampler, once ``x``'s dtype is checked.

    ``kinds``: "fc" (floating or complex), "f" (real floating) or "" (any).
    """
    expect_no_internal_overlap(name, x)
    if kinds:
        _require_floating(name, x.dtype, "tensor", complex_ok="c" in kinds)
    return generator_for(xp, generator).rng


def _contiguous_float(x):
    # NumPy's and CuPy's samplers can write straight into such an array: no temporary.
    return x.dtype in (np.float32, np.float64) and x.flags.c_contiguous


def _uniform_(xp, x, from_=0.0, to=1.0, *, generator=None):
    """Fill ``self`` with samples uniform on [``from_``, ``to``)."""
    if from_ > to:
        raise RuntimeError(f"uniform_: expected from <= to, got from={from_} > to={to}")
    rng = _inplace_rng("uniform_", xp, x, generator)
    if _contiguous_float(x):
        rng.random(out=x, dtype=x.dtype)
        if from_ != 0 or to != 1:
            x *= to - from_
            x += from_
        return x
    return _fill(x, _uniform(rng, x.shape, x.dtype, from_, to))


def _normal_(xp, x, mean=0.0, std=1.0, *, generator=None):
    """Fill ``self`` with samples from N(``mean``, ``std``**2)."""
    _check_std("normal_", std)
    rng = _inplace_rng("normal_", xp, x, generator)
    if _contiguous_float(x):
        rng.standard_normal(out=x, dtype=x.dtype)
        if std != 1:
            x *= std
        if mean != 0:
            x += mean
        return x
    work = x.dtype if x.dtype.kind == "c" else _work_dtype(x.dtype)
    return _fill(x, mean + std * _standard_normal(rng, x.shape, work))


def _random_bounds(x, bounds, to, kwargs):
    frm = kwargs.pop("from", None)
    if kwargs:
        raise TypeError(f"random_: unexpected keyword arguments {sorted(kwargs)}")
    if len(bounds) > 2:
        raise TypeError(f"random_: expected at most 2 bounds, got {len(bounds)}")
    if len(bounds) == 2:
        frm, to = bounds
    elif len(bounds) == 1:
        if to is None and frm is None:
            to = bounds[0]  # random_(to), as in PyTorch
        else:
            frm = bounds[0]
    dtype = _dt.from_numpy(x.dtype)
    hi = _int_bounds("random_", dtype)[1]
    return (0 if frm is None else frm), (hi + 1 if to is None else to), dtype


def _random_(xp, x, *bounds, to=None, generator=None, **kwargs):
    """Fill ``self`` with integers uniform on [from, to).

    ``random_()`` draws from [0, 2**mantissa] for floats and [0, max] for integers,
    ``random_(to)`` from [0, to), ``random_(from, to)`` from [from, to).
    """
    frm, to, dtype = _random_bounds(x, bounds, to, kwargs)
    if dtype.category == _dt.COMPLEX:
        raise RuntimeError("random_: complex tensors are not supported")
    rng = generator_for(xp, generator).rng
    return _fill(x, _integers("random_", rng, frm, to, x.shape, dtype))


def _expands_to(xp, shape, target):
    try:
        return xp.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _bernoulli_(xp, x, p=0.5, *, generator=None):
    """Fill ``self`` with 0s and 1s, 1 with probability ``p`` (a number or a tensor)."""
    _check_probability("bernoulli_", p)
    if _is_array(p) and not _expands_to(xp, p.shape, x.shape):
        raise RuntimeError(
            f"bernoulli_: p of shape {tuple(p.shape)} cannot be expanded to {tuple(x.shape)}"
        )
    rng = generator_for(xp, generator).rng
    return _fill(x, _uniform01(rng, x.shape, np.float64) < p)


def _exponential_(xp, x, lambd=1.0, *, generator=None):
    """Fill ``self`` with samples from the exponential distribution of rate ``lambd``."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_: expected lambda > 0.0, got lambda={lambd}")
    rng = _inplace_rng("exponential_", xp, x, generator, "f")
    e = rng.standard_exponential(x.shape, dtype=_work_dtype(x.dtype))
    return _fill(x, e / e.dtype.type(lambd))


def _geometric_(xp, x, p, *, generator=None):
    """Fill ``self`` with the number of Bernoulli(``p``) trials up to the first success."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_: expected p in (0, 1), got p={p}")
    rng = _inplace_rng("geometric_", xp, x, generator, kinds="")
    return _fill(x, xp.asarray(rng.geometric(p, size=x.shape)))


def _log_normal_(xp, x, mean=1.0, std=2.0, *, generator=None):
    """Fill ``self`` with ``exp(N(mean, std**2))`` samples."""
    if not std > 0:
        raise RuntimeError(f"log_normal_: expected std > 0.0, got std={std}")
    rng = _inplace_rng("log_normal_", xp, x, generator, "f")
    z = _standard_normal(rng, x.shape, _work_dtype(x.dtype))
    return _fill(x, xp.exp(mean + std * z))


def _cauchy_(xp, x, median=0.0, sigma=1.0, *, generator=None):
    """Fill ``self`` with Cauchy samples centred on ``median``, of scale ``sigma``."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_: expected sigma > 0.0, got sigma={sigma}")
    rng = _inplace_rng("cauchy_", xp, x, generator, "f")
    u = _uniform01(rng, x.shape, _work_dtype(x.dtype))
    return _fill(x, median + sigma * xp.tan(np.pi * (u - 0.5)))


uniform_ = Op("uniform_", _uniform_, inplace=True)
normal_ = Op("normal_", _normal_, inplace=True)
random_ = Op("random_", _random_, inplace=True)
bernoulli_ = Op("bernoulli_", _bernoulli_, inplace=True)
exponential_ = Op("exponential_", _exponential_, inplace=True)
geometric_ = Op("geometric_", _geometric_, inplace=True)
log_normal_ = Op("log_normal_", _log_normal_, inplace=True)
cauchy_ = Op("cauchy_", _cauchy_, inplace=True)
