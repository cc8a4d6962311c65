"""`cnninspect zoo`: the models shipped with cnninspect, with their totals."""

from __future__ import annotations

import click

from cnninspect.commands.formats import emit, format_option, output_option


@click.command()
@format_option("zoo")
@output_option()
def zoo(fmt: str, output_file: str | None) -> None:
    """List the zoo: every model's input, parameters, MACs and source, computed now from its spec.

    \b
      cnninspect zoo
      cnninspect zoo --format markdown
    """
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.render.zoo import RENDER
    from cnninspect.spec.load import ZOO_PREFIX, load_model, zoo_names

    entries = []
    for name in zoo_names():
        model = load_model(ZOO_PREFIX + name)  # the zoo's, whatever files here share its names
        totals = summarize(analyze(model)).totals
        entries.append({"name": name, "input": list(model.input), "params": totals.params, "macs": totals.macs,
                        "aux_params": totals.aux_params, "source": model.source})
    emit(RENDER[fmt](entries), output_file)
