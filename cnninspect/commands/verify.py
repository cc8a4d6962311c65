"""`cnninspect verify`: cross-check many specs against torch at once."""

from __future__ import annotations

import sys

import click

from cnninspect.commands.formats import format_option
from cnninspect.commands.options import complete_model, input_option, model_input, parse_settings, set_option
from cnninspect.errors import InputError, error_line
from cnninspect.inert import inert

REFERENCE = "\0metadata.reference"  # --against without a value: each spec's own reference


@click.command()
@click.argument("models", nargs=-1, required=True, shell_complete=complete_model)
@input_option
@set_option
@click.option("--batch", type=click.IntRange(1, 10**9), default=1, show_default=True, help="Batch size.")
@click.option("--against", "against", metavar="SOURCE", is_flag=False, flag_value=REFERENCE, default=None,
              help="Also compare each build with the module SOURCE names (torchvision:NAME, timm:NAME, FILE.py:NAME, "
                   "package.module:NAME); alone, with each spec's metadata.reference. docs/verify.md")
@format_option("verify")
def verify(models: tuple[str, ...], input_text: str | None, settings: tuple[str, ...], batch: int,
           against: str | None, fmt: str) -> None:
    """Build each MODEL (zoo name or spec file) with torch on the meta device and check every layer's type,
    output shape and parameters (torchinfo) and the MACs (FlopCounterMode) against the analytic figures.

    A MODEL that is an import source (timm:NAME, FILE.py:NAME, ...) is also compared with the module itself.
    With --against, also build the reference implementation and compare the two: every leaf module's path, class
    and constructor arguments, every parameter's and buffer's name and shape, every leaf's output shape, and the
    outputs with the reference's weights loaded into the spec's build (docs/verify.md).

    \b
    Every MODEL is checked, whatever the others give. Exit status, the worst of them: 0 all agree,
    1 torch differs (a figure, or it refuses a layer cnninspect accepts) or, with --against, the reference
    differs, 2 a spec is invalid or holds what torch cannot (a module named like an nn.Module attribute, a tensor
    of 2^63 bytes), or the reference cannot be loaded (--against alone: the spec names none).
    Needs the torch extra: pip install torch torchinfo numpy, or see README's Set-up.

    \b
      cnninspect verify alexnet vgg16 resnet18 googlenet inception_v3 lenet5
      cnninspect verify examples/*.yaml --input 3x64x64
      cnninspect verify examples/small_cnn.yaml --against examples/small_cnn_reference.py:SmallCNN
      cnninspect verify examples/small_cnn.yaml --against examples/small_cnn_reference.py:SmallCNNInplace  (exit status 1)
    """
    from cnninspect.torch_backend import require_torch

    require_torch("cnninspect verify", torchinfo=True)
    import torch

    from cnninspect.core.engine import analyze
    from cnninspect.render import against_text, torch_text
    from cnninspect.spec.load import load_with
    from cnninspect.spec.sources import parse as parse_source
    from cnninspect.torch_backend.against import reference_source, verify_against
    from cnninspect.torch_backend.crosscheck import verify as cross_check

    given = None if against in (None, REFERENCE) else reference_source(None, against)  # parsed once: bad, exit 2
    entries, invalid = [], False
    for name in models:
        try:
            spec, left = load_with(name, parse_settings(settings))  # a source's --set: its constructor's
            analysis = analyze(spec, model_input(input_text, spec), left)
            found = cross_check(analysis, batch)
            compared = None
            own = parse_source(name)  # an import source is checked against its own module, not only its spec's build
            if against is not None or own is not None:
                source, where = given or ((own, None) if own is not None else reference_source(spec, None))
                args = parse_settings(settings) if source is own else None  # built as it was imported
                compared = verify_against(analysis, source, where, args=args)
        except InputError as error:
            click.echo(error_line(error), err=True)
            invalid = True
            entries.append({"model": name, "ok": None, "error": str(error)})
            continue
        entry = {"model": name, **torch_text.verification_json(found, torch.__version__)}
        lines = torch_text.verification_lines(found, torch.__version__)
        if compared is not None:
            entry["ok"] = found.ok and compared.ok
            entry["against"] = against_text.as_json(compared, str(source))
            lines += against_text.lines(compared, str(source))
        entries.append(entry)
        if fmt == "table":
            click.echo(f"{inert(name)}: {lines[0]}")
            for line in lines[1:]:
                click.echo(line)
    if fmt == "json":
        from cnninspect.render.jsonfmt import dumps
        click.echo(dumps({"version": 1, "models": entries}), nl=False)
    sys.exit(2 if invalid else 1 if any(e["ok"] is False for e in entries) else 0)
