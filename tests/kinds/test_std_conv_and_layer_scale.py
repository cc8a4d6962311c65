"""Weight-standardised convolutions and layer scale as a module against references written here from their papers
(Qiao et al. 2019; Brock et al. 2021; CaiT's LayerScale), run by torch: class, output, parameters, state_dict, MACs
and values. scripts/kinds_vs_timm.py checks the builders against timm's own modules, bit for bit."""

from __future__ import annotations

import pytest

from tests.kinds.oracle import agree, analyse, refused
from tests.kinds.test_same import tf_same
from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch
import torch.nn.functional as F
from torch import nn


def standardised(weight, eps):
    flat = weight.reshape(weight.shape[0], -1)
    mean, var = flat.mean(1, keepdim=True), flat.var(1, unbiased=False, keepdim=True)
    return ((flat - mean) / torch.sqrt(var + eps)).reshape_as(weight)


class StdConv2d(nn.Conv2d):
    eps = 1e-6

    def forward(self, x):
        return F.conv2d(x, standardised(self.weight, self.eps), self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class StdConv2dSame(StdConv2d):
    def forward(self, x):
        return super().forward(tf_same(x, self.kernel_size, self.stride, self.dilation))


class ScaledStdConv2d(nn.Conv2d):
    def __init__(self, *args, gamma=1.0, eps=1e-6, gain_init=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.gamma, self.eps = gamma, eps
        self.gain = nn.Parameter(torch.full((self.out_channels, 1, 1, 1), gain_init))

    def forward(self, x):
        fan_in = self.weight[0].numel()
        weight = standardised(self.weight, self.eps) * self.gain * self.gamma / fan_in ** 0.5
        return F.conv2d(x, weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class LayerScale(nn.Module):
    def __init__(self, dim, init):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim,), init))

    def forward(self, x):
        return x * self.gamma


class LayerScale2d(LayerScale):
    def forward(self, x):
        return x * self.gamma[:, None, None]


def _eps(module, eps):
    module.eps = eps
    return module


CASES = {
    "std_conv": ({"std_conv": {"out": 6, "kernel": 3, "padding": 1}}, (4, 7, 8),
                 StdConv2d(4, 6, 3, 1, 1, bias=False)),
    "std_conv strided, grouped, bias, eps": (
        {"std_conv": {"out": 6, "kernel": [3, 1], "stride": 2, "groups": 2, "bias": True, "eps": 1e-3}}, (4, 7, 8),
        _eps(StdConv2d(4, 6, (3, 1), 2, groups=2), 1e-3)),
    "std_conv dynamic same": ({"std_conv": {"out": 6, "kernel": 3, "stride": 2, "dynamic_same": True}}, (4, 8, 9),
                              StdConv2dSame(4, 6, 3, 2, bias=False)),
    "scaled_std_conv": ({"scaled_std_conv": {"out": 5, "kernel": 3, "stride": 2, "padding": 1}}, (3, 9, 9),
                        ScaledStdConv2d(3, 5, 3, 2, 1)),
    "scaled_std_conv gamma, gain": (
        {"scaled_std_conv": {"out": 4, "kernel": 1, "gamma": 1.7, "gain_init": 0.5, "eps": 1e-5, "bias": False}},
        (2, 5, 5), ScaledStdConv2d(2, 4, 1, bias=False, gamma=1.7, gain_init=0.5, eps=1e-5)),
    "layerscale": ({"layerscale": {"init": 0.1}}, (7, 5, 16), LayerScale(16, 0.1)),
    "layerscale 2d": ({"layerscale": {"init": 0.1, "channels_first": True}}, (4, 5, 6), LayerScale2d(4, 0.1)),
    "layerscale features": ({"layer_scale_module": {}}, (9,), LayerScale(9, 1e-5)),
}


@pytest.mark.parametrize("case", CASES)
def test_the_kind_is_the_reference(case):
    layer, shape, reference = CASES[case]
    agree(layer, shape, reference, exact_values=False)


def test_std_conv_counts_as_a_conv_and_scaled_adds_one_gain_per_output_channel():
    conv, std, scaled = (analyse([{kind: {"out": 8, "kernel": 3, "bias": False}}], (4, 9, 9)).rows[0]
                         for kind in ("conv", "std_conv", "scaled_std_conv"))
    assert (std.output, std.macs, std.params) == (conv.output, conv.macs, conv.params)
    assert (scaled.macs, scaled.params) == (conv.macs, conv.params + 8)


@pytest.mark.parametrize("layer, shape, fragment", [
    ({"std_conv": {"out": 6, "kernel": 3, "groups": 4}}, (4, 8, 8), "out_channels must be divisible by groups"),
    ({"std_conv": {"out": 6, "kernel": 3, "padding": 1, "dynamic_same": True}}, (4, 8, 8), "leave 'padding' out"),
    ({"scaled_std_conv": {"kernel": 3}}, (4, 8, 8), "needs the field 'out'"),
    ({"layerscale": {"channels_first": True}}, (4, 8), "LayerScale2d scales (C, H, W) inputs"),
    ({"std_conv": {"out": 4, "kernel": 1, "groups": 4}}, (4, 8, 8), "more than one weight per output channel"),
])
def test_bad_values(layer, shape, fragment):
    assert fragment in refused(layer, shape)
