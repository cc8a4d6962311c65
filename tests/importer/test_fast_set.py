"""`--set NAME=VALUE` on a source is its constructor's keyword argument in every command a source works in, as in
`cnninspect import`: summary, check, compare, diff, draw, report, verify (verify builds the source module itself
with them too). The cached import is keyed by them: another value is another import."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cnninspect.cli import main
from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

ROOT = pathlib.Path(__file__).parent.parent.parent
EXAMPLE = f"{ROOT}/examples/small_resnet.py:SmallResNet"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNINSPECT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CNNINSPECT_NO_CACHE", raising=False)


def ran(args: list[str]):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def torch_params(width: int) -> int:
    from cnninspect.torch_backend.sources import load_module

    return sum(p.numel() for p in load_module(EXAMPLE, {"width": width}).parameters())  # torch's own count


def test_summary_set_is_the_constructors_as_import_set_is(tmp_path):
    spec = tmp_path / "wide.yaml"
    assert ran(["import", EXAMPLE, "--set", "width=24", "-o", str(spec)]).exit_code == 0
    from_source, from_file = ran(["summary", EXAMPLE, "--set", "width=24"]), ran(["summary", str(spec)])
    assert from_source.exit_code == from_file.exit_code == 0, from_source.output
    body = lambda output: output[output.index("\ninput "):]  # noqa: E731 - the header names the model
    assert body(from_source.output).replace(EXAMPLE, "SPEC") == body(from_file.output).replace(str(spec), "SPEC")
    assert "\nset width=24\n" in from_source.output  # shown as for a spec's arguments
    assert f"parameters   {torch_params(24):,}" in from_source.output
    assert torch_params(24) != torch_params(16)  # the default width: the setting made the difference


def test_the_cache_is_keyed_by_the_settings():
    narrow, wide, narrow_again = (ran(["summary", EXAMPLE, "--set", f"width={w}"]) for w in (8, 32, 8))
    assert f"parameters   {torch_params(8):,}" in narrow.output
    assert f"parameters   {torch_params(32):,}" in wide.output
    assert narrow_again.output == narrow.output
    plain = ran(["summary", EXAMPLE])
    assert f"parameters   {torch_params(16):,}" in plain.output


@pytest.mark.parametrize("command", [
    ["check"], ["draw", "--format", "mermaid"], ["compare", "--input", "3x32x32", "--input", "3x64x64"],
])
def test_set_reaches_the_source_in_other_commands(command):
    narrow, wide = (ran([*command, EXAMPLE, "--set", f"width={w}"]) for w in (8, 32))
    assert narrow.exit_code == wide.exit_code == 0, narrow.output
    assert narrow.output != wide.output


def test_compare_two_sources_with_set():
    done = ran(["compare", EXAMPLE, EXAMPLE, "--set", "width=8", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert f"{torch_params(8)}" in done.output.replace(",", "")


def test_diff_old_and_new_settings_of_one_source():
    done = ran(["diff", EXAMPLE, EXAMPLE, "--old-set", "width=8", "--new-set", "width=32"])
    assert done.exit_code == 0, done.output
    assert "(width=8)" in done.output and "(width=32)" in done.output
    assert f"{torch_params(32) - torch_params(8):,}" in done.output


def test_report_with_set(tmp_path):
    out = tmp_path / "r.html"
    done = ran(["report", EXAMPLE, "--set", "width=8", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert f"{torch_params(8):,}" in out.read_text()


def test_verify_builds_the_source_module_with_the_settings_too():
    done = ran(["verify", EXAMPLE, "--set", "width=24", "--format", "json"])
    assert done.exit_code == 0, done.output
    entry = json.loads(done.output)["models"][0]
    assert entry["ok"] is True and entry["against"]["ok"] is True, entry


def test_a_setting_the_constructor_refuses_is_one_line_and_exit_2():
    done = CliRunner().invoke(main, ["summary", EXAMPLE, "--set", "depth=3"])
    assert done.exit_code == 2
    assert "building SmallResNet raised TypeError" in done.stderr and "depth" in done.stderr
    assert "Traceback" not in done.output


def test_a_real_subprocess(tmp_path):
    env = {**os.environ, "CNNINSPECT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "cnninspect", "summary", EXAMPLE, "--set", "width=8"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert f"parameters   {torch_params(8):,}" in done.stdout


def test_build_of_a_source_passes_args_to_its_constructor():
    import cnninspect
    from cnninspect.torch_backend.sources import load_module

    ours, theirs = cnninspect.build(EXAMPLE, args={"width": 8}), load_module(EXAMPLE, {"width": 8})
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in theirs.state_dict().items()}
    ours.load_state_dict(theirs.state_dict())  # strictly
