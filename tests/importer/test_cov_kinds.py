"""The two kinds this coverage work needed, against references written here and run by torch (tests/kinds/oracle.py:
class name, output, parameters, MACs, state_dict, and cnninspect.build's values): `narrow` (x[:, a:b], DPN's and
ReXNet's slices) and `scale` (x * a number, NFNet's and Inception-ResNet's); and what they refuse."""

from __future__ import annotations

import pytest

from tests.kinds.oracle import agree, refused
from tests.torch_oracle import MISSING

if MISSING:
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

from torch import nn


class Slice(nn.Module):
    type_name = "narrow"

    def __init__(self, dim, start, stop):
        super().__init__()
        self.dim, self.start, self.stop = dim, start, stop

    def forward(self, x):
        index = [slice(None)] * x.dim()
        index[self.dim] = slice(self.start, self.stop)
        return x[tuple(index)]


class Times(nn.Module):
    type_name = "mul"

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


@pytest.mark.parametrize("dim,start,length,shape", [(1, 0, 3, (7, 5, 5)), (1, 3, 4, (7, 5, 5)), (2, 1, 2, (3, 5, 6)),
                                                    (-1, 5, 1, (3, 5, 6)), (1, 2, 3, (5, 9))])
def test_narrow_is_the_slice(dim, start, length, shape):
    agree({"narrow": {"dim": dim, "start": start, "length": length}}, shape,
          Slice(dim % (len(shape) + 1), start, start + length))


@pytest.mark.parametrize("factor", [0.2, 1.7, -3.0, 0.0])
def test_scale_is_the_product(factor):
    agree({"scale": {"factor": factor}}, (3, 4, 5), Times(factor))


def test_what_they_refuse():
    assert "inside the input" in refused({"narrow": {"start": 4, "length": 4}}, (7, 5, 5))
    assert "after the batch" in refused({"narrow": {"start": 0, "length": 1, "dim": 0}}, (7, 5, 5))
    assert "factor" in refused({"scale": {}}, (3, 4, 4))
