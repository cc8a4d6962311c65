"""The flags every command shares, one way each: --format/-f over one table of formats (commands/formats.py),
--json and `text` still accepted, -o/--output FILE and -i/--input; "did you mean" for a mistyped option or
command; shell completion of commands, options, choices, zoo names and paths; and the extras' install hints.

Refusals keep the CLI's promise, as the bad-spec corpus does: exit status 2, nothing on stdout, one line on
stderr, no traceback, under a second, bounded memory.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ElementTree

import click
import pytest
from click.shell_completion import ShellComplete

from cnninspect.cli import COMMANDS, COMPLETE_VAR, main
from cnninspect.commands.formats import ALIASES, FORMATS, NO_SHORT, PICTURES, SHORT
from cnninspect.extras import PACKAGES, install_hint
from cnninspect.spec.load import zoo_names
from tests.cli_support import bounded_refusal, runner

ROOT = pathlib.Path(__file__).parent.parent.parent

# a command line per command that prints a result, and the exit status it ends with
LINES = {
    "shape": ("shape --n 224 --f 11 --s 4", 0),
    "verify": ("verify lenet5", 0),
    "zoo": ("zoo", 0),
    "summary": ("summary lenet5", 0),
    "compare": ("compare lenet5 alexnet", 0),
    "check": ("check examples/small_cnn.yaml examples/over_budget.yaml", 1),
    "diff": ("diff lenet5 zoo:lenet5", 0),  # the same model: its markdown is the one table of totals
}


def invoke(args: str | list[str]):
    return runner().invoke(main, args.split() if isinstance(args, str) else args, prog_name="cnninspect")


def ran(args: str | list[str], status: int = 0) -> str:
    result = invoke(args)
    assert result.exit_code == status, (result.exit_code, result.stderr, result.exception)
    return result.stdout


def needs_torch(command: str):
    if command == "verify":
        pytest.importorskip("torchinfo")


def command(name: str) -> click.Command:
    return main.get_command(click.Context(main), name)


# --- one table of formats ---------------------------------------------------------------------------------------

def test_the_table_is_every_format_option():
    """FORMATS names exactly the commands with a --format, and each one's choices, default first (PICTURES those
    that draw pictures, tested in tests/pictures)."""
    with_format = {}
    for name in COMMANDS:
        for param in command(name).params:
            if isinstance(param, click.Option) and "--format" in param.opts:
                with_format[name] = (tuple(param.type.choices), param.default)
    assert with_format == {name: (names, names[0]) for name, names in {**FORMATS, **PICTURES}.items()}
    assert set(LINES) == set(FORMATS)


def test_one_name_for_the_human_format():
    assert all(names[0] == "table" for names in FORMATS.values())
    assert set(ALIASES.values()) <= {name for names in FORMATS.values() for name in names}


def test_short_options_wherever_the_long_one_is():
    """-f, -o, -i stand for --format, --output, --input in every command that has them (shape keeps -f free:
    its --f is the kernel size)."""
    for name in COMMANDS:
        options = [p for p in command(name).params if isinstance(p, click.Option)]
        for short, long in SHORT.items():
            for option in options:
                if long in option.opts:
                    expected = not (name in NO_SHORT and short == "-f")
                    assert (short in option.opts) is expected, (name, short, option.opts)


# --- every format on every command ---------------------------------------------------------------------------

def _parsed(fmt: str, text: str):
    if fmt == "json":
        return json.loads(text)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) >= 2 and len({len(row) for row in rows}) == 1, rows[:3]
        return rows
    if fmt == "markdown":
        table = [line for line in text.splitlines() if line.startswith("|")]
        assert len(table) >= 3 and set(table[1]) <= set("|-: "), table[:3]
        assert len({line.replace("\\|", "").count("|") for line in table}) == 1, table[:3]  # one width
        return table
    if fmt == "junit":
        return ElementTree.fromstring(text)
    assert text.strip()
    return text


@pytest.mark.parametrize("name, fmt", [(name, fmt) for name, names in FORMATS.items() for fmt in names])
def test_every_format_of_every_command(name, fmt):
    needs_torch(name)
    line, status = LINES[name]
    long = ran(f"{line} --format {fmt}", status)
    _parsed(fmt, long)
    if name not in NO_SHORT:
        assert ran(f"{line} -f {fmt}", status) == long
    if fmt == "table":
        assert ran(line, status) == long  # the default


def test_zoo_markdown_and_csv_list_every_model():
    table = ran("zoo --format markdown").splitlines()
    assert table[0] == "| model | input | params | MACs | source | arguments |"
    assert table[1] == "|---|---|---:|---:|---|---|"
    assert [row.split(" | ")[0].removeprefix("| ") for row in table[2:]] == zoo_names()
    assert all(row.count(" | ") == 5 for row in (table[0], *table[2:]))
    rows = list(csv.DictReader(io.StringIO(ran("zoo --format csv"))))
    models = json.loads(ran("zoo --format json"))["models"]
    assert [row["name"] for row in rows] == [m["name"] for m in models] == zoo_names()
    for row, model in zip(rows, models):  # raw numbers: the JSON's
        assert (int(row["params"]), int(row["macs"]), int(row["aux_params"])) == (
            model["params"], model["macs"], model["aux_params"])
        assert row["input"] == "x".join(map(str, model["input"])) and row["source"] == model["source"]
        assert row["args"].split() == list(model["args"])


@pytest.mark.parametrize("name", [name for name, names in FORMATS.items() if "json" in names])
def test_json_flag_is_format_json(name):
    needs_torch(name)
    line, status = LINES[name]
    assert ran(f"{line} --json", status) == ran(f"{line} --format json", status)
    assert ran(f"{line} --format json --json", status) == ran(f"{line} --format JSON", status)


def test_json_flag_is_not_in_help():
    assert "--json" not in ran("shape --help") and "--format [table|json]" in ran("shape --help")


@pytest.mark.parametrize("line, status", [("check examples/small_cnn.yaml", 0), ("summary lenet5", 0),
                                          ("zoo", 0), ("compare lenet5 alexnet", 0)])
def test_text_is_the_older_name_of_table(line, status):
    assert ran(f"{line} --format text", status) == ran(f"{line} --format table", status)


@pytest.mark.parametrize("args, fragments", [
    ("summary lenet5 --format jsn", ["Invalid value for '--format'", "'jsn' is not one of 'table', 'json', "
                                     "'markdown', 'csv'"]),
    ("summary lenet5 -f yaml", ["Invalid value for", "'yaml' is not one of"]),
    ("shape --n 3 --f 3 --format csv", ["'csv' is not one of 'table', 'json'"]),
    ("zoo --format xml", ["'xml' is not one of 'table', 'json', 'markdown', 'csv'"]),
    ("check lenet5 --format junitxml", ["'junitxml' is not one of 'table', 'json', 'github', 'junit'"]),
    ("compare lenet5 alexnet --format", ["'--format' requires an argument"]),
    ("zoo --json --format table", ["--json and --format table ask for two formats"]),
    ("shape --n 3 --f 3 --json --format table", ["--json and --format table ask for two formats"]),
    ("completion tcsh", ["'tcsh' is not one of 'bash', 'zsh', 'fish'"]),
])
def test_bad_flag_values(args, fragments):
    bounded_refusal(args, *fragments)


# --- -o/--output and -i/--input ------------------------------------------------------------------------------

@pytest.mark.parametrize("line", ["summary lenet5 -f csv", "compare lenet5 alexnet -f markdown", "zoo -f json",
                                  "summary lenet5"])
def test_output_file_gets_what_stdout_would(line, tmp_path):
    target = tmp_path / "report"
    result = invoke(f"{line} -o {target}")
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == "", result.stderr
    assert target.read_text(encoding="utf-8") == ran(line)
    assert ran(f"{line} --output -") == ran(line)


def test_check_output_gets_the_format_and_stdout_the_table(tmp_path):
    target = tmp_path / "check.xml"
    stdout = ran(f"check examples/ -f junit -o {target}", 1)
    assert stdout == ran("check examples/", 1)
    ElementTree.parse(target)
    assert ran("check examples/ -f junit -o -", 1) == ran("check examples/ -f junit", 1)


@pytest.mark.parametrize("command_line", ["summary no_such_model.yaml", "compare nothing.yaml other.yaml",
                                          "check no_such_folder/", "zoo"])
def test_a_missing_folder_is_refused_before_any_work(command_line, tmp_path):
    """The folder is checked as the flags are read: the missing model is never reached."""
    missing = tmp_path / "no" / "such" / "report.txt"
    bounded_refusal(f"{command_line} -o {missing}",
                    f"--output {missing}: no folder '{missing.parent}' to write the file in")
    assert not missing.parent.exists()


def test_a_folder_is_no_output_file(tmp_path):
    bounded_refusal(f"summary lenet5 --output {tmp_path}",
                    f"--output {tmp_path}: is a folder; name a file to write")


def test_a_file_in_the_folders_place(tmp_path):
    (tmp_path / "plain").write_text("")
    bounded_refusal(f"zoo -o {tmp_path / 'plain' / 'x.csv'}", "no folder")


def test_input_short_option():
    assert ran("summary lenet5 -i 1x28x28 -f json") == ran("summary lenet5 --input 1x28x28 -f json")
    assert ran("compare lenet5 -i 1x32x32 -i 1x28x28 -f csv") == ran(
        "compare lenet5 --input 1x32x32 --input 1x28x28 -f csv")
    assert ran("check lenet5 -i 1x32x32 -f json") == ran("check lenet5 --input 1x32x32 -f json")


# --- did you mean ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ("shape -n 224 --f 3", "No such option '-n'. Did you mean '--n'? (see 'cnninspect shape --help')"),
    ("shape --n=224 -f 3", "No such option '-f'. Did you mean '--f' or '--format'?"),
    ("shape --n 224 --f 3 -s2", "No such option '-s2'. Did you mean '--s'?"),  # as typed
    ("shape --n 224 --f 3 -kind maxpool", "No such option '-kind'. Did you mean '--kind'?"),
    ("shape --n 224 --f 11 -out 55", "No such option '-out'. Did you mean '--out'?"),  # not -o ut: no file 'ut'
    ("shape --n 224 --f 3 -op=1", "No such option '-op'. Did you mean '--op'?"),
    ("summary lenet5 -input 1x28x28", "No such option '-input'. Did you mean '--input'?"),  # not -i nput
    ("summary lenet5 -format json", "No such option '-format'. Did you mean '--format'?"),
    ("compare lenet5 alexnet --fromat json", "No such option '--fromat'. Did you mean '--format'?"),
    ("check lenet5 -max-params 5M", "No such option '-max-params'. Did you mean '--max-params'?"),
    ("summray lenet5", "No such command 'summray'. Did you mean 'summary'? (see 'cnninspect --help')"),
    ("comapre lenet5 alexnet", "No such command 'comapre'. Did you mean 'compare'?"),
    ("resnet18", "No such command 'resnet18'. To inspect the model: cnninspect summary resnet18"),
    ("zoo:lenet5", "No such command 'zoo:lenet5'. To inspect the model: cnninspect summary zoo:lenet5"),
    ("examples/tiny_net.yaml", "To inspect the model: cnninspect summary examples/tiny_net.yaml"),
    ("frobnicate", "No such command 'frobnicate'. (see 'cnninspect --help')"),
    ("summary lenet5 -x", "No such option '-x'. (see 'cnninspect summary --help')"),
])
def test_did_you_mean(args, expected, monkeypatch):
    monkeypatch.chdir(ROOT)
    bounded_refusal(args, expected)


def test_a_short_option_cluster_still_works():
    assert ran("summary lenet5 -fjson") == ran("summary lenet5 --format json")
    assert ran(["summary", "lenet5", "-i1x28x28"]) == ran("summary lenet5 --input 1x28x28")


def test_after_a_double_dash_nothing_is_an_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = bounded_refusal(["summary", "--", "-input"])  # a model named -input: not an option, so the loader says
    assert "Did you mean" not in line


# --- shell completion ------------------------------------------------------------------------------------

def completions(args: list[str], incomplete: str) -> list[tuple[str, str]]:
    items = ShellComplete(main, {}, "cnninspect", COMPLETE_VAR).get_completions(args, incomplete)
    return [(item.type, item.value) for item in items]


def test_commands_complete():
    assert completions([], "co") == [("plain", "compare"), ("plain", "completion")]
    assert [value for _, value in completions([], "")] == list(COMMANDS)


def test_options_complete_and_hidden_ones_do_not():
    found = [value for _, value in completions(["summary", "lenet5"], "--")]
    assert {"--format", "--output", "--input", "--batch", "--explain"} <= set(found)
    assert "--json" not in [value for _, value in completions(["shape"], "--j")]
    assert completions(["summary", "lenet5"], "--fo") == [("plain", "--format")]


@pytest.mark.parametrize("name", FORMATS)
def test_format_choices_complete_to_the_names(name):
    assert [value for _, value in completions([name, "--format"], "")] == list(FORMATS[name])


def test_dtype_choices_complete():
    assert completions(["summary", "lenet5", "--dtype"], "b") == [("plain", "bfloat16")]


@pytest.mark.parametrize("name", ["summary", "compare", "check", "verify"])
def test_a_model_completes_to_zoo_names_and_paths(name):
    found = completions([name], "resnet1")
    assert found == [("plain", "resnet101"), ("plain", "resnet152"), ("plain", "resnet18"), ("file", "resnet1")]
    assert completions([name], "zoo:vgg16") == [("plain", "zoo:vgg16"), ("plain", "zoo:vgg16_bn")]
    assert completions([name], "nets/") == [("file", "nets/")]


def test_output_and_plot_complete_to_paths():
    assert completions(["summary", "lenet5", "-o"], "rep") == [("file", "rep")]
    assert completions(["compare", "lenet5", "alexnet", "--plot"], "x") == [("file", "x")]


def _completing(env: dict, cwd=ROOT) -> subprocess.CompletedProcess:
    cnninspect = shutil.which("cnninspect")
    assert cnninspect, "the console script is not installed"
    return subprocess.run([cnninspect], env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
                          cwd=cwd)


def test_the_env_var_protocol_answers():
    """README's example: what bash asks and what cnninspect answers."""
    result = _completing({COMPLETE_VAR: "bash_complete", "COMP_WORDS": "cnninspect summary resnet1",
                          "COMP_CWORD": "2"})
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == "plain,resnet101\nplain,resnet152\nplain,resnet18\nfile,resnet1\n"


