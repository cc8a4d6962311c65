"""The summary table: the same bytes as the rich table it replaced, over every zoo model, plain and on a terminal,
with and without the torch column; its structure at any size; every text from the spec printed inert."""

from __future__ import annotations

import io
import pathlib
import re

import pytest

from cnninspect.core.engine import analyze
from cnninspect.core.summary import summarize
from cnninspect.render import summary_text
from cnninspect.render.torch_text import mark
from cnninspect.spec.load import load_model, zoo_names
from tests.cli_support import run_cli

CELL = re.compile(r"\S+(?: \S+)*")  # a cell: words one space apart; columns are three apart


def rich_table(summary, color=False, checks=None, notes=()):
    """The renderer this module replaced, kept as the oracle: rich's Table, SIMPLE_HEAD, on a 400-wide console.
    Zoo names hold no markup, so rich prints them as they are."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    def cells(row):
        found = summary_text.cells(row, summary)
        return found if checks is None else (*found, mark(row, checks))

    console = Console(file=io.StringIO(), width=400, color_system="auto" if color else None,
                      force_terminal=color, highlight=False, soft_wrap=False)
    console.print(summary_text._title(summary), highlight=False)
    for title, rows in (("", summary.rows), (summary_text.AUX_TITLE, summary.aux_rows)):
        if not rows:
            continue
        table = Table(box=box.SIMPLE_HEAD, title=title or None, title_justify="left", pad_edge=False)
        for index, name in enumerate(summary_text.header(checks)):
            table.add_column(name, justify="right" if index in summary_text.NUMERIC else "left", no_wrap=True)
        for row in rows:
            table.add_row(*cells(row))
        console.print(table)
    console.print("\n".join(summary_text._totals(summary) + list(notes) + summary_text._lint(summary)),
                  highlight=False)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines()) + "\n"


def summaries() -> list:
    """Every zoo model, whole at batch 1 and folded to depth 1 at batch 8."""
    return [pytest.param(summarize(analysis, batch=8 if depth else 1, depth=depth), id=f"{name}-{depth}")
            for name, analysis in ((name, analyze(load_model(name))) for name in zoo_names()) for depth in (None, 1)]


SUMMARIES = summaries()


def torch_checks(summary):
    """A cross-check's verdicts as `checks_by_path` gives them, every seventh module disagreeing."""
    modules = [row.path for row in summary.analysis.rows if row.module and not row.aux]
    return {path: index % 7 != 3 for index, path in enumerate(dict.fromkeys(modules))}


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.mark.parametrize("summary", SUMMARIES)
def test_every_zoo_table_is_the_rich_tables_bytes(summary, terminal):
    """Plain without the torch column, on a terminal with it: rich takes its time, so each layout once."""
    assert summary_text.render_table(summary) == rich_table(summary)
    checks, notes = torch_checks(summary), ["", "✓ torch agrees"]
    assert summary_text.render_table(summary, True, checks, notes) == rich_table(summary, True, checks, notes)


@pytest.mark.parametrize("summary", SUMMARIES)
def test_torch_marks_find_what_mark_finds(summary):
    checks = torch_checks(summary)
    marks = summary_text.torch_marks(checks)
    for row in (*summary.rows, *summary.aux_rows):
        assert summary_text.cells(row, summary, marks)[-1] == mark(row, checks), row.path


