"""`cnninspect report`: one self-contained HTML page for one model or several."""

from __future__ import annotations

import click

from cnninspect.commands.formats import emit, output_option
from cnninspect.commands.options import complete_model, input_option, model_input, parse_settings, set_option
from cnninspect.errors import InputError
from cnninspect.syntax import DTYPES

MAX_MODELS = 64
FOLDED = (1, 2, 3)  # the depths a page offers besides every layer (those that fold something, each once)
LARGE = 100  # boxes: a drawing past it is shown folded first (the shallowest), unless --depth says which

HELP = """Write one HTML page about MODELS (zoo names or spec files): for each, its header and
totals, the diagram (as `cnninspect draw` draws it), bar charts of parameters, MACs and output
memory per layer, the layer table — sortable (click a column), filterable and foldable by
block — and the lint. With several models, first the comparison (as `cnninspect compare`)
and published ImageNet accuracy against MACs.

\b
The diagram comes folded at depths 1 to 3 (where that folds something) and whole, a button
each; shown first: --depth's, else the shallowest folded one for a model of more than 100
boxes, else the whole.

\b
The page is self-contained: CSS, JavaScript and SVG inline, nothing fetched. Names from the
specs are text, never markup. Opened with #selftest at the end of its address, the page checks
its own sorting, filtering and folding and writes the verdict at its foot.

\b
  cnninspect report inception_v3 -o inception_v3.html
  cnninspect report resnet18 --depth 2 --figures -o resnet18.html
  cnninspect report alexnet vgg16 resnet18 googlenet inception_v3 --depth 1 -o tutorial.html
  cnninspect report examples/tiny_net.yaml > tiny_net.html
"""


@click.command(help=HELP)
@click.argument("models", nargs=-1, required=True, shell_complete=complete_model)
@input_option
@set_option
@click.option("--batch", type=click.IntRange(1, 10**9), default=1, show_default=True, help="Batch size.")
@click.option("--dtype", type=click.Choice(DTYPES), default="float32", show_default=True,
              help="Element type for the memory figures.")
@output_option("Write the page to FILE instead of stdout.")
@click.option("--depth", type=click.IntRange(1, 64), help="Fold the diagram's layers deeper than N into blocks.")
@click.option("--figures", is_flag=True, help="Parameters and MACs on every box of the diagram.")
def report(models: tuple[str, ...], input_text: str | None, settings: tuple[str, ...], batch: int, dtype: str,
           output_file: str | None, depth: int | None, figures: bool) -> None:
    from cnninspect.commands.compare import _accuracy
    from cnninspect.core.compare import Column, compare
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.render.report.html import render_report
    from cnninspect.spec.load import load_with

    if len(models) > MAX_MODELS:
        raise InputError(f"a report holds up to {MAX_MODELS} models; {len(models)} were given")
    args = parse_settings(settings)
    reports = []
    for name in models:
        spec, own = load_with(name, args)  # a source's --set: its constructor's
        analysis = analyze(spec, model_input(input_text, spec), own)
        source = spec.metadata.get("page", "") if "acc@1" in spec.metadata else ""
        column = Column(name, summarize(analysis, batch, dtype), top1=_accuracy(spec, "acc@1"),
                        top5=_accuracy(spec, "acc@5"), accuracy_source=source)
        reports.append(_with_diagrams(column, analysis, depth))
    comparison = compare([r.column for r in reports]) if len(reports) > 1 else None
    emit(render_report(reports, comparison, figures), output_file)


def _with_diagrams(column, analysis, depth: int | None):
    """The page's drawings: folded at FOLDED depths and --depth (those that differ), then every layer; shown
    first: --depth's, else the shallowest folded one where every layer makes more than LARGE boxes."""
    from cnninspect.render.diagram.structure import diagram
    from cnninspect.render.report.html import ModelReport

    whole = diagram(analysis)
    folded: dict[int, object] = {}
    for d in sorted({*FOLDED, *([depth] if depth else [])}):
        drawn = diagram(analysis, d, whole)
        sizes = {len(other.boxes) for other in folded.values()}
        if len(drawn.boxes) < len(whole.boxes) and (len(drawn.boxes) not in sizes or d == depth):
            folded[d] = drawn
    drawings = (*folded.values(), whole)
    depths = list(folded)
    if depth is not None:
        shown = depths.index(depth) if depth in folded else len(depths)
    else:
        shown = 0 if folded and len(whole.boxes) > LARGE else len(depths)
    return ModelReport(column, drawings, shown)
