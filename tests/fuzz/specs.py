"""Random architecture specs, and an oracle that runs them in torch without cnninspect.

The strategy draws specs as plain data (what a YAML file holds): chains of convolutions (1-D to 3-D, any kernel,
stride, padding, dilation, groups), transposed convolutions, pools with and without ceil mode, adaptive pools,
padding layers (zero, constant, reflection, replication; per side, crops included), timm's dynamic 'same' conv and
pools, weight-standardised convs, layer scale modules, norms (group norm too),
activations (PReLU, ELU, log_softmax too), channel dropout, means over axes kept, max pools returning their
indices with a max unpool reading them, residual adds (with a
projection where the shape changes), concatenations, and flatten-and-linear heads. It tracks only the channels, so that groups divide them; spatial sizes are free to
shrink until a kernel no longer fits — and then torch must refuse exactly where cnninspect refuses.

The oracle builds each layer with torch's lazy modules, which infer their input sizes from the tensor as a spec
does, and runs it: cnninspect plays no part in it.
"""

from __future__ import annotations

import warnings

from hypothesis import strategies as st

from cnninspect.core.expr import evaluate

# The strategies need no torch (test_replay_fuzz draws from them without it); the oracle imports it when it runs.
ACTIVATIONS = {"relu": "ReLU", "relu6": "ReLU6", "gelu": "GELU", "silu": "SiLU", "sigmoid": "Sigmoid",
               "tanh": "Tanh", "hardswish": "Hardswish", "elu": "ELU", "mish": "Mish", "selu": "SELU",
               "softplus": "Softplus", "celu": "CELU", "hardtanh": "Hardtanh"}  # kind -> torch.nn class
PADS = {"zero_pad": "ZeroPad", "constant_pad": "ConstantPad", "reflection_pad": "ReflectionPad",
        "replication_pad": "ReplicationPad", "circular_pad": "CircularPad"}  # kind -> torch.nn class, less its rank


@st.composite
def specs(draw, max_layers: int = 6) -> dict:
    ndim = draw(st.integers(1, 3))
    channels = draw(st.integers(1, 4))
    high = {1: 40, 2: 20, 3: 9}[ndim]
    spatial = [draw(st.integers(2, high)) for _ in range(ndim)]
    layers, _ = draw(sequences(channels, ndim, 0, draw(st.integers(1, max_layers))))
    if draw(st.booleans()):
        flatten = draw(st.sampled_from(["flatten", {"reshape": {"shape": [-1]}}]))
        layers += [{"adaptive_avgpool": {"size": 1}}, flatten, {"linear": {"out": draw(st.integers(1, 10))}}]
    return {"name": "fuzz", "input": [channels, *spatial], "layers": layers}


@st.composite
def sequences(draw, channels: int, ndim: int, depth: int, length: int):
    layers = []
    for _ in range(length):
        layer, channels = draw(nodes(channels, ndim, depth))
        layers.append(layer)
    return layers, channels


