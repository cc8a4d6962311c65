"""--verify and `cnninspect verify`: every zoo model and the custom spec agree with torch; a mismatch is caught,
reported with both values, and exits 1."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import dataclasses
import json
import pathlib

from click.testing import CliRunner

from cnninspect.cli import main
from cnninspect.core.engine import analyze
from cnninspect.spec.load import load_model, zoo_names
from cnninspect.torch_backend.crosscheck import verify

REFERENCE = json.loads((pathlib.Path(__file__).parent.parent / "data" / "reference" /
                        "tutorial-models.json").read_text())["models"]


@pytest.mark.parametrize("name", [*zoo_names(), "examples/tiny_net.yaml"])
def test_every_model_agrees_with_torch(name):
    found = verify(analyze(load_model(name)))
    assert found.ok, found.mismatches
    assert found.layers > 0 and len(found.checked) == found.layers


def test_at_a_large_input_and_batch_on_the_meta_device():
    found = verify(analyze(load_model("vgg16"), (3, 1024, 768)), batch=64)
    assert found.ok and found.torch_flops == 64 * 2 * sum(r.macs for r in analyze(load_model("vgg16"),
                                                                                   (3, 1024, 768)).rows)


def test_a_wrong_figure_is_caught():
    analysis = analyze(load_model("resnet18"))
    rows = list(analysis.rows)
    index = next(i for i, r in enumerate(rows) if r.path == "layer2.0.conv1")
    rows[index] = rows[index]._replace(output=(128, 27, 27), params=1)
    found = verify(analysis._replace(rows=tuple(rows)))
    assert not found.ok
    truth = next(layer for layer in REFERENCE["resnet18"]["layers_in_forward_order"]
                 if layer["name"] == "layer2.0.conv1")
    assert {(m.path, m.what, m.ours, m.torch) for m in found.mismatches} >= {
        ("layer2.0.conv1", "output shape", "1x128x27x27", "x".join(map(str, truth["output"]))),
        ("layer2.0.conv1", "params", "1", f"{truth['params']:,}"),
    }
    assert index not in found.checked


def test_summary_verify_adds_the_torch_column():
    result = CliRunner().invoke(main, ["summary", "googlenet", "--verify", "--depth", "1"])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if line.lstrip().startswith("Layer"))
    assert header.split()[-1] == "Torch"
    assert "✓ torch" in result.stdout and "agrees: 130 layers" in result.stdout
    assert "inception4a" in result.stdout and "✗" not in result.stdout


def test_summary_verify_exits_1_on_a_mismatch(monkeypatch):
    from cnninspect.torch_backend import crosscheck

    real = crosscheck.verify

    def tampered(analysis, batch=1):
        found = real(analysis, batch)
        wrong = crosscheck.Mismatch("fc", "params", "1", "513,000")
        return dataclasses.replace(found, mismatches=(wrong,), checked=frozenset())

    monkeypatch.setattr(crosscheck, "verify", tampered)
    result = CliRunner().invoke(main, ["summary", "lenet5", "--verify", "--format", "json"])
    assert result.exit_code == 1
    verification = json.loads(result.stdout)["verification"]
    assert verification["ok"] is False
    assert verification["mismatches"] == [{"path": "fc", "what": "params", "cnninspect": "1", "torch": "513,000"}]


def test_verify_command_checks_many_and_reports_a_broken_spec(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("input: [3, 8, 8]\nlayers:\n  - conv: {out: 4}\n")
    result = CliRunner().invoke(main, ["verify", "lenet5", str(broken), "alexnet"])
    assert result.exit_code == 2
    assert result.stdout.count("agrees") == 2
    assert "broken.yaml:3:5: layer '0' (conv)" in result.stderr and "needs the field 'kernel'" in result.stderr
