"""A summary as a rich table with totals, memory and the lint, for the terminal; markdown and CSV beside it."""

from __future__ import annotations

import csv
import io

from cnninspect.core.engine import Row
from cnninspect.core.summary import Summary
from cnninspect.render import figures
from cnninspect.render.formula import worked
from cnninspect.render.lint_text import axes_lint
from cnninspect.render.torch_text import mark
from cnninspect.render.text import axis_labels

HEADER = ("Layer", "Type", "Output", "Memory", "Params", "MACs", "RF", "Jump", "Lint")
NUMERIC = range(3, 8)  # right-aligned columns


def cells(row: Row, summary: Summary, checks: dict[str, bool] | None = None) -> tuple[str, ...]:
    """A row's cells; with `checks` (a cross-check against torch), a last ✓/✗ cell."""
    rf, jump = figures.receptive_field(row)
    found = (row.path, row.type_name, figures.shape(row.output, summary.batch), figures.size(summary.output_bytes(row)),
             figures.exact(row.params), figures.exact(row.macs * summary.batch), rf, jump, figures.lint_mark(row))
    return found if checks is None else (*found, mark(row, checks))


def header(checks: dict[str, bool] | None) -> tuple[str, ...]:
    return HEADER if checks is None else (*HEADER, "Torch")


def render_table(summary: Summary, color: bool = False, checks: dict[str, bool] | None = None,
                 notes: list[str] | tuple[str, ...] = ()) -> str:
    """The table takes the width its cells need (the console is wide enough never to wrap them). `checks` adds
    the torch column, `notes` lines after the totals (the cross-check's verdict, the timing)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(file=io.StringIO(), width=400, color_system="auto" if color else None,
                      force_terminal=color, highlight=False, soft_wrap=False)
    console.print(_title(summary), highlight=False)
    for title, rows in (("", summary.rows), ("Auxiliary heads (training only, not in the inference totals)",
                                             summary.aux_rows)):
        if not rows:
            continue
        table = Table(box=box.SIMPLE_HEAD, title=title or None, title_justify="left", pad_edge=False)
        for index, name in enumerate(header(checks)):
            table.add_column(name, justify="right" if index in NUMERIC else "left", no_wrap=True)
        for row in rows:
            table.add_row(*cells(row, summary, checks))
        console.print(table)
    console.print("\n".join(_totals(summary) + list(notes) + _lint(summary)), highlight=False)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines()) + "\n"


def render_markdown(summary: Summary, checks: dict[str, bool] | None = None,
                    notes: list[str] | tuple[str, ...] = ()) -> str:
    head = header(checks)
    lines = [f"# {summary.analysis.model.name}", "", _title(summary).split("\n", 1)[-1], "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells(row, summary, checks)) + " |"
              for row in summary.rows]
    if summary.aux_rows:
        lines += ["", "Auxiliary heads (training only, not in the inference totals):", "",
                  "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(cells(row, summary, checks)) + " |" for row in summary.aux_rows]
    lines += ["", "```", *_totals(summary), *notes, *_lint(summary), "```"]
    return "\n".join(lines) + "\n"


def render_csv(summary: Summary) -> str:
    """One line per layer, raw numbers: path, type, input and output shapes, params, buffers, MACs, ops, ..."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["path", "type", "aux", "input", "output", "output_bytes", "params", "buffers", "macs", "ops",
                     "receptive_field", "jump", "lint"])
    for row in (*summary.rows, *summary.aux_rows):
        rf, jump = figures.receptive_field(row)
        writer.writerow([row.path, row.type_name, int(row.aux), figures.shape(row.input, summary.batch),
                         figures.shape(row.output, summary.batch), summary.output_bytes(row), row.params, row.buffers,
                         row.macs * summary.batch, row.ops * summary.batch, rf, jump, figures.lint_mark(row)])
    return out.getvalue()


def render_explain(summary: Summary) -> str:
    """The teaching view: every windowed layer's output size worked out with its numbers."""
    lines = [_title(summary), ""]
    for row in (r for r in summary.analysis.rows if r.windows):
        lines.append(f"{row.path} ({row.type_name}): {figures.shape(row.input[1:])} → {figures.shape(row.output[1:])}")
        labels, axes = axis_labels(len(row.windows)), list(zip(row.windows, row.input[1:]))
        if len(set(axes)) == 1:  # every axis alike: say it once
            labels, axes = ("",), axes[:1]
        for label, (axis, n) in zip(labels, axes):
            lines.append(f"  {label + ': ' if label else ''}{worked(axis, n)}")
    return "\n".join(lines) + "\n"


def _title(summary: Summary) -> str:
    model = summary.analysis.model
    source = f" — {model.source}" if model.source else ""
    return (f"{model.name}{source}\ninput {figures.shape(summary.analysis.input, summary.batch)} "
            f"(batch {summary.batch}, {summary.dtype})")


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
    last = next((r for r in reversed(summary.analysis.rows) if r.footprint), None)
    rf = (f"; receptive field {figures.receptive_field(last)[0]} (jump {figures.receptive_field(last)[1]}) "
          f"at {last.path}") if last else ""
    lines += [
        f"memory       parameters {figures.size(t.param_bytes)}, input {figures.size(t.input_bytes)}, "
        f"activations {figures.size(t.activation_bytes)} (every output kept), "
        f"largest {figures.size(t.largest_activation_bytes)}",
        f"output       {figures.shape(analysis.output, summary.batch)}{rf}",
    ]
    return ["", *lines]


def _lint(summary: Summary) -> list[str]:
    """Only layers that never read some of their input: padding-only remainders stay a '~' in the table."""
    lines = []
    for row in summary.analysis.rows:
        if figures.lint_mark(row) != "!":
            continue
        notes = [line for line in axes_lint(row.windows, row.input[1:], row.coverage) if line.startswith("!")]
        lines.append(f"{row.path} ({row.type_name}, {row.loc}):")
        lines += [f"  {note}" for note in notes]
    return ["", "lint", *lines] if lines else []
