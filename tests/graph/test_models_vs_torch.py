"""Wiring that is not a tree, against modules written here in torch (tests/graph/oracle.py): a dense block whose
concatenations read earlier outputs, a Res2Net split (a ModuleList run between others, outputs named with `as`), a
DPN dual path, a module used twice, two inputs. Each is compared in shapes, parameters, MACs, state_dict keys and
outputs with the same weights."""

from __future__ import annotations

import pytest

from tests.graph.oracle import assert_same
from tests.graph.specs import DENSE, DPN, HRNET, RES2, SHARED, TWO
from tests.torch_oracle import MISSING

pytestmark = pytest.mark.torch
if MISSING:
    pytest.skip(MISSING, allow_module_level=True)

import torch  # noqa: E402
from torch import nn  # noqa: E402


class Dense(nn.Module):
    """A DenseNet-like block: each layer reads the concatenation of the stem and every layer before it."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        for i, c in enumerate((8, 12, 16), start=1):
            self.add_module(f"l{i}", nn.Sequential())
            getattr(self, f"l{i}").add_module("norm", nn.BatchNorm2d(c))
            getattr(self, f"l{i}").add_module("relu", nn.ReLU())
            getattr(self, f"l{i}").add_module("conv", nn.Conv2d(c, 4, 3, padding=1, bias=False))

    def forward(self, x):
        x = self.stem(x)
        a = self.l1(x)
        b = self.l2(torch.cat([x, a], 1))
        c = self.l3(torch.cat([x, a, b], 1))
        return torch.cat([x, a, b, c], 1)


def test_a_dense_block_of_references_equals_torch():
    analysis = assert_same(DENSE, Dense(), [(3, 8, 8)])
    assert analysis.output == (20, 8, 8)
    assert analysis.rows[-1].footprint[0].size == 9  # stem 3x3, then three 3x3 convs: 3 + 2 * 3


class Res2(nn.Module):
    """timm's Bottle2neck, smaller: a 1x1 conv, a split in `scale` parts, each part (but the last) through its own
    3x3 conv after adding the previous part's output, concatenated, a 1x1 conv, and the residual."""

    def __init__(self, c=16, width=4, scale=4):
        super().__init__()
        self.width, self.scale = width, scale
        self.conv1 = nn.Conv2d(c, width * scale, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width * scale)
        self.convs = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1, bias=False) for _ in range(scale - 1))
        self.bns = nn.ModuleList(nn.BatchNorm2d(width) for _ in range(scale - 1))
        self.conv3 = nn.Conv2d(width * scale, c, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        spx = torch.split(out, self.width, 1)
        outs = []
        for i in range(self.scale - 1):
            sp = spx[i] if i == 0 else sp + spx[i]
            sp = self.relu(self.bns[i](self.convs[i](sp)))
            outs.append(sp)
        out = torch.cat([*outs, spx[-1]], 1)
        return self.relu(self.bn3(self.conv3(out)) + x)


def test_a_res2net_split_equals_torch():
    analysis = assert_same(RES2, Res2(), [(16, 8, 8)])
    assert [r.path for r in analysis.rows if r.kind == "conv"] == ["conv1", "convs.0", "convs.1", "convs.2", "conv3"]


class DualPath(nn.Module):
    """DPN's dual path: a projection split into a residual part and a dense part; the block's output is split the
    same way; the residual parts are added, the dense parts concatenated."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.proj = nn.Conv2d(16, 16, 1)
        self.a = nn.Conv2d(16, 8, 1)
        self.b = nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.c = nn.Conv2d(8, 12, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.stem(x)
        s1, s2 = torch.split(self.proj(x), [8, 8], 1)
        y = self.c(self.relu(self.b(self.relu(self.a(x)))))
        o1, o2 = torch.split(y, [8, 4], 1)
        return torch.cat([s1 + o1, torch.cat([s2, o2], 1)], 1)


def test_a_dual_path_equals_torch():
    analysis = assert_same(DPN, DualPath(), [(3, 8, 8)])
    assert analysis.output == (20, 8, 8)


class Shared(nn.Module):
    """One conv applied three times (a recurrent refinement), and a head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.step = nn.Conv2d(8, 8, 3, padding=1)
        self.relu = nn.ReLU()
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        x = self.relu(self.stem(x))
        for _ in range(3):
            x = self.relu(self.step(x)) + x
        return self.head(x)


def test_a_shared_module_is_one_module_counted_once_run_at_every_use():
    analysis = assert_same(SHARED, Shared(), [(3, 10, 12)])
    steps = [r for r in analysis.rows if r.path == "step"]
    assert [r.shared for r in steps] == [False, True, True]
    assert [r.params for r in steps] == [584, 0, 0]
    assert len({r.macs for r in steps}) == 1 and steps[0].macs > 0


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc_image = nn.Conv2d(3, 8, 3, padding=1)
        self.enc_mask = nn.Conv2d(1, 8, 3, padding=1)
        self.head = nn.Conv2d(16, 4, 1)

    def forward(self, image, mask):
        a = self.enc_image(image)
        b = self.enc_mask(mask)
        return self.head(torch.cat([a * torch.sigmoid(b), b], 1))


def test_two_inputs_are_taken_in_order():
    analysis = assert_same(TWO, TwoInputs(), [(3, 8, 8), (1, 8, 8)])
    assert analysis.inputs == (("image", (3, 8, 8)), ("mask", (1, 8, 8)))


def test_two_inputs_at_other_shapes_by_name():
    from cnninspect.core.engine import analyze
    from cnninspect.torch_backend.build import SpecModel
    from tests.graph.oracle import model_of

    analysis = analyze(model_of(TWO), {"mask": (1, 8, 8), "image": (3, 8, 8)})
    again = analyze(model_of(TWO), {"image": (3, 16, 12), "mask": (1, 16, 12)})
    assert again.output == (4, 16, 12) and analysis.output == (4, 8, 8)
    built = SpecModel(again)
    assert built(torch.zeros(1, 3, 16, 12), torch.zeros(1, 1, 16, 12)).shape == (1, 4, 16, 12)
    with pytest.raises(TypeError, match="takes 2 input"):
        built(torch.zeros(1, 3, 16, 12))


class HRFuse(nn.Module):
    """HRNet's exchange between two resolutions: each branch adds the other's output, resampled."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.high = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        self.low = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU())
        self.up = nn.Sequential(nn.Conv2d(16, 8, 1, bias=False), nn.Upsample(scale_factor=2))
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)

    def forward(self, x):
        x = self.stem(x)
        high, low = self.high(x), self.low(x)
        fused_high = high + self.up(low)
        fused_low = low + self.down(high)
        return torch.cat([fused_high, nn.functional.interpolate(fused_low, scale_factor=2.0)], 1)


def test_an_hrnet_exchange_equals_torch():
    analysis = assert_same(HRNET, HRFuse(), [(3, 16, 16)])
    assert analysis.output == (24, 16, 16)
