"""`check --verify`: the torch cross-check as one more expectation; without torch, the extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cnninspect.extras import install_hint
from tests.check.conftest import CLI, ROOT


@pytest.mark.torch
def test_verify_agrees_on_the_examples_and_the_zoo(check):
    import torch  # the torch extra is part of the test install: nothing is skipped
    result = check("examples/ lenet5 --verify")
    assert result.exit_code == 1  # over_budget's own max_params; torch agrees everywhere
    lines = result.stdout.splitlines()
    assert lines[0].endswith(f"· torch {torch.__version__} agrees")
    assert lines[2].endswith(f"every input read · torch {torch.__version__} agrees")
    assert lines[3] == f"✓ examples/tiny_net.yaml  torch {torch.__version__} agrees"
    assert lines[4] == f"✓ lenet5  torch {torch.__version__} agrees"


@pytest.mark.torch
def test_a_disagreement_fails_the_spec_and_names_the_layer(check, monkeypatch):
    from cnninspect.torch_backend import crosscheck

    def disagree(analysis, batch):
        found = crosscheck.Mismatch("conv2", "output shape", "1x16x10x10", "1x16x11x11")
        return crosscheck.Verification(5, 0, 0, (found,), frozenset())

    monkeypatch.setattr(crosscheck, "verify", disagree)
    result = check("lenet5 --verify --format json")
    assert result.exit_code == 1
    import json
    (verify,) = json.loads(result.stdout)["specs"][0]["checks"]
    assert verify["expectation"] == "verify" and verify["ok"] is False and verify["source"] == "flag"
    assert verify["actual"] == [{"path": "conv2", "what": "output shape", "cnninspect": "1x16x10x10",
                                 "torch": "1x16x11x11"}]
    assert verify["layer"]["path"] == "conv2" and verify["layer"]["where"] == "zoo/lenet5.yaml:12:5"
    assert verify["message"].startswith("--verify: torch ") and verify["message"].endswith(
        " disagrees in 1 place: conv2: output shape: cnninspect 1x16x10x10, torch 1x16x11x11")


def test_without_torch_verify_names_the_extra():
    code = "import sys; sys.modules['torch'] = None; " + CLI  # `import torch` now raises ImportError
    result = subprocess.run([sys.executable, "-c", code, "check", "lenet5", "--verify"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("cnninspect: error: check --verify needs torch, which is not installed: "
                             f"{install_hint('torch')}\n")


def test_without_torch_checking_works():
    code = "import sys; sys.modules['torch'] = None; " + CLI
    result = subprocess.run([sys.executable, "-c", code, "check", "examples/small_cnn.yaml"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
