"""An architecture as the engine sees it: a tree of layer, sequence, merge, repeat, block-call and aux nodes.

The spec loader builds it from a file; values may still be expressions (strings) that the engine evaluates
as it walks, because they can depend on the incoming tensor (`in_channels`) and on block arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, NamedTuple, Union

Value = Union[int, bool, float, str, None, tuple]  # raw spec values; strings in integer fields are expressions


class Loc(NamedTuple):
    """Where a node was written: file, and line and column where the format gives them (YAML does).

    A NamedTuple rather than a dataclass: the reader makes one for every value of a spec, and tuples build fast.
    """

    file: str
    line: int | None = None
    column: int | None = None
    path: str = ""  # where the format keeps no lines (JSON, TOML): the data path, e.g. layers[3].conv

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.path}" if self.path else self.file
        return f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"


NOWHERE = Loc("<spec>")


@dataclass(frozen=True, slots=True)
class Common:
    """What every node may carry."""

    name: str | None = None  # its module name; unnamed module children are numbered, as in nn.Sequential
    when: Value = None  # `if:` — a condition; a node whose condition is false acts as identity
    loc: Loc = NOWHERE


@dataclass(frozen=True, slots=True)
class LayerNode:
    kind: str
    fields: Mapping[str, Value]
    field_locs: Mapping[str, Loc]
    common: Common
    functional: bool = False  # applied as a function in the reference code: no module, no module path


@dataclass(frozen=True, slots=True)
class SeqNode:
    children: tuple["Node", ...]
    common: Common


@dataclass(frozen=True, slots=True)
class MergeNode:
    op: str  # "add", "mul" (broadcasting, as a squeeze-excitation scales) or "concat" (along channels)
    branches: tuple["Node", ...]
    common: Common


@dataclass(frozen=True, slots=True)
class RepeatNode:
    times: Value
    var: str  # the loop variable, 0-based, visible in the body
    body: SeqNode
    common: Common


@dataclass(frozen=True, slots=True)
class CallNode:
    block: str
    args: Mapping[str, Value]
    arg_locs: Mapping[str, Loc]
    common: Common


@dataclass(frozen=True, slots=True)
class AuxNode:
    """A side head (an auxiliary classifier): it reads the tensor, runs only in training, and passes it on."""

    body: SeqNode
    common: Common


Node = Union[LayerNode, SeqNode, MergeNode, RepeatNode, CallNode, AuxNode]

REQUIRED = object()  # a block parameter without a default


@dataclass(frozen=True, slots=True)
class BlockDef:
    name: str
    params: Mapping[str, Value]  # name -> default (or REQUIRED)
    body: SeqNode
    loc: Loc = NOWHERE
    inline: bool = False  # its layers join the caller's module instead of forming a module of their own


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    input: tuple[int, ...]  # per sample: (C, H, W) or any rank
    args: Mapping[str, Value]  # top-level parameters with their defaults, overridable (--set)
    blocks: Mapping[str, BlockDef]
    body: SeqNode
    source: str = ""  # the reference implementation it follows
    description: str = ""
    metadata: Mapping[str, Value] = field(default_factory=dict)
    file: str = "<spec>"
    arg_locs: Mapping[str, Loc] = field(default_factory=dict)
    expect: Mapping[str, Value] = field(default_factory=dict)  # budgets the spec carries (cnninspect check)
    expect_locs: Mapping[str, Loc] = field(default_factory=dict)
