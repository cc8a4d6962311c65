"""`cnninspect diff` at the command line: standard input, --output, arguments per side, --exit-code, text from a
spec printed inert in every format, and refusals as one line."""

from __future__ import annotations

import json
import pathlib

import pytest

from tests.cli_support import bounded_refusal, run_cli, runner
from cnninspect.cli import main

ROOT = pathlib.Path(__file__).parent.parent.parent


def test_standard_input_against_a_file(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "examples" / "small_cnn.yaml").read_text().replace("width: 16", "width: 8")
    result = runner().invoke(main, ["diff", "-", "examples/small_cnn.yaml", "-f", "json"], input=text)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["old"]["label"] == "-" and found["totals"]["params"]["delta"] > 0


def test_output_file(tmp_path):
    out = tmp_path / "diff.md"
    result = run_cli(["diff", "resnet18", "resnet34", "--format", "markdown", "--output", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text().startswith("### cnninspect diff: resnet18 → resnet34")


def test_exit_code():
    assert run_cli("diff resnet18 resnet34 --exit-code").exit_code == 1
    assert run_cli("diff resnet18 resnet18 --exit-code").exit_code == 0
    assert run_cli("diff resnet18 resnet34").exit_code == 0


def test_old_and_new_settings():
    same = run_cli("diff googlenet googlenet --set aux_logits=false --exit-code")
    assert same.exit_code == 0, same.output
    heads = json.loads(run_cli("diff googlenet googlenet --new-set aux_logits=false -f json").stdout)
    assert heads["counts"]["removed"] > 0 and heads["aux_layers"]
    assert all(e["status"] == "removed" for e in heads["aux_layers"])
    assert heads["new"]["label"] == "googlenet (aux_logits=false)"


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "github"])
def test_text_from_a_spec_is_inert(tmp_path, fmt):
    evil = "a\x1b[31mred\u202e"
    old = tmp_path / "old.yaml"
    old.write_text("name: n\ninput: [3, 8, 8]\nlayers:\n  - conv: {name: c, out: 4, kernel: 3}\n")
    new = tmp_path / "new.yaml"
    new.write_text(f'name: n\ninput: [3, 8, 8]\nlayers:\n  - conv: {{name: "{evil}", out: 4, kernel: 3}}\n'
                   .replace("\x1b", "\\e").replace("\u202e", "\\u202e"))
    result = run_cli(["diff", str(old), str(new), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout


@pytest.mark.parametrize("args, fragment", [
    ("diff resnet18", "expected two models"),
    ("diff resnet18 resnet34 vgg11", "expected two models"),
    ("diff resnet18 resnet19", "unknown model 'resnet19'"),
    ("diff - -", "diff: standard input can be read once"),
    ("diff resnet18 resnet34 --new-set width=3", "resnet34 (width=3): unknown model argument 'width'"),
    ("diff resnet18 resnet34 --set bad", "--set: expected NAME=VALUE"),
    ("diff resnet18 resnet34 --input 3x0x0", "--input"),
    ("diff resnet18 resnet34 --format csv", "Invalid value for '--format'"),
    ("diff resnet18 resnet34 --depth 0", "Invalid value for '--depth'"),
])
def test_refusals(args, fragment):
    bounded_refusal(args, fragment)
