"""What each torch module class is as a layer kind, with its fields read from the module's attributes: one table.

A class is named by its qualified name (`torch.nn.modules.conv.Conv2d`), so the table needs none of the
libraries it names; the classes of cnninspect's own builders (torch_backend/modules.py) are in it too, so that
`import(cnninspect.build(spec))` reads back what was built. A test builds every row's kind with the builders
(BUILDERS) and checks that the class it gets is one this table maps back to the same kind: build(import(m))
rebuilds the same classes.

A reader returns the fields, or raises Unsupported with the reason (an attribute the kind cannot express: a
MaxPool returning indices, an Upsample recomputing its scale). Fields equal to the kind's default are left out
later (emit), so a reader states every field it knows.
"""

from __future__ import annotations

import math
from typing import Callable

from cnninspect.core.layers.catalog import BY_NAME


class Unsupported(Exception):
    """A module or op the spec format cannot express, with the reason."""


def axes(value):
    """A per-axis value as a spec writes it: one number where every axis agrees, else a list."""
    if isinstance(value, (tuple, list)):
        values = [int(v) if not isinstance(v, bool) else v for v in value]
        return values[0] if len(set(values)) == 1 else values
    return value


def _conv(m) -> dict:
    if isinstance(m.padding, str) and m.padding not in ("same", "valid"):
        raise Unsupported(f"padding {m.padding!r}")
    return {"out": m.out_channels, "kernel": axes(m.kernel_size), "stride": axes(m.stride),
            "padding": m.padding if isinstance(m.padding, str) else axes(m.padding), "dilation": axes(m.dilation),
            "groups": m.groups, "bias": m.bias is not None, "padding_mode": m.padding_mode}


def _tconv(m) -> dict:
    if m.padding_mode != "zeros":
        raise Unsupported(f"padding_mode {m.padding_mode!r}")
    return {"out": m.out_channels, "kernel": axes(m.kernel_size), "stride": axes(m.stride),
            "padding": axes(m.padding), "output_padding": axes(m.output_padding), "dilation": axes(m.dilation),
            "groups": m.groups, "bias": m.bias is not None}


def _maxpool(m) -> dict:
    return {"kernel": axes(m.kernel_size), "stride": axes(m.stride), "padding": axes(m.padding),
            "dilation": axes(m.dilation), "ceil_mode": m.ceil_mode, "indices": m.return_indices}


def _maxunpool(m) -> dict:
    """Its call reads the indices and the output size (trace.py): here its settings only."""
    return {"kernel": axes(m.kernel_size), "stride": axes(m.stride), "padding": axes(m.padding)}


def _avgpool(m) -> dict:
    fields = {"kernel": axes(m.kernel_size), "stride": axes(m.stride), "padding": axes(m.padding),
              "ceil_mode": m.ceil_mode, "count_include_pad": m.count_include_pad}
    if getattr(m, "divisor_override", None) is not None:
        fields["divisor_override"] = m.divisor_override
    return fields


def _adaptive(m) -> dict:
    size = m.output_size
    if size is None or (isinstance(size, (tuple, list)) and None in size):
        raise Unsupported("an output size of None (keep that axis)")
    if getattr(m, "return_indices", False):
        raise Unsupported("return_indices=True")
    return {"size": axes(size)}


def _batchnorm(m) -> dict:
    if m.momentum is None:
        raise Unsupported("momentum=None (a cumulative average)")
    return {"eps": m.eps, "momentum": m.momentum, "affine": m.affine, "track_running_stats": m.track_running_stats}


def _layernorm(m, channels_first: bool = False) -> dict:
    if len(m.normalized_shape) != 1:
        raise Unsupported(f"normalized_shape {tuple(m.normalized_shape)} (over more than one dimension)")
    return {"eps": m.eps, "elementwise_affine": m.elementwise_affine,
            "bias": getattr(m, "bias", None) is not None if m.elementwise_affine else True,
            "channels_first": channels_first}


def _upsample(m) -> dict:
    if getattr(m, "recompute_scale_factor", None):
        raise Unsupported("recompute_scale_factor=True")
    scale = m.scale_factor
    if isinstance(scale, (tuple, list)):
        if len(set(scale)) != 1:
            raise Unsupported(f"a scale per axis {tuple(scale)}")
        scale = scale[0]
    return {"size": axes(m.size) if m.size is not None else None, "scale": float(scale) if scale is not None else None,
            "mode": m.mode, "align_corners": m.align_corners}


