"""Reductions over dimensions: torch.mean(x, dim, keepdim), as squeeze-excitation and heads call it."""

from __future__ import annotations

from fractions import Fraction

from cnninspect.core.layers.base import Field, MixAxis, Params, RuleOut, Shape, layer, numel, require, show
from cnninspect.core.receptive import AxisResample


@layer("mean", doc="The mean over dimensions (torch.mean(x, dim, keepdim)), PyTorch's numbering: 0 is the batch.",
       fields={"dim": Field("intlist", doc="the dimension or dimensions, counting the batch as 0 (negative counts "
                                            "from the end)"),
               "keepdim": Field("bool", False, "keep each reduced dimension, of size 1")})
def mean(p: Params, x: Shape) -> RuleOut:
    """ops: one add per input element (a divide per output folded in), as adaptive_avgpool to size 1 counts."""
    axes = reduced_axes(p.dim, x, "mean")
    require(p.keepdim or len(axes) < len(x), "a mean over every dimension after the batch leaves none per sample "
            "(keepdim: true keeps them, of size 1)", dim=show_dims(p.dim), input=show(x))
    out = tuple(1 if i in axes else n for i, n in enumerate(x) if p.keepdim or i not in axes)
    return RuleOut(out, "mean", ops=numel(x), spatial=_footprint(axes, x, p.keepdim))


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


KINDS = (mean,)
