"""The pre-commit hook and the installed command: the hook's entry is a command that works, in a real process,
and checking stays torch-free."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib

import yaml

from tests.check.conftest import CLI, ROOT

(HOOK,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def command(*args: str) -> list[str]:
    """The hook's entry as pre-commit runs it: its words, then the hook's args, then the file names."""
    program, *words = shlex.split(HOOK["entry"])
    return [shutil.which(program), *words, *HOOK.get("args", []), *args]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_the_hook_definition():
    assert HOOK["id"] == "cnninspect-check" and HOOK["language"] == "python"
    assert HOOK["entry"] == "cnninspect check"
    assert HOOK.get("pass_filenames", True)
    pattern = re.compile(HOOK["files"])
    for name in ("examples/small_cnn.yaml", "a/b.yml", "net.json", "net.toml"):
        assert pattern.search(name), name
    for name in ("README.md", "cnninspect/cli.py", "net.yaml.orig"):
        assert not pattern.search(name), name


def test_the_entry_is_the_installed_console_script():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    program = shlex.split(HOOK["entry"])[0]
    assert scripts[program] == "cnninspect.cli:main" and shutil.which(program)


def test_the_hook_passes_a_good_spec_and_fails_a_bad_one():
    good = run("examples/small_cnn.yaml", "examples/tiny_net.yaml")
    assert good.returncode == 0, good.stderr
    assert good.stdout.endswith("2 specs: 2 passed, 0 failed\n") and good.stderr == ""
    bad = run("examples/small_cnn.yaml", "examples/over_budget.yaml")
    assert bad.returncode == 1 and "max_params: params 8,467,082 > 1M (1,000,000)" in bad.stdout
    invalid = run("tests/data/bad/unknown_layer.yaml")
    assert invalid.returncode == 2 and "Traceback" not in invalid.stderr


def test_checking_never_imports_torch():
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", CLI, "check", "examples/", "--format", "json"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 1
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "cnninspect.core.budget" in imported and "cnninspect.render.check_json" in imported
    assert not {name for name in imported if name == "torch" or name.startswith("torch.")}
    assert "numpy" not in imported
