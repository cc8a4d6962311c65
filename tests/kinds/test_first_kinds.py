"""mean, the padding layers, GroupNorm, PReLU, ELU, channel dropout and log_softmax against the real torch modules:
class, output shape, parameters, buffers, MACs, state_dict and values (tests/kinds/oracle.py); and where torch
refuses a setting, cnninspect refuses it too."""

from __future__ import annotations

import itertools

import pytest

from tests.kinds.oracle import agree, analyse, refused, torch_runs
from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import torch
from torch import nn


class Mean(nn.Module):
    type_name = "mean"
    function = staticmethod(torch.mean)

    def __init__(self, dim, keepdim=False):
        super().__init__()
        self.dim, self.keepdim = dim, keepdim

    def forward(self, x):
        return self.function(x, self.dim, keepdim=self.keepdim)


class Amax(Mean):
    type_name = "amax"
    function = staticmethod(torch.amax)


class Sum(Mean):
    type_name = "sum"
    function = staticmethod(torch.sum)


class Reshape(nn.Module):
    type_name = "reshape"

    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(x.shape[0], *self.shape)


CASES = {
    "mean spatial keepdim": ({"mean": {"dim": [2, 3], "keepdim": True}}, (5, 7, 6), Mean((2, 3), True)),
    "mean spatial": ({"mean": {"dim": [-2, -1]}}, (5, 7, 6), Mean((-2, -1))),
    "mean channels": ({"mean": {"dim": 1}}, (5, 7, 6), Mean(1)),
    "mean channels keepdim": ({"mean": {"dim": 1, "keepdim": True}}, (5, 7, 6), Mean(1, True)),
    "mean one axis": ({"mean": {"dim": 3}}, (5, 7, 6), Mean(3)),
    "mean 1-D": ({"mean": {"dim": -1}}, (4, 9), Mean(-1)),
    "mean 3-D all but C": ({"mean": {"dim": [2, 3, 4], "keepdim": True}}, (2, 3, 4, 5), Mean((2, 3, 4), True)),
    "mean 4 dims keepdim": ({"mean": {"dim": [1, 2, 3, 4], "keepdim": True}}, (2, 3, 4, 5),
                            Mean((1, 2, 3, 4), True)),
    "mean of features": ({"mean": {"dim": 1, "keepdim": True}}, (10,), Mean(1, True)),
    "amax spatial keepdim": ({"amax": {"dim": [2, 3], "keepdim": True}}, (5, 7, 6), Amax((2, 3), True)),
    "amax channels keepdim": ({"amax": {"dim": 1, "keepdim": True}}, (5, 7, 6), Amax(1, True)),
    "sum last": ({"sum": {"dim": -1}}, (5, 7, 6), Sum(-1)),
    "sum 3 dims": ({"sum": {"dim": [1, 2, 3], "keepdim": True}}, (5, 7, 6), Sum((1, 2, 3), True)),
    "reshape for a 1-D conv": ({"view": {"shape": [1, -1]}}, (16,), Reshape(1, -1)),
    "reshape back": ({"reshape": {"shape": [-1, 1, 1]}}, (1, 16), Reshape(-1, 1, 1)),
    "reshape same": ({"reshape": {"shape": [3, 4, 5]}}, (3, 4, 5), Reshape(3, 4, 5)),
    "reshape split": ({"reshape": {"shape": [2, 6, 5]}}, (3, 4, 5), Reshape(2, 6, 5)),
    "reshape one number": ({"reshape": {"shape": -1}}, (3, 4, 5), Reshape(-1)),
    "circular_pad": ({"circular_pad": {"padding": [1, 2, 3, 0]}}, (3, 4, 5), nn.CircularPad2d((1, 2, 3, 0))),
    "circular_pad 1-D whole": ({"circularpad1d": {"padding": 4}}, (2, 4), nn.CircularPad1d(4)),
    "circular_pad 3-D": ({"circular_pad": {"padding": 1}}, (2, 2, 3, 4), nn.CircularPad3d(1)),
    "zero_pad 2-D per side": ({"zero_pad": {"padding": [1, 2, 3, 0]}}, (3, 5, 6), nn.ZeroPad2d((1, 2, 3, 0))),
    "zero_pad crop": ({"zeropad2d": {"padding": [-1, 2, 0, -4]}}, (3, 5, 6), nn.ZeroPad2d((-1, 2, 0, -4))),
    "zero_pad 1-D": ({"zero_pad": {"padding": 2}}, (3, 5), nn.ZeroPad1d(2)),
    "zero_pad last axis only": ({"zero_pad": {"padding": [1, 2]}}, (3, 5, 6), nn.ZeroPad2d((1, 2))),
    "constant_pad last axes": ({"constant_pad": {"padding": [1, 2, 0, 3], "value": 1}}, (3, 5, 6, 2),
                               nn.ConstantPad3d((1, 2, 0, 3), 1.0)),
    "zero_pad 3-D": ({"zero_pad": {"padding": [1, 0, 0, 2, 1, 1]}}, (2, 3, 4, 5), nn.ZeroPad3d((1, 0, 0, 2, 1, 1))),
    "constant_pad": ({"constant_pad": {"padding": [1, 2, 3, 4], "value": 2.5}}, (3, 5, 6),
                     nn.ConstantPad2d((1, 2, 3, 4), 2.5)),
    "constant_pad 1-D": ({"constant_pad": {"padding": 3, "value": -1}}, (2, 4), nn.ConstantPad1d(3, -1.0)),
    "reflection_pad": ({"reflection_pad": {"padding": [4, 0, 1, 3]}}, (3, 4, 5), nn.ReflectionPad2d((4, 0, 1, 3))),
    "reflection_pad 1-D": ({"reflection_pad": {"padding": 3}}, (3, 4), nn.ReflectionPad1d(3)),
    "reflection_pad 3-D": ({"reflection_pad": {"padding": 1}}, (2, 2, 3, 4), nn.ReflectionPad3d(1)),
    "reflection_pad crop": ({"reflection_pad": {"padding": [-2, 1, 0, 0]}}, (3, 4, 5),
                            nn.ReflectionPad2d((-2, 1, 0, 0))),
    "replication_pad": ({"replication_pad": {"padding": [7, 0, 2, 9]}}, (3, 4, 5),
                        nn.ReplicationPad2d((7, 0, 2, 9))),
    "replication_pad 1-D": ({"replication_pad": {"padding": 5}}, (2, 1), nn.ReplicationPad1d(5)),
    "replication_pad 3-D": ({"replication_pad": {"padding": [1, 2, 0, 0, 3, 1]}}, (2, 2, 3, 4),
                            nn.ReplicationPad3d((1, 2, 0, 0, 3, 1))),
    "groupnorm": ({"groupnorm": {"groups": 3}}, (6, 4, 5), nn.GroupNorm(3, 6)),
    "groupnorm one group, no affine": ({"group_norm": {"groups": 1, "affine": False, "eps": 1e-3}}, (4, 7),
                                       nn.GroupNorm(1, 4, 1e-3, False)),
    "groupnorm per channel 3-D": ({"groupnorm": {"groups": 4}}, (4, 2, 3, 2), nn.GroupNorm(4, 4)),
    "prelu": ({"prelu": {}}, (3, 4, 5), nn.PReLU()),
    "prelu per channel": ({"prelu": {"num_parameters": 3, "init": 0.1}}, (3, 4, 5), nn.PReLU(3, 0.1)),
    "prelu features": ({"prelu": {"num_parameters": 7}}, (7,), nn.PReLU(7)),
    "elu": ({"elu": {}}, (3, 4), nn.ELU()),
    "elu alpha": ({"elu": {"alpha": 0.3, "inplace": True}}, (3, 4, 2), nn.ELU(0.3)),
    "dropout1d": ({"channel_dropout": {"p": 0.2}}, (3, 4), nn.Dropout1d(0.2)),
    "dropout2d": ({"dropout2d": {"p": 0.3}}, (3, 4, 5), nn.Dropout2d(0.3)),
    "dropout3d": ({"dropout3d": {}}, (3, 4, 5, 2), nn.Dropout3d()),
    "log_softmax": ({"log_softmax": {"dim": 1}}, (10,), nn.LogSoftmax(1)),
    "log_softmax spatial": ({"logsoftmax": {"dim": -1}}, (3, 4, 5), nn.LogSoftmax(-1)),
}


