"""The cached import of a `FILE.py:NAME` source is keyed by the local modules the file imports too: editing a
helper beside it (or in a package beside it) makes the next `summary` import afresh. The key is computed without
torch (ast, never run), bounded in count and size."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cnninspect.spec.sources import MAX_LOCAL_MODULES, import_key, local_modules, parse
from tests.importer.test_command import PROBE
from tests.torch_oracle import MISSING

NET = """
import torch
from torch import nn
from helper import WIDTH
import blocks.convs as convs

class Net(nn.Module):
    input_size = (3, 8, 8)

    def __init__(self):
        super().__init__()
        self.conv = convs.conv(3, WIDTH)

    def forward(self, x):
        return self.conv(x)
"""
CONVS = "from torch import nn\n\n\ndef conv(a, b):\n    return nn.Conv2d(a, b, {k})\n"


def _write(folder, width: int = 4, kernel: int = 3) -> None:
    (folder / "net.py").write_text(NET)
    (folder / "helper.py").write_text(f"WIDTH = {width}\n")
    (folder / "blocks").mkdir(exist_ok=True)
    (folder / "blocks" / "__init__.py").write_text("")
    (folder / "blocks" / "convs.py").write_text(CONVS.format(k=kernel))


def test_the_key_lists_the_local_modules_a_file_imports_and_nothing_installed(tmp_path):
    _write(tmp_path)
    found = dict(map(tuple, local_modules(str(tmp_path / "net.py"), str(tmp_path), absolute=True)))
    assert sorted(found) == ["blocks/__init__.py", "blocks/convs.py", "helper.py"]  # not torch, not os
    assert all(len(digest) == 64 for digest in found.values())
    before = import_key(parse(f"{tmp_path}/net.py:Net"), None, None)
    (tmp_path / "blocks" / "convs.py").write_text(CONVS.format(k=5))
    after = import_key(parse(f"{tmp_path}/net.py:Net"), None, None)
    assert before["code"] == after["code"] and before["modules"] != after["modules"]


def test_followed_through_helpers_relative_imports_included_and_bounded(tmp_path):
    (tmp_path / "net.py").write_text("import m0\n")
    for n in range(MAX_LOCAL_MODULES + 10):  # a chain: m0 imports m1 imports m2 ...
        (tmp_path / f"m{n}.py").write_text(f"from m{n + 1} import x\n")
    found = local_modules(str(tmp_path / "net.py"), str(tmp_path), absolute=True)
    assert [name for name, _ in found] == [f"m{n}.py" for n in range(MAX_LOCAL_MODULES)]
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from . import a\nfrom .b import f\n")
    (pkg / "a.py").write_text("")
    (pkg / "b.py").write_text("def f(: broken\n")  # not parsed: listed, its own imports not followed
    (tmp_path / "top.py").write_text("from pkg import thing\nimport json\n")
    found = [name for name, _ in local_modules(str(tmp_path / "top.py"), str(tmp_path), absolute=True)]
    assert found == ["pkg/__init__.py", "pkg/a.py", "pkg/b.py"]


def test_a_path_outside_the_folder_is_not_followed(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "outside.py").write_text("")
    (inner / "net.py").write_text("from .. import outside\nimport outside\n")
    assert local_modules(str(inner / "net.py"), str(inner), absolute=True) == []


@pytest.mark.torch
def test_editing_an_imported_helper_makes_a_fresh_import(tmp_path):
    if MISSING:
        pytest.skip(MISSING)
    _write(tmp_path)
    env = {**os.environ, "CNNINSPECT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("CNNINSPECT_NO_CACHE", None)

    def summary():
        return subprocess.run([sys.executable, "-c", PROBE, f"{tmp_path}/net.py:Net"], capture_output=True,
                              text=True, timeout=300, env=env, cwd=tmp_path)

    first, second = summary(), summary()
    assert first.returncode == second.returncode == 0, first.stderr
    assert "torch imported: True" in first.stderr and "torch imported: False" in second.stderr
    assert "1x4x6x6" in second.stdout
    (tmp_path / "helper.py").write_text("WIDTH = 7\n")  # the file beside it
    third = summary()
    assert "torch imported: True" in third.stderr and "1x7x6x6" in third.stdout, third.stderr
    (tmp_path / "blocks" / "convs.py").write_text(CONVS.format(k=5))  # a module in a package beside it
    fourth = summary()
    assert "torch imported: True" in fourth.stderr and "1x7x4x4" in fourth.stdout, fourth.stderr
    assert "torch imported: False" in summary().stderr
