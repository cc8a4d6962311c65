"""Receptive fields, exactly: which positions of the network's input each output position reads, per axis.

Output position o of a layer depends on the input positions in [lo(o), hi(o)] (the hull, dilation holes
included, not clipped at the input's edges: the convention of Araujo et al., Distill 2019). Convolution and
pooling keep lo and hi affine in o (lo(o) = jump·o + offset); transposed convolution adds a term periodic in
o. A Footprint stores the jump and an (lo, hi) offset pair per residue o mod period, so a stack without
transposed layers keeps period 1 and costs O(1) a layer, and one with them stays exact.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, NamedTuple, Sequence

from cnninspect.core.window import AxisWindow, Kind

MAX_PERIOD = 1 << 14  # beyond it a footprint is folded into its hull and marked inexact
Number = int | Fraction  # ints wherever the value is whole: Fraction arithmetic is slow, and rarely needed

Reads = Callable[[int], "tuple[int, int, int] | None"]  # output o reads positions first, first + step, ..., last


class Footprint(NamedTuple):
    jump: Number  # input positions between the windows of neighbouring output positions
    lo: tuple[Number | None, ...]  # per residue o mod period: lo(o) − jump·o; None where o reads nothing
    hi: tuple[Number | None, ...]
    exact: bool = True

    @classmethod
    def identity(cls) -> Footprint:
        return cls(1, (0,), (0,))

    @property
    def size(self) -> int:
        """The receptive field: the widest window over all output positions."""
        return max((int(high - low) + 1 for low, high in zip(self.lo, self.hi) if low is not None), default=0)

    def window(self, o: int) -> tuple[int, int] | None:
        """Input positions [lo, hi] read by output position o, or None if it reads none."""
        lo = self.lo[o % len(self.lo)]
        if lo is None:
            return None
        return int(self.jump * o + lo), int(self.jump * o + self.hi[o % len(self.hi)])

    def through(self, axis: "AxisWindow | AxisResample") -> Footprint:
        """The footprint of a layer's output, given this footprint of its input."""
        lo = self.lo
        if len(lo) == 1 and lo[0] is not None and type(axis) is AxisWindow and axis.kind is not Kind.TRANSPOSED:
            jump, pad = self.jump, axis.pad_left  # affine in, affine out: the closed form
            return Footprint(jump * axis.stride, (lo[0] - jump * pad,), (self.hi[0] + jump * (axis.span - 1 - pad),),
                             self.exact)
        if isinstance(axis, AxisResample):
            return self._compose(_whole(axis.scale), len(self.lo) * axis.scale.denominator, axis.reads)
        if axis.kind is Kind.TRANSPOSED:
            return self._compose(Fraction(1, axis.stride), len(self.lo) * axis.stride, _transposed_reads(axis))
        start, s = -axis.pad_left, axis.stride
        return self._compose(s, len(self.lo) // math.gcd(len(self.lo), s),
                             lambda o: (o * s + start, o * s + start + axis.span - 1, axis.dilation))

    def constant(self) -> Footprint:
        """The footprint of an axis of size 1 broadcast over many: every position reads what position 0 reads."""
        window = self.window(0)
        return Footprint(0, (window[0],), (window[1],), self.exact) if window else self

    def union(self, other: Footprint) -> Footprint:
        """Where two branches merge (add, concat): each output position reads what either branch reads."""
        if self == other:
            return self
        if len(self.lo) == 1 == len(other.lo) and self.jump == other.jump and None not in (self.lo[0], other.lo[0]):
            return Footprint(self.jump, (min(self.lo[0], other.lo[0]),), (max(self.hi[0], other.hi[0]),),
                             self.exact and other.exact)
        if self.jump != other.jump:  # misaligned branches: keep the widest hull of each
            a, b = self._folded(), other._folded()
            return Footprint(max(a.jump, b.jump), (min(a.lo[0], b.lo[0]),), (max(a.hi[0], b.hi[0]),), False)
        period = math.lcm(len(self.lo), len(other.lo))
        lo = tuple(_pick(min, self.lo[r % len(self.lo)], other.lo[r % len(other.lo)]) for r in range(period))
        hi = tuple(_pick(max, self.hi[r % len(self.hi)], other.hi[r % len(other.hi)]) for r in range(period))
        return Footprint(self.jump, lo, hi, self.exact and other.exact)

    def _compose(self, jump_factor: Number, period: int, reads: Reads) -> Footprint:
        if period > MAX_PERIOD and len(self.lo) > 1:
            return self._folded()._compose(jump_factor, max(period // len(self.lo), 1), reads)
        if period > MAX_PERIOD:  # an absurd stride: fold the first MAX_PERIOD residues into one hull
            return self._compose(jump_factor, MAX_PERIOD, reads)._folded()
        jump = _whole(self.jump * jump_factor)
        lo: list[Number | None] = []
        hi: list[Number | None] = []
        for o in range(period):
            read = reads(o)
            positions = range(read[0], read[1] + 1, read[2]) if read else range(0)
            low, high = self._lowest(positions), self._highest(positions)
            lo.append(None if low is None else _whole(low - jump * o))
            hi.append(None if high is None else _whole(high - jump * o))
        return Footprint(jump, tuple(lo), tuple(hi), self.exact)

    def _lowest(self, positions: range) -> Number | None:
        """min lo over the positions. Within one residue class lo grows with the position, so the first
        `period` positions hold every class's minimum (positions need not be monotone across classes)."""
        values = [self.jump * i + self.lo[i % len(self.lo)] for i in positions[: len(self.lo)]
                  if self.lo[i % len(self.lo)] is not None]
        return min(values, default=None)

    def _highest(self, positions: range) -> Number | None:
        values = [self.jump * i + self.hi[i % len(self.hi)] for i in positions[-len(self.hi):]
                  if self.hi[i % len(self.hi)] is not None]
        return max(values, default=None)

    def _folded(self) -> Footprint:
        """Period 1, with the loosest offsets: a hull of the exact footprint."""
        lows = [x for x in self.lo if x is not None]
        highs = [x for x in self.hi if x is not None]
        return Footprint(self.jump, (min(lows),), (max(highs),), exact=False)


def _transposed_reads(axis: AxisWindow) -> Reads:
    """Output o of a transposed conv reads inputs i = (o + p − j·d)/s for the taps j with s | (o + p − j·d)."""
    s, d, k = axis.stride, axis.dilation, axis.kernel
    g = math.gcd(d, s)
    step = s // g  # the taps that reach one output are j0, j0 + step, j0 + 2·step, ...
    inverse = pow(d // g, -1, step) if step > 1 else 0

    def reads(o: int) -> tuple[int, int] | None:
        c = (o + axis.pad_left) % s
        if c % g:
            return None
        j0 = (c // g) * inverse % step if step > 1 else 0
        if j0 > k - 1:
            return None
        j_last = j0 + (k - 1 - j0) // step * step
        return (o + axis.pad_left - j_last * d) // s, (o + axis.pad_left - j0 * d) // s, d // g

    return reads


def _whole(value: Number) -> Number:
    return value.numerator if isinstance(value, Fraction) and value.denominator == 1 else value


def _pick(choose, a: Number | None, b: Number | None) -> Number | None:
    if a is None or b is None:
        return b if a is None else a
    return choose(a, b)


class AxisResample(NamedTuple):
    """One axis of a layer that maps output positions to input positions by a ratio: adaptive pooling
    (windows ⌊o·n/m⌋ … ⌈(o+1)·n/m⌉ − 1) and upsampling (nearest, or the two neighbours of linear modes).

    `scale` is input positions per output position; the reads repeat with a period of its denominator."""

    scale: Fraction
    mode: str  # adaptive, nearest, nearest-exact, linear, linear-aligned

    def reads(self, o: int) -> tuple[int, int, int]:
        q = self.scale
        if self.mode == "adaptive":
            return math.floor(o * q), math.ceil((o + 1) * q) - 1, 1
        if self.mode == "nearest":
            return math.floor(o * q), math.floor(o * q), 1
        if self.mode == "nearest-exact":
            return math.floor((o + Fraction(1, 2)) * q), math.floor((o + Fraction(1, 2)) * q), 1
        source = o * q if self.mode == "linear-aligned" else (o + Fraction(1, 2)) * q - Fraction(1, 2)
        low = math.floor(source)
        return low, low + (source != low), 1


# A tensor's footprints: one per axis of a sample, None for an axis that holds no positions (the channels); the
# whole is None once every output position reads every input position.
Axes = "tuple[Footprint | None, ...] | None"


def start(shape: tuple[int, ...]) -> Axes:
    """The network's input: each spatial position reads itself."""
    return (None, *(Footprint.identity() for _ in shape[1:]))


def through(axes: Axes, spatial, shape: tuple[int, ...]) -> Axes:
    """The footprints of a layer's output axes, from its input's and the rule's spatial mapping (RuleOut.spatial:
    a window or resampling per axis, () elementwise, a Reorder, MixAxis or Fuse, or None)."""
    from cnninspect.core.layers.base import Fuse, MixAxis, Reorder

    if axes is None or spatial is None:
        return None
    if type(spatial) is tuple:  # per axis, or () for elementwise: the common cases first
        if not spatial:
            return axes if len(axes) == len(shape) else None
        if axes[0] is not None:  # a window over axes 1.. mixes axis 0, the channels: here it holds positions
            return None
        return (None, *[f.through(axis) for f, axis in zip(axes[1:], spatial)])
    if isinstance(spatial, Reorder):
        return tuple(axes[i] for i in spatial.order)
    if isinstance(spatial, MixAxis):  # mixing the channels (a None axis) keeps every position's window
        return axes if axes[spatial.axis] is None else None
    if isinstance(spatial, Fuse):
        fused = axes[spatial.first: spatial.last + 1]
        return None if any(fused) else (*axes[: spatial.first], None, *axes[spatial.last + 1:])
    raise TypeError(f"a rule gave an unknown spatial mapping: {spatial!r}")


def merged(branches: Sequence[tuple[tuple[int, ...], Axes]], shape: tuple[int, ...]) -> Axes:
    """Where branches (shape, axes) merge into `shape`: each output position reads what any branch reads."""
    axes = _broadcast(*branches[0], shape)
    for other in branches[1:]:
        axes = _union(axes, _broadcast(*other, shape))
    return axes


def _union(a: Axes, b: Axes) -> Axes:
    if a is None or b is None or len(a) != len(b):
        return None
    if any((x is None) != (y is None) for x, y in zip(a, b)):
        return None
    return tuple(x if x is None else x.union(y) for x, y in zip(a, b))


def _broadcast(shape: tuple[int, ...], axes: Axes, to: tuple[int, ...]) -> Axes:
    """An axis of size 1 broadcast over a larger one: every output position reads its one position."""
    if axes is None or shape == to:
        return axes
    return tuple(f.constant() if f is not None and n == 1 and m > 1 else f for f, n, m in zip(axes, shape, to))


def shown(axes: Axes) -> tuple[Footprint, ...] | None:
    """What a Row shows: the footprints of the axes that hold positions."""
    if axes is None:
        return None
    if axes[0] is None and None not in axes[1:]:  # the common layout: channels, then positions
        return axes[1:]
    return tuple(f for f in axes if f is not None)
