"""A diff as tables for the terminal (fitted to its width) and as markdown for a pull request's comment.

The layer, block and totals tables are drawn by summary's writer (render/summary_text.columns); on a terminal the
layer table fits its width as summary's does: layer paths and settings shortened in the middle (…), then columns
left out, and a line says so (render/fit.py). Every text from a spec or a flag is printed inert.
"""

from __future__ import annotations

import os
from fractions import Fraction

from cnninspect.core.diff import Diff, Entry, Total, receptive_field
from cnninspect.core.engine import Row
from cnninspect.inert import inert, markdown_text
from cnninspect.render import figures, fit
from cnninspect.render.summary_text import columns
from cnninspect.render.text import plural

HEADER = ("Change", "Layer", "Type", "Output", "ΔParams", "ΔMACs", "ΔMemory", "RF", "Settings")
BLOCK_HEADER = ("Change", "Block", "Layers", "ΔParams", "ΔMACs", "ΔMemory")
RIGHT = ("ΔParams", "ΔMACs", "ΔMemory", "Layers")
DROPPED_FIRST = ("Type", "ΔMemory", "Output", "RF")  # left out first to fit a terminal, in this order
SHORTEST = {"Layer": 24, "Settings": 16}  # shortened to no fewer cells before a column is left out
SHARE = {"Layer": 4, "Settings": 2}
SHORTENED = {"Layer": "layer paths", "Settings": "settings"}
ARROW = " → "
MINUS = "-"


def render_table(d: Diff, width: int | None = None, show_all: bool = False, color: bool = False) -> str:
    styled = color and os.environ.get("TERM", "").lower() not in ("dumb", "unknown")
    lines = fit.prose(title(d), width)
    for heading, entries in (("", d.layers), ("Auxiliary heads (training only)", d.aux_entries)):
        rows = [layer_cells(e, d) for e in shown(entries, show_all)]
        if not rows:
            continue
        head, rows = _filled(HEADER, rows)
        left_out = []
        if width is not None:
            head, rows, left_out = fitted(head, rows, width)
        lines += columns(*_right(head, rows), heading, styled)
        lines += fit.prose(left_out, width)
    blocks = [block_cells(e) for e in shown(d.blocks, show_all)]
    if blocks and news_blocks(d):
        lines += columns(*_right(BLOCK_HEADER, blocks), "Blocks (top-level modules)", styled)
    cells = [total_cells(t) for t in d.totals]
    lines += columns(*_right(_labels(d, cells, width), cells, (1, 2, 3)), "", styled)
    lines += fit.prose([counts(d, show_all)], width)
    text = "\n".join(line.rstrip() for line in lines)
    while "\n\n\n" in text:  # one blank line between tables
        text = text.replace("\n\n\n", "\n\n")
    return text + "\n"


