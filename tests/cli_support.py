"""What the CLI tests share: running the command line in process, and the shape of a refusal."""

from __future__ import annotations

import shlex
import time
import tracemalloc

from click.testing import CliRunner, Result

from cnninspect.cli import main

PREFIX = "cnninspect: error: "
TIME_LIMIT_S = 1.0  # seconds one refusal may take, in process
MEMORY_LIMIT = 64 * 2**20  # bytes Python may allocate while refusing: bounded, whatever the input holds


def runner() -> CliRunner:
    """A runner that keeps stdout and stderr apart, on every click the project supports."""
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2 mixes stderr into stdout by default
    except TypeError:
        return CliRunner()  # click >= 8.2 keeps them apart


def _split(args: str | list[str]) -> list[str]:
    return shlex.split(args) if isinstance(args, str) else list(args)


def run_cli(args: str | list[str]) -> Result:
    """`cnninspect ARGS` through click's runner and the CLI's error boundary."""
    return CliRunner().invoke(main, _split(args))


def measured(args: str | list[str], stdin: str | bytes | None = None) -> tuple[Result, float, int]:
    """`cnninspect ARGS` under a timer and tracemalloc: the result, the seconds it took, the peak bytes Python
    allocated meanwhile."""
    tracemalloc.start()
    try:
        start = time.perf_counter()
        result = runner().invoke(main, _split(args), input=stdin, prog_name="cnninspect")
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, elapsed, peak


def refusal_line(result: Result, where: str = "") -> str:
    """A refusal's shape: no exception escaped the CLI's boundary, exit status 2, nothing on stdout, exactly one
    line on stderr, `cnninspect: error: ` then WHERE (a location, a flag). Returns that line."""
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    assert escaped is None, f"an exception escaped the CLI: {escaped!r}"
    assert result.exit_code == 2 and result.stdout == "", (result.exit_code, result.stdout, result.stderr)
    stderr = result.stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and stderr == lines[0] + "\n" and "Traceback" not in stderr, repr(stderr)
    assert lines[0].startswith(PREFIX + where), (PREFIX + where, lines[0])
    return lines[0]


def assert_refused(result: Result, message: str) -> None:
    """Bad input: exit status 2, nothing on stdout, one line on stderr that says what is wrong."""
    line = refusal_line(result)
    assert message in line, (message, line)


def bounded_refusal(args: str | list[str], *fragments: str, where: str = "", stdin: str | bytes | None = None,
                    warm: bool = False) -> str:
    """A refusal's guarantees: its shape (`refusal_line`, WHERE right after the prefix), every fragment in its one
    line, under TIME_LIMIT_S and MEMORY_LIMIT. `warm` runs the command once first, so that the bounds are for the
    refusal, not for a first import (torch's). Returns the line."""
    if warm:
        measured(args, stdin)
    result, elapsed, peak = measured(args, stdin)
    line = refusal_line(result, where)
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.2f} s"
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.1f} MiB"
    return line


def assert_golden_output(assert_golden, name: str, args: str) -> None:
    result = run_cli(args)
    assert result.exit_code == 0, result.output
    assert_golden(name, result.stdout)
