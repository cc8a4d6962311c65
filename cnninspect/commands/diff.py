"""`cnninspect diff`: what changed between two architectures — layers added, removed, changed and renamed, with
their deltas per layer and per block and the totals side by side (core/diff.py; docs/diff.md)."""

from __future__ import annotations

import sys

import click

from cnninspect.commands.formats import emit, format_option, on_terminal, output_option, table_width
from cnninspect.commands.options import complete_model, input_option, model_input, parse_settings, set_option
from cnninspect.errors import InputError
from cnninspect.syntax import DTYPES

HELP = """What changed from OLD to NEW: two models (zoo names, spec files, - for standard input, as
summary reads them), or one spec FILE at a git revision (--rev REV) against the file as it is now.

\b
Layers are matched by module path, then by structure where paths were renamed (docs/diff.md),
and shown as added, removed, changed (which settings, old → new) or renamed, with the change
(new − old) of their parameters, MACs and activation memory, their output shapes and receptive
fields; then the top-level blocks and the totals side by side. Unchanged layers are hidden
unless --all; --depth folds layers as summary's does. --set applies to both models,
--old-set and --new-set to one.

\b
Formats: table (fits the terminal as summary's), json (docs/diff.md), markdown (a pull
request's comment), github (workflow annotations on the new spec's lines).
Exit status: 0 the diff is shown, changes or not (with --exit-code: 1 when they differ, as
git diff --exit-code), 2 bad input (a spec, an argument, a revision git does not know).

\b
  cnninspect diff resnet18 resnet34 --depth 2
  cnninspect diff vgg11 vgg11_bn
  cnninspect diff examples/small_cnn.yaml examples/small_cnn.yaml --new-set width=24
  cnninspect diff efficientnet_b0 efficientnet_b0 --new-set num_classes=10 --format json
  cnninspect diff resnet18 resnet34 --format markdown --output diff.md
  cnninspect diff resnet50 resnext50_32x4d --exit-code          (exit status 1: they differ)
In a git checkout, the spec at a revision against the working tree:
  $ cnninspect diff configs/net.yaml --rev main --format github
"""


@click.command(help=HELP)
@click.argument("models", nargs=-1, required=True, metavar="OLD NEW | FILE --rev REV", shell_complete=complete_model)
@click.option("--rev", metavar="REV", help="Diff FILE as it was at git revision REV (git show REV:FILE) against FILE.")
@input_option
@set_option
@click.option("--old-set", "old_settings", metavar="NAME=VALUE", multiple=True,
              help="Override one of OLD's arguments (repeatable; over --set).")
@click.option("--new-set", "new_settings", metavar="NAME=VALUE", multiple=True,
              help="Override one of NEW's arguments (repeatable; over --set).")
@click.option("--batch", type=click.IntRange(1, 10**9), default=1, show_default=True, help="Batch size.")
@click.option("--dtype", type=click.Choice(DTYPES), default="float32", show_default=True,
              help="Element type for the memory figures.")
@click.option("--depth", type=click.IntRange(1, 64), help="Fold layers deeper than K path components into one row.")
@click.option("--all", "show_all", is_flag=True, help="Show unchanged layers and blocks too.")
@click.option("--exit-code", is_flag=True, help="Exit status 1 when the models differ (0 when they do not).")
@format_option("diff")
@output_option()
def diff(models: tuple[str, ...], rev: str | None, input_text: str | None, settings: tuple[str, ...],
         old_settings: tuple[str, ...], new_settings: tuple[str, ...], batch: int, dtype: str, depth: int | None,
         show_all: bool, exit_code: bool, fmt: str, output_file: str | None) -> None:
    from cnninspect.core.diff import diff as compute

    both = parse_settings(settings)
    old_args, new_args = {**both, **parse_settings(old_settings)}, {**both, **parse_settings(new_settings)}
    (old_label, old_model, old_own), (new_label, new_model, new_own) = _models(models, rev, old_args, new_args)
    old_label, new_label = _labelled(old_label, old_args), _labelled(new_label, new_args)
    found = compute(_summary(old_model, input_text, old_own, batch, dtype, old_label),
                    _summary(new_model, input_text, new_own, batch, dtype, new_label), old_label, new_label, depth)
    emit(render(found, fmt, show_all, table_width(output_file), on_terminal(output_file)), output_file)
    if exit_code and not found.same:
        sys.exit(1)


def _labelled(label: str, args: dict) -> str:
    """A model's name with the arguments it was given: `small_cnn.yaml (width=24)`."""
    given = ", ".join(f"{name}={str(v).lower() if isinstance(v, bool) else v}" for name, v in args.items())
    return f"{label} ({given})" if given else label


def _models(models: tuple[str, ...], rev: str | None, old_args: dict, new_args: dict):
    """((label, Model, settings left for it) old, (...) new): two models, or one file at a revision and as it is.
    A source's settings are its constructor's (spec/load.py load_with)."""
    from cnninspect.spec.load import load_with, resolve

    if rev is None:
        if len(models) != 2:
            raise InputError(f"expected two models, OLD and NEW, or one FILE with --rev REV; received "
                             f"{len(models)}", where="diff")
        if models == ("-", "-"):
            raise InputError("standard input can be read once: give one of the two models as a file", where="diff")
        return (models[0], *load_with(models[0], old_args)), (models[1], *load_with(models[1], new_args))
    if len(models) != 1:
        raise InputError(f"--rev takes one FILE (the file at REV against the file now); received {len(models)} "
                         f"models", where=f"--rev {rev}")
    kind, _ = resolve(models[0])
    if kind != "file":
        raise InputError(f"--rev reads a spec file from git; {models[0]!r} is "
                         f"{'standard input' if kind == 'stdin' else 'a zoo model'}", where=f"--rev {rev}")
    from cnninspect.spec.revision import load_at

    old = load_at(models[0], rev)
    return (f"{rev}:{models[0]}", old, old_args), (models[0], *load_with(models[0], new_args))


def _summary(model, input_text: str | None, args: dict, batch: int, dtype: str, label: str):
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize

    shape = model_input(input_text, model)
    try:
        analysis = analyze(model, shape, args)
    except InputError as error:  # an unknown argument is the model's, not a line's
        raise error if error.where or error.loc is not None else error.located(label) from None
    return summarize(analysis, batch, dtype)


def render(found, fmt: str, show_all: bool, width: int | None, color: bool) -> str:
    if fmt == "json":
        from cnninspect.render.diff_json import render as render_json
        return render_json(found, show_all)
    if fmt == "markdown":
        from cnninspect.render.diff_text import render_markdown
        return render_markdown(found, show_all)
    if fmt == "github":
        from cnninspect.render.diff_github import render_github
        return render_github(found)
    from cnninspect.render.diff_text import render_table
    return render_table(found, width, show_all, color)
