"""`cnninspect compare`: several models side by side, or one model across input sizes."""

from __future__ import annotations

import click

from cnninspect.commands.formats import emit, format_option, on_terminal, output_option, table_width
from cnninspect.commands.options import complete_model, model_input, parse_settings, set_option
from cnninspect.commands.training import optimizer_option
from cnninspect.errors import InputError
from cnninspect.syntax import DTYPES, TIME_DEVICES

MAX_COLUMNS = 64

HELP = """Compare MODELS (zoo names or spec files) side by side: parameters, MACs and FLOPs, depth, memory,
receptive field, output, and published ImageNet accuracy; the best of each row marked, ratios against the
first model, and a bar chart.

\b
One model across input sizes: --sweep START:STOP:STEP (square inputs) or several --input.

\b
Sizes are decimal, as check's limits read them: 1 kB = 1000 B, 1 MB = 10^6 B, 1 GB = 10^9 B.
On a terminal the table fits its width (COLUMNS=N sets it, for a pipe or a file too): the
ratios go first, then the models are split into several tables; a line says what was left
out. Off a terminal, without COLUMNS, the whole table.

\b
  cnninspect compare alexnet vgg16 resnet18 googlenet inception_v3
  cnninspect compare resnet18 --sweep 160:512:32
  cnninspect compare resnet18 --input 3x224x224 --input 3x320x240
  cnninspect compare alexnet vgg16 resnet18 --plot models.svg      (needs the plot extra)
  cnninspect compare alexnet resnet18 --time --batch 8              (needs the torch extra)
  cnninspect compare resnet18 resnet50 convnext_tiny --train --batch 32

\b
--train adds a training step's rows (docs/training.md): saved for backward, the peak
(--optimizer, default adamw; for cuda), backward MACs and the step's FLOPs.
"""


@click.command(help=HELP)
@click.argument("models", nargs=-1, required=True, shell_complete=complete_model)
@click.option("--input", "-i", "inputs", metavar="CxHxW", multiple=True,
              help="Input shape for every model; repeat it with one model to compare input sizes.")
@click.option("--sweep", metavar="START:STOP:STEP", help="One model at square inputs from START to STOP.")
@set_option
@click.option("--batch", type=click.IntRange(1, 10**9), default=1, show_default=True)
@click.option("--dtype", type=click.Choice(DTYPES), default="float32", show_default=True,
              help="For the memory figures and --time.")
@format_option("compare")
@output_option()
@click.option("--plot", metavar="FILE.svg|png", type=click.Path(),
              help="Draw accuracy against MACs (plot extra).")
@click.option("--train", is_flag=True, help="Add a training step's memory and compute (docs/training.md).")
@optimizer_option
@click.option("--time", "timing", is_flag=True, help="Time every model, interleaved (torch extra).")
@click.option("--device", type=click.Choice(TIME_DEVICES), help="--time: device [default: the best].")
@click.option("--runs", type=click.IntRange(1, 100_000), default=20, show_default=True, help="--time: passes.")
@click.option("--warmup", type=click.IntRange(0, 100_000), default=5, show_default=True,
              help="--time: warm-up passes.")
def compare(models: tuple[str, ...], inputs: tuple[str, ...], sweep: str | None, settings: tuple[str, ...],
            batch: int, dtype: str, fmt: str, output_file: str | None, plot: str | None, train: bool,
            optimizer: str | None, timing: bool, device: str | None, runs: int, warmup: int) -> None:
    from cnninspect.core.compare import compare as side_by_side

    if plot:  # before any work: a plot that cannot be written is refused at once
        if len(models) == 1:
            raise InputError("--plot compares models; a sweep has one", where="--plot")
        from cnninspect.render.plot import check_target
        check_target(plot)
    if optimizer is not None and not train:
        raise InputError("applies to --train; add --train", where="--optimizer")
    columns = _columns(models, inputs, sweep, parse_settings(settings), batch, dtype)
    if train:
        from cnninspect.commands.training import config
        from cnninspect.core.training import train as step
        chosen = config(batch, dtype, optimizer, None)
        columns = [c._replace(training=step(c.summary.analysis, chosen)) if c.summary else c for c in columns]
    if timing:
        columns = _timed(columns, batch, dtype, device, runs, warmup)
    comparison = side_by_side(columns, sweep=len(models) == 1)
    if plot:
        from cnninspect.render.plot import write_plot
        shown = write_plot(comparison, plot)
        from cnninspect.inert import inert
        click.echo(f"cnninspect: wrote {inert(plot)} ({shown} models)", err=True)
    from cnninspect.render import compare_text
    color, width = on_terminal(output_file), table_width(output_file)
    render = {"json": compare_text.render_json, "markdown": compare_text.render_markdown,
              "csv": compare_text.render_csv}.get(fmt) or (lambda c: compare_text.render_table(c, color, width))
    emit(render(comparison), output_file)