def table_parts(text: str, summary) -> list[list[str]]:
    """The cells of a table's rows, found as runs of words one space apart, each where its header says: a
    left-aligned column's cells start under its name, a right-aligned one's end under it. Checks the frame."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.split() == list(summary_text.HEADER))
    assert lines[start - 1] == "" and set(lines[start + 1]) == {" ", "─"} and lines[start + 1].startswith(" ─")
    assert len(lines[start + 1]) == len(lines[start])  # the rule spans the header, whose last name ends it
    body = lines[start + 2:start + 2 + len(summary.rows)]
    assert lines[start + 2 + len(summary.rows)] == "", "one line per row, then a blank line"
    heads = [(m.start(), m.end()) for m in CELL.finditer(lines[start])]
    parts = []
    for line in body:
        found = [(m.start(), m.end(), m[0]) for m in CELL.finditer(line)]
        assert len(line) <= len(lines[start]) and len(found) in (len(heads), len(heads) - 1), line  # Lint may be blank
        for index, ((a, b), (c, d, _)) in enumerate(zip(heads, found)):
            assert (d == b) if index in summary_text.NUMERIC else (c == a), (line, index)
        parts.append([cell for _, _, cell in found] + [""] * (len(heads) - len(found)))
    return parts


def structure(text: str, summary) -> None:
    rows = table_parts(text, summary)
    assert [row[0] for row in rows] == [r.path for r in summary.rows]
    lines = text.splitlines()
    assert lines[:2] == summary_text._title(summary).split("\n")
    assert text.endswith("\n".join(summary_text._totals(summary) + summary_text._lint(summary)) + "\n")
    totals = summary.totals
    assert sum(int(row[4].replace(",", "")) for row in rows) == totals.params - totals.aux_params
    assert sum(int(row[5].replace(",", "")) for row in rows) == totals.macs


@pytest.mark.parametrize("summary", SUMMARIES)
def test_every_zoo_table_has_its_frame_one_line_a_row_and_the_totals(summary):
    structure(summary_text.render_table(summary), summary)


def test_ten_thousand_rows_render_as_ten_thousand_lines_of_their_cells(tmp_path):
    spec = tmp_path / "deep.yaml"
    spec.write_text("name: deep\ninput: [8, 32, 32]\nlayers:\n"
                    "  - repeat: {times: 5000, layers: [{conv: {out: 8, kernel: 3, padding: 1}}, relu]}\n")
    summary = summarize(analyze(load_model(str(spec))))
    assert len(summary.rows) == 10_000
    text = summary_text.render_table(summary)
    structure(text, summary)
    assert table_parts(text, summary) == [list(summary_text.cells(row, summary)) for row in summary.rows]


TITLE = "[/x][bold] :smile: \x1b[31m\u202eevil\n|=cmd()|*_`"  # a model's name and source may hold anything
NAME = "=[/x][bold]:smile:\x1b[31m\u202eevil|cmd()|*_`"  # a layer's name: no spaces, newlines or dots
SPELT_TITLE = r"[/x][bold] :smile: \x1b[31m\u202eevil\n|=cmd()|*_`"
SPELT_NAME = r"=[/x][bold]:smile:\x1b[31m\u202eevil|cmd()|*_`"


def yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\x1b", "\\e").replace("\n", "\\n") + '"'


@pytest.fixture
def hostile(tmp_path) -> pathlib.Path:
    spec = tmp_path / "hostile.yaml"
    spec.write_text(f"name: {yaml_text(TITLE)}\nsource: {yaml_text(TITLE)}\ninput: [3, 9, 9]\nlayers:\n"
                    f"  - conv: {{out: 2, kernel: 2, stride: 2, name: {yaml_text(NAME)}}}\n", encoding="utf-8")
    return spec


def test_names_are_printed_inert_in_the_table(hostile, terminal):
    summary = summarize(analyze(load_model(str(hostile))))
    for color in (False, True):
        text = summary_text.render_table(summary, color)
        assert text.splitlines()[0] == f"{SPELT_TITLE} — {SPELT_TITLE}"
        assert f"\n {SPELT_NAME}   Conv2d " in text  # rich read markup and emoji codes: `[/x]` raised MarkupError
        assert "\x1b[31m" not in text and "\u202e" not in text
        assert f"{SPELT_NAME} (Conv2d, {hostile}:5:5):" in text  # the lint: 9 - 2 = 7 = 2·3 + 1, a row never read


def test_names_are_inert_in_csv_markdown_and_explain(hostile):
    csv_text = run_cli(["summary", str(hostile), "--format", "csv"]).stdout
    assert f"\n'{SPELT_NAME},Conv2d," in csv_text  # a leading = would be a formula
    markdown = run_cli(["summary", str(hostile), "--format", "markdown"]).stdout
    escaped = r"\=\[/x\]\[bold\]:smile:\\x1b\[31m\\u202eevil\|cmd()\|\*\_\`"
    assert markdown.startswith("# " + r"\[/x\]\[bold\] :smile: \\x1b\[31m\\u202eevil\\n\|=cmd()\|\*\_\`" + "\n")
    assert f"| {escaped} | Conv2d |" in markdown
    explain = run_cli(["summary", str(hostile), "--explain"]).stdout
    assert explain.startswith(f"{SPELT_TITLE} — {SPELT_TITLE}\n") and f"\n{SPELT_NAME} (Conv2d): " in explain
    for text in (csv_text, markdown, explain):
        assert "\x1b" not in text and "\u202e" not in text


def test_a_dumb_terminal_gets_no_styles(monkeypatch):
    summary = summarize(analyze(load_model("lenet5")))
    monkeypatch.setenv("TERM", "dumb")
    assert summary_text.render_table(summary, color=True) == summary_text.render_table(summary)
    monkeypatch.setenv("TERM", "xterm")
    assert "\x1b[1mLayer" in summary_text.render_table(summary, color=True)


def test_wide_and_combining_characters_align_as_rich_aligned_them(tmp_path, terminal):
    spec = tmp_path / "wide.yaml"
    spec.write_text("name: 宽\ninput: [3, 16, 16]\nlayers:\n  - conv: {out: 4, kernel: 3, name: 卷积层}\n"
                    "  - relu: {name: \"🧠\"}\n  - conv: {out: 4, kernel: 3, name: \"cafe\u0301\"}\n"
                    "  - aux: {name: 头, layers: [flatten, {linear: {out: 2}}]}\n", encoding="utf-8")
    summary = summarize(analyze(load_model(str(spec))))
    assert summary.aux_rows
    assert summary_text.render_table(summary) == rich_table(summary)
    checks = torch_checks(summary)
    assert summary_text.render_table(summary, True, checks) == rich_table(summary, True, checks)
