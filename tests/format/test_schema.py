"""`cnninspect schema`: a valid JSON Schema that accepts the zoo and the documented examples, and catches typos."""

from __future__ import annotations

import json
import pathlib
import re

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from cnninspect.cli import main
from cnninspect.spec.load import ZOO
from cnninspect.spec.schema import json_schema

ROOT = pathlib.Path(__file__).parent.parent.parent
VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def test_the_command_prints_a_valid_schema():
    printed = json.loads(CliRunner().invoke(main, ["schema"]).stdout)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed == json_schema()


@pytest.mark.parametrize("path", sorted(ZOO.glob("*.yaml")), ids=lambda p: p.stem)
def test_zoo_specs_and_families_validate(path):
    assert list(VALIDATOR.iter_errors(yaml.safe_load(path.read_text()))) == []


def documented_specs():
    text = (ROOT / "docs" / "spec.md").read_text()
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)
            if block.lstrip().startswith(("name:", "input:", "# a whole spec"))]


def test_the_documented_examples_validate():
    specs = documented_specs()
    assert specs
    for spec in specs:
        assert list(VALIDATOR.iter_errors(spec)) == []


@pytest.mark.parametrize("spec", [
    {"input": [3, 8, 8], "layers": [{"conv": {"out": 4, "kernal": 3}}]},  # a misspelt field
    {"input": [3, 8, 8], "layers": [{"conv": {"out": 4, "kernel": [1, 2, 3, 4]}}]},  # four axes
    {"input": [3, 8, 8], "layers": [{"maxpool": {}}]},  # the kernel is required
    {"input": [3, 8, 8], "layers": [{"add": {"branches": [[]]}}]},  # one branch
    {"input": [3, 8, 8], "layer": []},  # a misspelt top-level key
    {"layers": []},  # no input
])
def test_mistakes_are_caught(spec):
    assert list(VALIDATOR.iter_errors(spec))
