"""The divisibility lint: how the windows of one axis cover the padded input, and what would make them exact.

A convolution or pooling is *exact* on an axis when the stride divides n − f + 2p (with dilation, n + 2p − span):
then the last window ends on the last padded position. Otherwise PyTorch floors the division and the last
positions are never read (or, in ceil mode, the last window hangs over the end).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

from cnninspect.core.window import AxisWindow, Kind


class Coverage(NamedTuple):
    room: int  # n + padding − span: the number the stride divides
    remainder: int  # room mod stride; 0 when exact
    unused_input: int  # real input positions after the last window, never read
    unused_padding: int  # right-padding positions after the last window
    overhang: int  # ceil mode: positions the last window reaches past the padded input
    gap: int  # positions skipped between two windows when the stride exceeds the span
    dropped_window: bool  # ceil mode: PyTorch dropped a window that would start in the right padding

    @property
    def exact(self) -> bool:
        return self.remainder == 0


EXACT = Coverage(0, 0, 0, 0, 0, 0, False)


@functools.lru_cache(maxsize=4096)
def coverage(axis: AxisWindow, n: int) -> Coverage:
    """How the windows cover the padded input. Transposed convolutions have no remainder: always exact."""
    out = axis.output(n)
    if axis.kind is Kind.TRANSPOSED:
        return EXACT
    last_end = (out - 1) * axis.stride + axis.span - 1  # in padded coordinates
    tail = n + axis.pad_left + axis.pad_right - 1 - last_end
    unused_input = max(0, axis.pad_left + n - max(last_end + 1, axis.pad_left))  # input positions after last_end
    return Coverage(
        room=axis.room(n),
        remainder=axis.room(n) % axis.stride,
        unused_input=unused_input,
        unused_padding=max(tail, 0) - unused_input,
        overhang=max(-tail, 0),
        gap=max(axis.stride - axis.span, 0) if out > 1 else 0,
        dropped_window=axis.ceil_mode and out < axis.plain_ceil_output(n),
    )


class ExactAlternatives(NamedTuple):
    """The nearest settings that make an inexact axis exact."""

    inputs: tuple[tuple[int, int], ...]  # (input size, its output), the nearest below and above
    paddings: tuple[tuple[int, int], ...]  # (symmetric padding, its output), the nearest below and above
    no_padding_reason: str  # why no padding can make it exact, when `paddings` is empty


def exact_alternatives(axis: AxisWindow, n: int) -> ExactAlternatives:
    remainder = axis.room(n) % axis.stride
    below = axis.output_or_none(n - remainder) if remainder else None
    above = axis.output_or_none(n + axis.stride - remainder)
    inputs = tuple(x for x in (below and (n - remainder, below), above and (n + axis.stride - remainder, above)) if x)
    paddings, reason = _exact_paddings(axis, n)
    return ExactAlternatives(inputs, paddings, reason)


def _exact_paddings(axis: AxisWindow, n: int) -> tuple[tuple[tuple[int, int], ...], str]:
    """The symmetric paddings nearest the current one with s | n + 2p − span, solved as a congruence."""
    if axis.pad_left != axis.pad_right:
        return (), "the padding is asymmetric ('same')"
    current, s = axis.pad_left, axis.stride
    g = math.gcd(2, s)
    residue = (axis.span - n) % s  # want 2p ≡ span − n (mod s)
    if residue % g:
        room = "n − f + 2p" if axis.dilation == 1 else "n + 2p − d·(f − 1) − 1"
        return (), f"{room} is odd for every p and the stride {s} is even"
    m = s // g  # the solutions are p ≡ p0 (mod m)
    p0 = (residue // g) * pow(2 // g, -1, m) % m if m > 1 else 0
    lower = current - 1 - (current - 1 - p0) % m
    higher = current + 1 + (p0 - current - 1) % m
    limit = axis.kernel // 2 if axis.kind.is_pool else None
    found = tuple((p, out) for p in (lower, higher)
                  if p >= 0 and (limit is None or p <= limit)
                  and (out := _with_padding(axis, p).output_or_none(n)) is not None)
    if found:
        return found, ""
    if limit is not None:
        return (), f"pooling padding is limited to f // 2 = {limit}"
    return (), "no padding keeps the window inside the input"


def _with_padding(axis: AxisWindow, p: int) -> AxisWindow:
    return axis._replace(pad_left=p, pad_right=p)
