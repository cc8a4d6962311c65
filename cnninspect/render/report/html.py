"""A report as one self-contained HTML page: per model its header and totals, the diagram, per-layer bar
charts, the layer table (sorted, filtered and folded by block in page.js) and the lint; with several models
first the comparison (core/compare.py) and accuracy against compute. Nothing is fetched: CSS, JS and SVG are
inline. Every text from a spec or a flag is made inert (inert.py), then HTML-escaped: a name is never markup."""

from __future__ import annotations

import html
import pathlib
from typing import NamedTuple

from cnninspect.core.compare import Column, Comparison
from cnninspect.core.summary import Summary
from cnninspect.inert import inert
from cnninspect.render import figures
from cnninspect.render.compare_text import cell
from cnninspect.render.diagram.structure import Diagram, group
from cnninspect.render.diagram.style import COLOURS, LINT
from cnninspect.render.diagram.svg import render_svg
from cnninspect.render.lint_text import axes_lint
from cnninspect.render.report import charts

HERE = pathlib.Path(__file__).parent
COLUMNS = (("order", "#", "num"), ("path", "Layer", "text"), ("type", "Type", "text"), ("output", "Output", "text"),
           ("params", "Params", "num"), ("macs", "MACs", "num"), ("memory", "Memory", "num"), ("rf", "RF", "text"),
           ("lint", "Lint", "text"))


class ModelReport(NamedTuple):
    column: Column  # its label, summary and accuracy
    diagrams: tuple[Diagram, ...]  # the drawing at some depths, folded ones first, the whole last; one shown
    shown: int = -1  # the index of the one shown first


def e(text: object) -> str:
    """Text from a spec or a flag, inert and escaped for HTML text and attribute values alike."""
    return html.escape(inert(text), quote=True)


def render_report(models: list[ModelReport], comparison: Comparison | None, with_figures: bool = False) -> str:
    names = ", ".join(inert(m.column.summary.analysis.model.name) for m in models)
    body = [f"<header><h1>cnninspect report: {html.escape(names)}</h1>"]
    if len(models) > 1:
        body.append("<nav>" + " · ".join(f'<a href="#m{i}">{e(m.column.label)}</a>' for i, m in enumerate(models))
                    + "</nav>")
    body.append("</header>")
    if comparison is not None:
        body.append(_comparison(comparison))
    body += [_model(index, m, with_figures) for index, m in enumerate(models)]
    css = (HERE / "page.css").read_text(encoding="utf-8")
    js = (HERE / "page.js").read_text(encoding="utf-8")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'; img-src data:\">"
            f"<title>cnninspect report: {html.escape(names)}</title><style>{css}</style></head>\n<body>\n"
            + "\n".join(body) + f"\n<pre id=\"selftest\" hidden></pre>\n<script>{js}</script>\n</body></html>\n")


def _comparison(comparison: Comparison) -> str:
    columns = comparison.columns
    head = "".join(f"<th>{e(c.label)}</th>" for c in columns)
    rows = []
    for metric in comparison.metrics:
        cells = "".join(f'<td class="{"best" if metric.best == i else ""}">{e(cell(metric, i))}</td>'
                        for i in range(len(columns)))
        rows.append(f"<tr><th>{e(metric.label)}</th>{cells}</tr>")
    points = [(c.label, c.summary.totals.macs, c.top1, c.summary.totals.params)
              for c in columns if c.summary is not None and c.top1 is not None]
    sources = sorted({c.accuracy_source for c in columns if c.accuracy_source})
    note = f'<p class="note">accuracy: {e("; ".join(sources))}</p>' if sources else ""
    return (f'<section id="comparison"><h2>Comparison</h2><table class="compare"><thead><tr><th></th>{head}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table><p class="note">* best of the row; ×N: the ratio to '
            f'the first model</p><h3>Accuracy against compute</h3>{charts.accuracy(points)}{note}</section>')