def _columns(models, inputs, sweep, args, batch, dtype) -> list:
    from cnninspect.core.compare import Column
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.spec.load import load_with

    if len(models) == 1:
        spec, args = load_with(models[0], args)  # a source's --set: its constructor's
        shapes = _sweep(sweep, spec.input) if sweep else [model_input(text, spec) for text in inputs]
        if sweep and inputs:
            raise InputError("give --sweep or --input, not both", where="--sweep")
        if len(shapes) < 2:
            raise InputError("compare needs two models or more, or one model with --sweep or several --input "
                             "(see 'cnninspect compare --help')")
        columns = []
        for shape in shapes:
            try:
                columns.append(Column("x".join(map(str, shape)), summarize(analyze(spec, shape, args), batch, dtype)))
            except InputError as error:  # the size at which a layer stops fitting is an answer, not an error
                columns.append(Column("x".join(map(str, shape)), None, error.unplaced))
        return columns
    if sweep or len(inputs) > 1:
        raise InputError("--sweep and several --input compare one model across sizes; give one model",
                         where="--sweep" if sweep else "--input")
    columns = []
    for name in models:
        spec, own = load_with(name, args)
        shape = model_input(inputs[0] if inputs else None, spec)
        meta = spec.metadata
        source = meta.get("page", "") if "acc@1" in meta else ""
        columns.append(Column(name, summarize(analyze(spec, shape, own), batch, dtype), top1=_accuracy(spec, "acc@1"),
                              top5=_accuracy(spec, "acc@5"), accuracy_source=source))
    return columns


def _sweep(text: str, default: tuple[int, ...]) -> list[tuple[int, ...]]:
    from cnninspect.parse import parse_range
    from cnninspect.spell import spell

    start, stop, step = parse_range(text, "--sweep")
    count = max(0, (stop - start) // step + 1)  # counted, not built: 1:100000000:1 is refused at once
    if not 1 <= count <= MAX_COLUMNS:
        raise InputError(f"a sweep has 1 to {MAX_COLUMNS} sizes; {spell(text)} gives {count}", where="--sweep")
    return [(default[0], *([size] * (len(default) - 1))) for size in range(start, stop + 1, step)]


ACCURACIES = {"acc@1": "top-1", "acc@5": "top-5"}  # metadata keys compare reads: published ImageNet accuracy


def _accuracy(spec, key: str) -> float | None:
    """A published accuracy in percent, if the spec's metadata gives one. A number outside 0 to 100 (nan and inf
    among them) is refused where it is written: no row could rank it, no plot place it, no JSON carry nan."""
    value = spec.metadata.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None  # free data: absent, or text ("n/a")
    if not 0 <= value <= 100:  # false for nan too
        from cnninspect.core.graph import Loc

        loc = getattr(spec.metadata, "value_locs", {}).get(key) or Loc(spec.file)
        raise InputError(f"metadata '{key}' is the published ImageNet {ACCURACIES[key]} accuracy in percent, from 0 "
                         f"to 100. Received {_show_number(value)}", loc=loc)
    return float(value)


def _show_number(value: int | float) -> str:
    if isinstance(value, float) or value.bit_length() <= 64:
        return repr(value)
    return f"an integer of {value.bit_length()} bits"


def _timed(columns, batch, dtype, device, runs, warmup):
    from cnninspect.torch_backend import require_torch
    require_torch("--time")
    from cnninspect.torch_backend.timing import best_device, time_interleaved

    ready = [c for c in columns if c.summary is not None]
    timings = time_interleaved([c.summary.analysis for c in ready], device=device or best_device(), dtype=dtype,
                               batch=batch, channels_last=False, warmup=warmup, runs=runs, compile=False)
    by_label = {c.label: t for c, t in zip(ready, timings)}
    return [c._replace(timing=by_label.get(c.label)) for c in columns]
