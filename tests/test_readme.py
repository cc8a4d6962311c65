"""README.md stays true: every console example is run and must print exactly what the README shows."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import pytest

from tests.torch_oracle import MISSING as TORCH_MISSING

README = pathlib.Path(__file__).parent.parent / "README.md"
EXAMPLE = re.compile(r"```console\n\$ (?P<command>[^\n]+)\n(?P<output>.*?)```", re.S)


def examples():
    for match in EXAMPLE.finditer(README.read_text(encoding="utf-8")):
        yield pytest.param(match["command"], match["output"], id=match["command"][:60])


@pytest.mark.parametrize("command, output", list(examples()))
def test_readme_example(command, output):
    assert shutil.which("cnninspect"), "the console script is not installed"
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60,
                            cwd=README.parent)
    if TORCH_MISSING and "needs torch, which is not installed" in result.stderr:
        pytest.skip(TORCH_MISSING)  # a `verify` or `--time` example, without the torch extra
    assert result.stdout == output


def test_readme_has_examples():
    assert len(list(examples())) >= 8
