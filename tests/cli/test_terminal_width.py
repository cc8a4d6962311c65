"""Tables fit the terminal they are printed on: the command line run under a pseudo-terminal of 80, 100 and 200
columns (TIOCSWINSZ), as a user's shell runs it. No line passes the width, no number is cut, and the table says
what it left out. Off a terminal (a pipe, a file) the whole table, unless COLUMNS is set."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from cnninspect.render import fit
from tests.cli_support import run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

FIVE = "compare alexnet vgg16 resnet18 googlenet inception_v3"
COMMANDS = [FIVE, "summary inception_v3", "summary densenet121"]
ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
NUMBER = re.compile(r"^[\d,.x]*\d[\d,.x]*$")  # 1,814,073,344 · 3.21 · 1x64x112x112 · 627x627


def in_terminal(command: str, columns: int, env: dict | None = None) -> str:
    """What `cnninspect COMMAND` prints on a terminal `columns` wide, its styles taken off."""
    import fcntl
    import pty
    import struct
    import termios

    main_fd, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    environment.update(TERM="xterm", **(env or {}))
    process = subprocess.Popen([shutil.which("cnninspect"), *command.split()], stdin=subprocess.DEVNULL,
                               stdout=terminal, stderr=subprocess.PIPE, env=environment, cwd=os.path.dirname(__file__))
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    assert process.wait(timeout=60) == 0, process.stderr.read()
    return ESCAPE.sub("", b"".join(chunks).decode().replace("\r\n", "\n"))


def piped(command: str) -> str:
    result = run_cli(command)
    assert result.exit_code == 0, result.output
    return result.stdout


def numbers(text: str) -> set[str]:
    return {word for word in text.split() if NUMBER.match(word)}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("columns", [80, 100, 200])
def test_the_table_fits_the_terminal(command, columns):
    shown, whole = in_terminal(command, columns), piped(command)
    too_long = [line for line in shown.splitlines() if fit.cells(line) > columns]
    assert not too_long, too_long
    assert numbers(shown) - {str(columns)} <= numbers(whole)  # every number whole: none cut, none split
    left_out = f"to fit {columns} columns:" in shown
    assert left_out == (max(map(fit.cells, whole.splitlines())) > columns), (command, columns)
    if left_out:
        assert "--format markdown or a wider terminal shows them" in " ".join(shown.split())
    else:
        assert [line.rstrip() for line in shown.splitlines()] == whole.splitlines()  # the whole table, as piped
        # (on a terminal the title of the auxiliary heads is italic over the table's width, as rich wrote it)


def test_five_models_at_80_columns_side_by_side_without_the_ratios():
    shown = in_terminal(FIVE, 80)
    head = next(line for line in shown.splitlines() if "alexnet" in line)
    assert head.split() == ["alexnet", "vgg16", "resnet18", "googlenet", "inception_v3"]
    assert "×" not in shown.partition("* best")[0] and "to fit 80 columns: the ratios left out" in shown


def test_the_summary_leaves_out_columns_and_shortens_paths_at_80():
    shown = in_terminal("summary densenet121", 80)
    header = next(line for line in shown.splitlines() if line.startswith(" Layer"))
    assert header.split() == ["Layer", "Output", "Params", "MACs", "Lint"]
    assert "feature…ock4.denselayer16.conv2" in shown
    assert "Type, Memory, RF and Jump left out and layer paths shortened (…)" in " ".join(shown.split())


def test_columns_overrides_the_terminal():
    assert max(map(fit.cells, in_terminal(FIVE, 200, {"COLUMNS": "80"}).splitlines())) <= 80


def test_off_a_terminal_the_whole_table_unless_columns_is_set(monkeypatch, tmp_path):
    whole = piped(FIVE)
    assert max(map(len, whole.splitlines())) == 110
    for ignored in ("", "0", "wide", "-80"):  # not a width: the whole table
        monkeypatch.setenv("COLUMNS", ignored)
        assert piped(FIVE) == whole
    monkeypatch.setenv("COLUMNS", "80")
    fitted = piped(FIVE)
    assert max(map(len, fitted.splitlines())) <= 80 and "to fit 80 columns" in fitted
    out = tmp_path / "table.txt"
    assert run_cli(f"{FIVE} -o {out}").exit_code == 0 and out.read_text() == fitted  # COLUMNS is asked for
    monkeypatch.delenv("COLUMNS")
    assert run_cli(f"{FIVE} -o {out}").exit_code == 0 and out.read_text() == whole