def _same(m) -> dict:
    return {"out": m.out_channels, "kernel": axes(m.kernel_size), "stride": axes(m.stride),
            "dilation": axes(m.dilation), "groups": m.groups, "bias": m.bias is not None}


def _pool_same(m, dilation: bool) -> dict:
    fields = {"kernel": axes(m.kernel_size), "stride": axes(m.stride), "ceil_mode": m.ceil_mode}
    if dilation:
        fields["dilation"] = axes(m.dilation)
    return fields


def _pad(m, value: bool = False) -> dict:
    fields = {"padding": list(m.padding) if isinstance(m.padding, (tuple, list)) else m.padding}
    if value:
        fields["value"] = float(m.value)
    return fields


def _std_conv(m, scaled: bool) -> dict:
    fields = {"out": m.out_channels, "kernel": axes(m.kernel_size), "stride": axes(m.stride),
              "padding": m.padding if isinstance(m.padding, str) else axes(m.padding), "dilation": axes(m.dilation),
              "groups": m.groups, "bias": m.bias is not None, "dynamic_same": bool(getattr(m, "same_pad", False)),
              "eps": float(m.eps)}
    if scaled:  # gamma from the scale it made, gamma / √fan-in; gain_init is no attribute (the gain's values are)
        fields["gamma"] = float(m.scale) * math.prod(m.weight.shape[1:]) ** 0.5
        fields["gain_init"] = float(getattr(m, "gain_init", 1.0))
    return fields


def _reduce(m) -> tuple[str, dict]:
    return m.type_name, {"dim": list(m.dim) if isinstance(m.dim, (tuple, list)) else m.dim, "keepdim": m.keepdim}


def _inplace(m) -> dict:
    return {"inplace": m.inplace}


_NN = "torch.nn.modules"
_OURS = "cnninspect.torch_backend.modules"
Reader = Callable[[object], dict]

