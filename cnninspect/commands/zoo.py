"""`cnninspect zoo`: the models shipped with cnninspect, with their totals and their arguments."""

from __future__ import annotations

import click

from cnninspect.commands.formats import emit, format_option, output_option


@click.command()
@click.argument("names", nargs=-1, metavar="[MODEL]...")
@format_option("zoo")
@output_option()
def zoo(names: tuple[str, ...], fmt: str, output_file: str | None) -> None:
    """List the zoo: every model's input, parameters, MACs, source and arguments (`--set NAME=VALUE` changes
    one), computed now from its spec; with MODEL names, only those, each argument with its default.

    \b
      cnninspect zoo
      cnninspect zoo --format markdown
      cnninspect zoo efficientnet_b0 regnet_x_400mf
    """
    from cnninspect.core.engine import analyze
    from cnninspect.core.evaluate import model_arguments
    from cnninspect.core.summary import summarize
    from cnninspect.errors import InputError
    from cnninspect.render.zoo import RENDER, render_arguments
    from cnninspect.spec.load import ZOO_PREFIX, load_model, zoo_names

    known = zoo_names()
    for name in names:
        if name not in known:
            from cnninspect.spell import spell
            raise InputError(f"no zoo model {spell(name)} (`cnninspect zoo` lists them)", where="MODEL")
    entries = []
    for name in names or known:
        model = load_model(ZOO_PREFIX + name)  # the zoo's, whatever files here share its names
        totals = summarize(analyze(model)).totals
        entries.append({"name": name, "input": list(model.input), "params": totals.params, "macs": totals.macs,
                        "aux_params": totals.aux_params, "source": model.source,
                        "args": model_arguments(model.args)})
    emit(render_arguments(entries) if names and fmt == "table" else RENDER[fmt](entries), output_file)
