"""Reductions over dimensions: torch.mean, torch.amax and torch.sum (x, dim, keepdim), as squeeze-excitation,
CBAM and heads call them; and view/reshape to a per-sample shape (ECA's view for its 1-D convolution)."""

from __future__ import annotations

import math
from fractions import Fraction

from cnninspect.core.layers.base import Field, MixAxis, Params, RuleOut, Shape, layer, numel, require, show
from cnninspect.core.receptive import AxisResample


REDUCE = {"dim": Field("intlist", doc="the dimension or dimensions, counting the batch as 0 (negative counts from "
                                      "the end)"),
          "keepdim": Field("bool", False, "keep each reduced dimension, of size 1")}


@layer("mean", doc="The mean over dimensions (torch.mean(x, dim, keepdim)), PyTorch's numbering: 0 is the batch.",
       fields=REDUCE)
def mean(p: Params, x: Shape) -> RuleOut:
    return _reduce(p, x, "mean")


@layer("amax", doc="The maximum over dimensions (torch.amax(x, dim, keepdim)), numbered as mean's.", fields=REDUCE)
def amax(p: Params, x: Shape) -> RuleOut:
    return _reduce(p, x, "amax")


@layer("sum", doc="The sum over dimensions (torch.sum(x, dim, keepdim)), numbered as mean's.", fields=REDUCE)
def sum_(p: Params, x: Shape) -> RuleOut:
    return _reduce(p, x, "sum")


def _reduce(p: Params, x: Shape, name: str) -> RuleOut:
    """ops: one add (or compare) per input element, as adaptive_avgpool to size 1 counts."""
    axes = reduced_axes(p.dim, x, name)
    require(p.keepdim or len(axes) < len(x), f"a {name} over every dimension after the batch leaves none per "
            "sample (keepdim: true keeps them, of size 1)", dim=show_dims(p.dim), input=show(x))
    out = tuple(1 if i in axes else n for i, n in enumerate(x) if p.keepdim or i not in axes)
    return RuleOut(out, name, ops=numel(x), spatial=_footprint(axes, x, p.keepdim))


@layer("reshape", aliases=("view",), doc="A new per-sample shape for the same elements (x.view(N, *shape), "
                                          "x.reshape(N, *shape)): one size may be −1, inferred.",
       fields={"shape": Field("intlist", doc="the sizes after the batch; one may be −1")})
def reshape(p: Params, x: Shape) -> RuleOut:
    """No work; the positions' receptive fields survive only where the shape is unchanged."""
    shape = p.shape if isinstance(p.shape, tuple) else (p.shape,)
    known = math.prod(n for n in shape if n != -1)
    require(all(n >= 1 or n == -1 for n in shape) and shape.count(-1) <= 1,
            "reshape's sizes are positive, with at most one −1", shape=show_dims(p.shape))
    inferred = numel(x) // known if known else 0
    out = tuple(inferred if n == -1 else n for n in shape)
    require(numel(out) == numel(x) and min(out) >= 1, "reshape's shape must hold the input's elements, no more "
            "and no fewer", shape=show_dims(p.shape), input=show(x))
    return RuleOut(out, "reshape", spatial=() if out == x else None)


def reduced_axes(dim, x: Shape, what: str) -> frozenset[int]:
    """The per-sample axes (0: the channels) that PyTorch's dim numbering names; the batch and repeats refused."""
    dims = dim if isinstance(dim, tuple) else (dim,)
    rank = len(x) + 1
    require(all(-rank <= d < rank and d % rank != 0 for d in dims),
            f"{what}'s dim must name dimensions after the batch (1 to {rank - 1}, or negative from the end)",
            dim=show_dims(dim), input=show(x))
    axes = frozenset(d % rank - 1 for d in dims)
    require(len(axes) == len(dims), f"{what}'s dim names a dimension twice", dim=show_dims(dim), input=show(x))
    return axes


def show_dims(dim) -> str:
    return str(list(dim)) if isinstance(dim, tuple) else str(dim)


def _footprint(axes: frozenset[int], x: Shape, keepdim: bool):
    """Every output position reads the whole of each reduced axis; the others map one to one."""
    if not keepdim:
        return None  # the reduced axes are gone: no per-axis mapping to keep
    if axes == {0}:
        return MixAxis(0)
    if 0 in axes:
        return None
    return tuple(AxisResample(Fraction(n if i + 1 in axes else 1), "adaptive") for i, n in enumerate(x[1:]))


KINDS = (mean, amax, sum_, reshape)
