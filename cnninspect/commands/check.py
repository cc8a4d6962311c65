"""`cnninspect check`: hold specs to their budgets — parameters, MACs, memory, output shape, receptive field,
the lint — for CI and pre-commit. Exit status 0 all hold, 1 one failed, 2 a spec or an argument is invalid."""

from __future__ import annotations

import glob
import pathlib
import re
import sys

import click

from cnninspect.commands.formats import emit, format_option, output_option
from cnninspect.commands.options import complete_model, input_option, parse_input, parse_settings, set_option
from cnninspect.errors import InputError
from cnninspect.syntax import DTYPES

HELP = """Check every spec in FILES_OR_NAMES (files, directories, glob patterns, zoo names) against its
expectations: the spec's own `expect:` section, overridden by the flags below (docs/check.md).

\b
Counts take k, M, G, T (powers of 1000): --max-params 5M, --max-macs 1.5G.
Memory takes B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
Exit status: 0 every expectation holds, 1 one failed, 2 a spec or an argument is invalid
(the other specs are still checked).

\b
  cnninspect check examples/small_cnn.yaml            (the budget in its expect: section)
  cnninspect check 'examples/**/*_cnn.yaml' --expect-output 10 --no-lint-warnings
  cnninspect check resnet18 mobilenet_v2 --max-params 25M --expect-output 1000
  cnninspect check resnet18 resnet50 --max-train-memory 16GiB --batch 32
  cnninspect check examples/ --max-params 5M --max-macs 1.5G     (exit status 1: see below)
  cnninspect check examples/ --format github                     (exit status 1)
  cnninspect check examples/ --format junit --output check.xml   (exit status 1)
examples/over_budget.yaml is over its budget on purpose. In a git checkout, growth against a revision
(docs/diff.md):
  $ cnninspect check configs/ --baseline main --max-growth params=5% --max-growth macs=10%
"""
SUFFIXES = (".yaml", ".yml", ".json", ".toml")


def _limit(key: str, metavar: str, text: str):
    return click.option("--" + key.replace("_", "-"), key, metavar=metavar, help=text)


@click.command(help=HELP)
@click.argument("files_or_names", nargs=-1, required=True, shell_complete=complete_model)
@input_option
@set_option
@click.option("--batch", type=click.IntRange(1, 10**9), default=1, show_default=True,
              help="Batch size for MACs, FLOPs and activation memory.")
@click.option("--dtype", type=click.Choice(DTYPES), default="float32", show_default=True,
              help="Element type for the memory figures.")
@_limit("max_params", "COUNT", "At most this many parameters, e.g. 5M.")
@_limit("max_macs", "COUNT", "At most this many MACs (conv and linear), e.g. 1.5G.")
@_limit("max_flops", "COUNT", "At most this many FLOPs (2 × MACs), e.g. 3G.")
@_limit("max_param_memory", "SIZE", "At most this much parameter memory, e.g. 50MB.")
@_limit("max_activation_memory", "SIZE", "At most this much activation memory (every output kept), e.g. 200MB.")
@_limit("max_train_memory", "SIZE", "At most this peak of a training step (AdamW, at --batch and --dtype), "
                                   "e.g. 16GiB (docs/training.md).")
@_limit("expect_output", "SHAPE", "The output shape without the batch, e.g. 10 or 512x7x7.")
@_limit("min_receptive_field", "N[xN]", "At least this receptive field at the last layer with spatial axes.")
@click.option("--no-lint-warnings", "no_lint_warnings", is_flag=True,
              help="Fail when a layer never reads some of its input (the lint's '!').")
@click.option("--baseline", metavar="REV", help="Hold each spec file to --max-growth against the file at git revision "
                                                "REV (docs/diff.md).")
@click.option("--max-growth", "growth", metavar="MEASURE=N%", multiple=True,
              help="With --baseline: at most this growth (repeatable): params, macs, flops, param_memory or "
                   "activation_memory, e.g. params=5%.")
@click.option("--verify", is_flag=True, help="Also cross-check every figure against torch (torch extra).")
@format_option("check")
@output_option("Write the --format report to FILE; stdout then shows the table.")
def check(files_or_names: tuple[str, ...], input_text: str | None, settings: tuple[str, ...], batch: int,
          dtype: str, verify: bool, fmt: str, output_file: str | None, baseline: str | None,
          growth: tuple[str, ...], **limits) -> None:
    from cnninspect.commands.baseline import Baseline
    from cnninspect.core.budget import CheckReport, SpecCheck, from_flags

    flags = from_flags(limits)
    against = Baseline(baseline, growth)
    shape = parse_input(input_text, None)
    arguments = parse_settings(settings)
    if verify:
        from cnninspect.torch_backend import require_torch
        require_torch("check --verify", torchinfo=True)
    entries = against.checked(expand(files_or_names))
    specs = tuple(_check(name, file, flags, shape, arguments, batch, dtype, verify, against) if error is None
                  else SpecCheck(name, None, problem=error) for name, file, error in entries)
    report = CheckReport(specs, batch, dtype, shape)
    if output_file not in (None, "-"):
        emit(render(report, fmt), output_file)
        fmt = "table"
    click.echo(render(report, fmt), nl=False)
    sys.exit(report.exit_status)


