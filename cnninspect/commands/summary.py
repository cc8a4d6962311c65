"""`cnninspect summary`: a model's layers, parameters, MACs, receptive fields and memory, computed analytically;
with the torch extra, cross-checked (--verify) and timed (--time)."""

from __future__ import annotations

import sys

import click

from cnninspect.commands.formats import emit, format_option, on_terminal, output_option, table_width
from cnninspect.commands.options import complete_model, input_option, model_input, parse_settings, set_option
from cnninspect.commands.training import optimizer_option
from cnninspect.errors import InputError
from cnninspect.syntax import DTYPES, TIME_DEVICES

HELP = """A layer-by-layer summary of MODEL: a zoo name (see `cnninspect zoo`), a spec file, or - for
standard input.

\b
Computed from the spec without torch: output shapes, parameters, MACs (conv and linear, as
torch.utils.flop_counter counts them; FLOPs = 2 × MACs), receptive field and jump, the
divisibility lint (! input never read, ~ only padding), and memory (B, kB, MB, GB: powers of
1000, as check's limits read them). --input is one sample (the batch goes in --batch), of the
rank the spec is written for (C x H x W for the zoo's).

\b
On a terminal the table fits its width (COLUMNS=N sets it, for a pipe or a file too): long
layer paths and type names shortened in the middle (…), then Jump, RF, Memory and Type left
out, and a line says so; --format markdown keeps every column. Off a terminal, without
COLUMNS, the whole table.

\b
MODEL is read by its spelling alone (as in compare, check and verify):
  a name with a / or a .yaml, .yml, .json or .toml suffix is a file (/dev/stdin, <(...) too);
  - is standard input (YAML; JSON if it starts with {, TOML with a [table] or key = value);
  zoo:NAME is always the zoo's model;
  a bare name is the zoo's model of that name, else a file of that name. A bare zoo name
  that is also a file or folder here stays the zoo's, with a note: write ./NAME for the file.

\b
With the torch extra (pip install torch torchinfo numpy, or see README's Set-up):
  --verify  build the model on the meta device and check every layer's type, output shape and
            parameters (torchinfo) and the MACs (FlopCounterMode); exit status 1 on a mismatch
  --time    time forward passes (torch.utils.benchmark): median, IQR, throughput, GFLOP/s
  --verify --train  run one real training step on the CPU and check what autograd saves, layer
            by layer, the backward FLOPs, the gradients and the optimizer state

\b
Training (--train, docs/training.md): per layer what autograd saves for backward (Saved) and the
backward MACs (as FlopCounterMode counts them); in the totals parameters, gradients, optimizer
state (--optimizer sgd, momentum, adam, adamw), saved tensors and the peak of a step, for
--device cuda (the default) or cpu. --dtype bfloat16 or float16 is mixed precision with float32
master weights. --fit SIZE finds the largest batch whose peak fits under SIZE (24GiB, 16GB); with
an --input range and --batch N, the largest input size at that batch: --input START:STOP[:STEP]
is square (the spec's channels), or give the range on the axes that vary, the same on each
(3x160:1024x160:1024, 3x224x160:1024:32). Every size of the range is analysed: exact, and the
sizes where the network does not fit its input are listed.

\b
  cnninspect summary resnet18
  cnninspect summary vgg16 --input 3x512x512 --batch 8 --depth 1
  cnninspect summary googlenet --set aux_logits=false --format json
  cnninspect summary examples/tiny_net.yaml --explain
  cnninspect summary lenet5 --explain --format json          (the worked formulas in "explain")
  cat examples/tiny_net.yaml | cnninspect summary - --depth 1
  cnninspect summary resnet18 --verify --time --batch 8
  cnninspect summary resnet50 --train --batch 64 --optimizer adamw --dtype bfloat16
  cnninspect summary resnet50 --train --fit 24GiB --depth 1
  cnninspect summary resnet50 --train --fit 24GiB --batch 32 --input 160:1024:32 --depth 1
  cnninspect summary lenet5 --train --batch 4 --verify
"""
TIMING_OPTIONS = ("device", "channels_last", "warmup", "runs", "compile_")  # apply to --time (their help says so)


