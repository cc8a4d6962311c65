"""`cnninspect summary`: a model's layers, parameters, MACs, receptive fields and memory, computed analytically."""

from __future__ import annotations

import sys

import click

from cnninspect.commands.options import input_option, parse_input, parse_settings, set_option
from cnninspect.syntax import DTYPES

HELP = """A layer-by-layer summary of MODEL, a zoo name (see `cnninspect zoo`) or a spec file.

\b
Computed from the spec without torch: output shapes, parameters, MACs (conv and linear, as
torch.utils.flop_counter counts them; FLOPs = 2 × MACs), receptive field and jump, the
divisibility lint (! input never read, ~ only padding), and memory.

\b
  cnninspect summary resnet18
  cnninspect summary vgg16 --input 3x512x512 --batch 8 --depth 1
  cnninspect summary googlenet --set aux_logits=false --format json
  cnninspect summary my_net.yaml --explain
"""


@click.command(help=HELP)
@click.argument("model")
@input_option
@click.option("--batch", type=click.IntRange(1, 10**9), default=1, show_default=True, help="Batch size.")
@click.option("--depth", type=click.IntRange(1, 64), help="Fold layers deeper than K path components into one row.")
@click.option("--dtype", type=click.Choice(DTYPES), default="float32", show_default=True,
              help="Element type for the memory figures.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "csv"]), default="table",
              show_default=True, help="Output format (json: docs/json.md).")
@click.option("--explain", is_flag=True, help="Work out every windowed layer's output size with its numbers.")
@set_option
def summary(model: str, input_text: str | None, batch: int, depth: int | None, dtype: str, fmt: str,
            explain: bool, settings: tuple[str, ...]) -> None:
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.spec.load import load_model

    spec = load_model(model)
    analysis = analyze(spec, parse_input(input_text, spec.input), parse_settings(settings))
    result = summarize(analysis, batch, dtype, depth)
    if explain:
        from cnninspect.render.summary_text import render_explain as render
    elif fmt == "json":
        from cnninspect.render.summary_json import render
    elif fmt == "markdown":
        from cnninspect.render.summary_text import render_markdown as render
    elif fmt == "csv":
        from cnninspect.render.summary_text import render_csv as render
    else:
        from cnninspect.render.summary_text import render_table

        def render(s):
            return render_table(s, color=sys.stdout.isatty())
    click.echo(render(result), nl=False)