def _model(index: int, report: ModelReport, with_figures: bool) -> str:
    summary = report.column.summary
    model = summary.analysis.model
    parts = [f'<section class="model" id="m{index}"><h2>{e(model.name)}</h2>']
    if model.description:
        parts.append(f"<p>{e(model.description)}</p>")
    if model.source:
        parts.append(f'<p class="note">source: {e(model.source)} · file: {e(model.file)}</p>')
    parts.append(_totals(summary))
    parts.append(_diagrams(report, with_figures))
    parts.append(f"<h3>Per layer</h3>{_charts(summary)}")
    parts.append(f"<h3>Layers</h3>{_table(index, summary)}")
    parts.append(_lint(summary))
    parts.append("</section>")
    return "\n".join(parts)


def _diagrams(report: ModelReport, with_figures: bool) -> str:
    """The drawing at each depth, one shown; buttons switch between them (page.js)."""
    shown = report.shown % len(report.diagrams)
    names = [f"depth {d.depth}" if d.depth else "every layer" for d in report.diagrams]
    buttons = "".join(f'<button type="button" class="depth{" on" if i == shown else ""}" data-index="{i}">'
                      f"{name} ({len(d.boxes)} boxes)</button>"
                      for i, (name, d) in enumerate(zip(names, report.diagrams)))
    drawings = "".join(f'<div class="diagram" data-index="{i}"{"" if i == shown else " hidden"}>'
                       f"{render_svg(d, with_figures, False)}</div>" for i, d in enumerate(report.diagrams))
    return f'<h3>Diagram</h3><div class="depths">{buttons}</div>{drawings}'


def _totals(summary: Summary) -> str:
    t, analysis = summary.totals, summary.analysis
    aux = f" (auxiliary heads: {figures.exact(t.aux_params)})" if t.aux_params else ""
    last = summary.receptive_row
    items = [
        ("input", f"{figures.shape(analysis.input, summary.batch)} (batch {summary.batch}, {summary.dtype})"),
        ("output", figures.shape(analysis.output, summary.batch)),
        ("parameters", f"{figures.exact(t.params)} ({figures.human(t.params)}){aux}"),
        ("MACs", f"{figures.exact(t.macs)} ({figures.human(t.macs)})"),
        ("FLOPs", f"{figures.exact(t.flops)} ({figures.human(t.flops)}): 2 × MACs"),
        ("memory", f"parameters {figures.size(t.param_bytes)}, activations {figures.size(t.activation_bytes)}, "
                   f"largest {figures.size(t.largest_activation_bytes)}"),
        ("layers", str(len(analysis.rows))),
    ]
    if last is not None:
        items.append(("receptive field", f"{figures.receptive_field(last)[0]} at {inert(last.path)}"))
    return '<dl class="totals">' + "".join(f"<dt>{k}</dt><dd>{html.escape(v)}</dd>" for k, v in items) + "</dl>"


def _charts(summary: Summary) -> str:
    rows = summary.analysis.rows
    labelled = [(r.path, group(r)) for r in rows]
    return "".join((
        charts.bars("parameters", [(p, g, r.params) for (p, g), r in zip(labelled, rows)], figures.human),
        charts.bars("MACs", [(p, g, r.macs * summary.batch) for (p, g), r in zip(labelled, rows)], figures.human),
        charts.bars("output memory", [(p, g, summary.output_bytes(r)) for (p, g), r in zip(labelled, rows)],
                    figures.size),
        '<p class="legend">' + " ".join(f'<span style="background:{fill};border-color:{stroke}">{name}</span>'
                                        for name, (fill, stroke) in COLOURS.items()
                                        if name not in ("block", "terminal")) + "</p>",
    ))


