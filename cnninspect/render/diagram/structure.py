"""What a diagram shows, from an analysis: boxes (a layer, a merge, or a block folded at a depth, repeated
blocks folded once more with ×N), how they compose (sequences, forks that merge, auxiliary heads on the side)
and the edges between them, each with the tensor's shape.

The composition comes from the analysis's program (its Merge and Aux steps); the blocks from the module paths
(fold.py). Every figure of a box is the sum over the rows it stands for, so folded boxes add up to the
unfolded ones.
"""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core.engine import Analysis, Aux, Merge, Row
from cnninspect.core.paired import Paired
from cnninspect.core.layers.base import Shape
from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.core.graph import REQUIRED
from cnninspect.render import figures

GROUPS = ("conv", "pool", "norm", "activation", "linear", "merge", "other", "block")
_FAMILY = {"conv": "conv", "pool": "pool", "norm": "norm", "activation": "activation"}  # layers/<module>.py


class Box(NamedTuple):
    id: str
    rows: tuple[int, ...]  # the analysis rows it stands for, every repeat included
    label: str  # the module path, or the folded block's (first … last ×N)
    type_name: str  # the PyTorch class, the merge's op, or "block"
    group: str  # one of GROUPS: the colour
    settings: str  # the layer's fields that differ from their defaults, or what a block holds
    params: int  # sums over `rows`
    macs: int
    lint: str  # "!" (input never read), "~" (only padding), or ""
    times: int  # ×N: how many identical blocks it stands for
    input: Shape
    output: Shape
    aux: bool


class Seq(NamedTuple):
    items: tuple  # of Box, Fork, Side


class Fork(NamedTuple):
    id: str
    op: str
    branches: tuple[Seq, ...]
    merge: Box


class Side(NamedTuple):
    """An auxiliary head: it reads the tensor, ends in an output of its own, and the main line passes on."""

    id: str
    body: Seq


class Edge(NamedTuple):
    source: str  # a box id, "input", or a Side's id for its output
    target: str  # a box id, "output", or "<side id>.out"
    shape: Shape
    role: str  # "seq", "fork" (into a branch), "join" (into a merge), "skip" (an empty branch), "aux" (into a head)
    lane: str = ""  # for "skip": the fork's id and branch index, "F3:1"


class Diagram(NamedTuple):
    name: str
    input: Shape
    output: Shape
    body: Seq
    boxes: tuple[Box, ...]  # every box, in forward order
    edges: tuple[Edge, ...]
    depth: int | None


def diagram(analysis: Analysis, depth: int | None = None, whole: Diagram | None = None) -> Diagram:
    """The drawing of `analysis`, folded at `depth`; `whole`, its unfolded drawing if already made, is reused
    (the same boxes: a page that offers several depths builds them once)."""
    rows = analysis.rows
    ids = Ids()
    if whole is not None:
        body = whole.body
        ids.count = _steps(body)
    else:
        body = _sequence(analysis.program, rows, ids)
    if depth is not None:
        from cnninspect.render.diagram.fold import fold  # it builds on this module's records

        body = fold(body, rows, depth, ids)
    boxes: list[Box] = []
    edges: list[Edge] = []
    end = _walk(body, ("input", analysis.input), edges, boxes)
    edges.append(Edge(end[0], "output", end[1], "seq"))
    return Diagram(analysis.model.name, analysis.input, analysis.output, body, tuple(boxes), tuple(edges), depth)


class Ids:
    """The ids of forks (F), heads (A), blocks (b) and folded repeats (r), numbered in the order made."""

    def __init__(self) -> None:
        self.count = 0

    def next(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"


def _sequence(program, rows: tuple[Row, ...], ids: Ids) -> Seq:
    items = []
    for step in program:
        if type(step) is int or type(step) is Paired:  # Paired: a max unpool (its pool's indices come by path)
            index = step if type(step) is int else step.row
            items.append(layer_box(rows[index], index, f"n{index}"))
        elif isinstance(step, Merge):
            branches = tuple(_sequence(branch, rows, ids) for branch in step.branches)
            items.append(Fork(ids.next("F"), step.op, branches, layer_box(rows[step.row], step.row, f"n{step.row}")))
        elif isinstance(step, Aux):
            items.append(Side(ids.next("A"), _sequence(step.body, rows, ids)))
    return Seq(tuple(items))


def _steps(seq: Seq) -> int:
    """The forks and heads in `seq`: the ids _sequence gave out."""
    count = 0
    for item in seq.items:
        if isinstance(item, Fork):
            count += 1 + sum(_steps(branch) for branch in item.branches)
        elif isinstance(item, Side):
            count += 1 + _steps(item.body)
    return count


def layer_box(row: Row, index: int, box_id: str) -> Box:
    return Box(box_id, (index,), row.path, row.type_name, group(row), settings(row), row.params, row.macs,
               figures.lint_mark(row), 1, row.input, row.output, row.aux)


def group(row: Row) -> str:
    """The colour group: a merge, else the layer family of its rule's module (layers/conv.py, pool.py, ...); in
    dense.py a layer with weights is a linear one, the rest (flatten, dropout, identity, upsample) other."""
    if row.settings is None:
        return "merge"
    family = BY_NAME[row.kind].rule.__module__.rpartition(".")[2]
    if family == "dense":
        return "linear" if row.params else "other"
    return _FAMILY.get(family, "other")


def settings(row: Row) -> str:
    """The fields a spec set away from their defaults, `kernel 3 · stride 2 · no bias · ceil_mode`; merges: what
    they do."""
    if row.settings is None:
        return {"concat": "along channels"}.get(row.kind, "")
    fields = BY_NAME[row.kind].fields
    values = row.settings._values
    parts = []
    for name, value in values.items():
        field = fields.get(name)
        default = field.default if field is not None else None
        if value is None or (default is not REQUIRED and _same(value, default)):
            continue
        parts.append(name if value is True else f"no {name}" if value is False else f"{name} {_value(value)}")
    return " · ".join(parts)


def _same(value, default) -> bool:
    if isinstance(value, tuple) and not isinstance(default, tuple):
        return all(v == default for v in value)
    return value == default


def _value(value) -> str:
    if isinstance(value, tuple):
        return str(value[0]) if len(set(value)) == 1 else "x".join(map(str, value))
    return str(value)


def _walk(seq: Seq, at: tuple[str, Shape], edges: list[Edge], boxes: list[Box]) -> tuple[str, Shape]:
    """Edges of `seq` fed by `at` (the producing box's id and the tensor's shape); returns what it produces."""
    for item in seq.items:
        if isinstance(item, Box):
            edges.append(Edge(at[0], item.id, at[1], "seq"))
            boxes.append(item)
            at = (item.id, item.output)
        elif isinstance(item, Fork):
            ends = []
            for index, branch in enumerate(item.branches):
                if not branch.items:
                    ends.append((at, f"{item.id}:{index}"))
                    continue
                first = len(edges)
                end = _walk(branch, at, edges, boxes)
                edges[first] = edges[first]._replace(role="fork")
                ends.append((end, ""))
            edges.extend(Edge(end[0], item.merge.id, end[1], "skip" if lane else "join", lane) for end, lane in ends)
            boxes.append(item.merge)
            at = (item.merge.id, item.merge.output)
        else:  # Side
            first = len(edges)
            end = _walk(item.body, at, edges, boxes)
            if len(edges) > first:
                edges[first] = edges[first]._replace(role="aux")
                edges.append(Edge(end[0], f"{item.id}.out", end[1], "seq"))
    return at
