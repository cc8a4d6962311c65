"""What the CLI tests share: running the command line in process, and the shape of a refusal."""

from __future__ import annotations

import shlex

from click.testing import CliRunner, Result

from cnninspect.cli import main


def run_cli(args: str | list[str]) -> Result:
    """`cnninspect ARGS` through click's runner and the CLI's error boundary."""
    return CliRunner().invoke(main, shlex.split(args) if isinstance(args, str) else args)


def assert_refused(result: Result, message: str) -> None:
    """Bad input: exit status 2, nothing on stdout, one line on stderr that says what is wrong."""
    assert result.exit_code == 2 and result.stdout == "", result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cnninspect: error: ") and message in lines[0], lines


def assert_golden_output(assert_golden, name: str, args: str) -> None:
    result = run_cli(args)
    assert result.exit_code == 0, result.output
    assert_golden(name, result.stdout)