def _table(index: int, summary: Summary) -> str:
    """Leaf rows in forward order, and a row for every block (module path prefix) before its first layer, with
    its sums: page.js folds a block's rows under it, sorts and filters."""
    rows = summary.analysis.rows
    sums: dict[str, list[int]] = {}
    for row in rows:
        parts = row.path.split(".")
        for depth in range(1, len(parts)):
            total = sums.setdefault(".".join(parts[:depth]), [0, 0, 0, 0])
            total[0] += row.params
            total[1] += row.macs * summary.batch
            total[2] += summary.output_bytes(row)
            total[3] += 1
    out = [f'<div class="controls"><input type="search" class="filter" placeholder="filter layers (path or type)" '
           f'aria-label="filter"> <button type="button" class="fold-all">fold all</button> '
           f'<button type="button" class="unfold-all">unfold all</button> <span class="shown"></span></div>',
           f'<table class="layers" id="layers{index}"><thead><tr>']
    out += [f'<th data-key="{key}" data-type="{kind}">{title}</th>' for key, title, kind in COLUMNS]
    out.append("</tr></thead><tbody>")
    seen: set[str] = set()
    for order, row in enumerate(rows):
        parts = row.path.split(".")
        parents = [".".join(parts[:d]) for d in range(1, len(parts))]
        for depth, prefix in enumerate(parents):
            if prefix in seen:
                continue
            seen.add(prefix)
            params, macs, memory, count = sums[prefix]
            out.append(f'<tr class="block" data-block="{e(prefix)}" data-parents="{e(" ".join(parents[:depth]))}" '
                       f'data-depth="{depth}"><td></td><td class="path" style="padding-left:{depth * 1.2:.1f}em">'
                       f'<button type="button" class="toggle" aria-expanded="true">▾</button> {e(prefix)}</td>'
                       f'<td>block · {count} layers</td><td></td><td class="num">{figures.exact(params)}</td>'
                       f'<td class="num">{figures.exact(macs)}</td><td class="num">{figures.size(memory)}</td>'
                       f"<td></td><td></td></tr>")
        rf, _ = figures.receptive_field(row)
        lint = figures.lint_mark(row)
        memory = summary.output_bytes(row)
        aux = " aux" if row.aux else ""
        out.append(f'<tr class="layer{aux}" data-parents="{e(" ".join(parents))}" data-order="{order}" '
                   f'data-params="{row.params}" data-macs="{row.macs * summary.batch}" data-memory="{memory}" '
                   f'data-path="{e(row.path)}" data-type="{e(row.type_name)}" data-output="'
                   f'{figures.shape(row.output)}" data-rf="{rf}" data-lint="{lint}">'
                   f'<td class="num">{order}</td>'
                   f'<td class="path" style="padding-left:{len(parents) * 1.2 + 1.4:.1f}em">{e(row.path)}</td>'
                   f'<td><span class="kind {group(row)}"></span>{e(row.type_name)}</td>'
                   f'<td>{figures.shape(row.output, summary.batch)}</td>'
                   f'<td class="num">{figures.exact(row.params)}</td>'
                   f'<td class="num">{figures.exact(row.macs * summary.batch)}</td>'
                   f'<td class="num">{figures.size(memory)}</td><td>{rf}</td>'
                   f'<td class="lint{" pad" if lint == "~" else ""}">{lint}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _lint(summary: Summary) -> str:
    items = []
    for row in summary.analysis.rows:
        mark = figures.lint_mark(row)
        if not mark:
            continue
        notes = [line for line in axes_lint(row.windows, row.input[1:], row.coverage) if line[:1] in "!~"]
        items.append(f'<li class="lint-{"bad" if mark == "!" else "pad"}"><b>{e(row.path)}</b> '
                     f'({e(row.type_name)}, {e(row.loc)}): ' + "; ".join(map(e, notes)) + "</li>")
    if not items:
        return '<h3>Lint</h3><p class="note">✓ every division is exact.</p>'
    legend = " · ".join(f"{mark}: {words}" for mark, (_, words) in LINT.items())
    return f'<h3>Lint</h3><p class="note">{legend}</p><ul class="lint">{"".join(items)}</ul>'
