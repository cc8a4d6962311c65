"""The importer's table against the torch builders: every kind a builder makes is read back, from the module it
built, as the same kind with fields that build the same module again (build(import(m)) rebuilds m's classes)."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

from cnninspect.core.evaluate import evaluate_params
from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.torch_backend.importer import table
from cnninspect.torch_backend.modules import BUILDERS

REQUIRED = {  # the fields a kind cannot go without, and a few that are not defaults
    "conv": {"out": 6, "kernel": 3, "stride": 2, "groups": 2}, "tconv": {"out": 6, "kernel": 3, "stride": 2},
    "conv_same": {"out": 6, "kernel": 3, "stride": 2}, "maxpool": {"kernel": 2, "padding": 1},
    "maxpool_same": {"kernel": 3, "stride": 2}, "avgpool": {"kernel": 2, "ceil_mode": True},
    "avgpool_same": {"kernel": 3, "stride": 2}, "adaptive_avgpool": {"size": 2}, "adaptive_maxpool": {"size": [2, 3]},
    "zero_pad": {"padding": [1, 2, 0, 1]}, "constant_pad": {"padding": 1, "value": 2.5},
    "reflection_pad": {"padding": [1, 1, 2, 2]}, "replication_pad": {"padding": 2}, "groupnorm": {"groups": 2},
    "lrn": {"size": 3}, "linear": {"out": 5}, "permute": {"dims": [0, 2, 3, 1]},
    "chunk": {"chunks": 2, "index": 1}, "channel_shuffle": {"groups": 2}, "mean": {"dim": [2, 3], "keepdim": True},
    "prelu": {"num_parameters": 4}, "amax": {"dim": [2, 3]}, "sum": {"dim": 1}, "reshape": {"shape": [2, -1]},
    "lppool": {"norm_type": 2.0, "kernel": 2}, "circular_pad": {"padding": 1}, "std_conv": {"out": 6, "kernel": 3},
    "scaled_std_conv": {"out": 6, "kernel": 3, "dynamic_same": True}, "layerscale": {"channels_first": True},
    "space_to_depth": {"block_size": 2}, "blur_pool": {}, "scale": {"factor": 0.5}, "narrow": {"start": 1, "length": 2}, "softmax": {"dim": 1}, "dropout": {"p": 0.25}, "layernorm": {"channels_first": True},
    "maxunpool": {"kernel": 3, "stride": 2, "padding": 1, "indices": "pool"},
}
CALLED = {"maxunpool": {"indices": "pool"}}  # fields a call passes, not the module: the table cannot read them
INPUT = (4, 8, 8)


def _tuples(fields: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}


def built(kind: str, fields: dict):
    params = evaluate_params(BY_NAME[kind], _tuples(fields), {"in_channels": INPUT[0]})
    return BUILDERS[kind](params, INPUT)


UNREAD = {"layer_scale": "a mul by the parameter (ops.py)"}


@pytest.mark.parametrize("kind", sorted(set(BUILDERS) - set(UNREAD)))
def test_every_builder_reads_back_as_itself(kind):
    module = built(kind, REQUIRED.get(kind, {}))
    found = table.lookup(module)
    assert found is not None, f"{type(module)} is not in the importer's table"
    read_kind, fields = table.read(module)
    assert read_kind == kind
    again = built(kind, {**CALLED.get(kind, {}), **fields})
    assert type(again) is type(module) and repr(again) == repr(module)
    assert {k: tuple(v.shape) for k, v in again.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in module.state_dict().items()}


def test_the_table_covers_every_kind():
    read = {kind for kind, _ in table.MODULES.values()} - {None} | {"mean", "amax", "sum"}  # Reduce: its instance says
    assert read | set(UNREAD) == set(BUILDERS)