@pytest.mark.parametrize("case", CASES)
def test_the_kind_is_the_torch_module(case):
    layer, shape, reference = CASES[case]
    agree(layer, shape, reference, exact_values="norm" not in case)


def _pads():
    for name, torch_name in [("zero_pad", "ZeroPad1d"), ("reflection_pad", "ReflectionPad1d"),
                             ("replication_pad", "ReplicationPad1d"), ("circular_pad", "CircularPad1d")]:
        low = 0 if name == "circular_pad" else -4  # circular pads take no negative side (a field bound)
        for n, left, right in itertools.product([1, 3], range(low, 5), range(low, 5)):
            yield pytest.param(name, torch_name, n, left, right, id=f"{name}-{n}-{left}-{right}")


@pytest.mark.parametrize("name, torch_name, n, left, right", list(_pads()))
def test_padding_refuses_exactly_what_torch_refuses(name, torch_name, n, left, right):
    """Every side from crop to pad on small inputs: torch runs it (to a non-empty output) iff cnninspect accepts,
    with torch's size."""
    layer = {name: {"padding": [left, right]}}
    y = torch_runs(getattr(nn, torch_name)((left, right)), (2, n))
    why = refused(layer, (2, n))
    assert (y is None) == (why is not None), why
    if y is not None:
        agree(layer, (2, n), getattr(nn, torch_name)((left, right)))


