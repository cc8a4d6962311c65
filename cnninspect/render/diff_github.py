"""`cnninspect diff --format github`: workflow-command annotations (`::notice file=F,line=L,...::message`) on the
lines of the new spec that the changed layers come from, so that a pull request shows them beside its diff; then
one plain line with the counts and the totals that moved.

Each layer's line is its Loc where the new spec's own file writes it (a layer inside a block written there: the
block's line, once for every call); a layer from an included file is told at the line of the new spec's top-level
statement it comes from (`- basic_stage: {name: layer1, ...}`), found by its module path's first name. Layers that
share a line share one annotation (GitHub shows only a few per step). A removed layer has no line in the new spec:
it is told at the line of the layer that now stands where it stood."""

from __future__ import annotations

from cnninspect.core.diff import Diff, Entry
from cnninspect.core.graph import Loc
from cnninspect.inert import inert
from cnninspect.render.check_ci import annotation
from cnninspect.render.diff_text import ARROW, counts, path, settings_text, signed, signed_size, total_change

TITLE = "cnninspect diff"
MOST_PATHS = 5  # layer paths named in one annotation


def render_github(d: Diff) -> str:
    at: dict[tuple, list[Entry]] = {}
    model = d.new.analysis.model
    top = _top_level(model)
    for entries in (d.entries, d.aux_entries):
        for index, e in enumerate(entries):
            if e.status != "unchanged":
                loc = _loc(entries, index, d)
                if loc.file != model.file:
                    loc = top.get(loc_path(entries, index).split(".")[0], loc)
                at.setdefault((loc.file, loc.line, loc.column), []).append(e)
    lines = [annotation(Loc(*key), message(group), "notice", TITLE) for key, group in at.items()]
    moved = [f"{t.label} {total_change(t)}" for t in d.totals if t.old != t.new]
    lines.append(inert(f"{d.old_label}{ARROW}{d.new_label}: {counts(d)}"
                       + (f"; {', '.join(moved)}" if moved else "")))
    return "\n".join(lines) + "\n"


def _loc(entries: tuple[Entry, ...], index: int, d: Diff) -> Loc:
    """The new spec's line for an entry: its own; for a removed layer, the next layer's in the new spec (else the
    one before); the new spec's file where there is none."""
    order = [*range(index, len(entries)), *range(index - 1, -1, -1)]
    row = next((entries[i].new for i in order if entries[i].new is not None), None)
    return row.loc if row is not None else Loc(d.new.analysis.model.file)


def loc_path(entries: tuple[Entry, ...], index: int) -> str:
    """The module path whose line an entry is told at (see _loc)."""
    order = [*range(index, len(entries)), *range(index - 1, -1, -1)]
    return next((entries[i].new.path for i in order if entries[i].new is not None), entries[index].path)


def _top_level(model) -> dict[str, Loc]:
    """The first name of a module path -> the line of the spec's own top-level statement that names it."""
    found = {}
    for node in model.body.children:
        name = node.common.name
        if isinstance(name, str) and "{" not in name and node.common.loc.file == model.file:
            found.setdefault(name, node.common.loc)
    return found


def message(group: list[Entry]) -> str:
    """`layer1.2.conv1 (Conv2d) added: params +36,864, MACs +115,605,504`; several: by status, then the sums."""
    figures = _figures(sum(e.params for e in group), sum(e.macs for e in group),
                       sum(e.activation_bytes for e in group))
    if len(group) == 1:
        e = group[0]
        what = settings_text(e)
        row = e.new or e.old
        return inert(f"{path(e)} ({row.type_name}) {e.status}" + (f": {what}" if what else "")
                     + (f"; {figures}" if figures else ""))
    parts = []
    for status in ("added", "removed", "changed", "renamed"):
        paths = [path(e) for e in group if e.status == status]
        if paths:
            more = f" and {len(paths) - MOST_PATHS} more" if len(paths) > MOST_PATHS else ""
            parts.append(f"{len(paths)} {status} ({', '.join(paths[:MOST_PATHS])}{more})")
    return inert(f"{len(group)} layers from this line: {'; '.join(parts)}" + (f"; {figures}" if figures else ""))


def _figures(params: int, macs: int, memory: int) -> str:
    found = [f"params {signed(params)}" if params else "", f"MACs {signed(macs)}" if macs else "",
             f"activation memory {signed_size(memory)}" if memory else ""]
    return ", ".join(f for f in found if f)
