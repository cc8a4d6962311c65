"""docs/diff.md stays true: its console examples print what it shows, and every field of the JSON document is in
its tables."""

from __future__ import annotations

import json
import pathlib
import re
import shlex

import pytest

from tests.cli_support import run_cli

ROOT = pathlib.Path(__file__).parent.parent.parent
DOC = (ROOT / "docs" / "diff.md").read_text()
EXAMPLE = re.compile(r"```console\n\$ cnninspect (?P<args>[^\n]+)\n(?P<output>.*?)```", re.S)


@pytest.mark.parametrize("args, output", [m.groups() for m in EXAMPLE.finditer(DOC)])
def test_console_examples(args, output, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert run_cli(shlex.split(args)).stdout == output


def _documented(name: str) -> bool:
    """In backquotes in a table row of the JSON section (a field's own row, or the row of the object holding it),
    or in the prose that lists the Row fields."""
    section = DOC.split("### `--format json`", 1)[1].split("\n## ", 1)[0]
    return any(f"`{name}`" in line for line in section.splitlines() if line.startswith("| `")) \
        or f"`{name}`" in section.split("`Row`:", 1)[1].split("\n\n", 1)[0]


def test_every_json_field_is_documented():
    data = json.loads(run_cli("diff googlenet googlenet --new-set aux_logits=false --format json --all").stdout)
    entry = data["layers"][0]
    names = {*data, *data["old"], *entry, *entry["delta"], *entry["old"], *data["totals"]}
    undocumented = sorted(name for name in names if not _documented(name))
    assert not undocumented, undocumented
    assert set(data["totals"]) >= {"aux_params", "aux_macs"}, "googlenet's heads: the aux totals appear"
