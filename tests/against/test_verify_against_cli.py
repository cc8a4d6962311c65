"""`cnninspect verify MODEL --against [SOURCE]`: the reference from the spec's metadata.reference or the command
line; differences grouped, located at the spec's lines, exit 1; bad input one located line, exit 2."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import json
import pathlib
import shutil
import subprocess

import torch

import cnninspect
from tests.against.nets.ref_nets import SmallNet
from tests.cli_support import bounded_refusal, refusal_line, runner

NETS = pathlib.Path(__file__).parent / "nets"


def net(name: str) -> str:
    """A file of nets/ as a user names it from the checkout (relative where the tests run there)."""
    path = NETS / name
    return str(path.relative_to(pathlib.Path.cwd()) if path.is_relative_to(pathlib.Path.cwd()) else path)


GOOD, WRONG, WIDTH, REF = map(net, ("small_net.yaml", "wrong_bn_relu.yaml", "wrong_width.yaml", "ref_nets.py"))


def verify(*args: str):
    return runner().invoke(cnninspect.cli.main, ["verify", *args])


def line_of(path: str, text: str) -> int:
    """The line of a spec file that writes `text` (the first)."""
    return next(n for n, line in enumerate(pathlib.Path(path).read_text().splitlines(), 1) if text in line)


def test_the_correct_spec_agrees_with_its_metadata_reference():
    result = verify(GOOD, "--against")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith(f"✓ agrees with {REF}:SmallNet: ")
    assert f"({sum(p.numel() for p in SmallNet().parameters()):,} parameters)" in lines[1]


@pytest.mark.parametrize("source", [f"{REF}:SmallNet", f"{REF}:small_net", "tests.against.nets.ref_nets:SmallNet"])
def test_any_source_names_the_reference(source):
    result = verify(GOOD, "--against", source)
    assert result.exit_code == 0, result.output
    assert f"✓ agrees with {source}: " in result.stdout


def test_the_wrong_bn_and_relu_are_found_and_located(assert_golden):
    result = verify(WRONG, "--against")
    assert result.exit_code == 1, result.output
    out = result.stdout
    stem = max(n for n, line in enumerate(pathlib.Path(WRONG).read_text().splitlines(), 1) if "bn: {name: bn1}" in line)
    assert f"{WRONG}:{stem}:5: BatchNorm2d bn1: eps: spec 1e-05, reference 0.001" in out
    assert f"{WRONG}:{stem}:5: BatchNorm2d bn1: momentum: spec 0.1, reference 0.01" in out
    block_relu = line_of(WRONG, "- relu: {name: relu}")
    assert f"{WRONG}:{block_relu}:17: ReLU layer1.relu, layer2.relu: inplace: spec False, reference True" in out
    assert "(output): value at [" in out
    assert_golden("verify_against_wrong_bn_relu.txt", "\n".join(out.splitlines()[1:]) + "\n")  # torch's line aside


def test_the_wrong_width_is_found_in_the_parameter_count():
    result = verify(WIDTH, "--against")
    assert result.exit_code == 1, result.output
    spec = sum(p.numel() for p in cnninspect.build(WIDTH).parameters())
    reference = sum(p.numel() for p in SmallNet().parameters())
    assert spec != reference
    assert f"{WIDTH}: (total): parameters: spec {spec:,}, reference {reference:,}" in result.stdout
    assert "outputs with the same weights: not run: the state_dicts differ" in result.stdout
    # its own build agrees with it: what plain verify passed
    assert result.stdout.splitlines()[0].startswith(f"{WIDTH}: ✓ torch ")


def test_json_lists_every_difference():
    result = verify(WRONG, GOOD, "--against", "--format", "json")
    assert result.exit_code == 1, result.output
    wrong, good = json.loads(result.stdout)["models"]
    assert wrong["ok"] is False and good["ok"] is True and good["against"]["differences"] == []
    against = wrong["against"]
    assert against["source"] == f"{REF}:SmallNet" and against["ok"] is False
    bns = [d for d in against["differences"] if d["what"] == "eps"]
    assert len(bns) == sum(isinstance(m, torch.nn.BatchNorm2d) for m in SmallNet().modules())
    assert all(d["group"] == "argument" and d["module"] == "BatchNorm2d" and d["loc"].startswith(WRONG + ":")
               for d in bns)


def test_several_models_each_their_reference():
    result = verify(GOOD, WRONG, "--against")
    assert result.exit_code == 1
    assert result.stdout.count("✓ agrees with") == 1 and result.stdout.count("✗ differs from") == 1


@pytest.mark.parametrize("args, where, fragment", [
    (["--against", "missing_net.py:Net"], "missing_net.py: no such file", ""),
    (["--against", "no_such_package_xyz:Net"], "no_such_package_xyz:Net: no module named", ""),
    (["--against", f"{REF}:not_a_module"], f"{REF}:not_a_module: returned a int, not a torch.nn.Module", ""),
    (["--against", f"{REF}:Nothing"], f"{REF}: no class or function named 'Nothing'", ""),
    (["--against", "resnet18"], "--against: resnet18: not a source", ""),
    (["--against", ""], "--against: : not a source", ""),
    (["--against", "mis\x1b[31msing\u202e.py:Net"], "mis\\x1b[31msing\\u202e.py: no such file", ""),
])
def test_a_bad_source_is_one_located_line(args, where, fragment):
    """One line, WHERE first, text from the flag inert (an escape and a bidi override spelled out), within the
    time and memory bounds of every refusal (after a first run, which imports torch)."""
    bounded_refusal(["verify", GOOD, *args], where=where, warm=True)


def test_a_bad_source_is_said_once_for_every_model():
    refusal_line(verify(GOOD, WRONG, "--against", "resnet18"), "--against: resnet18: not a source")


def test_a_spec_without_a_reference_needs_a_source():
    path = net("no_reference.yaml")
    line = refusal_line(verify(path, "--against"), f"{path}: names no reference")
    assert "--against SOURCE" in line


def test_a_bad_metadata_reference_is_located_at_its_line():
    bad = net("bad_reference.yaml")
    refusal_line(verify(bad, "--against"), f"{bad}:{line_of(bad, 'reference:')}:14: {net('missing_net.py')}: "
                                           f"no such file")
    number = net("number_reference.yaml")
    refusal_line(verify(number, "--against"), f"{number}:{line_of(number, 'reference:')}:14: metadata.reference is a source")


def test_in_a_real_process(tmp_path):
    shutil.copytree(NETS, tmp_path / "nets")
    script = shutil.which("cnninspect")
    assert script, "the console script is not installed (pip install -e .)"
    result = subprocess.run([script, "verify", "nets/wrong_bn_relu.yaml", "--against"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stderr == "", result.stderr
    assert "✗ differs from nets/ref_nets.py:SmallNet in " in result.stdout
