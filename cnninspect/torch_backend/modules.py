"""One torch module per layer kind, from a layer's evaluated fields and its input shape.

The classes are the ones the analytic rules name (Conv2d, BatchNorm2d, ...): the cross-check compares them.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

from cnninspect.core.layers.base import Params, Shape


def _rank(x: Shape) -> int:
    return max(len(x) - 1, 1)


def _conv(p: Params, x: Shape) -> nn.Module:
    groups = x[0] if p.depthwise else p.groups
    out = p.out if p.out is not None else x[0]
    return getattr(nn, f"Conv{_rank(x)}d")(x[0], out, p.kernel, p.stride, p.padding, p.dilation, groups, p.bias,
                                           p.padding_mode)


def _tconv(p: Params, x: Shape) -> nn.Module:
    return getattr(nn, f"ConvTranspose{_rank(x)}d")(x[0], p.out, p.kernel, p.stride, p.padding, p.output_padding,
                                                    p.groups, p.bias, p.dilation)


def _maxpool(p: Params, x: Shape) -> nn.Module:
    return getattr(nn, f"MaxPool{_rank(x)}d")(p.kernel, p.stride, p.padding, p.dilation, ceil_mode=p.ceil_mode)


def _avgpool(p: Params, x: Shape) -> nn.Module:
    extra = {"divisor_override": p.divisor_override} if _rank(x) > 1 else {}
    return getattr(nn, f"AvgPool{_rank(x)}d")(p.kernel, p.stride, p.padding, p.ceil_mode, p.count_include_pad,
                                              **extra)


def _batchnorm(p: Params, x: Shape) -> nn.Module:
    return getattr(nn, f"BatchNorm{_rank(x)}d")(x[0], p.eps, p.momentum, p.affine, p.track_running_stats)


def _upsample(p: Params, x: Shape) -> nn.Module:
    return nn.Upsample(p.size, p.scale, p.mode, p.align_corners)


BUILDERS: dict[str, Callable[[Params, Shape], nn.Module]] = {
    "conv": _conv,
    "tconv": _tconv,
    "maxpool": _maxpool,
    "avgpool": _avgpool,
    "adaptive_avgpool": lambda p, x: getattr(nn, f"AdaptiveAvgPool{_rank(x)}d")(p.size),
    "adaptive_maxpool": lambda p, x: getattr(nn, f"AdaptiveMaxPool{_rank(x)}d")(p.size),
    "batchnorm": _batchnorm,
    "lrn": lambda p, x: nn.LocalResponseNorm(p.size, p.alpha, p.beta, p.k),
    "relu": lambda p, x: nn.ReLU(p.inplace),
    "relu6": lambda p, x: nn.ReLU6(p.inplace),
    "leaky_relu": lambda p, x: nn.LeakyReLU(p.negative_slope, p.inplace),
    "gelu": lambda p, x: nn.GELU(p.approximate),
    "silu": lambda p, x: nn.SiLU(p.inplace),
    "sigmoid": lambda p, x: nn.Sigmoid(),
    "tanh": lambda p, x: nn.Tanh(),
    "hardswish": lambda p, x: nn.Hardswish(p.inplace),
    "hardsigmoid": lambda p, x: nn.Hardsigmoid(p.inplace),
    "softmax": lambda p, x: nn.Softmax(p.dim),
    "linear": lambda p, x: nn.Linear(x[-1], p.out, p.bias),
    "flatten": lambda p, x: nn.Flatten(p.start_dim, p.end_dim),
    "dropout": lambda p, x: nn.Dropout(p.p, p.inplace),
    "identity": lambda p, x: nn.Identity(),
    "upsample": _upsample,
}
