"""One torch module per layer kind, from a layer's evaluated fields and its input shape.

The classes are the ones the analytic rules name (Conv2d, BatchNorm2d, ...): the cross-check compares them. Where
torch has no class for a layer (it is a function, torch.chunk), the builder makes a stand-in whose `type_name` is
the name the analysis gives it, and the cross-check compares that.
"""

from __future__ import annotations

from typing import Callable

import torch
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


class Permute(nn.Module):
    """As torchvision.ops.misc.Permute (same class name, so that cross-checks compare like with like)."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = list(dims)

    def extra_repr(self) -> str:
        return f"dims={self.dims}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)


class StochasticDepth(nn.Module):
    """As torchvision.ops.StochasticDepth: in training, zero a sample's branch with probability p and scale the
    rest by 1 / (1 − p); the identity in eval mode."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        shape = [x.shape[0]] + [1] * (x.dim() - 1) if self.mode == "row" else [1] * x.dim()
        keep = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(1.0 - self.p)
        return x * keep.div_(1.0 - self.p) if self.p < 1.0 else x * keep


class LayerNorm2d(nn.LayerNorm):
    """As torchvision's LayerNorm2d: a LayerNorm over the channels of (N, C, H, W)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Chunk(nn.Module):
    """torch.chunk, one piece of it, as a module."""

    type_name = "chunk"  # torch has no class: the function's name, as the analysis gives it

    def __init__(self, chunks: int, index: int, dim: int) -> None:
        super().__init__()
        self.chunks, self.index, self.dim = chunks, index, dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.chunk(self.chunks, self.dim)[self.index]


class ChannelShuffle(nn.Module):
    """As torchvision's channel_shuffle (ShuffleNetV2): (N, g·c, …) → interleave the g groups."""

    type_name = "channel_shuffle"  # the reference's function, as the analysis names it

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, *rest = x.shape
        return x.view(n, self.groups, c // self.groups, *rest).transpose(1, 2).contiguous().view(n, c, *rest)


class Mean(nn.Module):
    """torch.mean(x, dim, keepdim) as a module."""

    type_name = "mean"  # torch has no class: the function's name, as the analysis gives it

    def __init__(self, dim, keepdim: bool) -> None:
        super().__init__()
        self.dim, self.keepdim = dim, keepdim

    def extra_repr(self) -> str:
        return f"dim={self.dim}, keepdim={self.keepdim}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(self.dim, keepdim=self.keepdim)


def _pad(name: str, *value: str):
    """ZeroPad/ConstantPad/ReflectionPad/ReplicationPad{rank}d, the padding in PyTorch's own order."""

    def build(p: Params, x: Shape) -> nn.Module:
        padding = p.padding if isinstance(p.padding, int) else tuple(p.padding)
        return getattr(nn, f"{name}{_rank(x)}d")(padding, *(getattr(p, v) for v in value))

    return build


def pad_same(x: torch.Tensor, kernel, stride, dilation, value: float = 0.0) -> torch.Tensor:
    """timm's pad_same, on every spatial axis: TensorFlow's SAME padding, computed from the input's size."""
    from cnninspect.core.layers.same import same_padding

    spatial = x.shape[2:]
    sides = [same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, stride, dilation)]
    return nn.functional.pad(x, [side for pair in reversed(sides) for side in pair], value=value)


class _ConvSame:
    """As timm's Conv2dSame: a convolution without padding, the input padded 'same' first at every call."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(pad_same(x, self.kernel_size, self.stride, self.dilation), self.weight, self.bias)


class _MaxPoolSame:
    """As timm's MaxPool2dSame: padded with −inf, 'same', then pooled without padding."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(pad_same(x, self.kernel_size, self.stride, self.dilation, value=-float("inf")))


class _AvgPoolSame:
    """As timm's AvgPool2dSame: padded with zeros, 'same', then pooled without padding (the zeros counted)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ones = (1,) * (x.dim() - 2)
        return super().forward(pad_same(x, self.kernel_size, self.stride, ones))


def _same_classes(mixin: type, base: str) -> dict[int, type]:
    """Conv1dSame … Conv3dSame: timm's class names (2-D), so that an importer maps them, and the cross-check."""
    return {rank: type(f"{base}{rank}dSame", (mixin, getattr(nn, f"{base}{rank}d")), {"__module__": __name__})
            for rank in (1, 2, 3)}


