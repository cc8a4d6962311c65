"""A summary as a fixed-width table with totals, memory and the lint, for the terminal; markdown and CSV beside it.

The table is rich's SIMPLE_HEAD look (a header, a ─ rule, numeric columns right-aligned, no padding at the edges),
written here as plain string work so that its cost is linear in the rows: each column takes the width its widest
cell needs, and nothing is ever wrapped or cut. On a terminal the header is bold and the auxiliary heads' title
italic, byte for byte as rich wrote them. Every text that came from a spec or a flag is printed inert.
"""

from __future__ import annotations

import csv
import io
import os

from cnninspect.core import lint
from cnninspect.core.engine import Row
from cnninspect.core.summary import Summary
from cnninspect.inert import csv_cell, inert, markdown_text
from cnninspect.render import figures, fit
from cnninspect.render.formula import worked
from cnninspect.render.lint_text import axes_lint
from cnninspect.render.torch_text import mark
from cnninspect.render.text import axis_labels

HEADER = ("Layer", "Type", "Output", "Memory", "Params", "MACs", "RF", "Jump", "Lint")
NUMERIC = range(3, 8)  # right-aligned columns
TRAIN = ("Saved", "Bwd MACs")  # --train: after MACs, what autograd saves and the backward's MACs
RIGHT = (*HEADER[3:8], *TRAIN)  # the same by name, wherever they stand once some are left out
AUX_TITLE = "Auxiliary heads (training only, not in the inference totals)"
# what the table leaves out first to fit a terminal, in order (Bwd MACs: with --train)
DROPPED_FIRST = ("Jump", "RF", "Memory", "Type", "Bwd MACs")
SHORTEST = {"Layer": 24, "Type": 12}  # the text columns shortened before a column is left out, to no fewer cells...
LEAST = 8  # ...and to no fewer at all
SHORTENED = {"Layer": "layer paths", "Type": "type names"}
SHARE = {"Layer": 4, "Type": 2}  # the part of a shortened cell kept from its start (fit.shorten)
BOLD, ITALIC, RESET = "\x1b[1m", "\x1b[3m", "\x1b[0m"


def cells(row: Row, summary: Summary, marks: dict[str, bool] | None = None, train=None) -> tuple[str, ...]:
    """A row's cells, its path and type inert; with `marks` (from `torch_marks`), a last ✓/✗ cell; with `train`
    (a TrainView), the saved bytes and backward MACs after the MACs."""
    rf, jump = figures.receptive_field(row)
    extra = ()
    if train is not None:
        saved, backward = train.figures(row)
        extra = (figures.size(saved), figures.exact(backward))
    kind = inert(row.type_name) + (" (shared)" if row.shared else "")  # a module used again: its params counted once
    found = (inert(row.path), kind, figures.shape(row.output, summary.batch),
             figures.size(summary.output_bytes(row)), figures.exact(row.params),
             figures.exact(row.macs * summary.batch), *extra, rf, jump, lint.mark(row))
    if marks is None:
        return found
    return (*found, mark(row, {row.path: marks[row.path]} if row.path in marks else {}))


def torch_marks(checks: dict[str, bool] | None) -> dict[str, bool] | None:
    """Path or path prefix -> whether torch agreed on every module at or under it: what `mark` looks for among
    `checks` (the path itself, or one below it after a '.'), gathered once, so each row finds it in one step."""
    if checks is None:
        return None
    marks: dict[str, bool] = {}
    for path, ok in checks.items():
        end = len(path)
        while end > 0:
            prefix = path[:end]
            marks[prefix] = marks.get(prefix, True) and ok
            end = path.rfind(".", 0, end)
    return marks


def header(checks: dict[str, bool] | None, train=None) -> tuple[str, ...]:
    head = HEADER if train is None else (*HEADER[:6], *TRAIN, *HEADER[6:])
    return head if checks is None else (*head, "Torch")


def render_table(summary: Summary, color: bool = False, checks: dict[str, bool] | None = None,
                 notes: list[str] | tuple[str, ...] = (), width: int | None = None, train=None) -> str:
    """`color`: the output is a terminal (a dumb one shows no styles). `checks` adds the torch column, `notes`
    lines after the totals (the cross-check's verdict, the timing). `width`: the terminal's, which every line then
    fits (`fitted`: columns left out, paths shortened, prose wrapped between words); None: no limit."""
    styled = color and os.environ.get("TERM", "").lower() not in ("dumb", "unknown")
    marks = torch_marks(checks)
    tables = [(title, [cells(row, summary, marks, train) for row in rows])
              for title, rows in (("", summary.rows), (AUX_TITLE, summary.aux_rows)) if rows]
    head, left_out = header(checks, train), []
    if width is not None:
        head, tables, left_out = fitted(head, tables, width)
    lines = fit.prose(_title(summary).split("\n"), width)
    for title, rows in tables:
        lines += columns(head, rows, title, styled)
    lines += fit.prose([*left_out, *_totals(summary), *_train_lines(train), *map(inert, notes), *_lint(summary)], width)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def fitted(head: tuple[str, ...], tables: list[tuple[str, list[tuple[str, ...]]]], width: int):
    """(header, tables, note lines) within `width` cells: layer paths, then type names, shortened in the middle
    (down to SHORTEST cells), then the columns of DROPPED_FIRST left out one by one, until the table fits; the
    note says what went. Numbers are never shortened."""
    keep, narrowed = plan(head, [row for _, rows in tables for row in rows], width)
    if len(keep) == len(head) and not narrowed:
        return head, tables, []

    cut, note = fit.narrowed_table(head, keep, narrowed, width, SHARE, SHORTENED)
    return cut(head), [(title, list(map(cut, rows))) for title, rows in tables], [note]


