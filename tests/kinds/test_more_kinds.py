"""Mish, SELU, Softplus, CELU, Hardtanh, space_to_depth and blur_pool against torch modules (the activations torch's
own; SpaceToDepth and BlurPool2d written here from TResNet's and Zhang 2019's definitions): class, output,
parameters, state_dict, MACs and values; refusals where torch refuses."""

from __future__ import annotations

import math

import pytest

from tests.kinds.oracle import agree, analyse, refused, torch_runs
from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch
import torch.nn.functional as F
from torch import nn


class SpaceToDepth(nn.Module):
    """TResNet's: out[c + C·(i·b + j)] at (h, w) is in[c] at (h·b + i, w·b + j)."""

    def __init__(self, b):
        super().__init__()
        self.b = b

    def forward(self, x):
        n, c, h, w = x.shape
        blocks = [x[:, :, i::self.b, j::self.b] for i in range(self.b) for j in range(self.b)]
        return torch.cat(blocks, 1)


class BlurPool2d(nn.Module):
    """Binomial filter (1, 2, 1)/4 ⊗ itself for f = 3, etc.; padded, then a depthwise conv of stride s."""

    def __init__(self, f, s, mode):
        super().__init__()
        self.f, self.s, self.mode = f, s, mode

    def forward(self, x):
        row = torch.tensor([math.comb(self.f - 1, k) for k in range(self.f)], dtype=x.dtype) / 2 ** (self.f - 1)
        weight = (row[:, None] * row[None, :]).expand(x.shape[1], 1, self.f, self.f)
        pad = (self.s - 1 + self.f - 1) // 2
        return F.conv2d(F.pad(x, [pad] * 4, mode=self.mode), weight, stride=self.s, groups=x.shape[1])


CASES = {
    "mish": ({"mish": {}}, (3, 4, 5), nn.Mish()),
    "selu": ({"selu": {"inplace": True}}, (3, 4), nn.SELU()),
    "softplus": ({"softplus": {"beta": 2, "threshold": 3}}, (6,), nn.Softplus(2, 3)),
    "celu": ({"celu": {"alpha": 0.5}}, (3, 4, 5), nn.CELU(0.5)),
    "hardtanh": ({"hardtanh": {"min_val": 0, "max_val": 6}}, (3, 4, 5), nn.Hardtanh(0, 6)),
    "lppool": ({"lppool": {"norm_type": 2, "kernel": 3}}, (3, 7, 8), nn.LPPool2d(2, 3)),
    "lppool 1-D ceil": ({"lppool1d": {"norm_type": 4, "kernel": 2, "stride": 3, "ceil_mode": True}}, (2, 10),
                        nn.LPPool1d(4, 2, 3, True)),
    "lppool 3-D": ({"lppool": {"norm_type": 2, "kernel": [1, 2, 2], "stride": 1}}, (2, 3, 4, 5),
                   nn.LPPool3d(2, (1, 2, 2), 1)),
    "space_to_depth": ({"space_to_depth": {}}, (3, 8, 12), SpaceToDepth(4)),
    "space_to_depth 2": ({"space_to_depth": {"block_size": 2}}, (2, 4, 6), SpaceToDepth(2)),
    "blur_pool": ({"blur_pool": {}}, (4, 9, 8), BlurPool2d(3, 2, "reflect")),
    "blur_pool 5, zeros": ({"blurpool": {"filt_size": 5, "pad_mode": "constant", "channels": 4}}, (4, 6, 7),
                           BlurPool2d(5, 2, "constant")),
    "blur_pool stride 1": ({"blur_pool": {"filt_size": 2, "stride": 1}}, (2, 5, 5), BlurPool2d(2, 1, "reflect")),
}


@pytest.mark.parametrize("case", CASES)
def test_the_kind_is_the_torch_module(case):
    layer, shape, reference = CASES[case]
    reference.type_name = {"SpaceToDepth": "SpaceToDepth", "BlurPool2d": "BlurPool2d"}.get(
        type(reference).__name__, type(reference).__name__)
    agree(layer, shape, reference, exact_values=not case.startswith(("blur", "lppool")))


def test_blur_pool_has_no_state_and_counts_a_depthwise_convolution():
    (row,) = analyse([{"blur_pool": {}}], (4, 9, 8)).rows
    assert (row.params, row.buffers, row.macs) == (0, 0, 4 * 5 * 4 * 9)


def test_space_to_depth_reads_one_block_per_output_position():
    (row,) = analyse([{"space_to_depth": {}}], (1, 8, 8)).rows
    assert [f.window(1) for f in row.footprint] == [(4, 7), (4, 7)]


@pytest.mark.parametrize("layer, shape, fragment, reference", [
    ({"hardtanh": {"min_val": 1, "max_val": 1}}, (3,), "must be greater than its min_val", None),
    ({"lppool": {"norm_type": 0, "kernel": 2}}, (3, 8, 8), "norm_type cannot be 0", lambda: nn.LPPool2d(0.0, 2)),
    ({"lppool": {"norm_type": 2, "kernel": 3}}, (3, 2, 8), "does not fit", lambda: nn.LPPool2d(2, 3)),
    ({"celu": {"alpha": 0}}, (3,), "alpha cannot be 0", lambda: nn.CELU(0.0)),
    ({"space_to_depth": {}}, (3, 6, 8), "divisible by block_size", lambda: SpaceToDepth(4)),
    ({"space_to_depth": {}}, (3, 8), "needs (C, H, W)", None),
    ({"blur_pool": {}}, (3, 1, 8), "reflection padding must be smaller", lambda: BlurPool2d(3, 2, "reflect")),
    ({"blur_pool": {"channels": 4}}, (3, 8, 8), "expects 4 input channels", None),
    ({"blur_pool": {"filt_size": 1}}, (3, 8, 8), "'filt_size' must be >= 2", None),
])
def test_bad_values(layer, shape, fragment, reference):
    assert fragment in refused(layer, shape)
    if reference is not None:
        assert torch_runs(reference, shape) is None
