"""What a layer kind is: its fields (for the spec, the schema and evaluation) and one rule from input shape to
output shape, parameters and work. Rules receive shapes, never tensors; each is a few lines.

Conventions, written once (docs/conventions.md):
- `macs`: multiply-accumulates of convolution, transposed convolution and linear layers, exactly as
  torch.utils.flop_counter.FlopCounterMode counts them (FLOPs = 2 × MACs, bias not counted);
- `ops`: the cheap elementwise work (bias adds, norms, activations, pooling reads, merges), under its own rule,
  never mixed into `macs`;
- `params`: trainable parameters as `sum(p.numel() for p in module.parameters())`; `buffers`: the rest of the
  state_dict (batch norm's running statistics and its batch counter).
All per sample: the engine multiplies by the batch.
"""

from __future__ import annotations

import functools
import math
from typing import Callable, Mapping, NamedTuple

from cnninspect.core.graph import REQUIRED
from cnninspect.errors import InputError, received

Shape = tuple[int, ...]  # one sample's shape: (C, *spatial), or (features,) after a flatten
MAX_SIZE = 2**63 - 1  # torch's sizes are int64: a larger one describes no tensor torch can make


class Field(NamedTuple):
    type: str  # int, ints (one or per axis), intlist (one or up to 6), padding (ints, same, valid), bool, float, choice
    default: object = REQUIRED
    doc: str = ""
    choices: tuple[str, ...] = ()
    low: float | None = None  # the smallest value allowed, checked once the value is known


class Reorder(NamedTuple):
    """The output's axis i is the input's axis order[i] (per sample: a permute without the batch)."""

    order: tuple[int, ...]


class MixAxis(NamedTuple):
    """Every output position along `axis` reads every input position along it; the other axes map one to one
    (a linear layer over the last axis, a softmax)."""

    axis: int


class Fuse(NamedTuple):
    """Axes first … last become one (a flatten)."""

    first: int
    last: int


class RuleOut(NamedTuple):
    shape: Shape
    type_name: str  # the PyTorch class it corresponds to: Conv2d, BatchNorm2d, ...
    params: int = 0
    buffers: int = 0
    macs: int = 0
    ops: int = 0
    # How output positions read input positions: a plain tuple of a window or resampling per spatial axis
    # (AxisWindow or AxisResample, axis 0 being the channels); () elementwise; Reorder, MixAxis or Fuse (tuples
    # too, being NamedTuples: tell them apart by type); None where every output reads every input position.
    spatial: "tuple | Reorder | MixAxis | Fuse | None" = ()


class Params:
    """A layer's evaluated fields, read as attributes."""

    __slots__ = ("_values", "_key")

    def __init__(self, values: Mapping[str, object]) -> None:
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_key", None)

    def __getattr__(self, name: str) -> object:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Params are read-only")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Params) and self._values == other._values

    __hash__ = None  # equal by value, and holds a dict: key() is the hashable form

    def __repr__(self) -> str:
        return f"Params({self._values!r})"

    def key(self) -> tuple:
        """The values, hashable: two layers with the same key and input give the same result."""
        if self._key is None:
            object.__setattr__(self, "_key", tuple(self._values.values()))
        return self._key


Rule = Callable[[Params, Shape], RuleOut]


class LayerKind(NamedTuple):
    name: str
    fields: Mapping[str, Field]
    rule: Rule
    doc: str
    aliases: tuple[str, ...] = ()
    attribute: bool = False  # a tensor its parent module holds (ConvNeXt's layer_scale), not a module


def layer(name: str, *, fields: Mapping[str, Field], doc: str, aliases: tuple[str, ...] = (),
          attribute: bool = False):
    """Declare a layer kind: the decorated rule becomes a LayerKind (collected in layers/catalog.py)."""

    def wrap(rule: Rule) -> LayerKind:
        @functools.wraps(rule)
        def checked(p: Params, x: Shape) -> RuleOut:
            out = rule(p, x)
            check_sizes(out.shape, "output")
            return out

        return LayerKind(name, fields, checked, doc, aliases, attribute)

    return wrap


def check_sizes(shape: Shape, what: str) -> None:
    """Refuse a size torch's int64 cannot hold (an upsample by 10^200, channels doubled 64 times): past it,
    nothing is a tensor, and every figure computed from it would only grow."""
    if max(shape) > MAX_SIZE:
        refuse(f"the {what} has a size past torch's limit of 2^63 − 1 per dimension", **{what: show(shape)})


def require(condition: bool, message: str, param: str = "", **values: object) -> None:
    """Refuse with a message and the values received; `param` names the field at fault, to locate it."""
    if not condition:
        refuse(message, param, **values)


def refuse(message: str, param: str = "", **values: object) -> None:
    """require's failure alone, for checks on every layer: their message is built only when they fail."""
    raise InputError(received(message, **values), param=param)


def spatial_rank(x: Shape, what: str, low: int = 1, high: int = 3) -> int:
    """The number of spatial axes of (C, *spatial), checked against what the layer supports."""
    rank = len(x) - 1
    if not low <= rank <= high:
        refuse(f"{what} needs a (channels, {low} to {high} spatial axes) input", input=show(x))
    return rank


def numel(shape: Shape) -> int:
    return math.prod(shape)


def show(shape: Shape) -> str:
    """A shape as messages and tables write it: 3x224x224 (sizes past 10^40 abridged, as spell does)."""
    from cnninspect.spell import spell

    return "x".join(str(n) if n < 10**40 else spell(n) for n in shape)
