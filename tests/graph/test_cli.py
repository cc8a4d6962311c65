"""The wiring through the CLI: a spec of several inputs sized by --input NAME=SHAPE, a shared module marked in the
text and JSON rows, bad --input pairs refused in one line, and one real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.cli_support import bounded_refusal, run_cli

SPEC = "docs/wiring.yaml"


def test_several_inputs_are_sized_by_name():
    result = run_cli(f"summary {SPEC} --input mask=1x20x24,image=3x20x24 --format json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    rows = {row["path"]: row for row in report["layers"]} if "layers" in report else None
    assert rows is not None, sorted(report)
    assert rows["mul"]["output"] == [1, 16, 20, 24]
    shared = [row for row in report["layers"] if row.get("shared")]
    assert [(r["path"], r["params"]) for r in shared] == [("c2", 0)]
    assert shared[0]["macs"] == rows["c2"]["macs"] > 0  # the first use, by path: the same MACs at each use


def test_the_text_summary_marks_the_shared_row():
    result = run_cli(f"summary {SPEC}")
    assert result.exit_code == 0, result.output
    assert [line.split()[1:3] for line in result.stdout.splitlines() if line.strip().startswith("c2 ")] == \
        [["Conv2d", "1x16x32x32"], ["Conv2d", "(shared)"]]


@pytest.mark.parametrize("flag, fragments", [
    ("imag=3x8x8", ["wiring has no input 'imag' (its inputs: image, mask)"]),
    ("image=3x8x8,image=3x9x9", ["the input 'image' is given twice"]),
    ("mask=8x8", ["the input 'mask' has 3 axes (channels first, as 1x32x32). Received '8x8'"]),
    ("image=3x0x8", ["sizes must be > 0"]),
    ("image=3x8x8,mask=1x9x9", ["mul in 'model': the branches' shapes do not broadcast: 1x9x9, 16x8x8"]),
])
def test_bad_input_pairs_are_one_line(flag, fragments):
    where = "" if "9x9" in flag else "--input"
    bounded_refusal(f"summary {SPEC} --input {flag}", *fragments, where=where)


def test_a_real_subprocess():
    done = subprocess.run([sys.executable, "-m", "cnninspect", "summary", SPEC, "--input", "image=3x64x64,mask=1x64x64"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "inputs image 1x3x64x64, mask 1x1x64x64" in done.stdout and "Conv2d (shared)" in done.stdout
