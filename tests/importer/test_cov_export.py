"""torch.export (non-strict) where torch.fx cannot trace a module: modules written here that fx refuses (control
flow on a size, as timm's VGG head has; an iterator over a Python generator of the input), imported and held
against torch itself (parameters, every module's output shape, MACs = FlopCounterMode / 2, the state_dict); the
spec's header says which tracer it used, and a module neither can trace is refused with both reasons."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn

from cnninspect.errors import InputError
from cnninspect.torch_backend.importer import import_module
from tests.importer.test_vs_torch import check


class Head(nn.Module):
    """timm's VGG ConvMlp: pools only where the input is smaller than its kernel (control flow on a size)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Conv2d(8, 4, 3)

    def forward(self, x):
        if x.shape[-2] < 3 or x.shape[-1] < 3:
            x = F.adaptive_avg_pool2d(x, 3)
        return self.fc(x)


class SizeFlow(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.blocks = nn.ModuleList([nn.Conv2d(8, 8, 1) for _ in range(2)])
        self.head = Head()
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        for block in self.blocks:
            x = x + block(x)
        x = self.head(F.max_pool2d(x, 2))
        return self.fc(torch.flatten(x, 1))


class DataFlow(nn.Module):
    """A branch chosen by the input's values: fx cannot trace it, export can't either."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        if x.sum() > 0:
            return self.conv(x)
        return self.conv(x) * 2


def test_fx_fails_on_them():
    with pytest.raises(Exception):
        torch.fx.symbolic_trace(SizeFlow())


def test_export_imports_what_fx_cannot_exactly():
    result = check(SizeFlow, (3, 8, 8))
    assert result.tracer.startswith("torch.export (non-strict; torch.fx failed: TraceError")
    assert result.text.splitlines()[0].startswith("# traced with torch.export (non-strict; torch.fx failed")


def test_fx_stays_first():
    from tests.importer.test_vs_torch import ResNetLike

    assert check(ResNetLike, (3, 16, 16)).tracer == "torch.fx"


def test_neither_tracer_is_refused_with_both_reasons():
    with pytest.raises(InputError) as error:
        import_module(DataFlow(), (3, 8, 8), name="net", source="net.py:DataFlow")
    text = str(error.value)
    assert "torch.fx cannot trace it" in text and "torch.export (non-strict) failed too" in text
