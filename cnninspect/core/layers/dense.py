"""Linear layers and the layers that only reshape or pass through: flatten, dropout, identity, upsample."""

from __future__ import annotations

from fractions import Fraction

from cnninspect.core.layers.base import (Field, Fuse, MixAxis, Params, RuleOut, Shape, layer, numel, refuse, require,
                                         show, spatial_rank)
from cnninspect.core.receptive import AxisResample


@layer("linear", aliases=("fc", "dense"), doc="Fully connected layer (Linear) over the last dimension.",
       fields={"out": Field("int", doc="output features", low=1), "bias": Field("bool", True, "add a learned bias"),
               "in_features": Field("int", None, "optional check: the input features this layer expects", low=1)})
def linear(p: Params, x: Shape) -> RuleOut:
    """params: in·out + out; MACs: rows·in·out with rows all leading dimensions (FlopCounterMode's mm)."""
    rows, features = numel(x[:-1]), x[-1]
    require(p.in_features is None or p.in_features == features,
            f"expects {p.in_features} input features but receives {features}",
            param="in_features", in_features=p.in_features, input=show(x))
    return RuleOut((*x[:-1], p.out), "Linear", params=features * p.out + p.out * p.bias,
                   macs=rows * features * p.out, ops=rows * p.out * p.bias, spatial=MixAxis(len(x) - 1))


@layer("flatten", doc="Flatten dimensions start_dim … end_dim into one (PyTorch's numbering: 0 is the batch).",
       fields={"start_dim": Field("int", 1, "first dimension to flatten"),
               "end_dim": Field("int", -1, "last dimension to flatten")})
def flatten(p: Params, x: Shape) -> RuleOut:
    rank = len(x) + 1
    start, end = p.start_dim % rank, p.end_dim % rank
    require(-rank <= p.start_dim < rank and -rank <= p.end_dim < rank and 1 <= start <= end,
            "flatten's dimensions must lie after the batch, start_dim before end_dim",
            start_dim=p.start_dim, end_dim=p.end_dim, input=show(x))
    out = (*x[: start - 1], numel(x[start - 1: end]), *x[end:])
    return RuleOut(out, "Flatten", spatial=Fuse(start - 1, end - 1))


@layer("dropout", doc="Dropout (active in training only; no effect on sizes).",
       fields={"p": Field("float", 0.5, "probability of zeroing an element", low=0),
               "inplace": Field("bool", False, "overwrite the input")})
def dropout(p: Params, x: Shape) -> RuleOut:
    require(p.p <= 1, "dropout probability must be between 0 and 1", p=p.p)
    return RuleOut(x, "Dropout")


@layer("channel_dropout", aliases=("dropout1d", "dropout2d", "dropout3d"),
       doc="Dropout of whole channels (Dropout1d/2d/3d, from the input's rank; active in training only).",
       fields={"p": Field("float", 0.5, "probability of zeroing a channel", low=0),
               "inplace": Field("bool", False, "overwrite the input")})
def channel_dropout(p: Params, x: Shape) -> RuleOut:
    rank = spatial_rank(x, "channel dropout")
    require(p.p <= 1, "dropout probability must be between 0 and 1", p=p.p)
    return RuleOut(x, f"Dropout{rank}d")


@layer("identity", doc="Passes its input through (Identity).", fields={})
def identity(p: Params, x: Shape) -> RuleOut:
    return RuleOut(x, "Identity")


LINEAR_MODES = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}


@layer("upsample", doc="Upsampling (Upsample) to a size or by a scale factor.",
       fields={"size": Field("ints", None, "output size, one number or one per spatial axis", low=1),
               "scale": Field("float", None, "scale factor (output = ⌊n·scale⌋, in float64 as torch)", low=0),
               "mode": Field("choice", "nearest", "interpolation",
                             ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear")),
               "align_corners": Field("bool", None, "align corner pixels (linear modes only)")})
def upsample(p: Params, x: Shape) -> RuleOut:
    """ops: nearest 0; linear modes 2 per neighbour read (2, 4 or 8 neighbours; bicubic 16)."""
    rank = spatial_rank(x, "upsample")
    require((p.size is None) != (p.scale is None), "upsample needs exactly one of 'size' and 'scale'")
    if p.mode in LINEAR_MODES:
        require(LINEAR_MODES[p.mode] == rank, f"mode {p.mode!r} needs {LINEAR_MODES[p.mode]} spatial axes",
                input=show(x))
    require(p.align_corners is None or p.mode in LINEAR_MODES,
            "align_corners is for the interpolating modes (linear, bilinear, bicubic, trilinear); torch refuses it "
            "with the others", param="align_corners", align_corners=p.align_corners, mode=p.mode)
    if p.size is not None:
        size = p.size if isinstance(p.size, tuple) else (p.size,) * rank
        require(len(size) == rank, f"expected {rank} output sizes", size=size)
        scales = [Fraction(n, m) for n, m in zip(x[1:], size)]
    else:
        size = tuple(scaled_size(n, p.scale) for n in x[1:])
        require(min(size) >= 1, "the scale makes an axis empty", scale=p.scale, input=show(x))
        scales = [_inverse(p.scale)] * rank  # PyTorch maps back with 1/scale when given a scale
    aligned = p.align_corners and p.mode in LINEAR_MODES
    if aligned:
        scales = [Fraction(n - 1, m - 1) if m > 1 else Fraction(0) for n, m in zip(x[1:], size)]
    mode = "nearest" if p.mode == "nearest" else "nearest-exact" if p.mode == "nearest-exact" else (
        "linear-aligned" if aligned else "linear")
    neighbours = {"bicubic": 16}.get(p.mode, 2 ** rank if p.mode in LINEAR_MODES else 0)
    out = (x[0], *size)
    return RuleOut(out, "Upsample", ops=2 * neighbours * numel(out),
                   spatial=tuple(AxisResample(q, mode) for q in scales))


def _inverse(scale: float) -> Fraction:
    """1/scale as the ratio meant (2.3 is 23/10, so 10/23), for the receptive field's mapping."""
    factor = Fraction(scale).limit_denominator(10**6)
    return 1 / factor if factor else Fraction(1 / scale).limit_denominator(10**6)  # a scale below 1e-6


def scaled_size(n: int, scale: float) -> int:
    """torch's output size for a scale factor (ATen's upsample::compute_output_size): the float64 product
    double(n) · scale, truncated to an int64. Not ⌊n·scale⌋ in exact arithmetic: 90 · 2.3 is 206.99999999999997
    in float64, so torch gives 206, not 207."""
    product = float(n) * scale
    if not product < 2**63:  # also inf: torch refuses what its int64 cannot hold
        refuse("the scale makes an axis larger than torch's sizes hold (2^63 − 1)", "scale", scale=scale, n=n)
    return int(product)


KINDS = (linear, flatten, dropout, channel_dropout, identity, upsample)