BAD = {
    "mean of the batch": ({"mean": {"dim": 0}}, (3, 4), "dim must name dimensions after the batch"),
    "mean past the end": ({"mean": {"dim": 3}}, (3, 4), "dim must name dimensions after the batch"),
    "mean twice": ({"mean": {"dim": [2, -1]}}, (3, 4), "names a dimension twice"),
    "mean of everything": ({"mean": {"dim": [1, 2]}}, (3, 4), "leaves none per sample"),
    "pad count": ({"reflection_pad": {"padding": [1, 2]}}, (3, 4, 5), "padding takes one number or 4"),
    "pad odd count": ({"zero_pad": {"padding": [1, 2, 3]}}, (3, 4, 5), "one number or an even count up to 4"),
    "pad past the axes": ({"zero_pad": {"padding": [1, 2, 3, 4, 5, 6]}}, (3, 4, 5), "an even count up to 4"),
    "reflection too wide": ({"reflection_pad": {"padding": [0, 0, 4, 0]}}, (3, 4, 5), "smaller than the input"),
    "pad on features": ({"zero_pad": {"padding": 1}}, (10,), "spatial axes"),
    "amax twice": ({"amax": {"dim": [1, -2]}}, (3, 4), "names a dimension twice"),
    "sum of everything": ({"sum": {"dim": [1, 2]}}, (3, 4), "a sum over every dimension after the batch"),
    "reshape count": ({"reshape": {"shape": [5, -1]}}, (3, 4), "must hold the input's elements"),
    "reshape two unknowns": ({"reshape": {"shape": [-1, -1]}}, (3, 4), "at most one −1"),
    "reshape zero": ({"reshape": {"shape": [0, 12]}}, (3, 4), "sizes are positive"),
    "circular wraps twice": ({"circular_pad": {"padding": [0, 5]}}, (3, 4), "wraps around at most once"),
    "circular crop": ({"circular_pad": {"padding": [-1, 1]}}, (3, 4), "'padding' must be >= 0"),
    "groupnorm groups": ({"groupnorm": {"groups": 4}}, (6, 3), "channels must divide into the groups"),
    "groupnorm one value": ({"groupnorm": {"groups": 3}}, (3, 1, 1), "more than one value per group"),
    "prelu count": ({"prelu": {"num_parameters": 2}}, (3, 4), "1 slope or one per channel"),
    "dropout2d p": ({"dropout2d": {"p": 1.5}}, (3, 4, 5), "between 0 and 1"),
    "log_softmax batch": ({"log_softmax": {"dim": 0}}, (3,), "other than the batch"),
}
REFERENCES = {
    "mean of the batch": None, "mean past the end": lambda: Mean(3), "mean twice": lambda: Mean((2, -1)),
    "pad count": lambda: nn.ReflectionPad2d((1, 2)), "pad odd count": lambda: nn.ZeroPad2d((1, 2, 3)),
    "pad past the axes": None,  # torch pads the channels: cnninspect pads the spatial axes only
    "reflection too wide": lambda: nn.ReflectionPad2d((0, 0, 4, 0)),
    "amax twice": lambda: Amax((1, -2)), "sum of everything": None, "reshape count": lambda: Reshape(5, -1),
    "reshape two unknowns": lambda: Reshape(-1, -1), "reshape zero": lambda: Reshape(0, 12),
    "circular wraps twice": lambda: nn.CircularPad1d((0, 5)), "circular crop": None,
    "groupnorm groups": lambda: nn.GroupNorm(4, 6),
    "groupnorm one value": lambda: nn.GroupNorm(3, 3), "prelu count": lambda: nn.PReLU(2),
    "dropout2d p": lambda: nn.Dropout2d(1.5), "log_softmax batch": None, "mean of everything": None,
    "pad on features": None,
}


