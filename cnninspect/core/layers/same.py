"""timm's dynamic 'same' padding (Conv2dSame, MaxPool2dSame, AvgPool2dSame), 1-D to 3-D.

TensorFlow's SAME, as timm computes it at forward time from the input's size: per axis
pad = max((⌈n/s⌉ − 1)·s + d·(f − 1) + 1 − n, 0), left = pad // 2, right = pad − left (the odd one on the right),
padded explicitly (zeros; −inf for max pooling) before a layer without padding. So out = ⌈n/s⌉ at any stride,
unlike PyTorch's padding='same' (stride 1 only). Parameters and work are the plain layer's.
"""

from __future__ import annotations

import math

from cnninspect.core.layers.base import Field, Params, RuleOut, Shape, layer, numel, require, spatial_rank
from cnninspect.core.layers.conv import COMMON, check_groups, convolve
from cnninspect.core.window import AxisWindow, Kind, make_window

POOL = {
    "kernel": Field("ints", doc="window size, one number or one per spatial axis", low=1),
    "stride": Field("ints", None, "stride (default: the kernel size, as in PyTorch)", low=1),
    "ceil_mode": Field("bool", False, "ceil instead of floor (no effect: the padded windows fit exactly)"),
}


def same_padding(n: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """timm's get_same_padding, split as its pad_same splits it: (left, right)."""
    pad = max((-(-n // stride) - 1) * stride + (kernel - 1) * dilation + 1 - n, 0)
    return pad // 2, pad - pad // 2


def same_axes(kind: Kind, p: Params, x: Shape, dilation, ceil_mode: bool = False) -> tuple[AxisWindow, ...]:
    """One window per spatial axis, its padding the dynamic 'same' padding of that axis's size."""
    rank = spatial_rank(x, f"{kind.value} with dynamic same padding")
    window = make_window(kind, p.kernel, p.stride, 0, dilation, ndim=rank)
    return tuple(AxisWindow(kind, k, s, *same_padding(n, k, s, d), d, 0, ceil_mode)
                 for n, k, s, d in zip(x[1:], window.kernel, window.stride, window.dilation))


@layer("conv_same", aliases=("conv2d_same", "convsame"),
       doc="Convolution with timm's dynamic 'same' padding (Conv2dSame; 1-D and 3-D alike): out = ⌈n/s⌉.",
       fields={"out": Field("int", None, "output channels (depthwise: defaults to the input channels)", low=1),
               **COMMON, "depthwise": Field("bool", False, "groups = input channels")})
def conv_same(p: Params, x: Shape) -> RuleOut:
    axes = same_axes(Kind.CONV, p, x, p.dilation)
    c_in = x[0]
    groups = c_in if p.depthwise else p.groups
    out = p.out if p.out is not None else (c_in if p.depthwise else None)
    require(out is not None, "conv_same needs 'out', the number of output channels")
    check_groups(c_in, out, groups, p.in_channels)
    return convolve(x, out, groups, axes, p.bias, f"Conv{len(axes)}dSame")


@layer("maxpool_same", aliases=("maxpool2d_same", "max_pool_same"),
       doc="Max pooling with timm's dynamic 'same' padding, −inf padded (MaxPool2dSame; 1-D and 3-D alike).",
       fields={**POOL, "dilation": Field("ints", 1, "dilation", low=1)})
def maxpool_same(p: Params, x: Shape) -> RuleOut:
    return _pool(Kind.MAXPOOL, p, x, p.dilation, "MaxPool")


@layer("avgpool_same", aliases=("avgpool2d_same", "avg_pool_same"),
       doc="Average pooling with timm's dynamic 'same' padding, zero padded and counted (AvgPool2dSame).",
       fields={**POOL, "count_include_pad": Field("bool", True, "no effect: the padding is explicit, always "
                                                                "counted, as in timm")})
def avgpool_same(p: Params, x: Shape) -> RuleOut:
    return _pool(Kind.AVGPOOL, p, x, 1, "AvgPool")


def _pool(kind: Kind, p: Params, x: Shape, dilation, name: str) -> RuleOut:
    """ops: one read per window position, as the plain pools."""
    axes = same_axes(kind, p, x, dilation, p.ceil_mode)
    out = (x[0], *(axis.output(n) for axis, n in zip(axes, x[1:])))
    return RuleOut(out, f"{name}{len(axes)}dSame", ops=numel(out) * math.prod(a.kernel for a in axes), spatial=axes)


KINDS = (conv_same, maxpool_same, avgpool_same)
