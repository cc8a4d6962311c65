"""Without torch the analytic commands work, and the torch features say which extra to install (exit 2)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cnninspect.extras import install_hint

BLOCK_TORCH = ("import sys; sys.modules['torch'] = None; sys.argv[0] = 'cnninspect'; "
               "from cnninspect.cli import main; main()")  # `import torch` now raises ImportError


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK_TORCH, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args, what", [
    (["summary", "lenet5", "--verify"], "--verify and --time"),
    (["summary", "lenet5", "--time"], "--verify and --time"),
    (["verify", "lenet5"], "cnninspect verify"),
])
def test_torch_features_name_the_extra(args, what):
    result = run(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (f"cnninspect: error: {what} needs torch, which is not installed: "
                             f"{install_hint('torch')}\n")


def test_the_analytic_commands_need_no_torch():
    assert run("summary", "googlenet", "--format", "json").returncode == 0
    assert run("shape", "--n", "227", "--f", "11", "--s", "4").returncode == 0


def test_build_names_the_extra_too():
    code = ("import sys; sys.modules['torch'] = None\nimport cnninspect\ntry:\n    cnninspect.build('lenet5')\n"
            "except Exception as error:\n    print(type(error).__name__, error)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == ("InputError cnninspect.build needs torch, which is not installed: "
                                     f"{install_hint('torch')}")
