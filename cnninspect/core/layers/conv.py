"""Convolution and transposed convolution, 1-D to 3-D, grouped and depthwise."""

from __future__ import annotations

import math

from cnninspect.core.layers.base import Field, Params, RuleOut, Shape, layer, numel, refuse, require, show, spatial_rank
from cnninspect.core.window import Kind, make_window

COMMON = {
    "in_channels": Field("int", None, "optional check: the input channels this layer expects", low=1),
    "kernel": Field("ints", doc="kernel size, one number or one per spatial axis", low=1),
    "stride": Field("ints", 1, "stride", low=1),
    "dilation": Field("ints", 1, "dilation", low=1),
    "groups": Field("int", 1, "groups: in and out channels must both divide by it", low=1),
    "bias": Field("bool", True, "add a learned bias"),
}


@layer("conv", aliases=("conv1d", "conv2d", "conv3d"), doc="Convolution (Conv1d/2d/3d, from the input's rank).",
       fields={"out": Field("int", None, "output channels (depthwise: defaults to the input channels)", low=1),
               **COMMON,
               "padding": Field("padding", 0, "zero padding: a number, one per axis, 'same' or 'valid'", low=0),
               "depthwise": Field("bool", False, "groups = input channels"),
               "padding_mode": Field("choice", "zeros", "how the padding is filled (no effect on sizes)",
                                     ("zeros", "reflect", "replicate", "circular"))})
def conv(p: Params, x: Shape) -> RuleOut:
    """out = (n + 2p − d·(f − 1) − 1) // s + 1 per spatial axis."""
    rank = spatial_rank(x, "conv")
    c_in = x[0]
    groups = c_in if p.depthwise else p.groups
    out = p.out if p.out is not None else (c_in if p.depthwise else None)
    require(out is not None, "conv needs 'out', the number of output channels")
    check_groups(c_in, out, groups, p.in_channels)
    window = make_window(Kind.CONV, p.kernel, p.stride, p.padding, p.dilation, ndim=rank)
    if p.padding_mode in WRAPPING:
        _check_wrap(p.padding_mode, window, x)
    return convolve(x, out, groups, window.axes(), p.bias, f"Conv{rank}d")


def convolve(x: Shape, out: int, groups: int, axes: tuple, bias: bool, type_name: str) -> RuleOut:
    """A convolution's figures from its windows (one per spatial axis): params out·(C/g)·∏f (+ out); MACs
    (C/g)·∏f per output element, as FlopCounterMode; ops: the bias adds."""
    spatial = tuple(axis.output(n) for axis, n in zip(axes, x[1:]))
    per_output = x[0] // groups * math.prod(axis.kernel for axis in axes)
    elements = out * numel(spatial)
    return RuleOut((out, *spatial), type_name, params=out * per_output + out * bias, macs=elements * per_output,
                   ops=elements * bias, spatial=axes)


@layer("tconv", aliases=("conv_transpose", "convtranspose", "deconv"),
       doc="Transposed convolution (ConvTranspose1d/2d/3d).",
       fields={"out": Field("int", doc="output channels", low=1), **COMMON,
               "padding": Field("ints", 0, "padding, one number or one per axis", low=0),
               "output_padding": Field("ints", 0, "extra size on one side of the output", low=0)})
def tconv(p: Params, x: Shape) -> RuleOut:
    """out = (n − 1)·s − 2p + d·(f − 1) + output_padding + 1; MACs over the input positions, as FlopCounterMode."""
    rank = spatial_rank(x, "tconv")
    c_in = x[0]
    check_groups(c_in, p.out, p.groups, p.in_channels)
    window = make_window(Kind.TRANSPOSED, p.kernel, p.stride, p.padding, p.dilation, p.output_padding, ndim=rank)
    spatial = window.output(x[1:])
    per_input = p.out // p.groups * math.prod(window.kernel)
    return RuleOut((p.out, *spatial), f"ConvTranspose{rank}d", params=c_in * per_input + p.out * p.bias,
                   macs=numel(x) * per_input, ops=p.out * numel(spatial) * p.bias, spatial=window.axes())


WRAPPING = {"reflect": 0, "circular": 1}  # padding up to n − 1 (reflect) or n (circular), as F.pad allows


def _check_wrap(mode: str, window, x: Shape) -> None:
    """torch pads with F.pad before the convolution: reflect mirrors without the edge, so each side takes less
    than n; circular wraps around at most once, so at most n."""
    for axis, n in zip(window.axes(), x[1:]):
        pad = max(axis.pad_left, axis.pad_right)
        if pad > n - 1 + WRAPPING[mode]:
            bound = "smaller than the input" if mode == "reflect" else "at most the input"
            refuse(f"padding_mode {mode!r} needs a padding {bound} on each axis (F.pad refuses it)", "padding",
                   padding=pad, input=show(x))


def check_groups(c_in: int, out: int, groups: int, expected: int | None) -> None:
    if expected is not None and expected != c_in:
        refuse(f"expects {expected} input channels but receives {c_in}", "in_channels", in_channels=expected,
               input_channels=c_in)
    if c_in % groups:
        refuse("in_channels must be divisible by groups", in_channels=c_in, groups=groups)
    if out % groups:
        refuse("out_channels must be divisible by groups", out_channels=out, groups=groups)


KINDS = (conv, tconv)
