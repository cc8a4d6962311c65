"""`cnninspect zoo`: the models shipped with cnninspect, with their totals."""

from __future__ import annotations

import click



@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def zoo(fmt: str) -> None:
    """List the zoo: every model's input, parameters, MACs and output, computed now from its spec."""
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.render import figures
    from cnninspect.spec.load import ZOO_PREFIX, load_model, zoo_names

    entries = []
    for name in zoo_names():
        model = load_model(ZOO_PREFIX + name)  # the zoo's, whatever files here share its names
        totals = summarize(analyze(model)).totals
        entries.append({"name": name, "input": list(model.input), "params": totals.params, "macs": totals.macs,
                        "aux_params": totals.aux_params, "source": model.source})
    if fmt == "json":
        from cnninspect.render.jsonfmt import dumps
        click.echo(dumps({"version": 1, "models": entries}), nl=False)
        return
    from cnninspect.render.text import columns
    rows = [["model", "input", "params", "MACs", "source"]]
    rows += [[e["name"], figures.shape(tuple(e["input"])), figures.human(e["params"]), figures.human(e["macs"]),
              e["source"]] for e in entries]
    click.echo("\n".join(columns(rows)))
