"""Output sizes of windowed layers: convolution, transposed convolution, max and average pooling.

PyTorch is the oracle. The formulas, and the settings PyTorch refuses, follow ATen
(native/Convolution.cpp, native/Pool.h); tests/core/test_window_vs_torch.py checks both against torch.
Sizes are Python ints and the arithmetic is integer only, so nothing overflows or rounds.
"""

from __future__ import annotations

import enum
import functools
from typing import NamedTuple

from cnninspect.errors import InputError, received

MAX_DIMS = 3


class Kind(enum.StrEnum):
    CONV = "conv"
    TRANSPOSED = "transposed"
    MAXPOOL = "maxpool"
    AVGPOOL = "avgpool"

    @property
    def is_pool(self) -> bool:
        return self in (Kind.MAXPOOL, Kind.AVGPOOL)


def _fail(param: str, message: str, **values: object) -> None:
    raise InputError(received(message, **values), param=param)


class AxisWindow(NamedTuple):
    """One spatial axis of a windowed layer, with its padding resolved to a left and a right part."""

    kind: Kind
    kernel: int
    stride: int
    pad_left: int
    pad_right: int
    dilation: int = 1
    output_padding: int = 0
    ceil_mode: bool = False
    kernel_within_input: bool = False  # AvgPool3d alone also needs f <= n before padding (ATen's pool3d check)

    @property
    def span(self) -> int:
        """Input positions one window stretches over: d·(f − 1) + 1."""
        return self.dilation * (self.kernel - 1) + 1

    def room(self, n: int) -> int:
        """What the stride divides: n + padding − span (the tutorial's n − f + 2p)."""
        return n + self.pad_left + self.pad_right - self.span

    def output(self, n: int) -> int:
        """Output size for input size n; InputError where PyTorch refuses the input."""
        if n < 1:
            _fail("input", "input size must be > 0", n=n)
        if self.kind is Kind.TRANSPOSED:
            out = (n - 1) * self.stride - self.pad_left - self.pad_right + self.span + self.output_padding
            if out < 1:
                _fail("input", "output size is too small: (n − 1)·s − 2p + d·(f − 1) + output_padding + 1 < 1",
                      n=n, output=out)
            return out
        if self.kernel_within_input and n < self.kernel:
            _fail("kernel", "3-D average pooling needs the kernel to fit the unpadded input", kernel=self.kernel, n=n)
        room = self.room(n)
        if self.kind is Kind.CONV:
            if room < 0:
                _fail("kernel", "kernel does not fit: its span d·(f − 1) + 1 is larger than the padded input",
                      span=self.span, padded_input=n + self.pad_left + self.pad_right)
            return room // self.stride + 1
        return self._pool_output(n, room)

    def _pool_output(self, n: int, room: int) -> int:
        if self.ceil_mode:
            out = -(-room // self.stride) + 1
            # PyTorch drops a last window that would start in the right padding.
            if (out - 1) * self.stride >= n + self.pad_left:
                out -= 1
        else:
            out = room // self.stride + 1
        if out < 1:
            _fail("kernel", "window does not fit: the output size would be < 1",
                  span=self.span, padded_input=n + self.pad_left + self.pad_right)
        return out

    def output_or_none(self, n: int) -> int | None:
        """The output size, or None where PyTorch refuses n."""
        try:
            return self.output(n)
        except InputError:
            return None

    def plain_ceil_output(self, n: int) -> int:
        """The ceil-mode size before PyTorch's right-padding rule, for explaining that rule."""
        return -(-self.room(n) // self.stride) + 1


class Window(NamedTuple):
    """A windowed layer over 1 to 3 spatial axes. make_window builds and validates it, as PyTorch validates a
    module."""

    kind: Kind
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...] | str  # per axis, symmetric; or "same" / "valid" (convolutions only)
    dilation: tuple[int, ...]
    output_padding: tuple[int, ...]
    ceil_mode: bool = False

    @property
    def ndim(self) -> int:
        return len(self.kernel)

    def axes(self) -> tuple[AxisWindow, ...]:
        return _axes(self)

    def output(self, sizes: tuple[int, ...]) -> tuple[int, ...]:
        if len(sizes) != self.ndim:
            _fail("input", f"a {self.ndim}-D layer needs {self.ndim} spatial sizes", input=_show(sizes))
        return tuple(axis.output(n) for axis, n in zip(self.axes(), sizes))


@functools.lru_cache(maxsize=1024)
def _axes(window: Window) -> tuple[AxisWindow, ...]:
    within = window.kind is Kind.AVGPOOL and window.ndim == 3
    return tuple(
        AxisWindow(window.kind, k, s, *_resolve_padding(window.padding, i, k, d), d, op, window.ceil_mode, within)
        for i, (k, s, d, op) in enumerate(zip(window.kernel, window.stride, window.dilation, window.output_padding))
    )


@functools.lru_cache(maxsize=1024)  # a network repeats a few settings many times; a Window is immutable
def make_window(kind: Kind, kernel, stride=None, padding=0, dilation=1, output_padding=0,
                ceil_mode: bool = False, ndim: int | None = None) -> Window:
    """Build a Window from scalars or per-axis tuples, broadcasting scalars to every axis.

    The pooling stride defaults to the kernel size, as in PyTorch.
    """
    values = {"kernel": kernel, "stride": stride, "dilation": dilation, "output_padding": output_padding}
    if not isinstance(padding, str):
        values["padding"] = padding
    lengths = {name: len(v) for name, v in values.items() if isinstance(v, tuple) and len(v) != 1}
    if ndim is None and len(set(lengths.values())) > 1:
        _fail(list(lengths)[-1], "per-axis values disagree on the number of axes",
              **{name: _show(values[name]) for name in lengths})
    if ndim is None:
        ndim = max(lengths.values(), default=1)
    for name, value in values.items():
        if isinstance(value, tuple) and len(value) not in (1, ndim):
            _fail(name, f"expected 1 or {ndim} values (one per spatial axis)", **{name: _show(value)})
    if not 1 <= ndim <= MAX_DIMS:
        _fail("kernel", f"layers have 1 to {MAX_DIMS} spatial axes", axes=ndim)

    def spread(value) -> tuple[int, ...]:
        return tuple(value) * (ndim // len(value)) if isinstance(value, tuple) else (value,) * ndim

    kernel_t = spread(kernel)
    stride_t = kernel_t if stride is None and kind.is_pool else spread(1 if stride is None else stride)
    pad = padding if isinstance(padding, str) else spread(padding)
    window = Window(kind, kernel_t, stride_t, pad, spread(dilation), spread(output_padding), ceil_mode)
    _validate(window)
    return window


def clear_caches() -> None:
    make_window.cache_clear()
    _axes.cache_clear()


def _resolve_padding(padding: tuple[int, ...] | str, axis: int, kernel: int, dilation: int) -> tuple[int, int]:
    if padding == "valid":
        return 0, 0
    if padding == "same":
        # As ATen's _convolution_mode: the extra position of an odd total goes on the right.
        total = dilation * (kernel - 1)
        return total // 2, total - total // 2
    return padding[axis], padding[axis]


def _show(values: tuple[int, ...] | str) -> str:
    if isinstance(values, str):
        return repr(values)
    return str(values[0]) if len(values) == 1 else "x".join(map(str, values))


def _validate(w: Window) -> None:
    tuples = {"kernel": w.kernel, "stride": w.stride, "dilation": w.dilation, "output_padding": w.output_padding}
    if not isinstance(w.padding, str):
        tuples["padding"] = w.padding
    for name, value in tuples.items():
        if len(value) != w.ndim:
            _fail(name, f"expected {w.ndim} values, one per spatial axis", **{name: _show(value)})
    for name, least in (("kernel", 1), ("stride", 1), ("dilation", 1), ("padding", 0), ("output_padding", 0)):
        if name in tuples and min(tuples[name]) < least:
            relation = "> 0" if least else ">= 0"
            _fail(name, f"{name.replace('_', ' ')} must be {relation}", **{name: _show(tuples[name])})
    if isinstance(w.padding, str):
        _validate_string_padding(w)
    if w.kind is not Kind.TRANSPOSED and any(w.output_padding):
        _fail("output_padding", "output padding applies to transposed convolutions only",
              output_padding=_show(w.output_padding))
    if w.ceil_mode and not w.kind.is_pool:
        _fail("ceil_mode", "ceil mode applies to pooling only", kind=w.kind.value)
    if w.kind.is_pool and not isinstance(w.padding, str):
        for p, k in zip(w.padding, w.kernel):
            if p > k // 2:
                _fail("padding", "pooling padding must be at most half the kernel (f // 2)",
                      padding=_show(w.padding), kernel=_show(w.kernel))
    if w.kind is Kind.AVGPOOL and any(d != 1 for d in w.dilation):
        _fail("dilation", "average pooling has no dilation", dilation=_show(w.dilation))
    if w.kind is Kind.TRANSPOSED:
        for op, s, d in zip(w.output_padding, w.stride, w.dilation):
            if op >= s and op >= d:
                _fail("output_padding", "output padding must be smaller than the stride or the dilation",
                      output_padding=_show(w.output_padding), stride=_show(w.stride), dilation=_show(w.dilation))


def _validate_string_padding(w: Window) -> None:
    if w.padding not in ("same", "valid"):
        _fail("padding", "padding must be a number, one per axis, 'same' or 'valid'", padding=repr(w.padding))
    if w.kind is not Kind.CONV:
        _fail("padding", f"padding={w.padding!r} exists for convolutions only", kind=w.kind.value)
    if w.padding == "same" and any(s != 1 for s in w.stride):
        _fail("padding", "padding='same' is not supported for strided convolutions", stride=_show(w.stride))
