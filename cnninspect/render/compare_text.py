"""A comparison as a table (best of each row marked, ratios against the first column) with a bar chart, and as
markdown, CSV and JSON. Labels (model names, files), failures and accuracy sources are text from files and flags:
inert in every format (markdown- and CSV-safe in those)."""

from __future__ import annotations

import csv
import io

from typing import Callable

from cnninspect.core.compare import Comparison, Metric
from cnninspect.inert import csv_cell, inert, markdown_text
from cnninspect.render import figures, fit
from cnninspect.render.jsonfmt import dumps
from cnninspect.render.text import drawn, plain_console

TRAIN_BYTES = ("train_saved_bytes", "train_peak_bytes")  # --train's rows in bytes
RATIO_KEYS = ("params", "macs", "flops", "param_bytes", "activation_bytes", *TRAIN_BYTES, "backward_macs",
              "step_flops", "latency", "throughput", "gflops_per_s")
BARS = (("params", "parameters"), ("macs", "MACs"), ("top1", "top-1 %"), ("throughput", "throughput /s"))
BAR_WIDTH = 40
MIN_BAR = 8  # the shortest bar (and name) a narrow terminal gets
TITLE_WIDTH = 16
BEST = "*"
# row names where a terminal is narrow
SHORT_LABELS = {"depth": "depth", "param_bytes": "param memory", "activation_bytes": "act. memory",
                "receptive_field": "RF", "top1": "top-1 %", "top5": "top-5 %", "inexact": "inexact",
                "latency": "latency", "gflops_per_s": "GFLOP/s", "train_saved_bytes": "saved (train)",
                "train_peak_bytes": "train peak", "backward_macs": "bwd MACs", "step_flops": "step FLOPs"}


def cell(metric: Metric, index: int, ratios: bool = True) -> str:
    """One value as the table shows it, with its ratio to the first column where that means something (and
    `ratios` is not turned off to fit a terminal)."""
    value = metric.values[index]
    if value is None:
        return "-"
    text = _format(metric.key, value)
    ratio = metric.ratio(index) if ratios and index and metric.key in RATIO_KEYS else None
    if ratio is not None:
        text += f" ×{float(ratio):.2f}" if ratio < 100 else f" ×{float(ratio):,.0f}"
    return text + (f" {BEST}" if metric.best == index else "")


def _format(key: str, value) -> str:
    if key in ("input", "output", "receptive_field"):
        return figures.shape(value)
    if key in ("params", "macs", "flops", "backward_macs", "step_flops"):
        return figures.human(value)
    if key in ("param_bytes", "activation_bytes", *TRAIN_BYTES):
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


def render_table(comparison: Comparison, color: bool = False, width: int | None = None) -> str:
    """`width`: the terminal's, which every line then fits (see `layout`); None: no limit, the whole table."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    ratios, short, groups, narrowed = layout(comparison, width)
    console = plain_console(color)
    for group in groups:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("", no_wrap=True)
        for index in group:
            label = inert(comparison.columns[index].label)
            table.add_column(fit.shorten(label, narrowed[index], 2) if index in narrowed else label, justify="right",
                             no_wrap=True)
        for metric in comparison.metrics:
            cells: list = [cell(metric, i, ratios) for i in group]
            if color and metric.best in group:
                cells[group.index(metric.best)] = Text(cells[group.index(metric.best)], style="bold green")
            table.add_row(SHORT_LABELS.get(metric.key, metric.label) if short else metric.label, *cells)
        console.print(table)
    best, *notes = _notes(comparison, ratios=ratios)
    notes = [best, *([] if ratios else [_left_out(width, len(groups), bool(narrowed), comparison.sweep)]), *notes]
    console.print("\n".join([*(part for line in notes for part in fit.wrap(line, width)), "",
                             *bars(comparison, width)]))
    return drawn(console)


def layout(comparison: Comparison, width: int | None) -> tuple[bool, bool, list[list[int]], dict[int, int]]:
    """How the table fits `width` cells: (ratios shown, row names shortened, the models' columns in one table or
    several, {model: the cells its name is shortened to}). The whole table if it fits; else without the
    ratios and with short row names (SHORT_LABELS); if that is still too wide, the models in as many tables as
    it takes, each repeating the row names; a name wider than a table's room shortened in its middle."""
    everyone = list(range(len(comparison.columns)))
    if width is None or fit.table_width(_widths(comparison, True, False)) <= width:
        return True, False, [everyone], {}
    widths = _widths(comparison, False, True)
    if fit.table_width(widths) <= width:
        return False, True, [everyone], {}
    label, columns = widths[0], widths[1:]
    room = width - fit.table_width([label, 0])  # for one model's column beside the row names
    values = [max(fit.cells(cell(m, i, False)) for m in comparison.metrics) for i in everyone]
    narrowed = {i: max(room, v) for i, (w, v) in enumerate(zip(columns, values)) if w > max(room, v)}
    columns = [narrowed.get(i, w) for i, w in enumerate(columns)]
    return False, True, fit.blocks(label, columns, width), narrowed