@pytest.mark.parametrize("case", BAD)
def test_bad_values_are_refused_as_torch_refuses_them(case):
    """The refusal says why; where torch has a module for the setting, torch refuses it too (the batch, and a
    result with no per-sample dimension, are cnninspect's own limits)."""
    layer, shape, fragment = BAD[case]
    why = refused(layer, shape)
    assert why is not None and fragment in why
    if REFERENCES[case] is not None:
        assert torch_runs(REFERENCES[case], shape) is None


def test_a_pad_shifts_the_receptive_field_as_a_convolutions_padding_does():
    """zero_pad (l, r) then a convolution reads what the convolution padded by l reads; a pad alone maps output
    o to input o − l (not clipped, the convention of every padding); pads have no divisibility lint."""
    padded = analyse([{"zero_pad": {"padding": [2, 2, 1, 1]}}, {"conv": {"out": 1, "kernel": 3, "stride": 2}}],
                     (1, 9, 9)).rows
    plain = analyse([{"conv": {"out": 1, "kernel": 3, "stride": 2, "padding": [1, 2]}}], (1, 9, 9)).rows
    assert padded[1].footprint == plain[0].footprint
    (pad,) = analyse([{"zero_pad": {"padding": [-1, 3]}}], (1, 7)).rows
    assert [pad.footprint[0].window(o) for o in (0, 8)] == [(1, 1), (9, 9)]
    assert pad.windows == () and pad.coverage == ()


def test_a_mean_reads_the_whole_of_each_axis_it_reduces():
    rows = analyse([{"conv": {"out": 2, "kernel": 3}}, {"mean": {"dim": 3, "keepdim": True}}], (1, 8, 9)).rows
    assert [f.window(0) for f in rows[1].footprint] == [(0, 2), (0, 8)]
    assert analyse([{"mean": {"dim": [2, 3]}}], (1, 8, 9)).rows[0].footprint is None
