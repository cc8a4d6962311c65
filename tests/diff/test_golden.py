"""The diff's formats, golden-tested on two pairs (a spec against itself with a wider stage, and vgg11 against
vgg11_bn), each golden also checked against the invariants of its own content."""

from __future__ import annotations

import json

import pytest

from tests.cli_support import run_cli
from tests.diff.support import assert_invariants, diff_of

SMALL = "examples/small_cnn.yaml examples/small_cnn.yaml --new-set width=24"
CASES = {
    "small_width.txt": SMALL,
    "small_width.json": SMALL + " --format json",
    "small_width.md": SMALL + " --format markdown",
    "small_width_github.txt": SMALL + " --format github",
    "vgg11_bn.txt": "vgg11 vgg11_bn",
    "vgg11_bn.md": "vgg11 vgg11_bn -f markdown",
    "resnet34_depth2.txt": "resnet18 resnet34 --depth 2",
    "resnet34_github.txt": "resnet18 resnet34 --format github",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name, diff_golden, monkeypatch):
    monkeypatch.chdir(__import__("pathlib").Path(__file__).parent.parent.parent)
    result = run_cli(f"diff {CASES[name]}")
    assert result.exit_code == 0, result.output
    diff_golden(f"diff_{name}", result.stdout)


def test_fitted_to_80_columns(diff_golden, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("diff resnet18 resnet34")
    assert result.exit_code == 0 and all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "to fit 80 columns:" in result.stdout
    diff_golden("diff_resnet34_80.txt", result.stdout)


def test_json_says_what_the_analyses_say():
    """The JSON's totals and deltas are the two summaries' (and its layers sum to the totals' difference)."""
    result = run_cli("diff resnet18 resnet34 --format json --all")
    found = json.loads(result.stdout)
    d = diff_of("resnet18", "resnet34")
    assert_invariants(d)
    assert found["version"] == 1 and found["same"] is False
    assert found["totals"]["params"] == {"old": d.old.totals.params, "new": d.new.totals.params,
                                         "delta": d.new.totals.params - d.old.totals.params}
    for key in ("params", "macs", "activation_bytes"):
        assert sum(layer["delta"][key] for layer in found["layers"]) == found["totals"][key]["delta"]
        assert sum(block["delta"][key] for block in found["blocks"]) == found["totals"][key]["delta"]
    assert found["counts"] == {s: d.count(s) for s in ("added", "removed", "changed", "renamed", "unchanged")}
    assert len(found["layers"]) == len(d.entries)


def test_unchanged_layers_hidden_unless_all():
    hidden, shown = run_cli("diff resnet18 resnet34"), run_cli("diff resnet18 resnet34 --all")
    d = diff_of("resnet18", "resnet34")
    layers = [line for line in hidden.stdout.splitlines() if line.startswith(" unchanged ")]
    assert not layers and "20 unchanged (hidden: --all shows them)" in hidden.stdout
    assert sum(line.startswith(" unchanged ") for line in shown.stdout.splitlines()) == \
        d.count("unchanged") + sum(b.status == "unchanged" for b in d.blocks)


def test_the_same_model_says_so():
    result = run_cli("diff resnet18 zoo:resnet18")
    assert result.exit_code == 0 and "no changes: every layer and every total is the same" in result.stdout
