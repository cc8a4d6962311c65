"""Fixtures for `cnninspect check`: the command run through the CLI's error boundary, as users run it."""

from __future__ import annotations

import pathlib
import shlex

import pytest
from click.testing import CliRunner

import cnninspect.cli

ROOT = pathlib.Path(__file__).parent.parent.parent
CLI = "import sys; sys.argv[0] = 'cnninspect'; from cnninspect.cli import main; main()"  # python -c CLI ARGS...


@pytest.fixture
def check(monkeypatch):
    """check("ARGS") -> click's Result, run from the repository root through `cnninspect.cli.main`."""
    monkeypatch.chdir(ROOT)

    def run(args: str | list[str]):
        return CliRunner().invoke(cnninspect.cli.main, ["check", *(shlex.split(args) if isinstance(args, str)
                                                                   else args)])

    return run
