"""A comparison as a table (best of each row marked, ratios against the first column) with a bar chart, and as
markdown, CSV and JSON. Labels (model names, files), failures and accuracy sources are text from files and flags:
inert in every format (markdown- and CSV-safe in those)."""

from __future__ import annotations

import csv
import io

from typing import Callable

from cnninspect.core.compare import Comparison, Metric
from cnninspect.inert import csv_cell, inert, markdown_text
from cnninspect.render import figures
from cnninspect.render.jsonfmt import dumps
from cnninspect.render.text import drawn, plain_console

RATIO_KEYS = ("params", "macs", "flops", "param_bytes", "activation_bytes", "latency", "throughput", "gflops_per_s")
BARS = (("params", "parameters"), ("macs", "MACs"), ("top1", "top-1 %"), ("throughput", "throughput /s"))
BAR_WIDTH = 40
BEST = "*"


def cell(metric: Metric, index: int) -> str:
    """One value as the table shows it, with its ratio to the first column where that means something."""
    value = metric.values[index]
    if value is None:
        return "-"
    text = _format(metric.key, value)
    ratio = metric.ratio(index) if index and metric.key in RATIO_KEYS else None
    if ratio is not None:
        text += f" ×{float(ratio):.2f}" if ratio < 100 else f" ×{float(ratio):,.0f}"
    return text + (f" {BEST}" if metric.best == index else "")


def _format(key: str, value) -> str:
    if key in ("input", "output", "receptive_field"):
        return figures.shape(value)
    if key in ("params", "macs", "flops"):
        return figures.human(value)
    if key in ("param_bytes", "activation_bytes"):
        return figures.size(value)
    if key in ("top1", "top5"):
        return f"{value:.2f}"
    if key == "latency":
        return f"{value * 1e3:.3f} ms"
    if key in ("throughput", "gflops_per_s"):
        return f"{value:,.1f}"
    if key == "inexact":
        return "none" if not value else f"{len(value)} layer{'s' if len(value) > 1 else ''}"
    return inert(value)


def render_table(comparison: Comparison, color: bool = False) -> str:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = plain_console(color)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("", no_wrap=True)
    for column in comparison.columns:
        table.add_column(inert(column.label), justify="right", no_wrap=True)
    for metric in comparison.metrics:
        cells: list = [cell(metric, i) for i in range(len(comparison.columns))]
        if color and metric.best is not None:
            cells[metric.best] = Text(cells[metric.best], style="bold green")
        table.add_row(metric.label, *cells)
    console.print(table)
    console.print("\n".join(_notes(comparison) + [""] + bars(comparison)))
    return drawn(console)


def _notes(comparison: Comparison, text: Callable[[object], str] = inert) -> list[str]:
    """The lines under the table; `text` makes what came from files and flags safe for the format."""
    notes = [f"{BEST} best of the row; ×N: the ratio to the first column"]
    inputs = {c.summary.analysis.input for c in comparison.columns if c.summary}
    if not comparison.sweep and len(inputs) > 1:
        notes.append("inputs differ: each model is measured at its own input (see the input row)")
    for column in comparison.columns:
        if column.failure:
            notes.append(f"{text(column.label)}: {text(column.failure)}")
    sources = sorted({c.accuracy_source for c in comparison.columns if c.accuracy_source})
    notes += [f"accuracy: {text(source)}" for source in sources]
    return notes + _sweep_lint(comparison, text)


def _sweep_lint(comparison: Comparison, text: Callable[[object], str]) -> list[str]:
    """In a sweep: which layers lose input at which sizes, grouped by the sizes."""
    metric = next((m for m in comparison.metrics if m.key == "inexact"), None)
    if metric is None:
        return []
    sizes_by_layer: dict[str, list[str]] = {}
    for column, layers in zip(comparison.columns, metric.values):
        for layer in layers or ():
            sizes_by_layer.setdefault(layer, []).append(column.label)
    groups: dict[tuple[str, ...], list[str]] = {}
    for layer, sizes in sizes_by_layer.items():
        groups.setdefault(tuple(sizes), []).append(layer)
    everywhere = len([c for c in comparison.columns if c.summary is not None])
    return [f"input never read by {', '.join(map(text, layers))}: "
            f"{'at every size' if len(sizes) == everywhere else 'at ' + ', '.join(map(text, sizes))}"
            for sizes, layers in groups.items()]


def bars(comparison: Comparison) -> list[str]:
    """A compact bar chart of the main figures, each scaled to its largest value."""
    lines: list[str] = []
    labels = [inert(c.label) for c in comparison.columns]
    width = max(map(len, labels))
    for key, title in BARS:
        metric = next((m for m in comparison.metrics if m.key == key), None)
        numbers = [v for v in metric.values if isinstance(v, (int, float))] if metric else []
        if not numbers or max(numbers) <= 0 or len(set(numbers)) == 1:  # nothing to see in equal bars
            continue
        for index, (label_text, value) in enumerate(zip(labels, metric.values)):
            label = title if index == 0 else ""
            bar = _bar(value / max(numbers)) if isinstance(value, (int, float)) else ""
            shown = _format(key, value) if value is not None else "-"
            lines.append(f"{label:<16}{label_text:<{width}}  {bar} {shown}".rstrip())
    return lines


def _bar(fraction: float) -> str:
    eighths = round(fraction * BAR_WIDTH * 8)
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def render_markdown(comparison: Comparison) -> str:
    head = ["", *(markdown_text(c.label) for c in comparison.columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for metric in comparison.metrics:
        lines.append("| " + " | ".join([metric.label, *(cell(metric, i) for i in range(len(head) - 1))]) + " |")
    return "\n".join(lines + [""] + _notes(comparison, markdown_text)) + "\n"


def render_csv(comparison: Comparison) -> str:
    """Raw values: one line per metric, one column per model."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", *(csv_cell(c.label) for c in comparison.columns)])
    for metric in comparison.metrics:
        writer.writerow([metric.key, *(_raw(v) for v in metric.values)])
    return out.getvalue()


def _raw(value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "x".join(map(str, value)) if all(isinstance(v, int) for v in value) else csv_cell(" ".join(value))
    return csv_cell(value) if isinstance(value, str) else str(value)


def render_json(comparison: Comparison) -> str:
    """docs/json.md: `compare`, version 1."""
    columns = []
    for index, column in enumerate(comparison.columns):
        entry = {"label": column.label, "failure": column.failure or None}
        for metric in comparison.metrics:
            value = metric.values[index]
            entry[metric.key] = list(value) if isinstance(value, tuple) else value
        entry["accuracy_source"] = column.accuracy_source or None
        entry["ratios"] = {m.key: float(r) for m in comparison.metrics if m.key in RATIO_KEYS
                           and (r := m.ratio(index)) is not None}
        columns.append(entry)
    best = {m.key: comparison.columns[m.best].label for m in comparison.metrics if m.best is not None}
    return dumps({"version": 1, "sweep": comparison.sweep, "columns": columns, "best": best})
