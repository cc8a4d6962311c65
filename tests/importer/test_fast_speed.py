"""What keeps an import fast (benchmarks/results/import_resnet50.md): a module built on the meta device is given
its zeros without the meta device's Python decompositions (they import torch._dynamo and sympy, seconds), and the
forward pass runs on one thread, the caller's thread count given back after; the checks are the same."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch

from cnninspect.torch_backend.importer import import_module

# A fresh process: the test session may have imported torch._dynamo already (FlopCounterMode in other tests).
FRESH = r"""
import sys, torch
import cnninspect
from cnninspect.torch_backend.importer import import_module
torch.set_num_threads(2)
with torch.device("meta"):
    module = cnninspect.build("resnet18")
layer_scale_like = next(module.parameters())
result = import_module(module, (3, 64, 64), name="resnet18", source="zoo:resnet18")
heavy = sorted(name for name in ("torch._dynamo", "sympy", "torch.fx.experimental.symbolic_shapes")
               if name in sys.modules)
assert not heavy, f"the import loaded {heavy}"
assert torch.get_num_threads() == 2, torch.get_num_threads()
assert next(module.parameters()) is layer_scale_like and layer_scale_like.device.type == "cpu"
assert not any(t.device.type == "meta" for t in (*module.parameters(), *module.buffers()))
assert not any(t.any() for t in (*module.parameters(), *module.buffers()) if t.is_floating_point())
print(len(result.text.splitlines()))
"""


def test_a_meta_module_imports_without_dynamo_or_sympy_on_one_thread_and_gives_the_threads_back():
    done = subprocess.run([sys.executable, "-c", FRESH], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) > 10


def test_the_thread_count_comes_back_after_a_refused_import_too():
    from cnninspect.errors import InputError

    class Shuffles(torch.nn.Module):
        def forward(self, x):
            return torch.roll(x, 1)

    threads = torch.get_num_threads()
    with pytest.raises(InputError, match="torch.roll"):
        import_module(Shuffles(), (3, 4, 4), name="net", source="net.py:Net")
    assert torch.get_num_threads() == threads


def test_the_forward_pass_runs_on_one_thread():
    seen = []

    class Probe(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3)

        def forward(self, x):
            seen.append(torch.get_num_threads())
            return self.conv(x)

    import_module(Probe(), (3, 8, 8), name="net", source="net.py:Net")
    assert seen and set(seen) == {1}