def _check(name: str, file: str | None, flags, shape, arguments, batch: int, dtype: str, verify: bool, against):
    """One spec's findings; an invalid spec (or expectation) becomes an entry with its located error."""
    from cnninspect.commands.rank import fit_rank
    from cnninspect.core.budget import SpecCheck, combine, evaluate, from_spec
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.spec.load import load_with

    model = None
    try:
        model, own = load_with(name, arguments)  # a source's --set: its constructor's
        expectations = combine(from_spec(model), flags)
        if shape:
            fit_rank(shape, model)
        analysis = analyze(model, shape or model.input, own)
        summary = summarize(analysis, batch, dtype)
        findings = evaluate(summary, expectations) + ((_cross_check(analysis, batch),) if verify else ())
        findings += against.findings(file, summary, shape, arguments)
    except InputError as error:
        return SpecCheck(name, file, problem=error)
    return SpecCheck(name, file, findings, summary)


def _cross_check(analysis, batch: int):
    import torch

    from cnninspect.core.budget import verification
    from cnninspect.torch_backend.crosscheck import verify

    found = verify(analysis, batch)
    return verification(found.ok, found.mismatches, analysis.rows, torch.__version__)


def expand(arguments: tuple[str, ...]) -> list[tuple[str, str | None, InputError | None]]:
    """(name, file or None, error or None) per spec: a directory's spec files (sorted, recursive, hidden ones
    skipped), a glob pattern's matches, a file, or a zoo name; an argument that names nothing is an error entry."""
    found: dict[str, tuple[str, str | None, InputError | None]] = {}
    for argument in arguments:
        for name, file, error in _one(argument):
            found.setdefault(name, (name, file, error))
    return list(found.values())


def _one(argument: str, pattern: bool = True) -> list[tuple[str, str | None, InputError | None]]:
    from cnninspect.spec.load import resolve

    if pattern and resolve(argument)[0] != "file":  # standard input or the zoo's, by the naming rule: the loader's
        return [(argument, None, None)]
    path = pathlib.Path(argument)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            return [(argument, None, InputError(f"no spec files ({', '.join('*' + s for s in SUFFIXES)}) in this "
                                                f"directory", where=argument))]
        return [(str(p), str(p), None) for p in files]
    if pattern and glob.has_magic(argument) and not path.exists():
        try:
            matches = _matches(argument)
        except ValueError as error:  # pathlib's: "'**' can only be an entire path component"
            return [(argument, None, InputError(f"not a valid pattern ({error})", where=argument))]
        if not matches:
            return [(argument, None, InputError("the pattern matches no file", where=argument))]
        return [entry for match in matches for entry in _one(match, pattern=False)]
    if path.exists() or path.suffix.lower() in SUFFIXES:
        return [(str(path), str(path), None)]
    return [(argument, None, None)]  # a zoo name, or nothing: the loader says which


def _matches(pattern: str) -> list[str]:
    """A glob pattern's matches, sorted, as glob.glob gives them (names starting with '.' only where the pattern
    says so), except that `**` does not descend into links to folders: a link to '.' would have it recurse
    without end, and two of them grow the paths exponentially."""
    parts = pathlib.PurePath(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    root = pathlib.Path(*parts[:fixed])
    rest = [part if part == "**" else re.sub(r"\*\*+", "*", part) for part in parts[fixed:]]  # glob's 'a**': 'a*'
    hidden = any(part.startswith(".") for part in rest)
    found = (m for m in root.glob(str(pathlib.PurePath(*rest)))  # pathlib's '**' skips linked folders
             if hidden or not any(part.startswith(".") for part in m.relative_to(root).parts))
    return sorted(str(m) for m in found if not pattern.endswith("/") or m.is_dir())


def render(report, fmt: str) -> str:
    if fmt == "json":
        from cnninspect.render.check_json import render_json
        return render_json(report)
    if fmt == "github":
        from cnninspect.render.check_ci import render_github
        return render_github(report)
    if fmt == "junit":
        from cnninspect.render.check_ci import render_junit
        return render_junit(report)
    from cnninspect.render.check_text import render_text
    return render_text(report)
