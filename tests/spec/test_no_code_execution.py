"""A spec is data: nothing in it can run code or read another file, and hostile inputs stay small and quick."""

from __future__ import annotations

import builtins
import io
import os
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cnninspect.cli import main
from cnninspect.spec.load import load_model

ATTEMPTS = {
    "python_apply.yaml": "input: [3, 8, 8]\nlayers: !!python/object/apply:os.system ['touch {marker}']\n",
    "python_object.yaml": "input: [3, 8, 8]\nlayers:\n  - !!python/object:os.system {{}}\n",
    "python_name.yaml": "input: !!python/name:os.system\nlayers: []\n",
    "expression.yaml": "input: [3, 8, 8]\nlayers:\n  - conv: {{out: \"__import__('os').system('touch {marker}')\", "
                       "kernel: 3}}\n",
    "attribute.yaml": "input: [3, 8, 8]\nargs: {{w: 8}}\nlayers:\n  - conv: {{out: \"w.__class__\", kernel: 3}}\n",
    "include.yaml": "input: [3, 8, 8]\nlayers: !include other.yaml\n",
    "json_expression.json": '{{"input": [3, 8, 8], "layers": [{{"conv": {{"out": "open(\'{marker}\', \'w\')", '
                            '"kernel": 3}}}}]}}',
}


@pytest.mark.parametrize("name", ATTEMPTS)
def test_no_spec_runs_code(name, tmp_path):
    marker = tmp_path / "pwned"
    spec = tmp_path / name
    spec.write_text(ATTEMPTS[name].format(marker=marker))
    result = CliRunner().invoke(main, ["summary", str(spec)])
    assert result.exit_code == 2 and not marker.exists()
    assert result.stderr.startswith(f"cnninspect: error: {spec}") and "Traceback" not in result.stderr


def test_a_spec_reads_no_file_but_itself(tmp_path, monkeypatch):
    (tmp_path / "other.yaml").write_text("secret: 1\n")
    spec = tmp_path / "net.yaml"
    spec.write_text("description: other.yaml\nsource: ../other.yaml\ninput: [3, 8, 8]\nlayers:\n"
                    "  - conv: {out: 4, kernel: 3, name: other}\n")
    opened = []
    real_open, real_io_open = builtins.open, io.open

    def watching(file, *args, **kwargs):
        if not isinstance(file, int):  # a descriptor: the temporary entry the cache opens in its own folder
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching)
    monkeypatch.setattr(io, "open", watching)
    monkeypatch.setattr(pathlib.Path, "read_text", lambda self, *a, **k: opened.append(str(self)) or
                        real_io_open(self, encoding="utf-8").read())
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: opened.append(str(self)) or
                        real_io_open(self, "rb").read())
    model = load_model(str(spec))  # file names in a spec are only text: the format has no includes
    cache = os.environ["CNNINSPECT_CACHE_DIR"]  # the parsed-spec cache's own entries (tests/conftest.py)
    assert model.description == "other.yaml" and [f for f in opened if not f.startswith(cache)] == [str(spec)]


HOSTILE = {  # the heaviest of tests/data/bad, and valid but extreme specs that must still answer correctly
    "tests/data/bad/alias_bomb.yaml": 2,
    "tests/data/bad/repeat_billion.yaml": 2,
    "tests/data/bad/deep_nesting_extreme.yaml": 2,
    "tests/data/bad/input_huge.yaml": 2,
}


def peak_memory_mb(args: list[str]) -> tuple[int, float]:
    """Exit status and peak resident memory of a fresh process running cnninspect."""
    code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "cnninspect", *args],
                         capture_output=True, text=True, timeout=60).stdout.split()
    return int(out[0]), int(out[1]) / 1024


@pytest.mark.parametrize("path, status", HOSTILE.items())
def test_hostile_inputs_stay_small(path, status):
    exit_status, megabytes = peak_memory_mb(["summary", path])
    assert exit_status == status and megabytes < 150


def test_enormous_sizes_are_answered_exactly(tmp_path):
    spec = tmp_path / "huge.yaml"
    spec.write_text("input: [3, 1000000000000]\nlayers:\n  - conv: {out: 1000000000000000000, kernel: 3}\n")
    exit_status, megabytes = peak_memory_mb(["summary", str(spec), "--format", "json"])
    assert exit_status == 0 and megabytes < 150
    result = CliRunner().invoke(main, ["summary", str(spec), "--format", "json"])
    # output positions (10^12 − 3 + 1) × out channels 10^18 × in channels 3 × kernel 3, exactly (no float)
    assert f'"macs": {(10**12 - 2) * 10**18 * 3 * 3}' in result.stdout