@st.composite
def nodes(draw, c: int, ndim: int, depth: int):
    """One layer and the channels after it."""
    kinds = ["conv", "conv", "tconv", "pool", "adaptive", "norm", "activation", "other", "pad", "more", "same", "std",
             "unpool"] + (["s2d"] if ndim == 2 else [])
    kind = draw(st.sampled_from(kinds + (["add", "concat"] if depth < 2 else [])))
    if kind == "conv":
        return draw(_conv(c, ndim))
    if kind == "tconv":
        groups = draw(st.sampled_from(_divisors(c)))
        out = groups * draw(st.integers(1, 3))
        stride, dilation = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        return {"tconv": {"out": out, "kernel": draw(_per_axis(1, 4, ndim)), "stride": stride,
                          "padding": draw(st.integers(0, 2)), "dilation": dilation, "groups": groups,
                          "output_padding": draw(st.integers(0, max(stride, dilation) - 1)),
                          "bias": draw(st.booleans())}}, out
    if kind == "pool":
        kernel = draw(st.integers(1, 3))
        fields = {"kernel": kernel, "stride": draw(st.one_of(st.none(), st.integers(1, 3))),
                  "padding": draw(st.integers(0, kernel // 2)), "ceil_mode": draw(st.booleans())}
        name = draw(st.sampled_from(["maxpool", "avgpool", "lppool"]))
        if name == "maxpool":
            fields["dilation"] = draw(st.integers(1, 2))
        if name == "lppool":
            fields.update(norm_type=draw(st.sampled_from([1, 2, 2.5])), padding=None)
        return {name: {k: v for k, v in fields.items() if v is not None}}, c
    if kind == "adaptive":
        return {draw(st.sampled_from(["adaptive_avgpool", "adaptive_maxpool"])): {"size": draw(st.integers(1, 3))}}, c
    if kind == "norm":
        return draw(st.sampled_from(["batchnorm", {"lrn": {"size": draw(st.integers(1, 4))}}])), c
    if kind == "activation":
        return draw(st.sampled_from(sorted(ACTIVATIONS))), c
    if kind == "other":
        return draw(st.sampled_from(["identity", {"dropout": {"p": 0.25}}])), c
    if kind == "pad":
        name = draw(st.sampled_from(sorted(PADS)))
        sides = st.integers(0 if name == "circular_pad" else -2, 3)
        pairs = draw(st.integers(1, ndim)) if name in ("zero_pad", "constant_pad") else ndim
        padding = draw(st.one_of(sides, st.lists(sides, min_size=2 * pairs, max_size=2 * pairs)))
        fields = {"padding": padding, **({"value": 1.5} if name == "constant_pad" else {})}
        return {name: fields}, c
    if kind == "same":
        groups = draw(st.sampled_from(_divisors(c)))
        windows = {"kernel": draw(_per_axis(1, 4, ndim)), "stride": draw(st.integers(1, 3))}
        name = draw(st.sampled_from(["conv_same", "maxpool_same", "avgpool_same"]))
        if name == "conv_same":
            out = groups * draw(st.integers(1, 3))
            return {name: {"out": out, **windows, "dilation": draw(st.integers(1, 2)), "groups": groups}}, out
        extra = {"dilation": draw(st.integers(1, 2))} if name == "maxpool_same" else {}
        return {name: {**windows, **extra, "ceil_mode": draw(st.booleans())}}, c
    if kind == "std":
        if draw(st.booleans()):
            return {"layerscale": {"init": 0.5, "channels_first": ndim == 2 and draw(st.booleans())}}, c
        groups = draw(st.sampled_from(_divisors(c)))
        out = groups * draw(st.integers(1, 3))
        name = draw(st.sampled_from(["std_conv", "scaled_std_conv"]))
        return {name: {"out": out, "kernel": draw(_per_axis(1, 3, ndim)), "stride": draw(st.integers(1, 2)),
                       "padding": draw(st.integers(0, 1)), "groups": groups, "bias": draw(st.booleans()),
                       "dynamic_same": False}}, out
    if kind == "more":
        return draw(st.sampled_from([
            {"groupnorm": {"groups": draw(st.sampled_from(_divisors(c))), "affine": draw(st.booleans())}},
            {"prelu": {"num_parameters": draw(st.sampled_from(sorted({1, c})))}},
            {"channel_dropout": {"p": 0.25}}, {"log_softmax": {"dim": draw(st.sampled_from([d for d in range(-ndim - 1, ndim + 2) if d]))}},
            {draw(st.sampled_from(["mean", "amax", "sum"])): {
                "dim": draw(st.lists(st.integers(2, ndim + 1), min_size=1, max_size=ndim, unique=True)),
                "keepdim": True}}, *_two_d(draw, ndim)])), c
    if kind == "s2d":  # channels change
        b = draw(st.integers(1, 3))
        return {"space_to_depth": {"block_size": b}}, c * b * b
    if kind == "unpool":
        return draw(_unpool(c, ndim))
    if kind == "add":
        return draw(_residual(c, ndim, depth))
    return draw(_concat(c, ndim, depth))


def _two_d(draw, ndim: int) -> list:
    if ndim != 2:
        return []
    return [{"blur_pool": {"filt_size": draw(st.integers(2, 4)), "stride": draw(st.integers(1, 2)),
                           "pad_mode": draw(st.sampled_from(["reflect", "constant"]))}}]


@st.composite
def _conv(draw, c: int, ndim: int):
    if draw(st.integers(0, 4)) == 0:
        return {"conv": {"kernel": draw(_per_axis(1, 3, ndim)), "padding": draw(st.integers(0, 1)),
                         "depthwise": True}}, c
    groups = draw(st.sampled_from(_divisors(c)))
    out = groups * draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    padding = draw(st.one_of(st.integers(0, 2), st.sampled_from(["valid", "same"] if stride == 1 else ["valid"])))
    return {"conv": {"out": out, "kernel": draw(_per_axis(1, 4, ndim)), "stride": stride, "padding": padding,
                     "dilation": draw(st.integers(1, 2)), "groups": groups, "bias": draw(st.booleans())}}, out


@st.composite
def _residual(draw, c: int, ndim: int, depth: int):
    """body: k×k/s (k odd, padding k//2) [+ more shape-keeping layers]; shortcut: identity, or a 1×1/s projection.
    Both give (n − 1)//s + 1 positions."""
    out, stride, kernel = draw(st.integers(1, 6)), draw(st.integers(1, 2)), draw(st.sampled_from([1, 3]))
    body = [{"conv": {"out": out, "kernel": kernel, "stride": stride, "padding": kernel // 2}}]
    if draw(st.booleans()):
        body += [draw(st.sampled_from(["batchnorm", "relu"]))]
    shortcut = [] if stride == 1 and out == c else [{"conv": {"out": out, "kernel": 1, "stride": stride}}]
    return {"add": {"branches": [body, shortcut]}}, out


@st.composite
def _concat(draw, c: int, ndim: int, depth: int):
    """Branches that keep the spatial size (stride 1, padding k//2 for odd k), joined along channels."""
    branches, total = [], 0
    for _ in range(draw(st.integers(2, 3))):
        if draw(st.integers(0, 3)) == 0:
            branches.append([{"maxpool": {"kernel": 3, "stride": 1, "padding": 1}}])
            total += c
        else:
            out, kernel = draw(st.integers(1, 5)), draw(st.sampled_from([1, 3, 5]))
            branches.append([{"conv": {"out": out, "kernel": kernel, "padding": kernel // 2}}])
            total += out
    return {"concat": {"branches": branches}}, total


@st.composite
def _unpool(draw, c: int, ndim: int):
    """A max pool returning its indices, layers that keep the shape, and a max unpool reading them: its window the
    pool's or another, its size none, the pool's input, or numbers near (or past) torch's range."""
    kernel = draw(st.integers(1, 3))
    pool = {"kernel": kernel, "stride": draw(st.integers(1, 3)), "padding": draw(st.integers(0, kernel // 2)),
            "ceil_mode": draw(st.booleans()), "indices": True, "as": "pooled"}
    window = {k: pool[k] for k in ("kernel", "stride", "padding")} if draw(st.booleans()) else {
        "kernel": draw(st.integers(1, 3)), "stride": draw(st.integers(1, 3)), "padding": draw(st.integers(0, 1))}
    size = draw(st.one_of(st.none(), st.just("input"), st.lists(st.integers(1, 40), min_size=ndim, max_size=ndim)))
    between = draw(st.sampled_from([[], ["relu"], [{"conv": {"out": c, "kernel": 1}}]]))
    unpool = {**window, "indices": "pooled", **({"size": size} if size is not None else {})}
    return {"seq": {"layers": [{"maxpool": pool}, *between, {"maxunpool": unpool}]}}, c


def _per_axis(low: int, high: int, ndim: int):
    return st.one_of(st.integers(low, high), st.lists(st.integers(low, high), min_size=ndim, max_size=ndim))


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


# The oracle: torch alone.


def run_in_torch(spec: dict):
    """(output shape, [(class, output shape, parameters) per leaf module], FLOPs), or an exception from torch."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    calls: list[tuple[str, tuple[int, ...], "nn.Module"]] = []
    x = torch.zeros(1, *spec["input"])
    with warnings.catch_warnings(), torch.no_grad(), FlopCounterMode(display=False) as counter:
        warnings.simplefilter("ignore")  # lazy modules announce themselves; 'same' with even kernels warns
        y = _run(spec["layers"], x, calls)
    leaves = [(getattr(m, "type_name", type(m).__name__), shape, sum(p.numel() for p in m.parameters()))
              for _, shape, m in calls]
    return tuple(y.shape), leaves, counter.get_total_flops()


def _run(layers: list, x: "torch.Tensor", calls: list) -> "torch.Tensor":
    import torch
    from torch import nn

    for layer in layers:
        name, fields = (layer, {}) if isinstance(layer, str) else next(iter(layer.items()))
        if name == "seq":  # a max pool and its unpool
            x = _run(fields["layers"], x, calls)
            continue
        if name == "maxunpool":  # the pool's indices, and torch's output_size
            size = fields.get("size")
            module = getattr(nn, f"MaxUnpool{x.dim() - 2}d")(fields["kernel"], fields["stride"], fields["padding"])
            x = module(x, indices, pooled.shape if size == "input" else size)
            calls.append((name, tuple(x.shape), module))
            continue
        if fields.get("indices") is True:  # values rising in memory order: every window's argmax is the last
            # position it covers, so the indices reach as far as the pool can make them (torch fails past them)
            pooled = x = torch.arange(x.numel(), dtype=x.dtype).reshape(x.shape)
        if name in ("add", "concat"):
            outs = [_run(branch, x, calls) for branch in fields["branches"]]
            x = torch.cat(outs, 1) if name == "concat" else sum(outs[1:], outs[0])
            continue
        module = _module(name, fields, x).eval()  # inference, as cnninspect's figures are
        x = module(x)
        if isinstance(x, tuple):
            x, indices = x
        calls.append((name, tuple(x.shape), module))
    return x


def _module(name: str, f: dict, x: "torch.Tensor") -> "nn.Module":
    from torch import nn

    rank = x.dim() - 2
    if name == "conv":
        if f.get("depthwise"):
            return getattr(nn, f"LazyConv{rank}d")(x.shape[1], f["kernel"], padding=f["padding"], groups=x.shape[1])
        return getattr(nn, f"LazyConv{rank}d")(f["out"], f["kernel"], f.get("stride", 1), f.get("padding", 0),
                                               f.get("dilation", 1), f.get("groups", 1), f.get("bias", True))
    if name == "tconv":
        return getattr(nn, f"LazyConvTranspose{rank}d")(f["out"], f["kernel"], f["stride"], f["padding"],
                                                        f["output_padding"], f["groups"], f["bias"], f["dilation"])
    if name == "maxpool":
        return getattr(nn, f"MaxPool{rank}d")(f["kernel"], f.get("stride"), f.get("padding", 0), f.get("dilation", 1),
                                              f.get("indices", False), f.get("ceil_mode", False))
    if name == "lppool":
        return getattr(nn, f"LPPool{rank}d")(f["norm_type"], f["kernel"], f.get("stride"), f.get("ceil_mode", False))
    if name == "avgpool":
        return getattr(nn, f"AvgPool{rank}d")(f["kernel"], f.get("stride"), f.get("padding", 0),
                                              f.get("ceil_mode", False))
    if name.startswith("adaptive_"):
        kind = "Avg" if "avg" in name else "Max"
        return getattr(nn, f"Adaptive{kind}Pool{rank}d")(f["size"])
    if name == "batchnorm":
        return getattr(nn, f"LazyBatchNorm{max(rank, 1)}d")()
    if name == "lrn":
        return nn.LocalResponseNorm(f["size"])
    if name in ACTIVATIONS:
        return getattr(nn, ACTIVATIONS[name])()
    if name == "dropout":
        return nn.Dropout(f["p"])
    if name == "identity":
        return nn.Identity()
    if name == "flatten":
        return nn.Flatten()
    if name in PADS:
        padding = tuple(f["padding"]) if isinstance(f["padding"], list) else f["padding"]
        return getattr(nn, f"{PADS[name]}{rank}d")(padding, *([f["value"]] if "value" in f else []))
    if name == "groupnorm":
        return nn.GroupNorm(f["groups"], x.shape[1], affine=f["affine"])
    if name == "prelu":
        return nn.PReLU(f["num_parameters"])
    if name == "channel_dropout":
        return getattr(nn, f"Dropout{rank}d")(f["p"])
    if name == "log_softmax":
        return nn.LogSoftmax(f["dim"])
    if name in ("mean", "amax", "sum"):
        return _Reduce(name, f["dim"], f["keepdim"])
    if name == "reshape":
        return _Reduce("reshape", f["shape"], False)
    if name.endswith("_same"):
        return _same(name, f, x)
    if name.endswith("std_conv"):
        return _std_conv(name, f, x)
    if name == "layerscale":
        return _layerscale(f, x)
    if name in ("space_to_depth", "blur_pool"):
        return _resampling(name, f)
    if name == "linear":
        return nn.LazyLinear(f["out"])
    raise ValueError(f"the oracle has no {name}")


def _Reduce(name: str, dim: list[int], keepdim: bool) -> "nn.Module":
    """torch.mean / amax / sum, or x.reshape(N, *dim), as a module named as cnninspect names the function."""
    import torch

    def forward(self, x):
        if name == "reshape":
            return x.reshape(x.shape[0], *dim)
        return getattr(torch, name)(x, dim, keepdim=keepdim)

    return type("Function", (torch.nn.Module,), {"type_name": name, "forward": forward})()


def _same(name: str, f: dict, x: "torch.Tensor") -> "nn.Module":
    """timm's Conv2dSame / MaxPool2dSame / AvgPool2dSame for any rank: TensorFlow's SAME padding, then no padding."""
    import torch
    import torch.nn.functional as F

    rank = x.dim() - 2
    kernel = f["kernel"] if isinstance(f["kernel"], list) else [f["kernel"]] * rank
    stride, dilation = [f["stride"]] * rank, [f.get("dilation", 1)] * rank

    def pad(t, value=0.0):
        pads = []
        for n, k, s, d in zip(t.shape[2:], kernel, stride, dilation):
            total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
            pads = [total // 2, total - total // 2] + pads
        return F.pad(t, pads, value=value)

    if name == "conv_same":
        conv = getattr(torch.nn, f"Conv{rank}d")(x.shape[1], f["out"], kernel, stride, 0, dilation, f["groups"])
        module = type("Same", (torch.nn.Module,), {"type_name": f"Conv{rank}dSame",
                                                    "forward": lambda self, t: self.conv(pad(t))})()
        module.conv = conv
        return module
    pool = getattr(F, f"{name[:3]}_pool{rank}d")
    if name == "maxpool_same":
        run = lambda self, t: pool(pad(t, -float("inf")), kernel, stride, 0, dilation, f["ceil_mode"])  # noqa: E731
    else:
        run = lambda self, t: pool(pad(t), kernel, stride, 0, f["ceil_mode"])  # noqa: E731
    kind = "MaxPool" if name == "maxpool_same" else "AvgPool"
    return type("Same", (torch.nn.Module,), {"type_name": f"{kind}{rank}dSame", "forward": run})()


def _std_conv(name: str, f: dict, x: "torch.Tensor") -> "nn.Module":
    """StdConv2d / ScaledStdConv2d for any rank, from the papers: weights standardised per output channel."""
    import torch

    rank = x.dim() - 2
    scaled = name == "scaled_std_conv"

    class Std(getattr(torch.nn, f"Conv{rank}d")):
        type_name = f"{'Scaled' if scaled else ''}StdConv{rank}d"

        def forward(self, t):
            flat = self.weight.reshape(self.out_channels, -1)
            if flat.shape[1] == 1:  # timm standardises with F.batch_norm, which refuses one value per channel
                raise ValueError("one weight per output channel")
            weight = (flat - flat.mean(1, keepdim=True)) / (flat.var(1, unbiased=False, keepdim=True) + 1e-6).sqrt()
            weight = weight.reshape_as(self.weight)
            if scaled:
                weight = weight * self.gain / flat.shape[1] ** 0.5
            return self._conv_forward(t, weight, self.bias)

    module = Std(x.shape[1], f["out"], f["kernel"], f["stride"], f["padding"], groups=f["groups"], bias=f["bias"])
    if scaled:
        module.gain = torch.nn.Parameter(torch.ones(f["out"], *[1] * (rank + 1)))
    return module


def _layerscale(f: dict, x: "torch.Tensor") -> "nn.Module":
    import torch

    first = f["channels_first"]
    module = type("Scale", (torch.nn.Module,), {
        "type_name": "LayerScale2d" if first else "LayerScale",
        "forward": lambda self, t: t * (self.gamma.view(-1, 1, 1) if first else self.gamma)})()
    module.gamma = torch.nn.Parameter(torch.full((x.shape[1] if first else x.shape[-1],), f["init"]))
    return module


def _resampling(name: str, f: dict) -> "nn.Module":
    """timm's SpaceToDepth (TResNet) and BlurPool2d (Zhang 2019), from their definitions."""
    import math

    import torch
    import torch.nn.functional as F

    def space_to_depth(self, x):
        b = f["block_size"]
        if x.shape[2] % b or x.shape[3] % b:
            raise RuntimeError("not divisible")  # timm's view fails there
        return torch.cat([x[:, :, i::b, j::b] for i in range(b) for j in range(b)], 1)

    def blur_pool(self, x):
        k, s = f["filt_size"], f["stride"]
        row = torch.tensor([math.comb(k - 1, i) for i in range(k)], dtype=x.dtype) / 2 ** (k - 1)
        pad = (s - 1 + k - 1) // 2
        weight = (row[:, None] * row[None, :]).expand(x.shape[1], 1, k, k)
        return F.conv2d(F.pad(x, [pad] * 4, mode=f["pad_mode"]), weight, stride=s, groups=x.shape[1])

    forward = space_to_depth if name == "space_to_depth" else blur_pool
    type_name = "SpaceToDepth" if name == "space_to_depth" else "BlurPool2d"
    return type("Resampling", (torch.nn.Module,), {"type_name": type_name, "forward": forward})()


# Values just past a limit: one field of one layer of a valid spec, pushed over the edge torch sets for it.

PAST_A_LIMIT = {
    "conv": [("kernel", 0), ("stride", 0), ("stride", -1), ("padding", -1), ("dilation", 0), ("out", 0),
             ("groups", "out + 1")],
    "tconv": [("kernel", 0), ("stride", 0), ("padding", -1), ("output_padding", "max(stride, dilation)"),
              ("groups", "out + 1")],
    "maxpool": [("kernel", 0), ("stride", 0), ("padding", "kernel // 2 + 1"), ("dilation", 0)],
    "avgpool": [("kernel", 0), ("stride", 0), ("padding", "kernel // 2 + 1")],
    "linear": [("out", 0)],
    "reflection_pad": [("padding", 40)],  # at least every axis's size: torch refuses it
}


@st.composite
def specs_past_a_limit(draw) -> dict:
    spec = draw(specs())
    candidates = [i for i, layer in enumerate(spec["layers"]) if isinstance(layer, dict)
                  and next(iter(layer)) in PAST_A_LIMIT and not next(iter(layer.values())).get("depthwise")]
    if not candidates:
        return spec
    index = draw(st.sampled_from(candidates))
    name, fields = next(iter(spec["layers"][index].items()))
    field, value = draw(st.sampled_from(PAST_A_LIMIT[name]))
    fields = dict(fields)
    known = {"stride": 1, "dilation": 1, "kernel": 1, **{k: v for k, v in fields.items() if isinstance(v, int)}}
    if isinstance(value, str):  # a limit that depends on the layer's other values, in cnninspect's own evaluator
        value = evaluate(value, known)
    fields[field] = value
    spec["layers"][index] = {name: fields}
    return spec
