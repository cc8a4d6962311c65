"""The program an analysis is: its steps, its rows, and what one step does to a tensor.

A walk of the spec (core/engine.py) writes the program as it goes and a replay (core/plan.py) runs it again at
another input size; both do a layer step with `run_layer` and a merge with `run_merge`, so they are one
program, not two interpreters that could drift apart.
"""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core import receptive, window
from cnninspect.core.coverage import Coverage, coverage
from cnninspect.core.graph import Loc, Model
from cnninspect.core.layers.base import LayerKind, Params, Shape
from cnninspect.core.merge import merge_shape
from cnninspect.core.receptive import Axes, Footprint
from cnninspect.core.window import AxisWindow

MAX_RULES = 8192  # rule results kept: a few hundred models' worth of distinct layers


class Row(NamedTuple):
    """One layer application (or one merge) in forward order."""

    path: str
    kind: str  # the spec's kind: conv, add, ...
    type_name: str  # the PyTorch class: Conv2d, ... ('add', 'concat' for merges)
    input: Shape
    output: Shape
    params: int
    buffers: int
    macs: int
    ops: int
    footprint: tuple[Footprint, ...] | None  # per spatial axis; None once every output reads the whole input
    coverage: tuple[Coverage, ...]  # windowed layers only: how the windows cover each axis
    windows: tuple[AxisWindow, ...]  # windowed layers only, for the worked formulas
    aux: bool  # inside an auxiliary head: runs in training only
    module: bool  # a module in PyTorch (False: applied as a function, or a merge)
    loc: Loc
    settings: Params | None = None  # the layer's evaluated fields (None for merges)
    shared: bool = False  # a module applied again (`share`): its parameters are counted at its first use only


class Merge(NamedTuple):
    """A step: run each branch on the same input, then add or concatenate (row: the merge's Row)."""

    op: str
    branches: tuple["Program", ...]
    row: int


class Aux(NamedTuple):
    """A step: a head that reads the tensor in training and passes it on unchanged."""

    body: "Program"


Program = tuple  # of steps: a Row's index (run that layer), a Merge, an Aux, a Read (core/refs.py) or a Paired (core/paired.py)


class Tensor(NamedTuple):
    shape: Shape
    axes: Axes  # None once every output reads every input position
    source: int = -1  # the step that made it: a row's index, or -1 - k for the model's input k


class Analysis(NamedTuple):
    model: Model
    input: Shape
    output: Shape
    footprint: tuple[Footprint, ...] | None
    rows: tuple[Row, ...]
    program: Program  # how the rows compose: what a builder needs to run them (cnninspect.torch_backend)
    inputs: tuple[tuple[str, Shape], ...] = ()  # every input, by name, in the order a forward pass takes them
    reads: frozenset = frozenset()  # the steps whose outputs a Read takes again: a builder keeps those


def start(shape: Shape, source: int = -1) -> Tensor:
    """The network's input k (source -1 - k): each spatial position reads itself."""
    return Tensor(shape, receptive.start(shape), source)


def run_layer(kind: LayerKind, settings: Params, x: Tensor, path: str, aux: bool, module: bool, loc: Loc,
              shared: bool, index: int) -> tuple[Row, Tensor]:
    """A layer step: the kind's rule on the tensor, its row, and the tensor it makes (as step `index`).
    InputError where the rule refuses the input, unlocated (the caller knows where the layer is)."""
    out, windows, covers = _applied(kind, settings, x.shape)
    axes = receptive.through(x.axes, out.spatial, out.shape)
    params, buffers = (0, 0) if shared else (out.params, out.buffers)  # a shared module's are its first use's
    row = Row(path, kind.name, out.type_name, x.shape, out.shape, params, buffers, out.macs, out.ops,
              receptive.shown(axes), covers, windows, aux, module, loc, settings, shared)
    return row, Tensor(out.shape, axes, index)


def run_merge(op: str, x: Tensor, outs: list[Tensor], path: str, aux: bool, loc: Loc,
              index: int) -> tuple[Row, Tensor]:
    """A merge step: the branches' outputs added, multiplied or concatenated."""
    shape, ops = merge_shape(op, [o.shape for o in outs])
    axes = receptive.merged([(o.shape, o.axes) for o in outs], shape)
    row = Row(path, op, op, x.shape, shape, 0, 0, 0, ops, receptive.shown(axes), (), (), aux, False, loc)
    return row, Tensor(shape, axes, index)


def has_state(row_or_out) -> bool:
    """Whether a layer holds parameters or buffers: what decides if a module may repeat a name."""
    return bool(row_or_out.params or row_or_out.buffers)


def _applied(kind: LayerKind, params: Params, shape: Shape) -> tuple:
    """A layer kind's rule on `shape`, with the windows it uses and how they cover each axis; kept, being pure."""
    key = (kind.name, params.key(), shape)
    found = _RULES.get(key)
    if found is None:
        out = kind.rule(params, shape)
        per_axis = out.spatial if type(out.spatial) is tuple else ()
        windows = tuple(a for a in per_axis if isinstance(a, AxisWindow))
        found = out, windows, tuple(coverage(a, n) for a, n in zip(windows, shape[1:]))
        if len(_RULES) >= MAX_RULES:
            _RULES.clear()
        _RULES[key] = found
    return found


def clear_rules() -> None:
    _RULES.clear()
    window.clear_caches()
    coverage.cache_clear()


_RULES: dict = {}  # (kind, settings, input shape) -> (RuleOut, windows, coverage)