def plan(head: tuple[str, ...], rows: list[tuple[str, ...]], width: int) -> tuple[list[int], dict[int, int]]:
    """(the columns kept, {column: the cells its text is shortened to}) for the table to fit `width` cells."""
    widths = [max(fit.cells(cell) for cell in column) for column in zip(head, *rows)]
    for step in range(len(DROPPED_FIRST) + 1):
        keep = [i for i, name in enumerate(head) if name not in DROPPED_FIRST[:step]]
        over = fit.table_width([widths[i] for i in keep]) - width
        room = {i: widths[i] - min(SHORTEST[head[i]], widths[i]) for i in keep if head[i] in SHORTEST}
        if over <= sum(room.values()):
            break
    else:  # narrower still if that fits; if nothing does, the lines pass the width with names as legible as before
        least = {i: widths[i] - min(LEAST, widths[i]) for i in keep if head[i] in SHORTEST}
        room = least if over <= sum(least.values()) else room
    narrowed = {}
    for index, spare in room.items():  # the paths first, then the types
        take = min(spare, max(over, 0))
        if take:
            narrowed[index], over = widths[index] - take, over - take
    return keep, narrowed


def columns(head: tuple[str, ...], rows: list[tuple[str, ...]], title: str = "", styled: bool = False) -> list[str]:
    """The table's lines: the title if any, a blank line, the header, the rule, one line per row, a blank line.
    Columns are three spaces apart behind one space of margin. `styled`: the header bold and the title italic,
    as rich wrote them."""
    head, *body = zip(*(_justify(column, column[0] in RIGHT) for column in zip(head, *rows)))
    inner = sum(map(len, head)) + 3 * (len(head) - 1)  # the rule's length (the header is ASCII)
    lines = [f"{ITALIC}{title.ljust(inner + 2)}{RESET}" if styled else title] if title else []
    lines += ["", _bold(head) if styled else " " + "   ".join(head), " " + "─" * inner]
    lines += [" " + "   ".join(line) for line in body]
    return [*lines, ""]


def _justify(column: tuple[str, ...], right: bool) -> list[str]:
    """A column's cells padded to the widest, counted in terminal cells: one a character in ASCII; beyond it, as
    rich counts them (a wide character two, a combining one none)."""
    if "".join(column).isascii():
        width = max(map(len, column))
        return [cell.rjust(width) for cell in column] if right else [cell.ljust(width) for cell in column]
    from rich.cells import cell_len

    widths = [cell_len(cell) for cell in column]
    width = max(widths)
    pads = [" " * (width - cell_width) for cell_width in widths]
    return [pad + cell for pad, cell in zip(pads, column)] if right else [cell + pad for cell, pad in zip(column, pads)]


def _bold(head: tuple[str, ...]) -> str:
    """rich's bytes: each cell and each cell's padding a bold span of its own, the dividers plain."""
    pad, last = f"{BOLD} {RESET}", len(head) - 1
    return " " + " ".join(f"{pad if i else ''}{BOLD}{name}{RESET}{pad if i < last else ''}"
                          for i, name in enumerate(head))


def render_markdown(summary: Summary, checks: dict[str, bool] | None = None,
                    notes: list[str] | tuple[str, ...] = (), train=None) -> str:
    head, marks = header(checks, train), torch_marks(checks)
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines = [f"# {markdown_text(summary.analysis.model.name)}", "", _title(summary).split("\n", 1)[-1], "", *table]
    lines += [_markdown_row(row, summary, marks, train) for row in summary.rows]
    if summary.aux_rows:
        lines += ["", f"{AUX_TITLE}:", "", *table]
        lines += [_markdown_row(row, summary, marks, train) for row in summary.aux_rows]
    lines += ["", "```", *_totals(summary), *_train_lines(train), *map(inert, notes), *_lint(summary), "```"]
    return "\n".join(lines) + "\n"


