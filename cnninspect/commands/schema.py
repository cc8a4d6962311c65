"""`cnninspect schema`: the JSON Schema of the spec format, for editors."""

from __future__ import annotations

import click


@click.command()
def schema() -> None:
    """Print the JSON Schema of spec files, so editors validate and complete them.

    \b
    cnninspect schema > cnninspect.schema.json
    then, at the top of a YAML spec (yaml-language-server, VS Code's YAML extension):
    # yaml-language-server: $schema=./cnninspect.schema.json
    """
    import json

    from cnninspect.spec.schema import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
