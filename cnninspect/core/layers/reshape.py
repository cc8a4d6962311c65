"""Layers that rearrange a tensor without computing: permute, chunk, channel shuffle, space to depth; and
stochastic depth, which is the identity at inference."""

from __future__ import annotations

from fractions import Fraction

from cnninspect.core.layers.base import Field, Params, Reorder, RuleOut, Shape, layer, require, show
from cnninspect.core.receptive import AxisResample


@layer("permute", doc="Reorder the dimensions (torchvision's Permute), e.g. [0, 2, 3, 1] for channels-last.",
       fields={"dims": Field("order", doc="the new order, in PyTorch's numbering: 0 is the batch and stays first")})
def permute(p: Params, x: Shape) -> RuleOut:
    dims = p.dims
    require(sorted(dims) == list(range(len(x) + 1)) and dims[0] == 0,
            f"dims must order 0 … {len(x)} with the batch (0) first", dims=list(dims), input=show(x))
    order = tuple(d - 1 for d in dims[1:])
    return RuleOut(tuple(x[i] for i in order), "Permute", spatial=Reorder(order))


@layer("chunk", doc="One of `chunks` pieces along a dimension (torch.chunk), e.g. ShuffleNet's split of channels.",
       fields={"chunks": Field("int", doc="how many pieces", low=1),
               "index": Field("int", doc="which piece, from 0", low=0),
               "dim": Field("int", 1, "the dimension, in PyTorch's numbering (1: the channels)")})
def chunk(p: Params, x: Shape) -> RuleOut:
    axis = sample_axis(p.dim, x, "chunk")
    size = -(-x[axis] // p.chunks)  # torch.chunk: pieces of ⌈n / chunks⌉, the last one shorter
    require(p.index * size < x[axis], f"torch.chunk makes {-(-x[axis] // size)} pieces of this input",
            index=p.index, chunks=p.chunks, input=show(x))
    out = (*x[:axis], min(size, x[axis] - p.index * size), *x[axis + 1:])
    return RuleOut(out, "chunk", spatial=() if axis == 0 else None)


@layer("channel_shuffle", doc="Interleave the channels of `groups` groups (ShuffleNet's channel_shuffle).",
       fields={"groups": Field("int", doc="the groups to interleave", low=1)})
def channel_shuffle(p: Params, x: Shape) -> RuleOut:
    require(x[0] % p.groups == 0, "the channels must divide into the groups", channels=x[0], groups=p.groups)
    return RuleOut(x, "channel_shuffle")


@layer("stochastic_depth", aliases=("drop_path",),
       doc="Stochastic depth (torchvision's StochasticDepth): drops the residual branch in training; the "
           "identity at inference.",
       fields={"p": Field("float", 0.0, "the probability of dropping", low=0),
               "mode": Field("choice", "row", "drop per sample (row) or for the whole batch", ("row", "batch"))})
def stochastic_depth(p: Params, x: Shape) -> RuleOut:
    require(p.p <= 1, "the probability must be between 0 and 1", p=p.p)
    return RuleOut(x, "StochasticDepth")


@layer("space_to_depth", doc="Each block_size × block_size block of positions into the channels, block position "
                             "first (timm's SpaceToDepth, TResNet's stem).",
       fields={"block_size": Field("int", 4, "the block's side: the sizes must divide by it", low=1)})
def space_to_depth(p: Params, x: Shape) -> RuleOut:
    """(C, H, W) → (C·b², H/b, W/b); output position o reads input positions o·b … o·b + b − 1 on each axis."""
    b = p.block_size
    require(len(x) == 3 and x[1] % b == 0 and x[2] % b == 0, "space_to_depth needs (C, H, W) with H and W "
            "divisible by block_size", block_size=b, input=show(x))
    return RuleOut((x[0] * b * b, x[1] // b, x[2] // b), "SpaceToDepth",
                   spatial=(AxisResample(Fraction(b), "adaptive"),) * 2)


KINDS = (permute, chunk, channel_shuffle, space_to_depth, stochastic_depth)


def sample_axis(dim: int, x: Shape, what: str) -> int:
    """A dimension in PyTorch's numbering (0 the batch, negatives from the end) as an axis of one sample; it
    must come after the batch."""
    axis = dim % (len(x) + 1) - 1
    require(-(len(x) + 1) <= dim <= len(x) and axis >= 0, f"{what}'s dim must name a dimension after the batch",
            dim=dim, input=show(x))
    return axis
