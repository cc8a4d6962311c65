"""The installed command as users run it: a real process, its exit status, and no torch on the analytic path."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

SHAPE = ["shape", "--n", "227", "--f", "11", "--s", "4"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_python_dash_m():
    result = run(sys.executable, "-m", "cnninspect", *SHAPE)
    assert result.returncode == 0 and "output: 55" in result.stdout


def test_console_script():
    script = shutil.which("cnninspect")
    assert script, "the cnninspect console script is not installed (pip install -e .)"
    result = run(script, *SHAPE)
    assert result.returncode == 0 and "output: 55" in result.stdout


def test_bad_input_exits_2_without_traceback():
    result = run(sys.executable, "-m", "cnninspect", "shape", "--n", "224", "--f", "11", "--s", "0")
    assert result.returncode == 2
    assert result.stderr == "cnninspect: error: --s: stride must be > 0. Received stride=0\n"
    assert "Traceback" not in result.stderr and result.stdout == ""


def imports(*args: str) -> set[str]:
    result = run(sys.executable, "-X", "importtime", "-m", "cnninspect", *args)
    assert result.returncode == 0
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("args", [SHAPE, ["shape", "--n", "224", "conv:7/2/3", "pool:3/2/1", "--json"], ["--help"],
                                  ["summary", "resnet18"], ["summary", "googlenet", "--format", "json"], ["zoo"],
                                  ["schema"], ["compare", "alexnet", "resnet18"], ["check", "examples/small_cnn.yaml"]])
def test_the_analytic_path_never_imports_torch(args):
    imported = imports(*args)
    assert not {name for name in imported if name == "torch" or name.startswith("torch.")}
    assert "numpy" not in imported


def test_shape_starts_lean():
    """Neither rich nor PyYAML nor the engine is needed to answer a shape question."""
    imported = imports(*SHAPE)
    assert not {"rich", "yaml", "cnninspect.core.engine"} & imported


def test_the_commands_words_are_the_engines():
    from cnninspect.core.summary import DTYPE_BYTES
    from cnninspect.core.window import Kind
    from cnninspect.syntax import DTYPES, KIND_NAMES
    assert DTYPES == tuple(DTYPE_BYTES) and KIND_NAMES == tuple(k.value for k in Kind)