@click.command(help=HELP)
@click.argument("model", shell_complete=complete_model)
@input_option
@click.option("--batch", type=click.IntRange(1, 10**9), default=1, show_default=True, help="Batch size.")
@click.option("--depth", type=click.IntRange(1, 64), help="Fold layers deeper than K path components into one row.")
@click.option("--dtype", type=click.Choice(DTYPES), default="float32", show_default=True,
              help="Element type for the memory figures and for --time.")
@format_option("summary")
@output_option()
@click.option("--explain", is_flag=True, help="Work out every windowed layer's output size with its numbers.")
@set_option
@click.option("--verify", is_flag=True, help="Cross-check every figure against torch (torch extra).")
@click.option("--time", "timing", is_flag=True, help="Time forward passes with torch (torch extra).")
@click.option("--train", is_flag=True, help="Add the memory and compute of a training step (docs/training.md).")
@optimizer_option
@click.option("--fit", "fit_budget", metavar="SIZE",
              help="--train: the largest batch whose peak fits, e.g. 24GiB (with an --input range: the largest size).")
@click.option("--device", type=click.Choice(TIME_DEVICES),
              help="--time: device [default: the best]; --train: cuda (default) or cpu.")
@click.option("--channels-last", is_flag=True, help="--time: channels-last memory format.")
@click.option("--warmup", type=click.IntRange(0, 100_000), default=10, show_default=True,
              help="--time: warm-up passes.")
@click.option("--runs", type=click.IntRange(1, 100_000), default=50, show_default=True, help="--time: timed passes.")
@click.option("--compile", "compile_", is_flag=True, help="--time: torch.compile the model first.")
def summary(model: str, input_text: str | None, batch: int, depth: int | None, dtype: str, fmt: str,
            output_file: str | None, explain: bool, settings: tuple[str, ...], verify: bool, timing: bool,
            train: bool, optimizer: str | None, fit_budget: str | None, **timing_options) -> None:
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.spec.load import load_with

    _refuse_training_options_without_train(train, optimizer, fit_budget, timing_options["device"], timing)
    _refuse_timing_options_without_time(timing, train)
    if explain and fmt in ("markdown", "csv"):
        raise InputError(f"the worked formulas come as text (the default format) or JSON (--format json); "
                         f"--format {fmt} has no place for them", where="--explain")
    given = parse_settings(settings)
    spec, own = load_with(model, given)  # a source's --set: its constructor's (shown as given all the same)
    from cnninspect.commands.training import input_range, size_view, training_view
    sizes, view = input_range(input_text, spec, searched=train and fit_budget is not None), None
    if sizes is not None:  # --fit over an --input range: the largest size that fits
        analysis, view = size_view(spec, sizes, own, batch, dtype, optimizer, fit_budget, timing_options["device"])
    else:
        analysis = analyze(spec, model_input(input_text, spec), own)
    if train and view is None:
        view = training_view(analysis, batch, dtype, optimizer, fit_budget, timing_options["device"])
    if view is not None:
        batch = view.training.config.batch
    result = summarize(analysis, batch, dtype, depth, given)
    if view is not None:
        view = view._replace(summary=result)
    checks, notes, sections = _torch_findings(analysis, result, verify and not train, timing, timing_options)
    if verify and train:
        from cnninspect.commands.training import verify_training
        notes, sections = verify_training(analysis, view, notes, sections)
    emit(_render(result, fmt, explain, checks, notes, sections, on_terminal(output_file), table_width(output_file),
                 view), output_file)
    if any(sections.get(key, {}).get("ok") is False for key in ("verification", "train_verification")):
        sys.exit(1)


