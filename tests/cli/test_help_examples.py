"""Every example in every command's --help runs, as a user would paste it into a shell.

The examples are read from the help texts themselves (a line that starts with `cnninspect ...` or pipes into
it), so a new example is tested as soon as it is written. Each runs in a real shell, in a fresh folder that
holds the checkout's examples/ (the files the examples name), and must exit 0, or 1 where the example's own
note says `exit status 1` (check's examples that hold a spec over its budget). Examples with --time run with
one pass at batch 1 appended (--runs 1 --warmup 0 --batch 1; later options win): the same command without a
minute of timing on a shared CPU (timing at a batch is tests/torch's subject).
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from cnninspect.cli import COMMANDS, main

ROOT = pathlib.Path(__file__).parent.parent.parent
EXAMPLE = re.compile(r"^\s+(?P<command>(?:cat \S+ \| )?cnninspect \S.*?)(?:\s{2,}\((?P<note>[^)]*)\))?\s*$")
FEWER_PASSES = " --runs 1 --warmup 0 --batch 1"
NEEDS_TORCH = ("--verify", "--time", "cnninspect verify", "cnninspect import")


def help_texts() -> dict[str, str]:
    runner = CliRunner()
    texts = {"cnninspect": runner.invoke(main, ["--help"]).output}
    for name in COMMANDS:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        texts[name] = result.output
    return texts


def examples() -> list:
    found = []
    for name, text in help_texts().items():
        for line in text.splitlines():
            match = EXAMPLE.match(line)
            if match:
                status = 1 if match["note"] and "exit status 1" in match["note"] else 0
                marks = [pytest.mark.torch] if any(word in match["command"] for word in NEEDS_TORCH) else []
                found.append(pytest.param(match["command"], status, id=match["command"][:70], marks=marks))
    return found


def test_every_command_has_examples():
    """The extraction finds them: at least two per command that takes arguments (zoo has none to show)."""
    commands = {param.values[0].split(" | ")[-1].split()[1] for param in examples()}
    assert commands >= set(COMMANDS) - {"zoo"}, commands
    assert len(examples()) >= 20


@pytest.mark.parametrize("command, status", examples())
def test_help_example_runs(command: str, status: int, tmp_path: pathlib.Path):
    assert shutil.which("cnninspect"), "the console script is not installed (pip install -e .)"
    if any(word in command for word in NEEDS_TORCH):
        pytest.importorskip("torchinfo")  # the torch extra: torch and torchinfo
    if "--plot" in command:
        pytest.importorskip("matplotlib")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    if "--time" in command:
        command += FEWER_PASSES
    result = subprocess.run(command, shell=True, executable="/bin/bash", cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == status, f"exit status {result.returncode}: {result.stderr[-2000:]}"
    assert result.stdout or "--output" in command or " -o " in command or ">" in command, "printed nothing"
