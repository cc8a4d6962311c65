"""`cnninspect zoo` in every format: pure functions of the zoo's entries (dicts: name, input, params, macs,
aux_params, source, args), text from the spec files printed inert (markdown- and CSV-safe in those)."""

from __future__ import annotations

import csv
import io

from cnninspect.inert import csv_cell, markdown_text
from cnninspect.render import figures

HEAD = ("model", "input", "params", "MACs", "source", "arguments")


def _cells(entry: dict) -> list[str]:
    return [entry["name"], figures.shape(tuple(entry["input"])), figures.human(entry["params"]),
            figures.human(entry["macs"]), entry["source"], " ".join(entry["args"])]


def render_arguments(entries: list[dict]) -> str:
    """`cnninspect zoo MODEL...`: each model's line, then its arguments with their defaults, one a line."""
    from cnninspect.inert import inert
    from cnninspect.spell import spell

    lines = []
    for entry in entries:
        lines.append(f"{inert(entry['name'])}  {figures.shape(tuple(entry['input']))}  "
                     f"{figures.human(entry['params'])} params  {figures.human(entry['macs'])} MACs  "
                     f"{inert(entry['source'])}")
        width = max(map(len, entry["args"]), default=0)
        lines += [f"  --set {inert(name).ljust(width)}  default {inert(spell(value))}"
                  for name, value in entry["args"].items()] or ["  (no arguments)"]
    return "\n".join(lines) + "\n"


def render_table(entries: list[dict]) -> str:
    from cnninspect.render.text import columns

    return "\n".join(columns([list(HEAD), *map(_cells, entries)])) + "\n"


def render_json(entries: list[dict]) -> str:
    """docs/json.md: `zoo`, version 1."""
    from cnninspect.render.jsonfmt import dumps

    return dumps({"version": 1, "models": entries})


def render_markdown(entries: list[dict]) -> str:
    """A markdown table: the table's columns, numbers right-aligned."""
    lines = ["| " + " | ".join(HEAD) + " |", "|---|---|---:|---:|---|---|"]
    lines += ["| " + " | ".join(map(markdown_text, _cells(entry))) + " |" for entry in entries]
    return "\n".join(lines) + "\n"


def render_csv(entries: list[dict]) -> str:
    """One line per model, raw numbers (the JSON's fields)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "input", "params", "macs", "aux_params", "source", "args"])
    for entry in entries:
        writer.writerow([csv_cell(entry["name"]), figures.shape(tuple(entry["input"])), entry["params"],
                         entry["macs"], entry["aux_params"], csv_cell(entry["source"]),
                         csv_cell(" ".join(entry["args"]))])
    return out.getvalue()


RENDER = {"table": render_table, "json": render_json, "markdown": render_markdown, "csv": render_csv}