def _labels(d: Diff, cells: list[tuple[str, ...]], width: int | None) -> tuple[str, ...]:
    """The totals' header: the two models' labels, shortened in the middle (…) where the table would pass `width`."""
    old, new = inert(d.old_label), inert(d.new_label)
    if width is not None:
        widths = [max(fit.cells(row[i]) for row in cells) for i in range(4)]
        room = width - fit.table_width([max(widths[0], 5), 0, 0, max(widths[3], 6)])
        old = fit.shorten(old, max(room // 2, widths[1], SHORTEST["Layer"] // 2), SHARE["Layer"])
        new = fit.shorten(new, max(room - room // 2, widths[2], SHORTEST["Layer"] // 2), SHARE["Layer"])
    return ("Total", old, new, "Change")


def title(d: Diff) -> list[str]:
    a, b = d.old, d.new
    inputs = _pair(figures.shape(a.analysis.input, a.batch), figures.shape(b.analysis.input, b.batch))
    return [f"{inert(d.old_label)}{ARROW}{inert(d.new_label)}",
            f"input {inputs} (batch {b.batch}, {b.dtype}); Δ: new − old"]


def counts(d: Diff, show_all: bool = True) -> str:
    """`7 added, 16 changed; 46 unchanged (hidden: --all shows them)`, or `no changes`; `show_all`: no hint."""
    if d.same:
        return "no changes: every layer and every total is the same"
    found = [f"{d.count(s)} {s}" for s in ("added", "removed", "changed", "renamed") if d.count(s)]
    same = d.count("unchanged")
    hidden = " (hidden: --all shows them)" if same and not show_all else ""
    return ", ".join(found) + (f"; {same} unchanged{hidden}" if same else "")


def news_blocks(d: Diff) -> bool:
    """Whether the blocks say more than the layers do: not when the layers are the top-level modules already."""
    return [e.path for e in d.blocks] != [e.path for e in (*d.layers, *d.aux_entries)]


def shown(entries, show_all: bool) -> list[Entry]:
    return list(entries) if show_all else [e for e in entries if e.status != "unchanged"]


def layer_cells(e: Entry, d: Diff) -> tuple[str, ...]:
    old, new = e.old, e.new
    return (e.status, inert(path(e)), inert(_side(old, new, lambda r: r.type_name)),
            _side(old, new, lambda r: figures.shape(r.output, d.new.batch if r is new else d.old.batch)),
            signed(e.params), signed(e.macs), signed_size(e.activation_bytes), _side(old, new, rf_text),
            inert(settings_text(e)))


def block_cells(e: Entry) -> tuple[str, ...]:
    return (e.status, inert(path(e)), _pair(str(_layers(e.old, e)), str(_layers(e.new, e))), signed(e.params),
            signed(e.macs), signed_size(e.activation_bytes))


def total_cells(t: Total) -> tuple[str, ...]:
    return (t.label, total_value(t, t.old), total_value(t, t.new), total_change(t))


def path(e: Entry) -> str:
    return f"{e.old.path}{ARROW}{e.new.path}" if e.renamed else e.path


def settings_text(e: Entry) -> str:
    """`out 64 → 128, stride 1 → 2`; a folded entry's counts: `7 added, 14 unchanged`."""
    if e.counts:
        return ", ".join(f"{n} {status}" for status, n in e.counts)
    return ", ".join(f"{c.what} {value(c.old)}{ARROW}{value(c.new)}" for c in e.changes)


def value(v: object) -> str:
    """A setting as a spec writes it: 3, 3x3 for one size per axis, true, none."""
    if isinstance(v, bool) or v is None:
        return str(v).lower()
    if isinstance(v, tuple) and all(type(x) is int for x in v):
        return "x".join(map(str, v))
    if isinstance(v, tuple):
        return "(" + ", ".join(map(value, v)) + ")"
    return str(v)


def rf_text(row: Row) -> str:
    return figures.receptive_field(row)[0]


def total_value(t: Total, v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, tuple):
        return figures.shape(v) if v else "-"
    return figures.size(v) if t.key.endswith("bytes") else figures.exact(v)


def total_change(t: Total) -> str:
    """`+10,108,160 (+86.5%)`; for shapes `same` or `changed`."""
    if t.delta is None:
        return "same" if t.old == t.new else "changed"
    if not t.delta:
        return "same"
    amount = signed_size(t.delta) if t.key.endswith("bytes") else signed(t.delta)
    return f"{amount} ({percent(t.old, t.new)})"


def percent(old: int, new: int) -> str:
    """The relative change, exactly rounded (half to even): +86.5%, -3.2%, +102%, +<0.1%; `new` from nothing."""
    if not old:
        return "new"
    share = Fraction((new - old) * 100, old)
    sign, share = ("+" if share > 0 else MINUS), abs(share)
    if share >= 100:
        return f"{sign}{round(share)}%"
    tenths = round(share * 10)
    return f"{sign}{tenths // 10}.{tenths % 10}%" if tenths else f"{sign}<0.1%"


def signed(n: int) -> str:
    return "" if not n else f"{'+' if n > 0 else MINUS}{abs(n):,}"


def signed_size(n: int) -> str:
    return "" if not n else f"{'+' if n > 0 else MINUS}{figures.size(abs(n))}"


def _side(old: Row | None, new: Row | None, show) -> str:
    if old is None or new is None:
        return show(old or new)
    return _pair(show(old), show(new))


def _pair(old: str, new: str) -> str:
    return old if old == new else f"{old}{ARROW}{new}"


def _layers(row: Row | None, e: Entry) -> int:
    """The rows an entry holds on one side: a folded entry's, all but those the other side alone has."""
    if row is None:
        return 0
    if not e.counts:
        return 1
    alone = "added" if row is e.old else "removed"
    return sum(n for status, n in e.counts if status != alone)


def _right(head: tuple[str, ...], rows: list[tuple[str, ...]], right: tuple[int, ...] | None = None):
    """(header, rows) with the numeric columns (by name, or the indices `right`) right-aligned, the header cell too:
    padded here, so that the writer's own padding keeps them."""
    right = [i for i, name in enumerate(head) if name in RIGHT] if right is None else right
    widths = {i: max(fit.cells(row[i]) for row in (head, *rows)) for i in right}

    def pad(row: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(" " * (widths[i] - fit.cells(c)) + c if i in widths else c for i, c in enumerate(row))

    return pad(head), [pad(row) for row in rows]


def _filled(head: tuple[str, ...], rows: list[tuple[str, ...]]):
    """Without the columns no row fills (no settings changed, no memory moved)."""
    keep = [i for i, name in enumerate(head) if i < 2 or any(row[i] for row in rows)]
    return tuple(head[i] for i in keep), [tuple(row[i] for i in keep) for row in rows]


def fitted(head: tuple[str, ...], rows: list[tuple[str, ...]], width: int):
    """(header, rows, note lines) within `width` cells: layer paths and settings shortened in the middle (to SHORTEST
    cells), then the columns of DROPPED_FIRST left out one by one; the note says what went. Numbers are never cut."""
    widths = [max(fit.cells(c) for c in column) for column in zip(head, *rows)]
    for step in range(len(DROPPED_FIRST) + 1):
        keep = [i for i, name in enumerate(head) if name not in DROPPED_FIRST[:step]]
        over = fit.table_width([widths[i] for i in keep]) - width
        room = {i: widths[i] - min(SHORTEST[head[i]], widths[i]) for i in keep if head[i] in SHORTEST}
        if over <= sum(room.values()):
            break
    narrowed = {}
    for index in sorted(room, key=lambda i: head[i] != "Settings"):  # the settings first, then the paths
        take = min(room[index], max(over, 0))
        if take:
            narrowed[index], over = widths[index] - take, over - take
    if len(keep) == len(head) and not narrowed:
        return head, rows, []

    cut, note = fit.narrowed_table(head, keep, narrowed, width, SHARE, SHORTENED)
    return cut(head), list(map(cut, rows)), ["", note]


def render_markdown(d: Diff, show_all: bool = False) -> str:
    """For a pull request's comment: the totals, the blocks, then the layers in a collapsed section."""
    lines = [f"### cnninspect diff: {markdown_text(d.old_label)}{ARROW}{markdown_text(d.new_label)}", "",
             markdown_text(title(d)[1]), "",
             "| | old | new | change |", "|---|---:|---:|---:|"]
    lines += ["| " + " | ".join(total_cells(t)) + " |" for t in d.totals]
    lines += ["", f"**{markdown_text(counts(d, show_all))}**"]
    blocks = shown(d.blocks, show_all)
    if blocks and news_blocks(d):
        lines += ["", "| " + " | ".join(BLOCK_HEADER) + " |", "|---|---|---:|---:|---:|---:|"]
        lines += [_markdown_row(block_cells(e), (1,)) for e in blocks]
    for heading, entries in (("Layers", d.layers), ("Auxiliary heads (training only)", d.aux_entries)):
        rows = shown(entries, show_all)
        if rows:
            lines += ["", f"<details><summary>{heading} ({len(rows)})</summary>", "",
                      "| " + " | ".join(HEADER) + " |", "|---|---|---|---|---:|---:|---:|---|---|"]
            lines += [_markdown_row(layer_cells(e, d), (1, 2, 8)) for e in rows]
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _markdown_row(cells: tuple[str, ...], text: tuple[int, ...]) -> str:
    """Cells are inert already; in the `text` columns (paths, types, settings: text from a spec) markdown's
    punctuation is escaped too (`|` in a path would end a cell)."""
    return "| " + " | ".join(markdown_text(c) if i in text else c for i, c in enumerate(cells)) + " |"
