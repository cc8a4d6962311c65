"""docs/check.md stays true: its console examples print what it shows, and it documents every expectation and
every field of the JSON report."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from cnninspect.core.budget import KEYS, flag
from tests.check.conftest import ROOT

DOC = (ROOT / "docs" / "check.md").read_text()
EXAMPLE = re.compile(r"```console\n\$ cnninspect check (?P<args>[^\n]+)\n(?P<output>.*?)```", re.S)


@pytest.mark.parametrize("args, output", [m.groups() for m in EXAMPLE.finditer(DOC)])
def test_console_examples(check, args, output):
    assert check(shlex.split(args)).stdout == output


def test_there_are_examples():
    assert len(EXAMPLE.findall(DOC)) >= 2


@pytest.mark.parametrize("key", KEYS)
def test_every_expectation_is_in_the_table(key):
    assert any(line.startswith(f"| `{key}` | `{flag(key)}` |") for line in DOC.splitlines())


def _documented(name: str) -> bool:
    """In the first cell of a table row: | `name` | or | `input`, `output` |."""
    return any(f"`{name}`" in line.split("|")[1] for line in DOC.splitlines() if line.startswith("| `"))


def test_every_json_field_is_documented(check):
    data = json.loads(check("examples/ resnet19 --format json").stdout)
    for name in data:
        assert f'"{name}"' in DOC
    for spec in data["specs"]:
        for name in spec:
            assert _documented(name), name
        for check_ in spec["checks"]:
            for name in check_:
                assert _documented(name), name
