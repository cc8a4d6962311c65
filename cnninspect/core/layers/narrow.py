"""A piece of a tensor along one dimension, anywhere: x[:, start:start + length] (torch.narrow), as DPN splits its
dual path and ReXNet adds its shortcut to the first channels. A view; no work."""

from __future__ import annotations

from cnninspect.core.layers.base import Field, Params, RuleOut, Shape, layer, require, show
from cnninspect.core.layers.reshape import sample_axis


@layer("narrow", doc="The piece x[:, start:start + length] along one dimension (torch.narrow, a slice x[:, a:b]): "
                     "DPN's dual path, ReXNet's shortcut.",
       fields={"start": Field("int", doc="its first index, from 0", low=0),
               "length": Field("int", doc="how many", low=1),
               "dim": Field("int", 1, "the dimension, in PyTorch's numbering (1: the channels)")})
def narrow(p: Params, x: Shape) -> RuleOut:
    axis = sample_axis(p.dim, x, "narrow")
    require(p.start + p.length <= x[axis], "narrow's piece must lie inside the input", start=p.start,
            length=p.length, input=show(x))
    out = (*x[:axis], p.length, *x[axis + 1:])
    return RuleOut(out, "narrow", spatial=() if axis == 0 else None)


KINDS = (narrow,)
