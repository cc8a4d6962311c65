"""The suite itself without the torch extra: every module collects, and the torch tests skip with the reason.

A subprocess runs pytest with torch and torchinfo hidden by a meta-path finder that answers as an absent package
does (ModuleNotFoundError), collects the whole suite, and runs only the tests marked `torch`: a module that
imports torch at collection is an error there, a marked test that runs anyway a failure. (The torch-free tests
themselves are checked by running the suite in an environment without torch; see tests/torch_oracle.py.)
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest

from tests import torch_oracle

ROOT = pathlib.Path(__file__).parent.parent
HIDE_TORCH = """
import sys

class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchinfo"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
import pytest
status = pytest.main(sys.argv[1:])
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchinfo"))
print("imported:", leaked)
sys.exit(status)
"""


def test_without_torch_every_module_collects_and_the_torch_tests_skip_with_the_reason():
    done = subprocess.run([sys.executable, "-c", HIDE_TORCH, "-q", "-rs", "-m", "torch", "-p", "no:cacheprovider",
                           "tests"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output  # 2 for an error while collecting, 1 for a failure
    assert "error" not in output.lower() and "imported: []" in output
    reason = "needs torch, which is not installed (the torch extra: pip install 'cnninspect[torch]')"
    skipped = {line.split()[2].split(":")[0] for line in output.splitlines()
               if line.startswith("SKIPPED") and line.endswith(reason)}
    assert {f"tests/torch/{p.name}" for p in (ROOT / "tests" / "torch").glob("test_*.py")} <= skipped
    summary = re.search(r"(\d+) skipped, (\d+) deselected", output)
    assert summary and int(summary[2]) > int(summary[1]), output  # the torch-free tests were collected too


def test_an_oracle_call_without_torch_skips_its_test(monkeypatch):
    monkeypatch.setattr(torch_oracle, "MISSING", "needs torch (a test of the skip)")
    with pytest.raises(pytest.skip.Exception, match="a test of the skip"):
        torch_oracle.torch_output(torch_oracle.Kind.CONV, (8,), (3,), (1,), (0,))
