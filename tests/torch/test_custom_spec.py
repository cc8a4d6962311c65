"""A custom spec with residual adds, concatenation, repeats and depthwise convolutions, against torch.

examples/tiny_net.yaml is written here again by hand as a torch module with the same module names. Torch is the
oracle: every leaf module's output shape and parameters (forward hooks), the state_dict, and the MACs
(FlopCounterMode, 2 FLOPs per multiply-accumulate).
"""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import pathlib

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnninspect.core.engine import analyze
from cnninspect.core.summary import summarize
from cnninspect.spec.load import load_model

SPEC = pathlib.Path(__file__).parent.parent.parent / "examples" / "tiny_net.yaml"


class ConvBN(nn.Module):
    def __init__(self, c_in, out, kernel=3, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, out, kernel, stride, kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(out)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class Residual(nn.Module):
    def __init__(self, c_in, out, stride):
        super().__init__()
        self.a = ConvBN(c_in, out, 3, stride)
        self.b = nn.Conv2d(out, out, 3, 1, 1, bias=False)
        if stride != 1 or c_in != out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, out, 1, stride, bias=False))
        else:
            self.shortcut = None
        self.relu = nn.ReLU()

    def forward(self, x):
        y = self.b(self.a(x))
        return self.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class Mixed(nn.Module):
    def __init__(self, c_in, out):
        super().__init__()
        self.branch1x1 = ConvBN(c_in, out // 2, 1)
        self.branch3x3 = ConvBN(c_in, out // 4)
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), ConvBN(c_in, out // 4, 1))

    def forward(self, x):
        return torch.cat([self.branch1x1(x), self.branch3x3(x), self.branch_pool(x)], 1)


class TinyNet(nn.Module):
    def __init__(self, width=32, num_classes=10):
        super().__init__()
        self.stem = ConvBN(3, width)
        self.stages = nn.Sequential(Residual(width, width, 1), Residual(width, 2 * width, 2))
        self.mixed = Mixed(2 * width, 4 * width)
        self.dw = nn.Conv2d(4 * width, 4 * width, 3, padding=1, groups=4 * width)
        self.pw = nn.Conv2d(4 * width, 8 * width, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.add_module("6", nn.Flatten())
        self.fc = nn.Linear(8 * width, num_classes)

    def forward(self, x):
        x = self.pool(self.pw(self.dw(self.mixed(self.stages(self.stem(x))))))
        return self.fc(getattr(self, "6")(x))


def torch_figures(model: nn.Module, shape):
    names = {m: n for n, m in model.named_modules()}
    calls = []

    def hook(module, inputs, output):
        calls.append((names[module], tuple(output.shape), sum(p.numel() for p in module.parameters(recurse=False))))

    for module in model.modules():
        if not list(module.children()):
            module.register_forward_hook(hook)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.eval()(torch.zeros(1, *shape))
    return calls, counter.get_total_flops()


def test_every_module_and_the_macs_equal_torchs():
    analysis = analyze(load_model(str(SPEC)))
    model = TinyNet()
    calls, flops = torch_figures(model, analysis.input)
    ours = [(r.path, (1, *r.output), r.params) for r in analysis.rows if r.module]
    assert ours == calls
    totals = summarize(analysis).totals
    assert totals.flops == flops
    assert totals.params == sum(p.numel() for p in model.parameters())
    assert totals.buffers == sum(b.numel() for b in model.buffers())


def test_at_another_input_size_too():
    analysis = analyze(load_model(str(SPEC)), (3, 57, 45))
    calls, flops = torch_figures(TinyNet(), (3, 57, 45))
    assert [(r.path, (1, *r.output)) for r in analysis.rows if r.module] == [(n, s) for n, s, _ in calls]
    assert summarize(analysis).totals.flops == flops
