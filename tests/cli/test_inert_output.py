"""Text from a spec or a flag reaches the terminal inert, in every command and format (issue #12, class 5), and
output that cannot be written ends in one line, never a traceback (class 6).

A hostile spec carries, in its layer names, model name, source, description, metadata and keys: clear-screen,
window-title and OSC 8 hyperlink escape sequences, newlines and carriage returns, rich markup (`[/x]`, which rich
refuses with MarkupError, and `[link=...]`), an emoji code (`:skull:`), a bidi override (U+202E), a noncharacter
(U+FFFE, forbidden in XML) and a lone surrogate (written as JSON's "\\udc80": it cannot be encoded). Whatever the
format, stdout and stderr then hold no control character but the line break, no invisible format character, no
surrogate; JSON parses back to the exact text; JUnit XML parses; CSV cells start no formula; markdown escapes
its pipes and brackets; errors are one line; and the escapes are visible, so the user sees what the file holds.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pathlib
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ElementTree

import pytest
from click.testing import CliRunner

from cnninspect.cli import main
from cnninspect.inert import inert
from tests.cli_support import PREFIX, bounded_refusal

ROOT = pathlib.Path(__file__).parent.parent.parent
BAD = ROOT / "tests" / "data" / "bad"
INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # what must never be printed as itself (but "\n")
FORMULA = ("=", "+", "-", "@", "\t", "\r")

# Free text (model name, source, description, metadata): anything, spaces and newlines too.
TEXT = ("\x1b[2J\x1b]0;title\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ a\nb\r [/x] [link=http://x]y[/link] "
        ":skull: \u202e \ufffe \udc80 |=x")
# A layer name: no spaces, dots or braces, the rest as hostile.
NAME = "\x1b[2J\x1b]0;t\x07[/x][link=http://x]y[/link]:skull:\u202e\ufffe\udc80|x"
LAYERS = ("=c" + NAME, "@f" + NAME, "-l" + NAME)  # CSV would read them as formulas
# The file's own name: an escape sequence, a newline, a bidi override.
FILE_NAME = "h\x1b[2J\n\u202e.json"



def _spec(**changes) -> dict:
    spec = {
        "name": "m" + TEXT, "description": "d" + TEXT, "source": "s" + TEXT, "input": [3, 8, 8],
        "metadata": {"acc@1": 50.0, "page": "p" + TEXT, "k" + TEXT: "v" + TEXT},
        "layers": [{"conv": {"name": LAYERS[0], "out": 4, "kernel": 3, "stride": 2}},  # (8 - 3) % 2: a row unread
                   {"flatten": {"name": LAYERS[1]}},
                   {"linear": {"name": LAYERS[2], "out": 10}}],
        "expect": {"max_params": "1", "expect_output": 5, "min_receptive_field": 100, "no_lint_warnings": True},
    }
    spec.update(changes)
    return spec


@pytest.fixture
def hostile(tmp_path: pathlib.Path) -> str:
    """A spec file whose every text is hostile, under a hostile file name (JSON: a lone surrogate survives it)."""
    path = tmp_path / FILE_NAME
    path.write_text(json.dumps(_spec()), encoding="utf-8")
    return str(path)


@pytest.fixture
def invalid(tmp_path: pathlib.Path) -> str:
    """A spec that `check` refuses: an expectation's key holds an escape sequence, a newline, a surrogate."""
    path = tmp_path / "x\x1b]0;t\x07.json"
    path.write_text(json.dumps(_spec(expect={"max_\x1b[2J\nparams\udc80": 1})), encoding="utf-8")
    return str(path)


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def assert_inert(text: str) -> None:
    """No control character but the line break, no invisible format character, no surrogate, no noncharacter;
    no markup or emoji code interpreted."""
    bad = sorted({c for c in text if c != "\n" and unicodedata.category(c) in INVISIBLE})
    assert not bad, f"printed raw: {bad!r} in {text!r}"
    assert "Traceback" not in text and "\N{SKULL}" not in text


def assert_visible(text: str, markdown: bool = False) -> None:
    """The escapes themselves are there to read (in markdown, escaped: it shows `\\x1b[2J` as \\x1b[2J)."""
    clear = "\\\\x1b\\[2J" if markdown else "\\x1b[2J"
    backslash = "\\\\" if markdown else "\\"
    assert clear in text and backslash + "u202e" in text and backslash + "udc80" in text, text