# qualified class name -> (kind, reader)
MODULES: dict[str, tuple[str, Reader]] = {
    **{f"{_NN}.conv.Conv{n}d": ("conv", _conv) for n in (1, 2, 3)},
    **{f"{_NN}.conv.ConvTranspose{n}d": ("tconv", _tconv) for n in (1, 2, 3)},
    **{f"{_NN}.pooling.MaxPool{n}d": ("maxpool", _maxpool) for n in (1, 2, 3)},
    **{f"{_NN}.pooling.MaxUnpool{n}d": ("maxunpool", _maxunpool) for n in (1, 2, 3)},
    **{f"{_NN}.pooling.AvgPool{n}d": ("avgpool", _avgpool) for n in (1, 2, 3)},
    **{f"{_NN}.pooling.AdaptiveAvgPool{n}d": ("adaptive_avgpool", _adaptive) for n in (1, 2, 3)},
    **{f"{_NN}.pooling.AdaptiveMaxPool{n}d": ("adaptive_maxpool", _adaptive) for n in (1, 2, 3)},
    **{f"{_NN}.batchnorm.BatchNorm{n}d": ("batchnorm", _batchnorm) for n in (1, 2, 3)},
    f"{_NN}.normalization.LocalResponseNorm": ("lrn", lambda m: {"size": m.size, "alpha": m.alpha, "beta": m.beta,
                                                                  "k": m.k}),
    f"{_NN}.normalization.LayerNorm": ("layernorm", _layernorm),
    "torchvision.models.convnext.LayerNorm2d": ("layernorm", lambda m: _layernorm(m, True)),
    f"{_OURS}.LayerNorm2d": ("layernorm", lambda m: _layernorm(m, True)),
    "timm.layers.norm.LayerNorm2d": ("layernorm", lambda m: _layernorm(m, True)),
    "timm.layers.norm.LayerNorm": ("layernorm", _layernorm),
    f"{_NN}.activation.ReLU": ("relu", _inplace),
    f"{_NN}.activation.ReLU6": ("relu6", _inplace),
    f"{_NN}.activation.LeakyReLU": ("leaky_relu", lambda m: {"negative_slope": m.negative_slope,
                                                               "inplace": m.inplace}),
    f"{_NN}.activation.GELU": ("gelu", lambda m: {"approximate": m.approximate}),
    f"{_NN}.activation.SiLU": ("silu", _inplace),
    f"{_NN}.activation.Sigmoid": ("sigmoid", lambda m: {}),
    f"{_NN}.activation.Tanh": ("tanh", lambda m: {}),
    f"{_NN}.activation.Hardswish": ("hardswish", _inplace),
    f"{_NN}.activation.Hardsigmoid": ("hardsigmoid", _inplace),
    f"{_NN}.activation.Softmax": ("softmax", lambda m: {"dim": m.dim if m.dim is not None else _no("dim=None")}),
    f"{_NN}.linear.Linear": ("linear", lambda m: {"out": m.out_features, "bias": m.bias is not None}),
    "timm.layers.linear.Linear": ("linear", lambda m: {"out": m.out_features, "bias": m.bias is not None}),
    f"{_NN}.flatten.Flatten": ("flatten", lambda m: {"start_dim": m.start_dim, "end_dim": m.end_dim}),
    f"{_NN}.dropout.Dropout": ("dropout", lambda m: {"p": m.p, "inplace": m.inplace}),
    f"{_NN}.linear.Identity": ("identity", lambda m: {}),
    f"{_NN}.upsampling.Upsample": ("upsample", _upsample),
    f"{_NN}.normalization.GroupNorm": ("groupnorm", lambda m: {"groups": m.num_groups, "eps": m.eps,
                                                                 "affine": m.affine}),
    f"{_NN}.activation.ELU": ("elu", lambda m: {"alpha": m.alpha, "inplace": m.inplace}),
    f"{_NN}.activation.PReLU": ("prelu", lambda m: {"num_parameters": m.num_parameters, "init": m.init}),
    f"{_NN}.activation.LogSoftmax": ("log_softmax", lambda m: {"dim": m.dim if m.dim is not None else _no("dim=None")}),
    **{f"{_NN}.dropout.Dropout{n}d": ("channel_dropout", lambda m: {"p": m.p, "inplace": m.inplace}) for n in (1, 2, 3)},
    **{f"{_NN}.padding.ZeroPad{n}d": ("zero_pad", _pad) for n in (1, 2, 3)},
    **{f"{_NN}.padding.ConstantPad{n}d": ("constant_pad", lambda m: _pad(m, True)) for n in (1, 2, 3)},
    **{f"{_NN}.padding.ReflectionPad{n}d": ("reflection_pad", _pad) for n in (1, 2, 3)},
    **{f"{_NN}.padding.ReplicationPad{n}d": ("replication_pad", _pad) for n in (1, 2, 3)},
    "timm.layers.conv2d_same.Conv2dSame": ("conv_same", _same),
    "timm.layers.pool2d_same.MaxPool2dSame": ("maxpool_same", lambda m: _pool_same(m, True)),
    "timm.layers.pool2d_same.AvgPool2dSame": ("avgpool_same", lambda m: _pool_same(m, False)),
    **{f"{_OURS}.Conv{n}dSame": ("conv_same", _same) for n in (1, 2, 3)},
    **{f"{_OURS}.MaxPool{n}dSame": ("maxpool_same", lambda m: _pool_same(m, True)) for n in (1, 2, 3)},
    **{f"{_OURS}.AvgPool{n}dSame": ("avgpool_same", lambda m: _pool_same(m, False)) for n in (1, 2, 3)},
    f"{_OURS}.Reduce": (None, _reduce),  # mean, amax or sum: the instance says which
    f"{_OURS}.Reshape": ("reshape", lambda m: {"shape": list(m.shape)}),
    f"{_OURS}.Narrow": ("narrow", lambda m: {"dim": m.dim, "start": m.start, "length": m.length}),
    f"{_OURS}.Scale": ("scale", lambda m: {"factor": float(m.factor)}),
    f"{_NN}.activation.Mish": ("mish", _inplace),
    f"{_NN}.activation.SELU": ("selu", _inplace),
    f"{_NN}.activation.CELU": ("celu", lambda m: {"alpha": m.alpha, "inplace": m.inplace}),
    f"{_NN}.activation.Softplus": ("softplus", lambda m: {"beta": m.beta, "threshold": m.threshold}),
    f"{_NN}.activation.Hardtanh": ("hardtanh", lambda m: {"min_val": m.min_val, "max_val": m.max_val,
                                                          "inplace": m.inplace}),
    **{f"{_NN}.padding.CircularPad{n}d": ("circular_pad", _pad) for n in (1, 2, 3)},
    **{f"{_NN}.pooling.LPPool{n}d": ("lppool", lambda m: {"norm_type": float(m.norm_type),
                                                            "kernel": axes(m.kernel_size), "stride": axes(m.stride),
                                                            "ceil_mode": m.ceil_mode}) for n in (1, 2, 3)},
    **{f"{_OURS}.{'Scaled' if scaled else ''}StdConv{n}d{same}": ("scaled_std_conv" if scaled else "std_conv",
                                                                  lambda m, scaled=scaled: _std_conv(m, scaled))
       for scaled in (False, True) for n in (1, 2, 3) for same in ("", "Same")},
    **{f"timm.layers.std_conv.{'Scaled' if scaled else ''}StdConv2d{same}": (
        "scaled_std_conv" if scaled else "std_conv", lambda m, scaled=scaled: _std_conv(m, scaled))
       for scaled in (False, True) for same in ("", "Same")},
    **{f"{where}.LayerScale{two}": ("layerscale", lambda m, two=two: {"inplace": m.inplace,
                                                                       "channels_first": bool(two)})
       for where in (_OURS, "timm.layers.layer_scale") for two in ("", "2d")},
    **{f"{where}.SpaceToDepth": ("space_to_depth", lambda m: {"block_size": m.bs})
       for where in (_OURS, "timm.layers.space_to_depth")},
    "torchvision.ops.misc.Permute": ("permute", lambda m: {"dims": list(m.dims)}),
    f"{_OURS}.Permute": ("permute", lambda m: {"dims": list(m.dims)}),
    "torchvision.ops.stochastic_depth.StochasticDepth": ("stochastic_depth", lambda m: {"p": m.p, "mode": m.mode}),
    f"{_OURS}.StochasticDepth": ("stochastic_depth", lambda m: {"p": m.p, "mode": m.mode}),
    **{f"{where}.BlurPool2d": ("blur_pool", lambda m: {"filt_size": m.filt_size, "stride": m.stride,
                                                        "pad_mode": m.pad_mode, "channels": m.channels})
       for where in (_OURS, "timm.layers.blur_pool")},
    f"{_OURS}.Chunk": ("chunk", lambda m: {"chunks": m.chunks, "index": m.index, "dim": m.dim}),
    f"{_OURS}.ChannelShuffle": ("channel_shuffle", lambda m: {"groups": m.groups}),
}


