"""``repr`` of tensors, formatted like PyTorch's, and ``set_printoptions``.

The layout follows ``torch._tensor_str``: one formatter per tensor (two for
complex ones) picks fixed, integer-valued or scientific notation from the
non-zero finite values shown, every element is padded to one width, rows wrap
at ``linewidth``, and tensors over ``threshold`` elements are summarised with
``...`` keeping ``edgeitems`` items at each end of every dimension.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math

import numpy as np

from ember import dtypes as _dt

__all__ = ["set_printoptions", "get_printoptions", "printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set how tensors print, as ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: more elements than this are summarised with ``...`` (default 1000).
        edgeitems: items kept at each end of a summarised dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"`` presets, overridden by the above.
        sci_mode: True or False forces scientific notation on or off; None decides
            from the values. Like PyTorch, every call resets it unless given.

    >>> ember.set_printoptions(precision=2)
    >>> ember.tensor([1.12345])
    tensor([1.12])
    >>> ember.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(
                f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}"
            )
        for k, v in _PROFILES[profile].items():
            setattr(PRINT_OPTS, k, v)
    for name, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"set_printoptions: {name} must be a number >= 0, got {value!r}")
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a ``with`` block only."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---- formatting ----------------------------------------------------------------------


class _Formatter:
    """Formats the numbers of one tensor (or one part of a complex tensor) at one width."""

    def __init__(self, values: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.ravel()
        if not floating:
            if flat.size:
                self.max_width = max(len(str(v)) for v in flat.tolist())
            return
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return
        magnitude = np.abs(shown)
        lo, hi = float(magnitude.min()), float(magnitude.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        if self.sci_mode:
            strs, extra = [f"{v:.{p}e}" for v in shown.tolist()], 0
        elif self.int_mode:
            strs, extra = [f"{v:.0f}" for v in shown.tolist()], 1  # room for the "."
        else:
            strs, extra = [f"{v:.{p}f}" for v in shown.tolist()], 0
        self.max_width = max(len(s) for s in strs) + extra

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        if self.floating:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{p}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _join_complex(real_str, imag_str):
    imag_str = (imag_str + "j").lstrip()
    if imag_str[0] in "+-":  # handles negative numbers, +0.0 and -0.0
        return real_str + imag_str
    return real_str + "+" + imag_str


def _element(value, fmt, fmt_imag):
    if fmt_imag is None:
        return fmt.format(value)
    return _join_complex(fmt.format(value.real), fmt_imag.format(value.imag))


def _vector_str(arr, indent, summarize, fmt, fmt_imag):
    element_length = fmt.width() + 2
    if fmt_imag is not None:
        element_length += fmt_imag.width() + 1
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * e:
        head = [_element(v, fmt, fmt_imag) for v in arr[:e].tolist()]
        tail = [_element(v, fmt, fmt_imag) for v in arr[-e:].tolist()]
        data = head + [" ..."] + tail
    else:
        data = [_element(v, fmt, fmt_imag) for v in arr.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr, indent, summarize, fmt, fmt_imag=None):
    if arr.ndim == 0:
        return _element(arr.item(), fmt, fmt_imag)
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt, fmt_imag)
    e = PRINT_OPTS.edgeitems
    if summarize and arr.shape[0] > 2 * e:
        rows = list(range(e)) + [None] + list(range(arr.shape[0] - e, arr.shape[0]))
    else:
        rows = range(arr.shape[0])
    slices = [
        "..." if i is None else _nested_str(arr[i], indent + 1, summarize, fmt, fmt_imag)
        for i in rows
    ]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized(arr):
    """The values a summarised print shows: ``edgeitems`` from each end of every dim."""
    e = PRINT_OPTS.edgeitems
    if arr.ndim >= 2 and not e:
        return arr[(slice(0, 0),) * arr.ndim]
    for axis in range(arr.ndim):
        if arr.shape[axis] > 2 * e:
            idx = np.r_[0:e, arr.shape[axis] - e : arr.shape[axis]]
            arr = np.take(arr, idx, axis=axis)
    return arr


def _host_values(t):
    """The tensor's values on the host; low-precision floats widened (exactly) to float64."""
    data = t._data
    arr = np.asarray(data if isinstance(data, np.ndarray) else data.get())
    if t.dtype.category == _dt.FLOATING and arr.dtype != np.float64:
        arr = arr.astype(np.float64)
    return arr


def _body(t, indent):
    arr = _host_values(t)
    summarize = arr.size > PRINT_OPTS.threshold
    sample = _summarized(arr) if summarize else arr
    category = t.dtype.category
    if category == _dt.COMPLEX:
        fmt = _Formatter(sample.real, True)
        fmt_imag = _Formatter(sample.imag, True)
        return _nested_str(arr, indent, summarize, fmt, fmt_imag)
    return _nested_str(arr, indent, summarize, _Formatter(sample, category == _dt.FLOATING))


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _grad_fn_name(grad_fn):
    name = getattr(grad_fn, "name", None)
    return name() if callable(name) else type(grad_fn).__name__


def tensor_repr(t) -> str:
    """``repr(t)``: ``tensor([...])`` plus PyTorch's suffixes (device, dtype, grad)."""
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    default = _dt.get_default_dtype()
    default_complex = _dt.complex128 if default is _dt.float64 else _dt.complex64
    dtype_suffix = f"dtype={t.dtype!r}"
    if t.numel() == 0:
        if t.ndim != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if t.dtype is not default:  # nothing shows an empty tensor's kind: say it
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(t.shape)}")
        if t.dtype not in (default, default_complex, _dt.int64, _dt.bool):
            suffixes.append(dtype_suffix)
        body = _body(t, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(t.grad_fn)}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
