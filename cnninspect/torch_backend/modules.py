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
    return getattr(nn, f"MaxPool{_rank(x)}d")(p.kernel, p.stride, p.padding, p.dilation, p.indices, p.ceil_mode)


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


class Reduce(nn.Module):
    """torch.mean, torch.amax or torch.sum (x, dim, keepdim) as a module."""

    def __init__(self, name: str, dim, keepdim: bool) -> None:
        super().__init__()
        self.type_name = name  # torch has no class: the function's name, as the analysis gives it
        self.dim, self.keepdim = dim, keepdim

    def extra_repr(self) -> str:
        return f"{self.type_name}, dim={self.dim}, keepdim={self.keepdim}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return getattr(torch, self.type_name)(x, self.dim, keepdim=self.keepdim)


class Reshape(nn.Module):
    """x.reshape(N, *shape) as a module (view where it can, as reshape does)."""

    type_name = "reshape"

    def __init__(self, shape) -> None:
        super().__init__()
        self.shape = list(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


class Narrow(nn.Module):
    """x.narrow(dim, start, length), a slice x[:, start:start + length], as a module."""

    type_name = "narrow"

    def __init__(self, dim: int, start: int, length: int) -> None:
        super().__init__()
        self.dim, self.start, self.length = dim, start, length

    def extra_repr(self) -> str:
        return f"dim={self.dim}, start={self.start}, length={self.length}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.narrow(self.dim, self.start, self.length)


class Scale(nn.Module):
    """x * factor, a Python number (NFNet's alpha, Inception-ResNet's residual scale) as a module."""

    type_name = "mul"  # the function torch runs, as the analysis names it

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def extra_repr(self) -> str:
        return f"factor={self.factor}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor


def _reduce(name: str):
    return lambda p, x: Reduce(name, list(p.dim) if isinstance(p.dim, tuple) else p.dim, p.keepdim)


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


class _StdConv:
    """As timm's StdConv2d: the weights standardised per output channel at every call (F.batch_norm over them,
    as timm does it, bit for bit), then the convolution; the Same classes pad 'same' first, as StdConv2dSame."""

    same_pad = False
    eps = 1e-6

    def _weight(self) -> torch.Tensor:
        return nn.functional.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None, training=True,
                                        momentum=0.0, eps=self.eps).reshape_as(self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.same_pad:
            x = pad_same(x, self.kernel_size, self.stride, self.dilation)
        return self._conv_forward(x, self._weight(), self.bias)


class _ScaledStdConv(_StdConv):
    """As timm's ScaledStdConv2d: standardised, then scaled by gain · gamma / √fan-in (the gain a parameter)."""

    def _weight(self) -> torch.Tensor:
        return nn.functional.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None,
                                        weight=(self.gain * self.scale).view(-1), training=True, momentum=0.0,
                                        eps=self.eps).reshape_as(self.weight)


STD_CONV = {(scaled, same, rank): type(f"{'Scaled' if scaled else ''}StdConv{rank}d{'Same' if same else ''}",
                                       (_ScaledStdConv if scaled else _StdConv, getattr(nn, f"Conv{rank}d")),
                                       {"__module__": __name__, "same_pad": same})
            for scaled in (False, True) for same in (False, True) for rank in (1, 2, 3)}
StdConv2d, ScaledStdConv2d = STD_CONV[False, False, 2], STD_CONV[True, False, 2]


def _std_conv(scaled: bool):
    def build(p: Params, x: Shape) -> nn.Module:
        padding = 0 if p.dynamic_same else p.padding
        module = STD_CONV[scaled, p.dynamic_same, _rank(x)](x[0], p.out, p.kernel, p.stride, padding, p.dilation,
                                                             p.groups, p.bias)
        module.eps = p.eps
        if scaled:
            module.scale = p.gamma * module.weight[0].numel() ** -0.5  # gamma / √fan-in, as timm
            module.gain = nn.Parameter(torch.full((p.out, *[1] * len(x)), float(p.gain_init)))  # as the weight
        return module

    return build


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


class SpaceToDepth(nn.Module):
    """As timm's SpaceToDepth: (N, C, H, W) → (N, C·b², H/b, W/b), the block's position before the channel."""

    def __init__(self, block_size: int) -> None:
        super().__init__()
        self.bs = block_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.size()
        x = x.view(n, c, h // self.bs, self.bs, w // self.bs, self.bs).permute(0, 3, 5, 1, 2, 4).contiguous()
        return x.view(n, c * self.bs * self.bs, h // self.bs, w // self.bs)


class BlurPool2d(nn.Module):
    """As timm's BlurPool2d: the binomial filter C(f−1, k)/2^(f−1), outer product, as a non-persistent buffer;
    F.pad (reflect or constant) by ((s − 1) + (f − 1)) // 2 on each side, then a depthwise conv of stride s."""

    def __init__(self, channels: int | None, filt_size: int, stride: int, pad_mode: str) -> None:
        super().__init__()
        import math

        self.channels, self.filt_size, self.stride, self.pad_mode = channels, filt_size, stride, pad_mode
        self.padding = [(stride - 1 + filt_size - 1) // 2] * 4
        coeffs = torch.tensor([math.comb(filt_size - 1, k) for k in range(filt_size)], dtype=torch.float32)
        coeffs = coeffs / 2 ** (filt_size - 1)
        blur = (coeffs[:, None] * coeffs[None, :])[None, None, :, :]
        self.register_buffer("filt", blur.repeat(channels, 1, 1, 1) if channels else blur, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.pad(x, self.padding, mode=self.pad_mode)
        channels = self.channels or x.shape[1]
        weight = self.filt if self.channels else self.filt.expand(channels, 1, self.filt_size, self.filt_size)
        return nn.functional.conv2d(x, weight, stride=self.stride, groups=channels)


def _layernorm(p: Params, x: Shape) -> nn.Module:
    kind = LayerNorm2d if p.channels_first else nn.LayerNorm
    return kind(x[0] if p.channels_first else x[-1], p.eps, p.elementwise_affine, p.bias)


class LayerScale(nn.Module):
    """As timm's LayerScale: x · gamma, gamma (C,) over the last dimension."""

    def __init__(self, dim: int, init_values: float, inplace: bool) -> None:
        super().__init__()
        self.inplace = inplace
        self.gamma = nn.Parameter(torch.full((dim,), float(init_values)))

    def _gamma(self, x: torch.Tensor) -> torch.Tensor:
        return self.gamma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gamma = self._gamma(x)
        return x.mul_(gamma) if self.inplace else x * gamma


class LayerScale2d(LayerScale):
    """As timm's LayerScale2d: gamma (C,) viewed as (1, C, 1, 1) over the channels of (N, C, H, W)."""

    def _gamma(self, x: torch.Tensor) -> torch.Tensor:
        return self.gamma.view(1, -1, 1, 1)


def _layer_scale(p: Params, x: Shape) -> nn.Parameter:
    """A parameter, not a module: the builder registers it on the enclosing module and multiplies by it."""
    return nn.Parameter(torch.full((x[0], *([1] * (len(x) - 1))), float(p.init)))


BUILDERS: dict[str, Callable[[Params, Shape], nn.Module]] = {
    "conv": _conv,
    "tconv": _tconv,
    "conv_same": _conv_same,
    "std_conv": _std_conv(False),
    "scaled_std_conv": _std_conv(True),
    "maxpool": _maxpool,
    "maxpool_same": _maxpool_same,
    "maxunpool": lambda p, x: getattr(nn, f"MaxUnpool{_rank(x)}d")(p.kernel, p.stride, p.padding),
    "avgpool_same": _avgpool_same,
    "avgpool": _avgpool,
    "adaptive_avgpool": lambda p, x: getattr(nn, f"AdaptiveAvgPool{_rank(x)}d")(p.size),
    "adaptive_maxpool": lambda p, x: getattr(nn, f"AdaptiveMaxPool{_rank(x)}d")(p.size),
    "zero_pad": _pad("ZeroPad"),
    "constant_pad": _pad("ConstantPad", "value"),
    "reflection_pad": _pad("ReflectionPad"),
    "replication_pad": _pad("ReplicationPad"),
    "circular_pad": _pad("CircularPad"),
    "lppool": lambda p, x: getattr(nn, f"LPPool{_rank(x)}d")(p.norm_type, p.kernel, p.stride, p.ceil_mode),
    "blur_pool": lambda p, x: BlurPool2d(p.channels, p.filt_size, p.stride, p.pad_mode),
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
    "mish": lambda p, x: nn.Mish(p.inplace),
    "selu": lambda p, x: nn.SELU(p.inplace),
    "softplus": lambda p, x: nn.Softplus(p.beta, p.threshold),
    "elu": lambda p, x: nn.ELU(p.alpha, p.inplace),
    "celu": lambda p, x: nn.CELU(p.alpha, p.inplace),
    "hardtanh": lambda p, x: nn.Hardtanh(p.min_val, p.max_val, p.inplace),
    "prelu": lambda p, x: nn.PReLU(p.num_parameters, p.init),
    "softmax": lambda p, x: nn.Softmax(p.dim),
    "log_softmax": lambda p, x: nn.LogSoftmax(p.dim),
    "linear": lambda p, x: nn.Linear(x[-1], p.out, p.bias),
    "flatten": lambda p, x: nn.Flatten(p.start_dim, p.end_dim),
    "dropout": lambda p, x: nn.Dropout(p.p, p.inplace),
    "channel_dropout": lambda p, x: getattr(nn, f"Dropout{_rank(x)}d")(p.p, p.inplace),
    "identity": lambda p, x: nn.Identity(),
    "upsample": _upsample,
    "mean": _reduce("mean"),
    "amax": _reduce("amax"),
    "sum": _reduce("sum"),
    "scale": lambda p, x: Scale(p.factor),
    "narrow": lambda p, x: Narrow(p.dim, p.start, p.length),
    "reshape": lambda p, x: Reshape(p.shape if isinstance(p.shape, tuple) else (p.shape,)),
    "permute": lambda p, x: Permute(list(p.dims)),
    "chunk": lambda p, x: Chunk(p.chunks, p.index, p.dim),
    "channel_shuffle": lambda p, x: ChannelShuffle(p.groups),
    "space_to_depth": lambda p, x: SpaceToDepth(p.block_size),
    "stochastic_depth": lambda p, x: StochasticDepth(p.p, p.mode),
    "layernorm": _layernorm,
    "layer_scale": _layer_scale,
    "layerscale": lambda p, x: (LayerScale2d(x[0], p.init, p.inplace) if p.channels_first
                                else LayerScale(x[-1], p.init, p.inplace)),
}
