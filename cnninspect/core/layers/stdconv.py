"""Weight-standardised convolutions: timm's StdConv2d (BiT) and ScaledStdConv2d (NFNet), 1-D to 3-D.

At every forward the weights are standardised per output channel (mean 0, variance 1, eps added), ScaledStdConv2d
then scales them by gain · gamma / √fan-in, and a plain convolution runs. Sizes, MACs and the bias are the
convolution's; ScaledStdConv2d adds `gain`, one parameter per output channel, shaped (out, 1, 1, 1).
The standardisation is work on the weights, once a forward whatever the batch: not in the per-sample `ops`.
"""

from __future__ import annotations

import math

from cnninspect.core.layers.base import Field, Params, RuleOut, Shape, layer, require, spatial_rank
from cnninspect.core.layers.conv import COMMON, check_groups, convolve
from cnninspect.core.layers.same import same_axes
from cnninspect.core.window import Kind, make_window

FIELDS = {
    "out": Field("int", doc="output channels", low=1), **COMMON,
    "padding": Field("padding", 0, "zero padding: a number, one per axis, 'same' or 'valid'", low=0),
    "dynamic_same": Field("bool", False, "timm's dynamic 'same' padding instead (StdConv2dSame), as conv_same"),
    "eps": Field("float", 1e-6, "added to the weights' variance", low=0),
}


@layer("std_conv", aliases=("stdconv", "stdconv2d", "std_conv2d"), fields={**FIELDS, "bias": COMMON["bias"]._replace(
       default=False)}, doc="Weight-standardised convolution (timm's StdConv2d; StdConv2dSame with dynamic_same).")
def std_conv(p: Params, x: Shape) -> RuleOut:
    return _standardised(p, x, "StdConv", 0)


@layer("scaled_std_conv", aliases=("scaledstdconv", "scaledstdconv2d", "scaled_std_conv2d"),
       doc="Scaled weight-standardised convolution (timm's ScaledStdConv2d, NFNet's; ScaledStdConv2dSame with "
           "dynamic_same): a learned gain per output channel.",
       fields={**FIELDS, "gamma": Field("float", 1.0, "the weights' scale, over √fan-in"),
               "gain_init": Field("float", 1.0, "the gain's initial value")})
def scaled_std_conv(p: Params, x: Shape) -> RuleOut:
    return _standardised(p, x, "ScaledStdConv", p.out)


def _standardised(p: Params, x: Shape, name: str, gains: int) -> RuleOut:
    rank = spatial_rank(x, name)
    check_groups(x[0], p.out, p.groups, p.in_channels)
    if p.dynamic_same:
        require_unpadded(p)
        axes = same_axes(Kind.CONV, p, x, p.dilation)
    else:
        axes = make_window(Kind.CONV, p.kernel, p.stride, p.padding, p.dilation, ndim=rank).axes()
    out = convolve(x, p.out, p.groups, axes, p.bias, f"{name}{rank}d{'Same' if p.dynamic_same else ''}")
    fan_in = x[0] // p.groups * math.prod(axis.kernel for axis in axes)
    require(fan_in > 1, "weight standardisation needs more than one weight per output channel (timm's "
            "F.batch_norm over the weights refuses one)", param="kernel", fan_in=fan_in)
    return out._replace(params=out.params + gains)


def require_unpadded(p: Params) -> None:
    values = p.padding if isinstance(p.padding, tuple) else (p.padding,)
    require(all(v in (0, "valid") for v in values), "dynamic_same pads at forward time: leave 'padding' out",
            param="padding", padding=p.padding)


KINDS = (std_conv, scaled_std_conv)