def _no(reason: str):
    raise Unsupported(reason)


def qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def lookup(module) -> tuple[str, Reader] | None:
    """The kind and reader of a module's class (its exact class: a subclass may compute anything)."""
    return MODULES.get(qualified(type(module)))


def _norm_act(m) -> list[tuple[str, dict, bool]]:
    """timm's BatchNormAct2d: a BatchNorm2d (its own parameters, at its path), then its drop and act modules
    (parameter-free: functions here, as they hold nothing in the state_dict)."""
    parts = [("batchnorm", _batchnorm(m), False)]
    for inner in (m.drop, m.act):
        if qualified(type(inner)) == f"{_NN}.linear.Identity":
            continue
        if lookup(inner) is None:
            raise Unsupported(f"module {qualified(type(inner))} (in {qualified(type(m))})")
        if any(True for _ in inner.parameters()):
            raise Unsupported(f"module {qualified(type(inner))} with parameters (in {qualified(type(m))})")
        kind, fields = read(inner)
        parts.append((kind, fields, True))
    return parts


# qualified class name -> reader of its parts: (kind, fields, functional), the first one the module itself
COMPOSITES: dict[str, Callable[[object], list]] = {
    "timm.layers.norm_act.BatchNormAct2d": _norm_act,
}


def is_known(module) -> bool:
    """A class the importer keeps whole: one kind, or a composite of kinds."""
    return lookup(module) is not None or qualified(type(module)) in COMPOSITES


def read(module) -> tuple[str, dict]:
    """The kind and fields of a module the table knows (Unsupported: an attribute the kind cannot express)."""
    kind, reader = lookup(module)
    fields = reader(module)
    if kind is None:  # one class for several kinds
        kind, fields = fields
    unknown = set(fields) - set(BY_NAME[kind].fields)
    if unknown:  # a reader and the catalog disagree: a bug here, not the user's
        raise AssertionError(f"{kind}: the reader gives fields the kind lacks: {sorted(unknown)}")
    return kind, fields
