"""Inverse questions: which paddings or input sizes give a wanted output size.

Every output formula is monotone — non-decreasing in the input size, and in the padding for convolution
and pooling, non-increasing in the padding for transposed convolution — so the answers are ranges, found by
bisection on the forward formula itself. The forward formula stays the one source of truth.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

from cnninspect.core.window import AxisWindow, Kind


class Span(NamedTuple):
    """An inclusive range of integers."""

    first: int
    last: int

    def __contains__(self, value: int) -> bool:
        return self.first <= value <= self.last


def inputs_for(axis: AxisWindow, target: int) -> Span | None:
    """The input sizes whose output is `target`, or None."""
    pads = axis.pad_left + axis.pad_right
    top = target + pads + 1 if axis.kind is Kind.TRANSPOSED else target * axis.stride + axis.span + 1
    return _level_set(lambda n: axis.output_or_none(n) or 0, target, 1, max(top, 1))


def paddings_for(axis: AxisWindow, n: int, target: int) -> Span | None:
    """The symmetric paddings p with output `target` at input size n, or None."""
    if axis.kind.is_pool:
        top = axis.kernel // 2
    elif axis.kind is Kind.TRANSPOSED:
        top = ((n - 1) * axis.stride + axis.span + axis.output_padding) // 2
    else:
        top = (target * axis.stride + axis.span) // 2 + 1

    def out(p: int) -> float:
        value = axis._replace(pad_left=p, pad_right=p).output_or_none(n)
        if axis.kind is Kind.TRANSPOSED:  # negated to be non-decreasing in p; too much padding is refused
            return -value if value is not None else math.inf
        return value or 0  # too little padding for the kernel is refused

    wanted = -target if axis.kind is Kind.TRANSPOSED else target
    return _level_set(out, wanted, 0, max(top, 0))


def same_target(axis: AxisWindow, n: int) -> int:
    """The size 'same' padding keeps: ⌈n / s⌉ (TensorFlow's SAME; PyTorch's 'same' at stride 1)."""
    return -(-n // axis.stride)


def same_asymmetric(axis: AxisWindow, n: int) -> tuple[int, int]:
    """Left and right padding for ⌈n/s⌉ when no symmetric padding gives it; the odd extra on the right."""
    total = max((same_target(axis, n) - 1) * axis.stride + axis.span - n, 0)
    return total // 2, total - total // 2


def _level_set(f: Callable[[int], float], target: int, lo: int, hi: int) -> Span | None:
    """{x in [lo, hi] : f(x) == target} for a non-decreasing f, as a Span."""
    first = _first_at_least(f, target, lo, hi)
    if first is None or f(first) != target:
        return None
    after = _first_at_least(f, target + 1, first, hi)
    return Span(first, (after - 1) if after is not None else hi)


def _first_at_least(f: Callable[[int], float], target: int, lo: int, hi: int) -> int | None:
    if lo > hi or f(hi) < target:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if f(mid) >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo
