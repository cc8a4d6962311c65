"""Normalisation: batch, group, layer and local response norm; layer scale."""

from __future__ import annotations

from cnninspect.core.layers.base import Field, Params, RuleOut, Shape, layer, numel, refuse, require, show


@layer("batchnorm", aliases=("bn", "batchnorm1d", "batchnorm2d", "batchnorm3d", "batch_norm"),
       doc="Batch normalisation (BatchNorm1d/2d/3d, from the input's rank). Running statistics are buffers.",
       fields={"eps": Field("float", 1e-5, "added to the variance", low=0),
               "momentum": Field("float", 0.1, "running-statistics momentum", low=0),
               "affine": Field("bool", True, "learn a scale and a shift"),
               "track_running_stats": Field("bool", True, "keep running mean and variance (buffers)")})
def batchnorm(p: Params, x: Shape) -> RuleOut:
    """params: weight and bias (C each); buffers: running_mean, running_var (C each), num_batches_tracked (1).
    ops: 2 per element (a scale and a shift, once folded for inference)."""
    if not 1 <= len(x) <= 4:
        refuse("batch norm needs (C), (C, L), (C, H, W) or (C, D, H, W)", input=show(x))
    c = x[0]
    rank = max(len(x) - 1, 1)
    return RuleOut(x, f"BatchNorm{rank}d", params=2 * c * p.affine, buffers=(2 * c + 1) * p.track_running_stats,
                   ops=2 * numel(x))


@layer("lrn", aliases=("local_response_norm", "localresponsenorm"),
       doc="Local response normalisation across channels (LocalResponseNorm), as in the original AlexNet.",
       fields={"size": Field("int", doc="channels in the normalisation window", low=1),
               "alpha": Field("float", 1e-4, "scale"), "beta": Field("float", 0.75, "exponent"),
               "k": Field("float", 1.0, "additive constant")})
def lrn(p: Params, x: Shape) -> RuleOut:
    """ops: per element, a window of `size` squares summed, then a scale, a power and a divide: size + 3."""
    require(len(x) >= 2, "local response norm needs a (channels, spatial...) input", input=show(x))
    return RuleOut(x, "LocalResponseNorm", ops=numel(x) * (p.size + 3))


@layer("layernorm", aliases=("layer_norm",),
       doc="Layer normalisation over the last dimension (LayerNorm), or over the channels of a (C, H, W) tensor "
           "(torchvision's LayerNorm2d, as in ConvNeXt).",
       fields={"eps": Field("float", 1e-5, "added to the variance", low=0),
               "elementwise_affine": Field("bool", True, "learn a scale (and a shift)"),
               "bias": Field("bool", True, "learn the shift"),
               "channels_first": Field("bool", False, "normalise the channels of (C, H, W): LayerNorm2d")})
def layernorm(p: Params, x: Shape) -> RuleOut:
    """params: a scale and a shift per normalised element; ops: 4 per element (centre, divide, scale, shift)."""
    if p.channels_first:
        require(len(x) == 3, "LayerNorm2d normalises (C, H, W) inputs", input=show(x))
    size = x[0] if p.channels_first else x[-1]
    params = size * p.elementwise_affine * (1 + p.bias)
    return RuleOut(x, "LayerNorm2d" if p.channels_first else "LayerNorm", params=params, ops=4 * numel(x))


@layer("groupnorm", aliases=("group_norm",),
       doc="Group normalisation (GroupNorm): statistics over each group of channels and every position.",
       fields={"groups": Field("int", doc="groups of channels: the channels must divide by it", low=1),
               "eps": Field("float", 1e-5, "added to the variance", low=0),
               "affine": Field("bool", True, "learn a scale and a shift per channel")})
def groupnorm(p: Params, x: Shape) -> RuleOut:
    """params: weight and bias (C each); ops: 4 per element, as layernorm. Each output reads its group's every
    position (the statistics), so no receptive field survives it."""
    require(len(x) >= 2, "group norm needs a (channels, spatial...) input", input=show(x))
    require(x[0] % p.groups == 0, "the channels must divide into the groups", channels=x[0], groups=p.groups)
    require(numel(x) > p.groups, "group norm needs more than one value per group (torch refuses one, at batch 1)",
            channels=x[0], groups=p.groups, input=show(x))
    return RuleOut(x, "GroupNorm", params=2 * x[0] * p.affine, ops=4 * numel(x), spatial=None)


@layer("layer_scale", attribute=True,
       doc="A learned per-channel scale held by the enclosing module (ConvNeXt's layer_scale): no module of its "
           "own, so it needs a name, the attribute's.",
       fields={"init": Field("float", 1e-6, "the scale's initial value")})
def layer_scale(p: Params, x: Shape) -> RuleOut:
    """params: one per channel, shaped (C, 1, …); ops: a multiply per element."""
    return RuleOut(x, "Parameter", params=x[0], ops=numel(x))


@layer("layerscale", aliases=("layer_scale_module",),
       doc="A learned per-channel scale as a module of its own, its parameter `gamma` (timm's LayerScale over the "
           "last dimension; LayerScale2d over the channels of (C, H, W)).",
       fields={"init": Field("float", 1e-5, "gamma's initial value"),
               "inplace": Field("bool", False, "overwrite the input"),
               "channels_first": Field("bool", False, "scale the channels of (C, H, W): LayerScale2d")})
def layerscale(p: Params, x: Shape) -> RuleOut:
    """params: one per channel, shaped (C,); ops: a multiply per element."""
    if p.channels_first:
        require(len(x) == 3, "LayerScale2d scales (C, H, W) inputs", input=show(x))
    return RuleOut(x, "LayerScale2d" if p.channels_first else "LayerScale", params=x[0] if p.channels_first
                   else x[-1], ops=numel(x))


KINDS = (batchnorm, groupnorm, lrn, layernorm, layer_scale, layerscale)