# summary ------------------------------------------------------------------------------------------------------

def test_summary_json_is_exact_and_inert(hostile):
    result = invoke("summary", hostile, "--format", "json")
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    document = json.loads(result.stdout)
    assert document["model"] == {"name": "m" + TEXT, "source": "s" + TEXT, "file": hostile}
    assert [layer["path"] for layer in document["layers"]] == list(LAYERS)


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_summary_text_formats_are_inert(hostile, fmt):
    result = invoke("summary", hostile, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    assert_visible(result.stdout, markdown=fmt == "markdown")
    if fmt == "csv":
        assert_csv(result.stdout)
    if fmt == "markdown":
        assert_markdown_table(result.stdout)


# compare ------------------------------------------------------------------------------------------------------

def test_compare_table_is_inert_and_reads_no_markup(hostile):
    result = invoke("compare", hostile, "lenet5")
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    assert_visible(result.stdout)
    assert "[/x] [link=http://x]y[/link] :skull:" in result.stdout  # printed as written, not read as markup
    assert inert(hostile) in result.stdout


def test_compare_table_in_colour_has_only_colour_sequences(hostile):
    import re

    from cnninspect.core.compare import Column, compare
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.render.compare_text import render_table
    from cnninspect.spec.load import load_model

    columns = [Column(name, summarize(analyze(load_model(name)))) for name in (hostile, "lenet5")]
    drawn = render_table(compare(columns), color=True)
    assert "\x1b[" in drawn  # the best cells are coloured...
    without_colour = re.sub(r"\x1b\[[0-9;]*m", "", drawn)  # ...and colour is the only sequence there
    assert_inert(without_colour)
    assert inert(hostile) in without_colour


def test_compare_json_is_exact(hostile):
    result = invoke("compare", hostile, "lenet5", "--format", "json")
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    first = json.loads(result.stdout)["columns"][0]
    assert first["label"] == hostile and first["accuracy_source"] == "p" + TEXT


def test_compare_markdown_escapes_what_markdown_reads(hostile):
    result = invoke("compare", hostile, "lenet5", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    assert_markdown_table(result.stdout)
    assert "\\[/x\\] \\[link=http://x\\]y\\[/link\\]" in result.stdout and "\\|=x" in result.stdout
    assert "\\\\x1b\\[2J" in result.stdout  # the escape, itself escaped: markdown shows \x1b[2J


def test_compare_csv_cells_are_inert_and_start_no_formula(hostile, tmp_path):
    result = invoke("compare", hostile, "lenet5", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert_csv(result.stdout)
    formula = tmp_path / "=cmd|x.json"  # a model named like a formula
    formula.write_text(json.dumps(_spec()), encoding="utf-8")
    assert_csv(invoke("compare", str(formula), "lenet5", "--format", "csv").stdout)


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "csv"])
def test_a_sweep_names_hostile_layers_inert(hostile, fmt):
    """Input 2 does not fit the 3x3 convolution (a failure that names the layer); 8 leaves a row unread (the
    layers that lose input are listed)."""
    result = invoke("compare", hostile, "--sweep", "2:8:6", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    if fmt == "json":
        columns = json.loads(result.stdout)["columns"]
        assert LAYERS[0] in columns[0]["failure"] and columns[1]["inexact"] == [LAYERS[0]]
    elif fmt == "csv":
        assert_csv(result.stdout)
    else:
        assert_visible(result.stdout, markdown=fmt == "markdown")


def test_the_plot_labels_hostile_names_as_text(hostile, tmp_path):
    """matplotlib reads `$...$` as mathtext (a parse error, or formatting); the labels are text, the SVG valid."""
    pytest.importorskip("matplotlib")
    maths = tmp_path / "$\\frac{a$x^.json"
    maths.write_text(json.dumps(_spec()), encoding="utf-8")
    figure = tmp_path / "models.svg"
    result = invoke("compare", hostile, str(maths), "lenet5", "--plot", str(figure))
    assert result.exit_code == 0, result.output
    assert_inert(result.stderr)
    ElementTree.parse(figure)


# check --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_check_reports_are_inert(hostile, invalid, fmt):
    result = invoke("check", hostile, invalid, "--max-macs", "1", "--format", fmt)
    assert result.exit_code == 2, result.output  # an invalid spec wins over the failures
    assert_inert(result.stdout)
    if fmt != "json":
        assert_visible(result.stdout)
    if fmt == "json":
        specs = json.loads(result.stdout)["specs"]
        assert [s["file"] for s in specs] == [hostile, invalid] and specs[0]["model"] == "m" + TEXT
        assert "max_\x1b[2J\nparams\udc80" in specs[1]["error"]
    if fmt == "junit":
        cases = ElementTree.fromstring(result.stdout).iter("testcase")
        assert [case.get("file") for case in cases] == [inert(hostile), inert(invalid)]
    if fmt == "github":
        *annotations, total = result.stdout.splitlines()
        assert annotations and all(line.startswith("::error file=") for line in annotations), annotations
        for line in annotations:
            properties = line[len("::error "):line.index("::", 2)].split(",")
            assert [p.split("=", 1)[0] for p in properties][-1] == "title"
            assert all(p.count("=") == 1 or p.startswith("title=") for p in properties), properties
        assert total.startswith("2 specs")


def test_check_names_unread_layers_and_their_files_inert(hostile):
    result = invoke("check", hostile)
    assert result.exit_code == 1, result.output
    assert_inert(result.stdout)
    for layer in LAYERS[:1]:
        assert inert(layer) in result.stdout
    assert result.stdout.count("\n") == 6  # the spec, its 4 failures, the total: nothing forged


# verify -------------------------------------------------------------------------------------------------------

def test_verify_names_models_inert(hostile, invalid, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("torchinfo")
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps(_spec(layers=[{"conv\x1b[2J\n\udc80": {"out": 4}}])), encoding="utf-8")
    result = invoke("verify", hostile, str(bad))
    assert result.exit_code == 2
    assert_inert(result.stdout + result.stderr)
    assert result.stdout.startswith(inert(hostile) + ": ") and result.stdout.count("\n") == 1
    assert result.stderr.startswith(PREFIX) and result.stderr.count("\n") == 1


# errors: one line, whatever the file, key or flag holds ----------------------------------------------------

REFUSED = {
    "format value (click)": (["summary", "lenet5", "--format", "x\x1b[2J\n"], "x\\x1b[2J\\n"),
    "command (click)": (["no\x1b]0;t\x07cmd\n"], "no\\x1b]0;t\\x07cmd\\n"),
    "option (click)": (["summary", "lenet5", "--x\x1b[2J"], "--x\\x1b[2J"),
    "input": (["summary", "lenet5", "--input", "3x\x1b[2J\n\udc80"], "3x\\x1b[2J"),
    "set": (["summary", "lenet5", "--set", "a\x1b[2J\u202e=1"], "a\\x1b[2J\\u202e"),
    "sweep": (["compare", "lenet5", "--sweep", "1:\x1b[2J\n:1"], "1:\\x1b[2J\\n:1"),
    "count": (["check", "lenet5", "--max-params", "1\x1b[2J\nM"], "1\\x1b[2J\\nM"),
    "shape step": (["shape", "pool:3\x1b[2J\n", "--n", "32"], "\\x1b[2J"),
    "model name": (["summary", "\x1b]8;;http://x\x07a\x1b]8;;\x07\n\udcff"], "\\x1b]8;;http://x\\x07a"),
    "output path": (["check", "lenet5", "--output", "/nonexistent\x1b[2J/\n.xml"], "/nonexistent\\x1b[2J/\\n.xml"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_bad_flags_and_names_are_refused_on_one_inert_line(case):
    args, fragment = REFUSED[case]
    assert_inert(bounded_refusal(args, fragment))


@pytest.mark.parametrize("case", REFUSED)
def test_bad_flags_and_names_are_refused_in_bounded_memory(case):
    """As tests/spec/test_bad_specs.py bounds the corpus: what Python allocates while refusing, traced (under
    MEMORY_LIMIT, one of the guarantees bounded_refusal checks), whatever the line says."""
    bounded_refusal(REFUSED[case][0])


def test_a_located_error_keeps_its_prefix_with_the_file_name_spelt(tmp_path):
    path = tmp_path / "f\x1b[2J\n\u202e\udcff.yaml"
    path.write_bytes((BAD / "inert_field_controls.yaml").read_bytes())
    assert_inert(bounded_refusal(["summary", str(path)], "\\x07\\nut\\u202e\\udc80\\ufffe",
                                 where=f"{inert(path)}:7:"))


@pytest.mark.parametrize("path", sorted(BAD.glob("inert_*")), ids=lambda p: p.name)
def test_the_inert_corpus_prints_nothing_raw(path):
    """tests/spec/test_bad_specs.py checks the line and the fragments; here: nothing raw on stderr either."""
    assert_inert(bounded_refusal(["summary", str(path)]))


# helpers for the table formats --------------------------------------------------------------------------------

def assert_csv(text: str) -> None:
    assert_inert(text)
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == text.count("\n") and len({len(row) for row in rows}) == 1, rows
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(FORMULA) or _number(cell) or cell == "-", (cell, row)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_markdown_table(text: str) -> None:
    """Every row of every table has as many cell separators (unescaped pipes) as its header."""
    import re

    separators = re.compile(r"(?<!\\)\|")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows and len({len(separators.findall(row)) for row in rows}) == 1, rows
    assert not re.search(r"(?<!\\)\[", "\n".join(rows)), rows  # no link can open


# real processes: encodings, a full disk, a closed pipe --------------------------------------------------------

def _process(*args: str, encoding: str = "utf-8", **streams) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **streams}
    return subprocess.run([sys.executable, "-m", "cnninspect", *args], timeout=60, cwd=ROOT, env=env, **streams)


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_a_lone_surrogate_prints_in_any_encoding(hostile, encoding):
    result = _process("compare", hostile, "lenet5", encoding=encoding)
    stdout, stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert result.returncode == 0 and stderr == "", stderr
    assert_inert(stdout)
    assert_visible(stdout)
    result = _process("summary", hostile, "--format", "json", encoding=encoding)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"]["name"] == "m" + TEXT


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_a_lone_surrogate_in_an_error_prints_in_any_encoding(encoding):
    result = _process("summary", str(BAD / "inert_expression_surrogate.yaml"), encoding=encoding)
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 2 and result.stdout == b"" and stderr.count("\n") == 1, stderr
    assert stderr.startswith(PREFIX) and "\\udc80\\ufffe\\x9b" in stderr
    assert_inert(stderr)


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")


@needs_dev_full
@pytest.mark.parametrize("args", [["summary", "lenet5"], ["check", "examples/", "--format", "junit"],
                                  ["compare", "lenet5", "alexnet", "--format", "json"]])
def test_a_full_disk_is_one_line_and_exit_2(args):
    with open("/dev/full", "wb") as full:
        result = _process(*args, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2
    assert result.stderr == b"cnninspect: error: stdout: cannot write: No space left on device\n"


@needs_dev_full
def test_a_report_file_on_a_full_disk_is_one_line_and_exit_2():
    result = _process("check", "examples/small_cnn.yaml", "--output", "/dev/full")
    assert result.returncode == 2 and result.stderr.count(b"\n") == 1 and b"No space left" in result.stderr


@needs_dev_full
def test_a_full_stderr_still_gives_exit_2():
    with open("/dev/full", "wb") as full:
        result = _process("summary", "nonexistent", stderr=full, stdout=subprocess.PIPE)
    assert result.returncode == 2 and result.stdout == b""


def test_a_closed_pipe_ends_quietly():
    """The reader goes before cnninspect writes (`| head` that has read enough): no message, exit 141."""
    read, write = os.pipe()
    process = subprocess.Popen([sys.executable, "-m", "cnninspect", "summary", "resnet18"], stdout=write,
                               stderr=subprocess.PIPE, cwd=ROOT)
    os.close(write)
    os.close(read)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 141 and stderr == b""


def test_a_closed_stdout_is_one_line_and_exit_2():
    result = _process("summary", "lenet5", preexec_fn=lambda: os.close(1))
    assert result.returncode == 2
    assert result.stderr == b"cnninspect: error: stdout: cannot write: Bad file descriptor\n"