def test_bash_reads_zoo_colon_names_from_the_line():
    """bash breaks words at the colon: cnninspect reads the line and answers the text after the colon."""
    result = _completing({COMPLETE_VAR: "bash_complete", "COMP_WORDS": "cnninspect summary zoo : vgg1",
                          "COMP_CWORD": "4", "COMP_LINE": "cnninspect summary zoo:vgg1",
                          "COMP_WORDBREAKS": " \t\n\"'><=;|&(:"})
    assert result.stdout.splitlines() == [f"plain,{name}" for name in zoo_names() if name.startswith("vgg1")]


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F _cnninspect_completion cnninspect"),
                                           ("zsh", "compdef _cnninspect_completion cnninspect"),
                                           ("fish", "complete --no-files --command cnninspect")])
def test_the_completion_command_prints_clicks_script(shell, marker):
    script = ran(["completion", shell])
    assert marker in script
    assert _completing({COMPLETE_VAR: f"{shell}_source"}).stdout == script


BASH_DRIVER = r"""
eval "$(cnninspect completion bash)"
ask() {  # what bash does on Tab: the words so far, the line, then the function
    COMP_LINE="$1"; COMP_POINT=${#1}; read -ra COMP_WORDS <<< "$1"
    [[ "$1" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
    _cnninspect_completion cnninspect
    printf '%s\n' "${COMPREPLY[@]}"; echo ---
}
ask "cnninspect summary resn"
ask "cnninspect summary nets/"
ask "cnninspect check nets/my"
ask "cnninspect summary lenet5 --for"
ask "cnninspect zoo -f "
"""


