"""The fx graph patterns timm's CNNs use, each in a small module written here, imported and held against torch
itself (tests/importer/test_vs_torch.py's `check`: parameters, every module's output shape, MACs =
FlopCounterMode / 2, cnninspect.build's state_dict); and what stays refused, listed."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch
import torch.nn.functional as F
from torch import nn

from cnninspect.errors import InputError
from cnninspect.torch_backend.importer import import_module
from cnninspect.torch_backend.modules import BlurPool2d
from tests.importer.test_vs_torch import check


class Eca(nn.Module):
    """ECA: a mean, a view for a 1-D conv, a view back, a broadcast (expand_as) in a mul."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.eca = nn.Conv1d(1, 1, 3, padding=1, bias=False)

    def forward(self, x):
        x = self.conv(x)
        y = self.eca(x.mean((2, 3)).view(x.shape[0], 1, -1))
        return x * torch.sigmoid(y).view(x.shape[0], -1, 1, 1).expand_as(x)


class SelectiveKernel(nn.Module):
    """SKNet: torch.stack along 1, sums, a reshape to 5-D, softmax over the paths, a transpose."""

    def __init__(self):
        super().__init__()
        self.paths = nn.ModuleList([nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(3, 8, 5, padding=2)])
        self.select = nn.Conv2d(8, 16, 1)

    def forward(self, x):
        x = torch.stack([path(x) for path in self.paths], dim=1)
        attn = self.select(x.sum(1).mean((2, 3), keepdim=True))
        attn = torch.softmax(attn.view(attn.shape[0], 2, 8, 1, 1), dim=1)
        x = torch.sum(x * attn, dim=1)
        return x.transpose(1, 2).reshape(x.shape[0], -1)


class Scaled(nn.Module):
    """NFNet's and Inception-ResNet's numbers: x * beta, out * alpha + shortcut; MobileOne's `out = 0; out += ...`."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        out = 0
        out += self.conv(F.relu(x) * 1.7)
        return out * 0.2 + x * 1


class Slices(nn.Module):
    """GhostNet's x[:, :out] (the whole: nothing), a piece torch.chunk gives, DPN's and ReXNet's other pieces."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 10, 1)
        self.b = nn.Conv2d(6, 6, 1)

    def forward(self, x):
        y = self.a(x)[:, :10, :, :]
        first, rest = y[:, :6], y[:, 6:]
        return torch.cat([self.b(first) + first, rest, y[:, 5:10], torch.narrow(y, 1, 2, 3)], 1)[..., 1:3, :]


class Interpolated(nn.Module):
    """GhostNetV2's gate: F.interpolate to the other branch's size."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 6, 1)
        self.short = nn.Conv2d(3, 6, 1)

    def forward(self, x):
        res = self.short(F.avg_pool2d(x, 2, 2))
        out = self.a(x)
        return out * F.interpolate(torch.sigmoid(res), size=(out.shape[-2], out.shape[-1]), mode="nearest")


class Blurred(nn.Module):
    """TResNet's anti-aliasing: a BlurPool2d kept whole, its depthwise convolution's MACs counted."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 1)
        self.aa = BlurPool2d(6, 3, 2, "reflect")

    def forward(self, x):
        return self.aa(self.conv(x))


class Res2(nn.Module):
    """Res2Net: torch.split, a ModuleList of convs and one of norms run between each other, spx[-1]."""

    def __init__(self, width=4, scale=4):
        super().__init__()
        self.width = width
        self.conv1 = nn.Conv2d(3, width * scale, 1)
        self.convs = nn.ModuleList([nn.Conv2d(width, width, 3, padding=1) for _ in range(scale - 1)])
        self.bns = nn.ModuleList([nn.BatchNorm2d(width) for _ in range(scale - 1)])
        self.conv3 = nn.Conv2d(width * scale, 8, 1)

    def forward(self, x):
        pieces = torch.split(self.conv1(x), self.width, 1)
        outs, sp = [], pieces[0]
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            sp = F.relu(bn(conv(sp if i == 0 else sp + pieces[i])))
            outs.append(sp)
        return self.conv3(torch.cat([*outs, pieces[-1]], 1))


class Res2Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(Res2(), nn.ReLU(), Res2(2, 4))
        self.layer1[2].conv1 = nn.Conv2d(8, 8, 1)

    def forward(self, x):
        return self.layer1(x)


@pytest.mark.parametrize("make", [Eca, SelectiveKernel, Scaled, Slices, Interpolated, Blurred, Res2Net],
                         ids=lambda m: m.__name__)
def test_the_pattern_imports_exactly(make):
    check(make, (3, 16, 16))


def test_a_number_becomes_a_scale_and_a_slice_a_narrow():
    text = check(Scaled, (3, 8, 8)).text + check(Slices, (3, 8, 8)).text
    assert "scale: {factor: 0.2" in text and "scale: {factor: 1.7" in text
    assert "narrow: {start: 6, length: 4" in text and "chunk:" in text


class Refused(nn.Module):
    """What the format has no kind for: a matmul, a slice along two dimensions, a division by a number."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        y = self.conv(x)
        z = y[:, 1:3, 2:4] / 2
        return torch.flatten(y @ y, 1)[:, :1] + torch.flatten(z, 1)[:, :1]


def test_what_the_format_lacks_is_listed():
    with pytest.raises(InputError) as error:
        import_module(Refused(), (3, 8, 8), name="net", source="net.py:Refused")
    text = str(error.value)
    assert "op _operator.matmul ×1" in text and "along more than one dimension" in text
    assert "op _operator.truediv ×1" in text


class FlatGamma(nn.Module):
    """timm's ConvNeXt block: a per-channel scale whose parameter is (C,), reshaped in the forward."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.gamma = nn.Parameter(torch.ones(4))

    def forward(self, x):
        return self.conv(x).mul(self.gamma.reshape(1, -1, 1, 1))


def test_a_parameter_reshaped_is_listed_with_its_shape():
    with pytest.raises(InputError) as error:
        import_module(FlatGamma(), (3, 8, 8), name="net", source="net.py:FlatGamma")
    assert "op Tensor.reshape of a parameter" in str(error.value) and "this is gamma, 4" in str(error.value)