def _render(result, fmt: str, explain: bool, checks, notes, sections, color: bool, width: int | None,
            train=None) -> str:
    if explain and fmt == "json":  # the whole summary, and the worked formulas in a section of their own
        from cnninspect.render.explain_json import explain_section
        sections = {**sections, "explain": explain_section(result)}
    elif explain:
        from cnninspect.render.summary_text import render_explain
        return render_explain(result)
    if fmt == "json":
        from cnninspect.render.summary_json import render
        return render(result, sections, train)
    if fmt == "csv":
        from cnninspect.render.summary_text import render_csv
        return render_csv(result, train)
    if fmt == "markdown":
        from cnninspect.render.summary_text import render_markdown
        return render_markdown(result, checks, notes, train)
    from cnninspect.render.summary_text import render_table
    return render_table(result, color, checks, notes, width, train)


def _torch_findings(analysis, result, verify: bool, timing: bool, options: dict):
    """(checks per module path or None, note lines, JSON sections) from --verify and --time."""
    if not (verify or timing):
        return None, [], {}
    from cnninspect.torch_backend import require_torch
    require_torch("--verify and --time", torchinfo=verify)
    import torch

    from cnninspect.render import torch_text
    checks, notes, sections = None, [], {}
    if verify:
        from cnninspect.torch_backend.crosscheck import verify as cross_check
        found = cross_check(analysis, result.batch)
        checks = torch_text.checks_by_path(analysis, found)
        notes += torch_text.verification_lines(found, torch.__version__)
        sections["verification"] = torch_text.verification_json(found, torch.__version__)
    if timing:
        measured = _time(analysis, result, options)
        notes += torch_text.timing_lines(measured, result.totals.param_bytes, _largest_step(result))
        sections["timing"] = torch_text.timing_json(measured)
    return checks, ["", *notes], sections


def _time(analysis, result, options: dict):
    from rich.progress import Progress

    from cnninspect.torch_backend.timing import best_device, check, time_forward
    device = options["device"] or best_device()
    check([analysis], device=device, dtype=result.dtype, batch=result.batch, channels_last=options["channels_last"],
          compile=options["compile_"], warmup=options["warmup"])  # its refusals before the progress bar
    console = _stderr_console()
    with Progress(transient=True, console=console, disable=not console.is_terminal) as bar:  # else a blank line
        warm = bar.add_task("warm-up", total=options["warmup"])
        timed = bar.add_task(f"timing on {device}", total=options["runs"])
        return time_forward(analysis, device=device, dtype=result.dtype, batch=result.batch,
                            channels_last=options["channels_last"], warmup=options["warmup"], runs=options["runs"],
                            compile=options["compile_"],
                            progress=lambda phase, done: bar.update(warm if phase == "warmup" else timed,
                                                                    completed=done))


def _largest_step(result) -> int:
    """The most activation memory one layer holds at once in inference: its input and its output."""
    from cnninspect.core.layers.base import numel
    from cnninspect.core.summary import DTYPE_BYTES

    per_element = result.batch * DTYPE_BYTES[result.dtype]
    return max((numel(r.input) + numel(r.output)) * per_element for r in result.analysis.rows if not r.aux)


def _stderr_console():
    from rich.console import Console
    return Console(stderr=True)


def _refuse_training_options_without_train(train: bool, optimizer, fit_budget, device, timing: bool) -> None:
    for flag, given in (("--optimizer", optimizer), ("--fit", fit_budget)):
        if given is not None and not train:
            raise InputError("applies to --train; add --train", where=flag)
    if train and timing and device is not None:
        raise InputError("--device is --time's device or --train's; give --time and --train apart", where="--device")


def _refuse_timing_options_without_time(timing: bool, train: bool) -> None:
    """An option of --time's given on the command line without --time (--device is --train's too)."""
    if timing:
        return
    ctx = click.get_current_context()
    for option in ctx.command.params:
        if option.name not in TIMING_OPTIONS or (train and option.name == "device"):
            continue
        if ctx.get_parameter_source(option.name) is click.core.ParameterSource.COMMANDLINE:
            flag = option.opts[0]
            raise InputError(f"{flag} applies to --time; add --time", where=flag)