def test_bash_completes_zoo_names_and_paths_together(tmp_path):
    """Through bash itself: click's own script would drop the paths as soon as a zoo name matches."""
    if not shutil.which("bash"):
        pytest.skip("no bash")
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "my_net.yaml").write_text("")
    (tmp_path / "resnet_mine.yaml").write_text("")
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", BASH_DRIVER], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60, env={**os.environ, "PATH": os.pathsep.join(
                                [str(pathlib.Path(sys.executable).parent), os.environ.get("PATH", "")])})
    answers = [block.split("\n") for block in result.stdout.strip("-\n").split("\n---\n")]
    resnets = [name for name in zoo_names() if name.startswith("resn")]
    assert answers[0] == [*resnets, "resnet_mine.yaml"], result.stderr
    assert answers[1] == ["nets/my_net.yaml"]
    assert answers[2] == ["nets/my_net.yaml"]
    assert answers[3] == ["--format"]
    assert answers[4] == list(FORMATS["zoo"])


# --- the extras' install hints ------------------------------------------------------------------------------

def test_the_hints_name_pyprojects_extras():
    """cnninspect is not on PyPI: a hint names the extra's packages, and those are pyproject.toml's."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]
    for extra, packages in PACKAGES.items():
        names = [requirement.split(">")[0].split("=")[0].split("[")[0].strip() for requirement in extras[extra]]
        assert sorted(names) == sorted(packages), extra
    assert install_hint("torch") == ("pip install torch torchinfo numpy, or from a checkout of cnninspect: "
                                     "pip install -e '.[torch]' -c constraints.txt")


def test_no_hint_names_the_unpublished_package():
    helps = [ran([name, "--help"]) for name in COMMANDS] + [ran("--help")]
    assert not any("cnninspect[" in text for text in helps)
    sources = [path for path in (ROOT / "cnninspect").rglob("*.py") if path.name != "extras.py"]
    assert not [path for path in sources if "'cnninspect[" in path.read_text(encoding="utf-8")]
