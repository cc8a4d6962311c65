"""`cnninspect verify`: cross-check many specs against torch at once."""

from __future__ import annotations

import sys

import click

from cnninspect.commands.formats import format_option
from cnninspect.commands.options import complete_model, input_option, model_input, parse_settings, set_option
from cnninspect.errors import InputError, error_line
from cnninspect.inert import inert


@click.command()
@click.argument("models", nargs=-1, required=True, shell_complete=complete_model)
@input_option
@set_option
@click.option("--batch", type=click.IntRange(1, 10**9), default=1, show_default=True, help="Batch size.")
@format_option("verify")
def verify(models: tuple[str, ...], input_text: str | None, settings: tuple[str, ...], batch: int,
           fmt: str) -> None:
    """Build each MODEL (zoo name or spec file) with torch on the meta device and check every layer's type,
    output shape and parameters (torchinfo) and the MACs (FlopCounterMode) against the analytic figures.

    \b
    Every MODEL is checked, whatever the others give. Exit status, the worst of them: 0 all agree,
    1 torch differs (a figure, or it refuses a layer cnninspect accepts), 2 a spec is invalid or holds
    what torch cannot (a module named like an nn.Module attribute, a tensor of 2^63 bytes).
    Needs the torch extra: pip install torch torchinfo numpy, or see README's Set-up.

    \b
      cnninspect verify alexnet vgg16 resnet18 googlenet inception_v3 lenet5
      cnninspect verify examples/*.yaml --input 3x64x64
    """
    from cnninspect.torch_backend import require_torch

    require_torch("cnninspect verify", torchinfo=True)
    import torch

    from cnninspect.core.engine import analyze
    from cnninspect.render import torch_text
    from cnninspect.spec.load import load_model
    from cnninspect.torch_backend.crosscheck import verify as cross_check

    entries, invalid = [], False
    for name in models:
        try:
            spec = load_model(name)
            found = cross_check(analyze(spec, model_input(input_text, spec), parse_settings(settings)), batch)
        except InputError as error:
            click.echo(error_line(error), err=True)
            invalid = True
            entries.append({"model": name, "ok": None, "error": str(error)})
            continue
        entries.append({"model": name, **torch_text.verification_json(found, torch.__version__)})
        if fmt == "table":
            lines = torch_text.verification_lines(found, torch.__version__)
            click.echo(f"{inert(name)}: {lines[0]}")
            for line in lines[1:]:
                click.echo(line)
    if fmt == "json":
        from cnninspect.render.jsonfmt import dumps
        click.echo(dumps({"version": 1, "models": entries}), nl=False)
    sys.exit(2 if invalid else 1 if any(e["ok"] is False for e in entries) else 0)
