"""An architecture as the engine sees it: a tree of layer, sequence, merge, repeat, block-call and aux nodes,
with references to earlier outputs (`from`) and shared modules (`share`) that make it a DAG.

The spec loader builds it from a file; values may still be expressions (strings) that the engine evaluates
as it walks, because they can depend on the incoming tensor (`in_channels`) and on block arguments.

Records are NamedTuples rather than dataclasses here and throughout the core: a frozen dataclass costs about
0.7 ms to define and builds its instances slowly, and both show in every command's start-up and every walk.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping, NamedTuple, Union

Value = Union[int, bool, float, str, None, tuple]  # raw spec values; strings in integer fields are expressions


class Loc(NamedTuple):
    """Where a node was written: file, and line and column where the format gives them (YAML does)."""

    file: str
    line: int | None = None
    column: int | None = None
    path: str = ""  # where the format keeps no lines (JSON, TOML): the data path, e.g. layers[3].conv

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.path}" if self.path else self.file
        return f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"


NOWHERE = Loc("<spec>")
_NOTHING: Mapping = MappingProxyType({})  # a default mapping no one can change


class Common(NamedTuple):
    """What every node may carry."""

    name: str | None = None  # its module name; unnamed module children are numbered, as in nn.Sequential
    when: Value = None  # `if:` — a condition; a node whose condition is false acts as identity
    loc: Loc = NOWHERE
    source: str | None = None  # `from:` — the path of an earlier output the node reads instead (core/refs.py)
    label: str | None = None  # `as:` — a name for the node's output alone, not a module's (core/refs.py)


class LayerNode(NamedTuple):
    kind: str
    fields: Mapping[str, Value]
    field_locs: Mapping[str, Loc]
    common: Common
    functional: bool = False  # applied as a function in the reference code: no module, no module path


class SeqNode(NamedTuple):
    children: tuple["Node", ...]
    common: Common


class MergeNode(NamedTuple):
    op: str  # "add", "mul" (broadcasting, as a squeeze-excitation scales) or "concat" (along channels)
    branches: tuple["Node", ...]
    common: Common


class RepeatNode(NamedTuple):
    times: Value
    var: str  # the loop variable, 0-based, visible in the body
    body: SeqNode
    common: Common


class CallNode(NamedTuple):
    block: str
    args: Mapping[str, Value]
    arg_locs: Mapping[str, Loc]
    common: Common


class RefNode(NamedTuple):
    """`- from: PATH`: the tensor becomes an earlier output (core/refs.py); as a merge's branch, that output."""

    path: str
    common: Common
    key: str = "from"  # how the spec wrote it: `from`, or a merge's `inputs`


class ShareNode(NamedTuple):
    """`- share: PATH`: the layer module at PATH applied again, its parameters shared (core/refs.py)."""

    path: str
    common: Common


class AuxNode(NamedTuple):
    """A side head (an auxiliary classifier): it reads the tensor, runs only in training, and passes it on."""

    body: SeqNode
    common: Common


Node = Union[LayerNode, SeqNode, MergeNode, RepeatNode, CallNode, AuxNode, RefNode, ShareNode]

REQUIRED = object()  # a block parameter without a default


class BlockDef(NamedTuple):
    name: str
    params: Mapping[str, Value]  # name -> default (or REQUIRED)
    body: SeqNode
    loc: Loc = NOWHERE
    inline: bool = False  # its layers join the caller's module instead of forming a module of their own


class Model(NamedTuple):
    name: str
    input: tuple[int, ...]  # per sample: (C, H, W) or any rank
    args: Mapping[str, Value]  # top-level parameters with their defaults, overridable (--set)
    blocks: Mapping[str, BlockDef]
    body: SeqNode
    source: str = ""  # the reference implementation it follows
    description: str = ""
    metadata: Mapping[str, Value] = _NOTHING
    file: str = "<spec>"
    arg_locs: Mapping[str, Loc] = _NOTHING
    expect: Mapping[str, Value] = _NOTHING  # budgets the spec carries (cnninspect check)
    expect_locs: Mapping[str, Loc] = _NOTHING
    ranks: tuple[int, ...] = ()  # the input ranks it is written for (axes of one sample, channels included); (): any
    inputs: tuple[tuple[str, tuple[int, ...]], ...] = ()  # `inputs:` name and shape of each; (): one, `input`