def _widths(comparison: Comparison, ratios: bool, short: bool) -> list[int]:
    """The cells each column of the table takes: the row names', then each model's."""
    names = [SHORT_LABELS.get(m.key, m.label) if short else m.label for m in comparison.metrics]
    return [max(map(fit.cells, names)),
            *(max(fit.cells(inert(column.label)), *(fit.cells(cell(m, i, ratios)) for m in comparison.metrics))
              for i, column in enumerate(comparison.columns))]


def _left_out(width: int | None, tables: int, shortened: bool, sweep: bool) -> str:
    """What the table left out to fit the terminal, and how to see it."""
    split = f", the {'sizes' if sweep else 'models'} in {tables} tables" if tables > 1 else ""
    names = " and long names shortened (…)" if shortened else ""
    return (f"to fit {width} columns: the ratios left out{split}{names}; --format markdown or a wider terminal "
            f"shows them")


def _notes(comparison: Comparison, text: Callable[[object], str] = inert, ratios: bool = True) -> list[str]:
    """The lines under the table; `text` makes what came from files and flags safe for the format."""
    notes = [f"{BEST} best of the row" + ("; ×N: the ratio to the first column" if ratios else "")]
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


def bars(comparison: Comparison, width: int | None = None) -> list[str]:
    """A compact bar chart of the main figures, each scaled to its largest value. Within `width` cells: the titles'
    column narrower, the bars shorter (down to MIN_BAR), then the models' names shortened; a figure never cut."""
    labels = [inert(c.label) for c in comparison.columns]
    charts = []
    for key, title in BARS:
        metric = next((m for m in comparison.metrics if m.key == key), None)
        numbers = [v for v in metric.values if isinstance(v, (int, float))] if metric else []
        if numbers and max(numbers) > 0 and len(set(numbers)) > 1:  # nothing to see in equal bars
            shown = [_format(key, v) if v is not None else "-" for v in metric.values]
            charts.append((title, metric.values, max(numbers), shown))
    if not charts:
        return []
    name_width, bar_width, title_width = max(map(fit.cells, labels)), BAR_WIDTH, TITLE_WIDTH
    if width is not None:  # a line: the title, the name, two spaces, the bar, a space, the figure
        fixed = 2 + 1 + max(fit.cells(text) for *_, shown in charts for text in shown)
        if TITLE_WIDTH + fixed + name_width + BAR_WIDTH > width:
            title_width = min(TITLE_WIDTH, max(len(title) for title, *_ in charts) + 2)
        fixed += title_width
        bar_width = max(MIN_BAR, min(BAR_WIDTH, width - fixed - name_width))
        name_width = max(MIN_BAR, min(name_width, width - fixed - bar_width))
        labels = [fit.shorten(label, name_width, 2) for label in labels]
    lines: list[str] = []
    for title, values, largest, shown in charts:
        for index, (label_text, value, text) in enumerate(zip(labels, values, shown)):
            bar = _bar(value / largest, bar_width) if isinstance(value, (int, float)) else ""
            pad = " " * (name_width - fit.cells(label_text))
            lines.append(f"{title if index == 0 else '':<{title_width}}{label_text}{pad}  {bar} {text}".rstrip())
    return lines


def _bar(fraction: float, width: int = BAR_WIDTH) -> str:
    eighths = round(fraction * width * 8)
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
