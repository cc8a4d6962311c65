"""Padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad (1-D to 3-D, from the input's rank).

`padding` is one number for every side, or a (left, right) pair per spatial axis, the last axis first, as PyTorch
orders it: (left, right, top, bottom, front, back). A negative side crops. Zero and constant pads may give fewer
pairs (the last axes padded, the first kept, as F.pad does); reflection, replication and circular pads take every
pair, and circular ones no negative side.
"""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core.layers.base import Field, Params, RuleOut, Shape, layer, refuse, show, spatial_rank
from cnninspect.core.window import Kind

PADDING = {"padding": Field("intlist", doc="one number for every side, or (left, right) per axis, the last axis "
                                           "first: (left, right, top, bottom, front, back); negative crops")}


@layer("zero_pad", aliases=("zeropad", "zeropad1d", "zeropad2d", "zeropad3d"), fields=PADDING,
       doc="Pad with zeros (ZeroPad1d/2d/3d).")
def zero_pad(p: Params, x: Shape) -> RuleOut:
    return _pad(p, x, "ZeroPad", "constant")


@layer("constant_pad", aliases=("constantpad", "constantpad1d", "constantpad2d", "constantpad3d"),
       fields={**PADDING, "value": Field("float", 0.0, "the value padded in (no effect on sizes)")},
       doc="Pad with a constant (ConstantPad1d/2d/3d).")
def constant_pad(p: Params, x: Shape) -> RuleOut:
    return _pad(p, x, "ConstantPad", "constant")


@layer("reflection_pad", aliases=("reflectionpad", "reflectionpad1d", "reflectionpad2d", "reflectionpad3d"),
       fields=PADDING, doc="Pad with the input's reflection, the edge left out (ReflectionPad1d/2d/3d).")
def reflection_pad(p: Params, x: Shape) -> RuleOut:
    return _pad(p, x, "ReflectionPad", "reflect")


@layer("replication_pad", aliases=("replicationpad", "replicationpad1d", "replicationpad2d", "replicationpad3d"),
       fields=PADDING, doc="Pad by repeating the input's edge (ReplicationPad1d/2d/3d).")
def replication_pad(p: Params, x: Shape) -> RuleOut:
    return _pad(p, x, "ReplicationPad", "replicate")


class AxisShift(NamedTuple):
    """One axis of a padding layer: output o reads input o − left (a position of the padding where that is
    outside). To the receptive field it is a window of one position, stride 1, padded by `left` (the fields
    Footprint.through reads); not being an AxisWindow, it has no divisibility lint, which is about strides."""

    pad_left: int
    pad_right: int
    kind: Kind = Kind.CONV
    kernel: int = 1
    stride: int = 1
    dilation: int = 1
    span: int = 1


def sides(padding, rank: int, partial: bool) -> tuple[tuple[int, int], ...]:
    """(left, right) per spatial axis, first axis first, from PyTorch's order (the last axis first). A constant
    pad (`partial`) may give fewer pairs, as F.pad takes them: the first axes are then left as they are."""
    values = padding if isinstance(padding, tuple) else (padding,) * (2 * rank)
    fits = len(values) % 2 == 0 and len(values) <= 2 * rank if partial else len(values) == 2 * rank
    if not fits:
        counts = f"an even count up to {2 * rank}" if partial else str(2 * rank)
        refuse(f"padding takes one number or {counts} ((left, right) for each of {rank} spatial axes, the last "
               "axis first)", "padding", padding=list(values))
    pairs = [(values[i], values[i + 1]) for i in range(0, len(values), 2)]
    return ((0, 0),) * (rank - len(pairs)) + tuple(reversed(pairs))


def _pad(p: Params, x: Shape, name: str, mode: str) -> RuleOut:
    """out = n + left + right per axis; no arithmetic (ops 0). torch refuses: reflect, a side of n or more;
    constant, a crop past the input (n + side < 0); circular (no crops), a side past n; every mode, an empty output (cnninspect refuses that too)."""
    rank = spatial_rank(x, name.lower())
    pairs = sides(p.padding, rank, mode == "constant")
    for n, (left, right) in zip(x[1:], pairs):
        if mode == "reflect" and max(left, right) >= n:
            refuse("reflection padding must be smaller than the input on each side (torch refuses it)", "padding",
                   padding=(left, right), input=show(x))
        if mode == "circular" and max(left, right) > n:
            refuse("circular padding wraps around at most once: at most the input on each side (torch refuses "
                   "more)", "padding", padding=(left, right), input=show(x))
        if mode == "constant" and min(left, right) < -n:
            refuse("a negative padding crops at most the input", "padding", padding=(left, right), input=show(x))
        if n + left + right < 1:
            refuse("the padding leaves an axis empty", "padding", padding=(left, right), input=show(x))
    out = (x[0], *(n + left + right for n, (left, right) in zip(x[1:], pairs)))
    axes = tuple(AxisShift(left, right) for left, right in pairs)
    return RuleOut(out, f"{name}{rank}d", spatial=axes)


@layer("circular_pad", aliases=("circularpad", "circularpad1d", "circularpad2d", "circularpad3d"),
       fields={"padding": PADDING["padding"]._replace(low=0)},
       doc="Pad by wrapping the input around (CircularPad1d/2d/3d; F.pad's circular mode, as timm's CECA uses it).")
def circular_pad(p: Params, x: Shape) -> RuleOut:
    return _pad(p, x, "CircularPad", "circular")


KINDS = (zero_pad, constant_pad, reflection_pad, replication_pad, circular_pad)
