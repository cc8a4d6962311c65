"""--train through the CLI: the columns, totals and formats agree with the core; --fit; refusals in one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cnninspect.cli import main
from cnninspect.core.engine import analyze
from cnninspect.core.training import TrainConfig, train
from cnninspect.spec.load import load_model
from tests.cli_support import bounded_refusal


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_json_matches_the_core_and_rows_sum_to_the_total():
    result = run("summary", "resnet18", "--train", "--batch", "8", "--dtype", "bfloat16", "--optimizer", "adam",
                 "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    expected = train(analyze(load_model("resnet18")), TrainConfig(8, "bfloat16", "adam"))
    assert data["training"]["saved_bytes"] == expected.saved_bytes
    assert data["training"]["peak"]["bytes"] == expected.peak.total
    assert sum(layer["saved_bytes"] for layer in data["layers"]) == expected.saved_bytes
    assert sum(layer["backward_macs"] for layer in data["layers"]) == expected.backward_macs


def test_table_and_csv_carry_the_columns():
    table = run("summary", "lenet5", "--train", "--batch", "4")
    assert "Saved" in table.output and "Bwd MACs" in table.output and "peak" in table.output
    rows = run("summary", "lenet5", "--train", "--batch", "4", "-f", "csv").output.splitlines()
    assert rows[0].endswith("saved_bytes,backward_macs")
    expected = train(analyze(load_model("lenet5")), TrainConfig(4))
    assert sum(int(line.split(",")[-2]) for line in rows[1:]) == expected.saved_bytes
    markdown = run("summary", "lenet5", "--train", "-f", "markdown").output
    assert "| Saved | Bwd MACs |" in markdown


def test_fit_finds_the_largest_batch():
    data = json.loads(run("summary", "resnet18", "--train", "--fit", "8GB", "-f", "json").output)
    fit = data["training"]["fit"]
    assert data["training"]["peak"]["bytes"] <= 8 * 10**9 < fit["next_peak"]
    assert data["batch"] == fit["batch"]


def test_compare_and_check():
    result = run("compare", "resnet18", "mobilenet_v2", "--train", "--batch", "32", "-f", "json")
    columns = json.loads(result.output)["columns"]
    assert columns[0]["train_peak_bytes"] == train(analyze(load_model("resnet18")), TrainConfig(32)).peak.total
    assert run("check", "resnet18", "--max-train-memory", "16GiB", "--batch", "32").exit_code == 0
    assert run("check", "resnet18", "--max-train-memory", "100MB", "--batch", "32").exit_code == 1


@pytest.mark.parametrize("args, fragment", [
    (("summary", "resnet18", "--optimizer", "sgd"), "--optimizer: applies to --train"),
    (("summary", "resnet18", "--fit", "8GB"), "--fit: applies to --train"),
    (("summary", "resnet18", "--train", "--fit", "8Gb"), "--fit: unknown unit 'Gb'"),
    (("summary", "resnet18", "--train", "--fit", "1MB"), "--fit: not even batch 1 fits"),
    (("summary", "resnet18", "--train", "--fit", "8GB", "--batch", "4"), "give --batch or --fit"),
    (("summary", "resnet18", "--train", "--device", "mps"), "--device: training memory is predicted for"),
    (("check", "resnet18", "--max-train-memory", "lots"), "--max-train-memory: expected a size"),
])
def test_bad_values_are_one_line_and_exit_2(args, fragment):
    bounded_refusal(list(args), fragment)


def test_a_bad_size_is_printed_inert():
    line = bounded_refusal(["summary", "resnet18", "--train", "--fit", "8\x1b[2J\u202eGB"], "--fit")
    assert "\x1b" not in line and "\u202e" not in line and "\\x1b" in line


def test_a_real_subprocess():
    done = subprocess.run([sys.executable, "-m", "cnninspect", "summary", "lenet5", "--train", "--batch", "2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "saved" in done.stdout


@pytest.mark.torch
def test_verify_train_agrees():
    result = run("summary", "lenet5", "--train", "--batch", "2", "--verify", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["train_verification"]["ok"] is True


def test_max_train_memory_in_a_specs_expect_section(tmp_path):
    spec = "input: [3, 32, 32]\nlayers:\n  - conv: {out: 8, kernel: 3}\n  - flatten\n  - linear: {out: 10}\nexpect:\n"
    held, over, bad = (tmp_path / f"{n}.yaml" for n in ("held", "over", "bad"))
    held.write_text(spec + "  max_train_memory: 1GiB\n")
    over.write_text(spec + "  max_train_memory: 1kB\n")
    bad.write_text(spec + "  max_train_memory: 2Gb\n")
    assert run("check", str(held)).exit_code == 0
    result = run("check", str(over))
    assert result.exit_code == 1 and "max_train_memory: training peak" in result.output
    result = run("check", str(bad))
    assert result.exit_code == 2 and f"{bad}:7:21: expect.max_train_memory: unknown unit 'Gb'" in result.output
