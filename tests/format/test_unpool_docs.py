"""docs/spec.md's max unpool example is the example file and its real summary."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "docs" / "segnet_tiny.yaml"


def test_the_unpool_example_is_the_file_and_its_summary():
    doc = (ROOT / "docs" / "spec.md").read_text()
    assert EXAMPLE.read_text() in doc
    done = subprocess.run([sys.executable, "-m", "cnninspect", "summary", "docs/segnet_tiny.yaml"], cwd=ROOT,
                          capture_output=True, text=True, env={"CNNINSPECT_NO_CACHE": "1", "COLUMNS": "200",
                                                               "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert f"$ cnninspect summary docs/segnet_tiny.yaml\n{done.stdout.rstrip()}\n```" in doc