CONV_SAME, MAXPOOL_SAME, AVGPOOL_SAME = (_same_classes(_ConvSame, "Conv"), _same_classes(_MaxPoolSame, "MaxPool"),
                                         _same_classes(_AvgPoolSame, "AvgPool"))
Conv2dSame, MaxPool2dSame, AvgPool2dSame = CONV_SAME[2], MAXPOOL_SAME[2], AVGPOOL_SAME[2]


def _per_axis(value, rank: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple) else (value,) * rank


def _conv_same(p: Params, x: Shape) -> nn.Module:
    groups = x[0] if p.depthwise else p.groups
    out = p.out if p.out is not None else x[0]
    return CONV_SAME[_rank(x)](x[0], out, p.kernel, p.stride, 0, p.dilation, groups, p.bias)


def _maxpool_same(p: Params, x: Shape) -> nn.Module:
    rank = _rank(x)
    kernel = _per_axis(p.kernel, rank)
    stride = _per_axis(p.stride if p.stride is not None else p.kernel, rank)
    return MAXPOOL_SAME[rank](kernel, stride, 0, _per_axis(p.dilation, rank), ceil_mode=p.ceil_mode)


def _avgpool_same(p: Params, x: Shape) -> nn.Module:
    rank = _rank(x)
    stride = _per_axis(p.stride if p.stride is not None else p.kernel, rank)
    return AVGPOOL_SAME[rank](_per_axis(p.kernel, rank), stride, 0, p.ceil_mode, p.count_include_pad)


def _layernorm(p: Params, x: Shape) -> nn.Module:
    kind = LayerNorm2d if p.channels_first else nn.LayerNorm
    return kind(x[0] if p.channels_first else x[-1], p.eps, p.elementwise_affine, p.bias)


def _layer_scale(p: Params, x: Shape) -> nn.Parameter:
    """A parameter, not a module: the builder registers it on the enclosing module and multiplies by it."""
    return nn.Parameter(torch.full((x[0], *([1] * (len(x) - 1))), float(p.init)))


BUILDERS: dict[str, Callable[[Params, Shape], nn.Module]] = {
    "conv": _conv,
    "tconv": _tconv,
    "conv_same": _conv_same,
    "maxpool": _maxpool,
    "maxpool_same": _maxpool_same,
    "avgpool_same": _avgpool_same,
    "avgpool": _avgpool,
    "adaptive_avgpool": lambda p, x: getattr(nn, f"AdaptiveAvgPool{_rank(x)}d")(p.size),
    "adaptive_maxpool": lambda p, x: getattr(nn, f"AdaptiveMaxPool{_rank(x)}d")(p.size),
    "zero_pad": _pad("ZeroPad"),
    "constant_pad": _pad("ConstantPad", "value"),
    "reflection_pad": _pad("ReflectionPad"),
    "replication_pad": _pad("ReplicationPad"),
    "batchnorm": _batchnorm,
    "groupnorm": lambda p, x: nn.GroupNorm(p.groups, x[0], p.eps, p.affine),
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
    "elu": lambda p, x: nn.ELU(p.alpha, p.inplace),
    "prelu": lambda p, x: nn.PReLU(p.num_parameters, p.init),
    "softmax": lambda p, x: nn.Softmax(p.dim),
    "log_softmax": lambda p, x: nn.LogSoftmax(p.dim),
    "linear": lambda p, x: nn.Linear(x[-1], p.out, p.bias),
    "flatten": lambda p, x: nn.Flatten(p.start_dim, p.end_dim),
    "dropout": lambda p, x: nn.Dropout(p.p, p.inplace),
    "channel_dropout": lambda p, x: getattr(nn, f"Dropout{_rank(x)}d")(p.p, p.inplace),
    "identity": lambda p, x: nn.Identity(),
    "upsample": _upsample,
    "mean": lambda p, x: Mean(list(p.dim) if isinstance(p.dim, tuple) else p.dim, p.keepdim),
    "permute": lambda p, x: Permute(list(p.dims)),
    "chunk": lambda p, x: Chunk(p.chunks, p.index, p.dim),
    "channel_shuffle": lambda p, x: ChannelShuffle(p.groups),
    "stochastic_depth": lambda p, x: StochasticDepth(p.p, p.mode),
    "layernorm": _layernorm,
    "layer_scale": _layer_scale,
}
