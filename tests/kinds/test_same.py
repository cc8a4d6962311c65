"""timm's dynamic 'same' padding against a reference written here from TensorFlow's definition of SAME
(out = ⌈n/s⌉; the total padding the least that lets ⌈n/s⌉ windows fit, the odd one on the right), run by torch:
class, output, parameters, state_dict, MACs and values. scripts/kinds_vs_timm.py checks the builder against timm."""

from __future__ import annotations

import itertools

import pytest

from tests.kinds.oracle import agree, refused
from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch
import torch.nn.functional as F
from torch import nn


def tf_same(x, kernel, stride, dilation, value=0.0):
    pads = []
    for n, k, s, d in zip(x.shape[2:], kernel, stride, dilation):
        out = -(-n // s)
        total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return F.pad(x, [side for pair in reversed(pads) for side in pair], value=value)


class Conv2dSame(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(tf_same(x, self.kernel_size, self.stride, self.dilation), self.weight, self.bias,
                        self.stride, 0, self.dilation, self.groups)


class Conv1dSame(nn.Conv1d):
    def forward(self, x):
        return F.conv1d(tf_same(x, self.kernel_size, self.stride, self.dilation), self.weight, self.bias,
                        self.stride, 0, self.dilation, self.groups)


class MaxPool2dSame(nn.MaxPool2d):
    def forward(self, x):
        return F.max_pool2d(tf_same(x, self.kernel_size, self.stride, self.dilation, -float("inf")),
                            self.kernel_size, self.stride, 0, self.dilation, self.ceil_mode)


class AvgPool2dSame(nn.AvgPool2d):
    def forward(self, x):
        return F.avg_pool2d(tf_same(x, self.kernel_size, self.stride, (1, 1)), self.kernel_size, self.stride, 0,
                            self.ceil_mode)


GRID = list(itertools.product([1, 2, 5, 8], [1, 2, 3, 4], [1, 2, 3], [1, 2]))  # n, kernel, stride, dilation


@pytest.mark.parametrize("n, k, s, d", GRID)
def test_conv_same_is_tensorflows_same(n, k, s, d):
    layer = {"conv_same": {"out": 4, "kernel": [k, 3], "stride": [s, 1], "dilation": [d, 1], "groups": 2}}
    agree(layer, (2, n, n + 3), Conv2dSame(2, 4, (k, 3), (s, 1), 0, (d, 1), groups=2), exact_values=False)
    (row,) = analyse_rows(layer, (2, n, n + 3))
    assert row.output[1:] == (-(-n // s), n + 3)


@pytest.mark.parametrize("n, k, s, d", GRID)
def test_maxpool_same_is_tensorflows_same(n, k, s, d):
    for ceil_mode in (False, True):
        layer = {"maxpool_same": {"kernel": k, "stride": s, "dilation": d, "ceil_mode": ceil_mode}}
        agree(layer, (3, n, n + 1), MaxPool2dSame((k, k), (s, s), 0, (d, d), ceil_mode=ceil_mode))


@pytest.mark.parametrize("n, k, s, d", [case for case in GRID if case[3] == 1])
def test_avgpool_same_is_tensorflows_same(n, k, s, d):
    for ceil_mode in (False, True):
        layer = {"avgpool_same": {"kernel": [k, 2], "stride": s, "ceil_mode": ceil_mode}}
        agree(layer, (3, n, n + 1), AvgPool2dSame((k, 2), (s, s), 0, ceil_mode), exact_values=False)


def test_other_ranks_depthwise_and_defaults():
    agree({"conv_same": {"kernel": 3, "stride": 2, "depthwise": True, "bias": False}}, (3, 11),
          Conv1dSame(3, 3, 3, 2, groups=3, bias=False), exact_values=False)
    agree({"maxpool2d_same": {"kernel": 3}}, (2, 10, 7), MaxPool2dSame((3, 3), (3, 3), 0, (1, 1)))


def test_the_receptive_field_starts_in_the_left_padding():
    """n = 8, k = 3, s = 2: pad 1, all on the right; n = 7: pad 2, one each side (output 0 reads −1 … 1)."""
    even, odd = (analyse_rows({"conv_same": {"out": 1, "kernel": 3, "stride": 2}}, (1, n))[0] for n in (8, 7))
    assert even.footprint[0].window(0) == (0, 2) and odd.footprint[0].window(0) == (-1, 1)


@pytest.mark.parametrize("layer, fragment", [
    ({"conv_same": {"out": 3, "kernel": 3, "groups": 2}}, "divisible by groups"),
    ({"conv_same": {"kernel": 3}}, "needs 'out'"),
    ({"maxpool_same": {"kernel": 0}}, "must be > 0"),
])
def test_bad_values(layer, fragment):
    assert fragment in refused(layer, (4, 8, 8))


def analyse_rows(layer, shape):
    from tests.kinds.oracle import analyse

    return analyse([layer], shape).rows
