"""`cnninspect import` through click's runner and a real subprocess; a source where a spec goes, and its cache:
the second `summary SOURCE` answers without importing torch."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cnninspect.cli import main
from tests.torch_oracle import MISSING

pytestmark = pytest.mark.torch
ROOT = pathlib.Path(__file__).parent.parent.parent
EXAMPLE = f"{ROOT}/examples/small_resnet.py:SmallResNet"
NO_INPUT = """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x)
"""


@pytest.fixture(autouse=True)
def _needs_torch():
    if MISSING:
        pytest.skip(MISSING)


def ran(args: list[str]):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_import_writes_a_spec_that_summarises_as_the_source_does(tmp_path):
    out = tmp_path / "small_resnet.yaml"
    done = ran(["import", EXAMPLE, "-o", str(out)])
    assert done.exit_code == 0, done.output
    text = out.read_text()
    assert text.startswith("# imported by cnninspect") and "traced with torch.fx" in text
    from_file, from_source = ran(["summary", str(out)]), ran(["summary", EXAMPLE])
    assert from_file.exit_code == from_source.exit_code == 0
    body = lambda output: output.split("\n", 2)[2]  # noqa: E731 - the header names the model
    assert body(from_file.output).replace(str(out), "SPEC") == body(from_source.output).replace(EXAMPLE, "SPEC")
    from cnninspect.torch_backend.sources import load_module

    params = sum(p.numel() for p in load_module(EXAMPLE).parameters())  # torch's own count
    assert f"parameters   {params:,}" in from_file.output


def test_set_and_input_reach_the_constructor_and_the_trace(tmp_path):
    done = ran(["import", EXAMPLE, "--set", "width=8", "--input", "3x64x64"])
    assert done.exit_code == 0, done.output
    assert "input: [3, 64, 64]" in done.output and "out: 8" in done.output and "(width=8)" in done.output


@pytest.mark.parametrize("source, fragment", [
    ("{tmp}/nope.py:Net", "nope.py: no such file"),
    ("{tmp}/net.py:Missing", "no class or function named 'Missing' (it defines Net)"),
    ("{tmp}/net.py:Net", "say the example input to import it at: --input CxHxW"),
    ("timm:", "timm: needs a model name after the colon"),
    ("{tmp}/n\x1b[31me\u202et.py:Net", "n\\x1b[31me\\u202et.py: no such file"),
])
def test_a_bad_source_is_one_line_and_exit_2(tmp_path, source, fragment):
    """One line, exit 2, text from the argument inert, within every refusal's time and memory bounds (after a
    first run, which imports torch)."""
    from tests.cli_support import bounded_refusal

    (tmp_path / "net.py").write_text(NO_INPUT)
    bounded_refusal(["import", source.format(tmp=tmp_path)], fragment, warm=True)


def test_a_real_subprocess(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cnninspect", "import", EXAMPLE, "-o", str(tmp_path / "n.yaml")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stderr
    assert "name: SmallResNet" in (tmp_path / "n.yaml").read_text()


PROBE = """
import sys
from cnninspect.cli import main
try:
    main(["summary", sys.argv[1]])
except SystemExit as done:
    print("torch imported:", "torch" in sys.modules, file=sys.stderr)
    raise
"""


def test_the_second_summary_of_a_source_reads_the_cache_without_torch(tmp_path):
    (tmp_path / "net.py").write_text(NO_INPUT.replace("super().__init__()", "super().__init__()\n        "
                                                      "self.input_size = (3, 8, 8)"))
    env = {**os.environ, "CNNINSPECT_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", PROBE, f"{tmp_path}/net.py:Net"], capture_output=True, text=True,
                           timeout=300, env=env) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert "torch imported: True" in runs[0].stderr and "torch imported: False" in runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and "1x4x6x6" in runs[1].stdout
    (tmp_path / "net.py").write_text(NO_INPUT.replace("nn.Conv2d(3, 4, 3)", "nn.Conv2d(3, 5, 3)").replace(
        "super().__init__()", "super().__init__()\n        self.input_size = (3, 8, 8)"))
    again = subprocess.run([sys.executable, "-c", PROBE, f"{tmp_path}/net.py:Net"], capture_output=True, text=True,
                           timeout=300, env=env)
    assert "torch imported: True" in again.stderr and "1x5x6x6" in again.stdout  # the file changed: imported again


def test_two_spellings_of_one_file_keep_their_own_headers(monkeypatch):
    from cnninspect.spec.load import imported_text
    from cnninspect.spec.sources import parse

    monkeypatch.chdir(ROOT)
    absolute = imported_text(parse(EXAMPLE))
    relative = imported_text(parse("examples/small_resnet.py:SmallResNet"))
    assert f"from {EXAMPLE}," in absolute and "from examples/small_resnet.py:SmallResNet," in relative


def test_verify_of_a_source_compares_with_the_source_module_itself(tmp_path):
    """Not only the imported spec against its own build: the module the source names is the reference too. A
    second class with ReLU(inplace=True) in place of ReLU() differs only in a constructor argument, and is found."""
    agrees = ran(["verify", EXAMPLE, "--format", "json"])
    assert agrees.exit_code == 0, agrees.output
    import json
    entry = json.loads(agrees.output)["models"][0]
    assert entry["ok"] is True and entry["against"]["source"].endswith("small_resnet.py:SmallResNet")
    other = tmp_path / "net.py"
    other.write_text(NO_INPUT.replace("self.conv = nn.Conv2d(3, 4, 3)",
                                      "self.conv = nn.Conv2d(3, 4, 3)\n        self.act = nn.ReLU()")
                     .replace("return self.conv(x)", "return self.act(self.conv(x))")
                     .replace("class Net(nn.Module):", "class Net(nn.Module):\n    input_size = (3, 8, 8)")
                     + "\n\nclass Inplace(Net):\n    def __init__(self):\n        super().__init__()\n"
                       "        self.act = nn.ReLU(inplace=True)\n")
    assert ran(["verify", f"{other}:Net"]).exit_code == 0
    differs = ran(["verify", f"{other}:Net", "--against", f"{other}:Inplace"])
    assert differs.exit_code == 1 and "inplace" in differs.output, differs.output
