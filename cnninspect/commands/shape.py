"""`cnninspect shape`: the output-size rule for one layer or a chain of layers, worked out and linted."""

from __future__ import annotations

import click

from cnninspect.commands.formats import format_option
from cnninspect.errors import InputError
from cnninspect.syntax import KIND_NAMES, STEP_SYNTAX

FLAGS = {"input": "--n", "kernel": "--f", "stride": "--s", "padding": "--p", "dilation": "--d",
         "output_padding": "--op", "ceil_mode": "--ceil", "out": "--out", "same": "--same"}
LAYER_FLAGS = ("f", "s", "p", "d", "op", "kind", "ceil", "out", "same")

HELP = f"""Output size of a layer, worked out with your numbers: ⌊(n − f + 2p)/s⌋ + 1.

\b
One layer, from flags:
  cnninspect shape --n 227 --f 11 --s 4
  cnninspect shape --n 224x160 --f 3x5 --p 1
  cnninspect shape --n 112 --f 3 --s 2 --kind maxpool --ceil
  cnninspect shape --n 28 --f 4 --s 2 --p 1 --kind transposed
  cnninspect shape --n 224 --f 11 --s 4 --out 55      (which paddings, which inputs give 55)
  cnninspect shape --n 224 --f 7 --s 2 --same         (the padding that keeps ⌈n/s⌉)

\b
A chain of layers, as STEPS: {STEP_SYNTAX}.
Pooling's stride defaults to its kernel, as in PyTorch.
  cnninspect shape --n 224 conv:7/2/3 pool:3/2/1 conv:3/1/1
  cnninspect shape --n 224 conv:3/1/1*3               (three 3x3 convs: a 7x7 receptive field)
"""


@click.command(help=HELP, no_args_is_help=True)
@click.argument("steps", nargs=-1, metavar="[STEPS]...")
@click.option("--n", "n", metavar="SIZE", help="Input size n, per axis: 227 or 224x160.")
@click.option("--f", "f", metavar="SIZE", help="Kernel size f.")
@click.option("--s", "s", metavar="SIZE", help="Stride s [default: 1; pooling: the kernel size].")
@click.option("--p", "p", metavar="SIZE", help="Padding p: a number, per axis, 'same' or 'valid' [default: 0].")
@click.option("--d", "d", metavar="SIZE", help="Dilation d [default: 1].")
@click.option("--kind", type=click.Choice(KIND_NAMES), help="Layer kind [default: conv].")
@click.option("--ceil", is_flag=True, help="Pooling with ceil_mode=True.")
@click.option("--op", "op", metavar="SIZE", help="output_padding of a transposed convolution [default: 0].")
@click.option("--out", "out", metavar="SIZE", help="Inverse: the paddings and input sizes that give this output.")
@click.option("--same", is_flag=True, help="Inverse: the padding that keeps ⌈n/s⌉.")
@click.option("--dims", type=click.IntRange(1, 3), help="Number of spatial axes when every value is one number.")
@format_option("shape")
def shape(steps: tuple[str, ...], fmt: str, dims: int | None, **flags) -> None:
    try:
        report = _chain_report(steps, flags, dims) if steps else _layer_report(flags, dims)
    except InputError as error:
        raise error.located(error.where or FLAGS.get(error.param, "")) from None
    if fmt == "json":
        from cnninspect.render.shape_json import render
    else:
        from cnninspect.render.shape_text import render
    click.echo(render(report), nl=False)


def _layer_report(flags: dict, dims: int | None):
    from cnninspect.core.chain import Step, walk
    from cnninspect.core.questions import solve_out, solve_same
    from cnninspect.core.report import ShapeReport
    from cnninspect.core.window import Kind, make_window
    from cnninspect.parse import parse_padding, parse_sizes, step_label

    if flags["f"] is None:
        raise InputError("give the kernel size --f (or chain STEPS); see 'cnninspect shape --help'", where="--f")
    if flags["n"] is None and flags["out"] is None:
        raise InputError("give the input size --n (or --out for the inverse question)", where="--n")
    if flags["same"] and flags["n"] is None:
        raise InputError("--same needs the input size --n", where="--same")
    if flags["same"] and flags["out"] is not None:
        raise InputError("ask either --out or --same, not both", where="--same")
    values = {name: parse_sizes(flags[name], f"--{name}") for name in ("n", "f", "s", "d", "op", "out")
              if flags[name] is not None}
    padding = parse_padding(flags["p"], "--p") if flags["p"] is not None else 0
    ndim = dims or (len(values["n"]) if len(values.get("n", ())) > 1 else None)
    window = make_window(Kind(flags["kind"] or "conv"), values["f"], values.get("s"), padding,
                         values.get("d", 1), values.get("op", 0), flags["ceil"], ndim)
    ndim = window.ndim
    sizes = _per_axis(values["n"], ndim, "--n") if "n" in values else None
    results = walk(sizes, [Step(step_label(window), window)]) if sizes else ()
    inverse = None
    if "out" in values:
        inverse = solve_out(window, _per_axis(values["out"], ndim, "--out"), sizes)
    elif flags["same"]:
        inverse = solve_same(window, sizes)
    return ShapeReport(sizes, results, window, inverse)


def _chain_report(steps: tuple[str, ...], flags: dict, dims: int | None):
    from cnninspect.core.chain import walk
    from cnninspect.core.report import ShapeReport
    from cnninspect.parse import parse_sizes, parse_steps

    given = [f"--{name}" for name in LAYER_FLAGS if flags[name] not in (None, False)]
    if given:
        raise InputError(f"describes one layer; with chain STEPS write each layer as a step "
                         f"({STEP_SYNTAX})", where=given[0])
    if flags["n"] is None:
        raise InputError("a chain needs the input size --n", where="--n")
    sizes = parse_sizes(flags["n"], "--n")
    sizes = _per_axis(sizes, dims or len(sizes), "--n")
    chain = parse_steps(steps, len(sizes))
    results = walk(sizes, chain, where=lambda index, step: f"step {index + 1} {step.label!r}")
    return ShapeReport(sizes, results, None, None)


def _per_axis(values: tuple[int, ...], ndim: int, flag: str) -> tuple[int, ...]:
    if len(values) == ndim:
        return values
    if len(values) == 1:
        return values * ndim
    raise InputError(f"expected 1 or {ndim} values (one per spatial axis). Received {'x'.join(map(str, values))}",
                     where=flag)