def _markdown_row(row: Row, summary: Summary, marks: dict[str, bool] | None, train=None) -> str:
    numbers = cells(row, summary, marks, train)[2:]  # the text cells are escaped for markdown instead
    return "| " + " | ".join((markdown_text(row.path), markdown_text(row.type_name), *numbers)) + " |"


def render_csv(summary: Summary, train=None) -> str:
    """One line per layer, raw numbers: path, type, input and output shapes, params, buffers, MACs, ops, ...;
    with `train`, saved_bytes and backward_macs last."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["path", "type", "aux", "input", "output", "output_bytes", "params", "buffers", "macs", "ops",
                     "receptive_field", "jump", "lint", *(("saved_bytes", "backward_macs") if train else ())])
    for row in (*summary.rows, *summary.aux_rows):
        rf, jump = figures.receptive_field(row)
        writer.writerow([csv_cell(row.path), csv_cell(row.type_name), int(row.aux),
                         figures.shape(row.input, summary.batch), figures.shape(row.output, summary.batch),
                         summary.output_bytes(row), row.params, row.buffers, row.macs * summary.batch,
                         row.ops * summary.batch, rf, jump, lint.mark(row),
                         *(train.figures(row) if train else ())])
    return out.getvalue()


def render_explain(summary: Summary) -> str:
    """The teaching view: every windowed layer's output size worked out with its numbers."""
    lines = [_title(summary), ""]
    for row in (r for r in summary.analysis.rows if r.windows):
        lines.append(f"{inert(row.path)} ({inert(row.type_name)}): {figures.shape(row.input[1:])} → "
                     f"{figures.shape(row.output[1:])}")
        labels, axes = axis_labels(len(row.windows)), list(zip(row.windows, row.input[1:]))
        if len(set(axes)) == 1:  # every axis alike: say it once
            labels, axes = ("",), axes[:1]
        for label, (axis, n) in zip(labels, axes):
            lines.append(f"  {label + ': ' if label else ''}{worked(axis, n)}")
    return "\n".join(lines) + "\n"


def _title(summary: Summary) -> str:
    model = summary.analysis.model
    source = f" — {inert(model.source)}" if model.source else ""
    from cnninspect.spell import spell

    given = ", ".join(f"{inert(name)}={inert(spell(value))}" for name, value in summary.settings)  # --set
    given = f"\nset {given}" if given else ""
    inputs = summary.analysis.inputs
    shown = (f"input {figures.shape(summary.analysis.input, summary.batch)}" if len(inputs) < 2 else  # `inputs:`
             "inputs " + ", ".join(f"{inert(name)} {figures.shape(shape, summary.batch)}" for name, shape in inputs))
    return f"{inert(model.name)}{source}{given}\n{shown} (batch {summary.batch}, {summary.dtype})"


def _totals(summary: Summary) -> list[str]:
    t, analysis = summary.totals, summary.analysis
    aux = f" (auxiliary heads: {figures.exact(t.aux_params)})" if t.aux_params else ""
    lines = [
        f"parameters   {figures.exact(t.params)} ({figures.human(t.params)}){aux}; buffers {figures.exact(t.buffers)}",
        f"MACs         {figures.exact(t.macs)} ({figures.human(t.macs)}): conv and linear, as FlopCounterMode",
        f"FLOPs        {figures.exact(t.flops)} ({figures.human(t.flops)}): 2 × MACs",
        f"other ops    {figures.exact(t.ops)} ({figures.human(t.ops)}): bias, norms, activations, pooling, merges",
    ]
    if t.aux_macs:
        lines.append(f"aux heads    {figures.exact(t.aux_macs)} MACs in training only")
    last = summary.receptive_row
    rf = (f"; receptive field {figures.receptive_field(last)[0]} (jump {figures.receptive_field(last)[1]}) "
          f"at {inert(last.path)}") if last else ""
    lines += [
        f"memory       parameters {figures.size(t.param_bytes)}, input {figures.size(t.input_bytes)}, "
        f"activations {figures.size(t.activation_bytes)} (every output kept), "
        f"largest {figures.size(t.largest_activation_bytes)}",
        f"output       {figures.shape(analysis.output, summary.batch)}{rf}",
    ]
    return ["", *lines]


def _train_lines(train) -> list[str]:
    if train is None:
        return []
    from cnninspect.render.training_text import lines
    return lines(train)


def _lint(summary: Summary) -> list[str]:
    """Only layers that never read some of their input: padding-only remainders stay a '~' in the table."""
    lines = []
    for row in summary.analysis.rows:
        if not lint.never_reads(row):
            continue
        notes = [line for line in axes_lint(row.windows, row.input[1:], row.coverage) if line.startswith("!")]
        lines.append(f"{inert(row.path)} ({inert(row.type_name)}, {inert(row.loc)}):")
        lines += [f"  {note}" for note in notes]
    return ["", "lint", *lines] if lines else []
