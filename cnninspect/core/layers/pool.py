"""Max, average and power-average pooling (ceil mode included), adaptive pooling, 1-D to 3-D; and timm's blur pool."""

from __future__ import annotations

import math
from fractions import Fraction

from cnninspect.core.layers.base import Field, Params, RuleOut, Shape, layer, numel, require, show, spatial_rank
from cnninspect.core.receptive import AxisResample
from cnninspect.core.window import Kind, make_window

WINDOW = {
    "kernel": Field("ints", doc="window size, one number or one per spatial axis", low=1),
    "stride": Field("ints", None, "stride (default: the kernel size, as in PyTorch)", low=1),
    "padding": Field("ints", 0, "padding, at most half the kernel", low=0),
    "ceil_mode": Field("bool", False, "ceil instead of floor in the output size"),
}


@layer("maxpool", aliases=("max_pool", "maxpool1d", "maxpool2d", "maxpool3d"), doc="Max pooling (MaxPool1d/2d/3d).",
       fields={**WINDOW, "dilation": Field("ints", 1, "dilation", low=1),
               "indices": Field("bool", False, "also yield the argmax indices (torch's return_indices), which a "
                                               "later maxunpool reads")})
def maxpool(p: Params, x: Shape) -> RuleOut:
    return _pool(Kind.MAXPOOL, p, x, p.dilation, "MaxPool")


@layer("avgpool", aliases=("avg_pool", "avgpool1d", "avgpool2d", "avgpool3d"),
       doc="Average pooling (AvgPool1d/2d/3d).",
       fields={**WINDOW, "count_include_pad": Field("bool", True, "count padding in the average (no effect on sizes)"),
               "divisor_override": Field("int", None, "divide by this instead (no effect on sizes)", low=1)})
def avgpool(p: Params, x: Shape) -> RuleOut:
    return _pool(Kind.AVGPOOL, p, x, 1, "AvgPool")


def _pool(kind: Kind, p: Params, x: Shape, dilation, name: str) -> RuleOut:
    """out = ⌊(n + 2p − d·(f − 1) − 1)/s⌋ + 1, ⌈⌉ in ceil mode; ops: one read per window position."""
    rank = spatial_rank(x, name.lower())
    window = make_window(kind, p.kernel, p.stride, p.padding, dilation, ceil_mode=p.ceil_mode, ndim=rank)
    spatial = window.output(x[1:])
    out = (x[0], *spatial)
    return RuleOut(out, f"{name}{rank}d", ops=numel(out) * math.prod(window.kernel), spatial=window.axes())


ADAPTIVE = {"size": Field("ints", doc="output size, one number or one per spatial axis", low=1)}


@layer("adaptive_avgpool", aliases=("adaptiveavgpool", "adaptive_avg_pool"), fields=ADAPTIVE,
       doc="Adaptive average pooling (AdaptiveAvgPool1d/2d/3d) to a given output size.")
def adaptive_avgpool(p: Params, x: Shape) -> RuleOut:
    return _adaptive(p, x, "AdaptiveAvgPool")


@layer("adaptive_maxpool", aliases=("adaptivemaxpool", "adaptive_max_pool"), fields=ADAPTIVE,
       doc="Adaptive max pooling (AdaptiveMaxPool1d/2d/3d) to a given output size.")
def adaptive_maxpool(p: Params, x: Shape) -> RuleOut:
    return _adaptive(p, x, "AdaptiveMaxPool")


def _adaptive(p: Params, x: Shape, name: str) -> RuleOut:
    """Window o of m over n inputs: ⌊o·n/m⌋ … ⌈(o+1)·n/m⌉ − 1 (ATen's start and end index)."""
    rank = spatial_rank(x, name)
    size = p.size if isinstance(p.size, tuple) else (p.size,) * rank
    require(len(size) in (1, rank), f"expected 1 or {rank} output sizes", size=size)
    size = size * (rank // len(size))
    # ops: one read per input position of each window; summed over an axis's windows that is n + m − gcd(n, m)
    reads = math.prod(n + m - math.gcd(n, m) for n, m in zip(x[1:], size))
    axes = tuple(AxisResample(Fraction(n, m), "adaptive") for n, m in zip(x[1:], size))
    return RuleOut((x[0], *size), f"{name}{rank}d", ops=x[0] * reads, spatial=axes)


@layer("blur_pool", aliases=("blurpool", "blurpool2d"),
       doc="Blur, then subsample (timm's BlurPool2d): a fixed binomial filter per channel, padded by reflection "
           "(or zeros) first.",
       fields={"filt_size": Field("int", 3, "the filter's side (> 1)", low=2),
               "stride": Field("int", 2, "the subsampling", low=1),
               "pad_mode": Field("choice", "reflect", "how the padding is filled", ("reflect", "constant")),
               "channels": Field("int", None, "the channels the filter is made for (optional check)", low=1)})
def blur_pool(p: Params, x: Shape) -> RuleOut:
    """A depthwise convolution without parameters (its filter a non-persistent buffer, outside the state_dict):
    padding ((s − 1) + (f − 1)) // 2 on every side; MACs f² per output element, as FlopCounterMode counts it."""
    require(len(x) == 3, "BlurPool2d needs a (C, H, W) input", input=show(x))
    require(p.channels in (None, x[0]), f"expects {p.channels} input channels but receives {x[0]}",
            param="channels", channels=p.channels, input_channels=x[0])
    pad = (p.stride - 1 + p.filt_size - 1) // 2
    if p.pad_mode == "reflect":
        require(pad < min(x[1:]), "reflection padding must be smaller than the input (torch refuses it)",
                padding=pad, input=show(x))
    window = make_window(Kind.CONV, p.filt_size, p.stride, pad, ndim=2)
    spatial = window.output(x[1:])
    out = (x[0], *spatial)
    return RuleOut(out, "BlurPool2d", macs=numel(out) * p.filt_size ** 2, spatial=window.axes())


@layer("lppool", aliases=("lp_pool", "lppool1d", "lppool2d", "lppool3d"),
       doc="Power-average pooling (LPPool1d/2d/3d): (Σ x^p over the window)^(1/p), without padding.",
       fields={"norm_type": Field("float", doc="the power p (not 0)"),
               "kernel": WINDOW["kernel"], "stride": WINDOW["stride"], "ceil_mode": WINDOW["ceil_mode"]})
def lppool(p: Params, x: Shape) -> RuleOut:
    """Sizes as average pooling without padding (torch pools x^p with avg_pool); ops: a power per input element,
    one read per window position, and a power per output element."""
    require(p.norm_type != 0, "LPPool's norm_type cannot be 0 (torch takes its inverse)", param="norm_type",
            norm_type=p.norm_type)
    rank = spatial_rank(x, "lppool")
    window = make_window(Kind.AVGPOOL, p.kernel, p.stride, 0, ceil_mode=p.ceil_mode, ndim=rank)
    out = (x[0], *window.output(x[1:]))
    ops = numel(x) + numel(out) * (math.prod(window.kernel) + 1)
    return RuleOut(out, f"LPPool{rank}d", ops=ops, spatial=window.axes())


KINDS = (maxpool, avgpool, adaptive_avgpool, adaptive_maxpool, blur_pool, lppool)
