"""What a newcomer trips on: --input at the wrong rank, a model's name that is also a file here, a spec from
standard input or a pipe, and --explain with --format json.

Refusals keep the CLI's promise, as the bad-spec corpus does (tests/spec/test_bad_specs.py): exit status 2,
nothing on stdout, one line on stderr naming the fix, no traceback, under a second, bounded memory.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import jsonschema
import pytest
import yaml

from cnninspect.cli import main
from cnninspect.core.engine import analyze
from cnninspect.spec.load import load_model, zoo_names
from cnninspect.spec.schema import json_schema
from cnninspect.spec.source import MAX_BYTES
from tests.cli_support import PREFIX, TIME_LIMIT_S, bounded_refusal, runner

ROOT = pathlib.Path(__file__).parent.parent.parent
TINY = ROOT / "examples" / "tiny_net.yaml"
BATCH_FIX = "the batch goes in --batch: write --input 3x224x224 --batch 1"


def invoke(args: list[str], stdin: str | bytes | None = None):
    return runner().invoke(main, args, input=stdin)


# --- rank: a model written for images takes images --------------------------------------------------------------

@pytest.mark.parametrize("args, fragments", [
    (["summary", "resnet18", "--input", "1x3x224x224"],
     ["--input: resnet18 takes one sample, C x H x W (3 numbers); " + BATCH_FIX, "Received 1x3x224x224"]),
    (["summary", "vgg16", "--input", "8x3x512x512"], ["write --input 3x512x512 --batch 8"]),
    (["summary", "resnet18", "--input", "224x224"],
     ["resnet18 takes C x H x W (3 numbers), channels first: write --input 3x224x224. Received 224x224"]),
    (["summary", "lenet5", "--input", "32x32"], ["write --input 1x32x32"]),
    (["summary", "resnet18", "--input", "224"], ["takes C x H x W (3 numbers), e.g. 3x224x224. Received 224"]),
    (["summary", "resnet18", "--input", "3x224x224x1"], ["takes C x H x W (3 numbers), e.g. 3x224x224"]),
    (["summary", "resnet18", "--input", "1x3x224x224", "--explain"], [BATCH_FIX]),
    (["summary", "resnet18", "--input", "1x3x224x224", "--format", "json"], [BATCH_FIX]),
    (["compare", "alexnet", "resnet18", "--input", "1x3x224x224"], [BATCH_FIX]),
    (["compare", "resnet18", "--input", "3x224x224", "--input", "224x224"], ["write --input 3x224x224"]),
    (["compare", "resnet18", "--input", "160x160", "--input", "224x224"], ["write --input 3x160x160"]),
])
def test_a_wrong_rank_is_refused_with_the_fix(args, fragments):
    bounded_refusal(args, *fragments)


def test_check_reports_a_wrong_rank_as_an_invalid_spec():
    """check goes on with the other specs: the rank is each spec's own, so the error is that spec's entry."""
    result = invoke(["check", "resnet18", "--input", "1x3x224x224", "--format", "json"])
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    assert report["specs"][0]["status"] == "invalid"
    assert BATCH_FIX in report["specs"][0]["error"]


@pytest.mark.torch
def test_verify_refuses_a_wrong_rank_instead_of_agreeing_with_itself():
    pytest.importorskip("torchinfo")
    result = invoke(["verify", "resnet18", "--input", "1x3x224x224"])
    assert result.exit_code == 2 and "agrees" not in result.stdout, result.output
    assert result.stderr.count("\n") == 1 and BATCH_FIX in result.stderr, result.stderr


@pytest.mark.parametrize("name", zoo_names())
def test_every_zoo_model_takes_images_at_its_own_input_and_others(name):
    model = load_model(f"zoo:{name}")
    assert model.ranks == (3,) == (len(model.input),)
    channels, height, width = model.input
    assert analyze(model, model.input).output
    result = invoke(["summary", f"zoo:{name}", "--input", f"{channels}x{height + 32}x{width}", "--format", "json"])
    assert result.exit_code == 0, result.output


def _spec(tmp_path: pathlib.Path, rank_line: str, name: str = "net.yaml") -> pathlib.Path:
    path = tmp_path / name
    path.write_text(f"name: net\ninput: [3, 32, 32]\n{rank_line}\nlayers:\n"
                    "  - conv: {out: 8, kernel: 3}\n  - relu\n  - adaptive_avgpool: {size: 1}\n  - flatten\n"
                    "  - linear: {out: 10}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("given, conv", [("3x32", "Conv1d"), ("3x32x32", "Conv2d"), ("3x8x32x32", "Conv3d")])
def test_a_spec_for_any_rank_says_so(tmp_path, given, conv):
    result = invoke(["summary", str(_spec(tmp_path, "rank: any")), "--input", given, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["layers"][0]["type"] == conv


def test_a_spec_for_several_ranks_takes_those_only(tmp_path):
    spec = str(_spec(tmp_path, "rank: [2, 3]"))
    assert invoke(["summary", spec, "--input", "3x32"]).exit_code == 0
    bounded_refusal(["summary", spec, "--input", "3x8x32x32"], "net takes C x L or C x H x W (2 or 3 numbers)")


def test_the_default_rank_is_the_specs_input(tmp_path):
    spec = str(_spec(tmp_path, ""))
    bounded_refusal(["summary", spec, "--input", "3x32"], "net takes C x H x W (3 numbers)")
    bounded_refusal(["summary", spec, "--input", "1x3x32x32"], "write --input 3x32x32 --batch 1")


def test_a_models_name_in_the_message_is_inert(tmp_path):
    spec = tmp_path / "odd.yaml"
    spec.write_text('name: "evil\\e[2J\\nname"\ninput: [3, 32, 32]\nlayers: [relu]\n', encoding="utf-8")
    line = bounded_refusal(["summary", str(spec), "--input", "32x32"])
    assert "\x1b" not in line and "evil\\x1b[2J\\nname takes" in line


@pytest.mark.torch
def test_a_spec_for_any_rank_agrees_with_torch_at_each_rank(tmp_path):
    pytest.importorskip("torchinfo")
    spec = str(_spec(tmp_path, "rank: any"))
    for given in ("3x32", "3x32x32", "3x8x16x16"):
        result = invoke(["verify", spec, "--input", given])
        assert result.exit_code == 0 and "agrees" in result.stdout, result.output


def test_the_schema_knows_the_rank_key():
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"input": [3, 32, 32], "layers": ["relu"]}
    for good in ("any", 3, [2, 3], [1, 2, 3, 4]):
        assert not list(validator.iter_errors({**base, "rank": good})), good
    for bad in (0, 5, "all", "Any", True, [], [3, 3], [2, "any"], {"min": 2}, None):  # 3.0: an integer to JSON
        assert list(validator.iter_errors({**base, "rank": bad})), bad
    printed = json.loads(invoke(["schema"]).stdout)
    assert "rank" in printed["properties"]


def test_the_corpus_covers_the_rank_key():
    """tests/data/bad/rank_*: the schema refuses the corpus's bad values too, but for what it cannot know (the rank
    of the spec's own input; 3.0, an integer to JSON Schema). The corpus itself checks the loader's messages."""
    validator = jsonschema.Draft202012Validator(json_schema())
    cases = sorted((ROOT / "tests" / "data" / "bad").glob("rank_*.yaml"))
    assert len(cases) >= 10
    for path in cases:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "rank" in data and "leaves_out" not in path.name and path.name != "rank_float.yaml":
            assert list(validator.iter_errors(data)), path.name


# --- a model's name: one rule ------------------------------------------------------------------------------------

NOTE = "cnninspect: note: resnet18: the zoo's model, not the {what} ./resnet18 here"


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_bare_zoo_name_stays_the_zoos_with_a_note(tmp_path, monkeypatch, what):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resnet18").mkdir() if what == "folder" else (tmp_path / "resnet18").write_text("input: [1]\n")
    result = invoke(["summary", "resnet18", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"]["file"] == "zoo/resnet18.yaml"
    assert result.stderr == NOTE.format(what=what) + " (write ./resnet18 or zoo:resnet18 to say which)\n"


@pytest.mark.parametrize("command", [["compare", "resnet18", "alexnet"], ["check", "resnet18"]])
def test_every_command_follows_the_rule(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resnet18").mkdir()
    result = invoke(command)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(NOTE.format(what="folder")) and result.stderr.count("\n") == 1, result.stderr


def test_check_takes_a_bare_zoo_name_as_the_zoos_even_beside_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resnet18").mkdir()
    report = json.loads(invoke(["check", "resnet18", "--format", "json"]).stdout)
    assert [s["status"] for s in report["specs"]] == ["pass"]
    assert report["specs"][0]["totals"]["params"] == 11_689_512


def test_zoo_prefix_and_dot_slash_say_which(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resnet18").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    zoo = invoke(["summary", "zoo:resnet18", "--format", "json"])
    assert zoo.exit_code == 0 and zoo.stderr == "" and json.loads(zoo.stdout)["model"]["name"] == "resnet18"
    mine = invoke(["summary", "./resnet18", "--format", "json"])
    assert mine.exit_code == 0 and mine.stderr == "" and json.loads(mine.stdout)["model"]["name"] == "tiny_net"


def test_the_zoo_listing_has_no_notes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("alexnet", "lenet5"):
        (tmp_path / name).mkdir()
    result = invoke(["zoo"])
    assert result.exit_code == 0 and result.stderr == ""


def test_a_bare_name_that_is_no_zoo_model_is_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mynet").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke(["summary", "mynet", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert json.loads(result.stdout)["model"]["name"] == "tiny_net"


@pytest.mark.parametrize("args, fragments", [
    (["summary", "resnet19"], ["unknown model 'resnet19' (not a zoo name, not a file); did you mean resnet18"]),
    (["summary", "zoo:resnet19"], ["unknown model 'zoo:resnet19' (not a zoo name); did you mean resnet18"]),
    (["summary", "zoo:examples/tiny_net.yaml"], ["unknown model 'zoo:examples/tiny_net.yaml'"]),
    (["summary", "nets/resnet18"], ["nets/resnet18: no such file"]),
    (["summary", "resnet18.yaml"], ["resnet18.yaml: no such file"]),
    (["summary", "./somewhere"], ["./somewhere: no such file"]),
    (["summary", "zoo:"], ["unknown model 'zoo:'"]),
])
def test_names_that_name_nothing(tmp_path, monkeypatch, args, fragments):
    monkeypatch.chdir(tmp_path)
    bounded_refusal(args, *fragments)


def test_a_folder_is_not_a_spec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    bounded_refusal(["summary", "configs"], "configs: a folder, not a spec file")
    bounded_refusal(["summary", "./configs"], "./configs: a folder, not a spec file")


def test_a_note_survives_warnings_turned_into_errors(tmp_path):
    """PYTHONWARNINGS=error (as some CI sets) must not turn the note into a traceback."""
    (tmp_path / "resnet18").mkdir()
    result = subprocess.run([sys.executable, "-m", "cnninspect", "summary", "resnet18", "--format", "json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONWARNINGS": "error"})
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(NOTE.format(what="folder")) and result.stderr.count("\n") == 1
    json.loads(result.stdout)


# --- standard input and pipes -------------------------------------------------------------------------------------

def test_dash_reads_standard_input():
    result = invoke(["summary", "-", "--format", "json"], stdin=TINY.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"] == {"name": "tiny_net", "source": "", "file": "<stdin>"}
    assert result.stdout == invoke(["summary", str(TINY), "--format", "json"]).stdout.replace(
        json.dumps(str(TINY)), '"<stdin>"')


def test_dash_in_every_command():
    text = TINY.read_text(encoding="utf-8")
    for args in (["compare", "-", "--input", "3x32x32", "--input", "3x64x64"], ["check", "-"]):
        result = invoke(args, stdin=text)
        assert result.exit_code == 0, (args, result.output)


@pytest.mark.parametrize("text, name", [
    ('{"name": "j", "input": [3, 8, 8], "layers": [{"conv": {"out": 4, "kernel": 3}}, "relu"]}', "j"),
    ('\n# a comment\nname = "t"\ninput = [3, 8, 8]\nlayers = ["relu"]\n', "t"),
    ('[[layers]]\nconv = {out = 4, kernel = 3}\n', None),
    ("name: y\ninput: [3, 8, 8]\nlayers: [relu]\n", "y"),
    ("---\nname: y2\ninput: 3x8x8\nlayers: [relu]\n", "y2"),
])
def test_the_format_of_standard_input_is_sniffed(text, name):
    result = invoke(["summary", "-", "--format", "json"], stdin=text)
    if name is None:  # TOML without input: refused as TOML would refuse it, not as YAML's list
        assert result.exit_code == 2 and "<stdin>" in result.stderr and "'input'" in result.stderr, result.stderr
    else:
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["model"]["name"] == name


@pytest.mark.parametrize("stdin, fragments", [
    ("name: x\ninput: [3, 8, 8]\nlayers:\n  - conv: {out: 4, kernal: 3}\n",
     ["<stdin>:4:20: conv has no field 'kernal'"]),
    ("", ["<stdin>: the file is empty"]),
    ('{"input": [3, 8, 8], "layers": [}', ["<stdin>:1:33: JSON syntax error"]),
    (b"input: [3, 8, 8]\x00\n", ["<stdin>: not a text file (it contains NUL bytes)"]),
    (b"input: [3, 8, 8]\n\xff\n", ["<stdin>:2: not UTF-8 text"]),
    (b"#" * (MAX_BYTES + 1), [f"<stdin>: more than {MAX_BYTES} bytes"]),
])
def test_bad_standard_input_is_refused_with_its_name(stdin, fragments):
    bounded_refusal(["summary", "-"], *fragments, stdin=stdin)


def test_a_terminal_is_not_waited_on(monkeypatch):
    """`cnninspect summary -` typed at a prompt would wait for a spec to be typed: it says how to pipe one."""
    import io

    from cnninspect.errors import InputError

    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(io.BytesIO(b"")))
    with pytest.raises(InputError, match=r"^<stdin>: standard input is a terminal; pipe a spec in"):
        load_model("-")


def test_includes_from_standard_input_are_looked_up_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "_family.yaml").write_text("blocks:\n  pair: {layers: [relu, relu]}\n", encoding="utf-8")
    spec = "include: [_family.yaml]\ninput: [3, 8, 8]\nlayers: [pair]\n"
    result = invoke(["summary", "-", "--format", "json"], stdin=spec)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["layers"]) == 2
    monkeypatch.chdir(ROOT)
    bounded_refusal(["summary", "-"], "<stdin>:1:10: include '_family.yaml': no such file", stdin=spec)


def run_shell(command: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    assert shutil.which("cnninspect"), "the console script is not installed (pip install -e .)"
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", [
    "cat examples/tiny_net.yaml | cnninspect summary - --format json",
    "cnninspect summary - --format json < examples/tiny_net.yaml",
    "cat examples/tiny_net.yaml | cnninspect summary /dev/stdin --format json",
    "cnninspect summary /dev/stdin --format json < examples/tiny_net.yaml",
    "cnninspect summary <(cat examples/tiny_net.yaml) --format json",
    "cnninspect summary <(python3 -c 'import json, yaml, sys; "
    "print(json.dumps(yaml.safe_load(open(\"examples/tiny_net.yaml\"))))') --format json",
    "cnninspect compare <(cat examples/tiny_net.yaml) examples/small_cnn.yaml --format json",
])
def test_pipes_and_process_substitutions_in_a_real_shell(command, tmp_path):
    cache = tmp_path / "cache"
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "CNNINSPECT_CACHE_DIR": str(cache)})
    assert result.returncode == 0 and result.stderr == "", result.stderr
    document = json.loads(result.stdout)
    assert "tiny_net" in json.dumps(document) or document["columns"][0]["label"].startswith("/dev/fd/")
    from cnninspect.spec import cache as spec_cache

    stored = list((cache / spec_cache.SUBFOLDER).glob("spec-*.json")) if cache.exists() else []
    expected = 1 if "small_cnn" in command else 0  # a regular file is cached; standard input and pipes never
    assert len(stored) == expected, stored


def test_a_process_substitutions_error_names_it(tmp_path):
    result = run_shell("cnninspect summary <(printf 'input: [3, 8, 8]\\nlayers: [relu, bogus]\\n')", tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"{PREFIX}/dev/fd/") and ":2:" in result.stderr and "'bogus'" in result.stderr


def test_an_endless_device_is_read_bounded():
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "cnninspect", "summary", "/dev/zero"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and result.stderr == f"{PREFIX}/dev/zero: more than {MAX_BYTES} bytes; specs are " \
                                                       f"at most {MAX_BYTES} bytes\n", result.stderr
    assert time.perf_counter() - start < 10 * TIME_LIMIT_S


# --- --explain --format json --------------------------------------------------------------------------------------

def test_explain_as_json_carries_the_worked_formulas():
    result = invoke(["summary", "lenet5", "--explain", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    plain = json.loads(invoke(["summary", "lenet5", "--format", "json"]).stdout)
    assert {k: v for k, v in document.items() if k != "explain"} == plain  # the summary, and one section more
    text = invoke(["summary", "lenet5", "--explain"]).stdout
    layers = {row["path"]: row for row in document["layers"]}
    assert [e["path"] for e in document["explain"]] == ["conv1", "maxpool()", "conv2", "maxpool()"]
    for entry in document["explain"]:
        assert entry["output"] == layers[entry["path"]]["output"][2:] or entry["path"] == "maxpool()"
        assert f"{entry['path']} ({entry['type']}): " in text
        for axis in entry["axes"]:
            assert axis["formula"] in text and axis["formula"].endswith(f"= {axis['output']}")
            assert axis["rule"].startswith("out = ")
    assert [a["output"] for a in document["explain"][0]["axes"]] == [28, 28]


def test_explain_as_json_for_every_axis_of_a_non_square_input():
    document = json.loads(invoke(["summary", "alexnet", "--input", "3x224x160", "--explain", "--format",
                                  "json"]).stdout)
    first = document["explain"][0]
    assert first["input"] == [224, 160] and [a["input"] for a in first["axes"]] == [224, 160]
    assert [a["output"] for a in first["axes"]] == first["output"] == document["layers"][0]["output"][2:]


@pytest.mark.parametrize("fmt", ["markdown", "csv"])
def test_explain_with_a_format_that_has_no_place_for_it_is_refused(fmt):
    bounded_refusal(["summary", "lenet5", "--explain", "--format", fmt], f"--explain: ", f"--format {fmt} has no place")
