"""Torch as the oracle for every layer kind, one small spec each: what autograd saves for backward, layer by layer
(saved_tensors_hooks: unique storages, parameters and buffers excluded) and the backward MACs (FlopCounterMode), at
batch 2 on the meta device, and under CPU autocast (bfloat16) where the dtypes differ.

Each spec puts the kind between two 1×1 convolutions, so that its input requires grad and whatever it saves or
passes on (a view, a copy, a float32 result) shows in the next layer's count; a few put it first (an input that
requires no grad), or after a ReLU (whose saved output tells a view of it from a copy). Every kind of the catalog
has a spec here: a new kind without one fails test_every_kind_is_measured.
"""

from __future__ import annotations

import json

import pytest

from cnninspect.core.engine import analyze
from cnninspect.core.layers.catalog import KINDS
from cnninspect.core.training import TrainConfig, train
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec

C = {"conv": {"out": 4, "kernel": 1}}  # a 1×1 convolution to 4 channels
R = "relu"
S1, S2, S3 = (3, 9), (3, 7, 6), (3, 4, 5, 4)


def _between(layer, shape=S2):
    return [C, layer, C], shape


CASES = [
    # the kinds of the zoo models (test_vs_torch measures them in whole models), in 1-D and 3-D too
    ([{"conv": {"out": 4, "kernel": 2, "padding": "same"}}, {"conv": {"out": 4, "kernel": 3, "padding_mode":
                                                                      "reflect", "padding": 1}}], S2),
    _between({"tconv": {"out": 4, "kernel": 2, "stride": 2}}, S1), _between({"linear": {"out": 3}}, S3),
    _between({"maxpool": {"kernel": 2}}, S3), _between({"avgpool": {"kernel": 2}}, S3),
    _between({"adaptive_avgpool": {"size": 2}}, S3), _between({"adaptive_avgpool": {"size": 1}}, S3),
    _between({"adaptive_maxpool": {"size": 2}}, S3), _between("batchnorm", S1), _between("layernorm"),
    _between({"layernorm": {"channels_first": True}}), _between({"lrn": {"size": 3}}),
    _between({"layer_scale": {"name": "gamma"}}), _between("relu6"), _between("silu"), _between("gelu"),
    _between("hardswish"), _between("hardsigmoid"), _between("leaky_relu"), _between("sigmoid"), _between("tanh"),
    _between({"softmax": {"dim": 1}}), _between({"dropout": {"p": 0.25}}),
    _between({"stochastic_depth": {"p": 0.25}}), _between("identity"),
    ([C, "flatten", {"linear": {"out": 3}}], S2),
    ([C, {"permute": {"dims": [0, 2, 3, 1]}}, "flatten", {"linear": {"out": 3}}], S2),
    _between({"chunk": {"chunks": 2, "index": 1}}), _between({"upsample": {"scale": 2}}),
    _between({"channel_shuffle": {"groups": 2}}),
    # reductions and reshapes
    _between({"mean": {"dim": [2, 3], "keepdim": True}}), ([C, {"mean": {"dim": [2]}}], S2),
    _between({"amax": {"dim": [2, 3], "keepdim": True}}), _between({"sum": {"dim": [3], "keepdim": True}}),
    ([C, R, {"reshape": {"shape": [-1]}}, {"linear": {"out": 3}}], S2),
    ([C, R, {"reshape": {"shape": [2, 2, 42]}}, {"linear": {"out": 3}}], S2),
    ([C, {"permute": {"dims": [0, 2, 3, 1]}}, {"reshape": {"shape": [-1, 4]}}, {"linear": {"out": 3}}], S2),
    ([C, R, {"space_to_depth": {"block_size": 2}}, C], (3, 6, 4)),
    ([C, R, {"space_to_depth": {"block_size": 1}}, C], (3, 6, 4)),
    ([{"conv": {"out": 1, "kernel": 1}}, R, {"space_to_depth": {"block_size": 2}}, C], (3, 2, 2)),
    # padding: a copy even of padding 0; reflection and replication save their input
    _between({"zero_pad": {"padding": 1}}), ([C, R, {"zero_pad": {"padding": 0}}, C], S2),
    ([C, R, {"constant_pad": {"padding": [-1, -1, -1, 0], "value": 1.5}}, C], S2),
    _between({"reflection_pad": {"padding": [1, 2, 0, 1]}}), _between({"reflection_pad": {"padding": 1}}, S1),
    _between({"reflection_pad": {"padding": 1}}, S3), ([{"reflection_pad": {"padding": 1}}, C], S2),
    ([C, R, {"reflection_pad": {"padding": 0}}, C], S2), _between({"replication_pad": {"padding": 2}}),
    _between({"replication_pad": {"padding": 1}}, S1), _between({"replication_pad": {"padding": 1}}, S3),
    _between({"circular_pad": {"padding": 1}}), ([C, R, {"circular_pad": {"padding": 0}}, C], S2),
    # timm's dynamic 'same' and weight-standardised convolutions, and pools
    ([{"conv_same": {"out": 4, "kernel": 3, "stride": 2}}, {"conv_same": {"out": 4, "kernel": 2, "groups": 2}}],
     S2), ([C, R, {"conv_same": {"out": 4, "kernel": 1}}], S2), _between({"conv_same": {"out": 4, "kernel": 2}}, S3),
    _between({"maxpool_same": {"kernel": 3, "stride": 2}}), ([C, R, {"maxpool_same": {"kernel": 1}}, C], S2),
    _between({"maxpool_same": {"kernel": 2}}, S3), _between({"avgpool_same": {"kernel": 2, "stride": 2}}),
    _between({"avgpool_same": {"kernel": 2}}, S3), _between({"avgpool_same": {"kernel": 3}}, S1),
    ([{"std_conv": {"out": 4, "kernel": 3}}, {"std_conv": {"out": 4, "kernel": 3, "bias": True, "groups": 2}}], S2),
    ([{"scaled_std_conv": {"out": 4, "kernel": 3}},
      {"scaled_std_conv": {"out": 4, "kernel": 2, "dynamic_same": True}}], S2),
    ([C, {"std_conv": {"out": 4, "kernel": 3, "dynamic_same": True, "stride": 2}}], S2),
    ([C, R, {"std_conv": {"out": 4, "kernel": 2, "padding": "same"}}], S2),
    _between({"scaled_std_conv": {"out": 4, "kernel": 3, "padding": 1, "bias": True}}, S1),
    _between({"blur_pool": {}}), _between({"blur_pool": {"pad_mode": "constant", "filt_size": 4, "stride": 1}}),
    _between({"blur_pool": {"pad_mode": "constant", "channels": 4}}), ([{"blur_pool": {}}, C], S2),
    _between({"lppool": {"norm_type": 2, "kernel": 2}}),
    _between({"lppool": {"norm_type": 1, "kernel": 3, "stride": 2, "ceil_mode": True}}),
    _between({"lppool": {"norm_type": 2.5, "kernel": 2}}, S1), _between({"lppool": {"norm_type": 2, "kernel": 2}}, S3),
    ([{"lppool": {"norm_type": 2, "kernel": 2}}, C], S2),
    # norms, scales, activations, dropout
    _between({"groupnorm": {"groups": 2}}), _between({"groupnorm": {"groups": 4, "affine": False}}, S3),
    ([{"groupnorm": {"groups": 3}}, C], S2), ([{"groupnorm": {"groups": 3, "affine": False}}, C], S1),
    _between({"layerscale": {}}), _between({"layerscale": {"inplace": True}}),
    _between({"layerscale": {"channels_first": True}}), ([C, R, {"layerscale": {"inplace": True}}, C], S2),
    ([{"layerscale": {"channels_first": True, "inplace": True}}, C], S2), ([{"layerscale": {}}, C], S1),
    _between("prelu"), ([{"prelu": {"num_parameters": 3}}, C], S2), _between({"prelu": {"num_parameters": 4}}, S3),
    _between("mish"), _between({"mish": {"inplace": True}}), _between("selu"), _between({"selu": {"inplace": True}}),
    _between("softplus"), _between({"softplus": {"beta": 2, "threshold": 1}}),
    _between("elu"), _between({"elu": {"inplace": True}}), _between({"elu": {"alpha": 0}}),
    _between("celu"), _between({"celu": {"inplace": True, "alpha": 2}}),
    _between("hardtanh"), _between({"hardtanh": {"inplace": True}}),
    _between({"hardtanh": {"inplace": True, "min_val": 0, "max_val": 6}}),
    _between({"narrow": {"start": 1, "length": 2}}), ([C, R, {"narrow": {"start": 0, "length": 3, "dim": 2}}, C], S2),
    _between({"scale": {"factor": 0.2}}), ([C, R, {"scale": {"factor": -2}}, C], S2),
    _between({"log_softmax": {"dim": 1}}), _between({"log_softmax": {"dim": -1}}, S3),
    _between({"channel_dropout": {"p": 0.25}}), _between({"channel_dropout": {"p": 0.25, "inplace": True}}, S3),
    ([C, R, {"channel_dropout": {"p": 0}}, C], S2), _between({"channel_dropout": {"p": 1}}),
    _between({"channel_dropout": {"p": 0.25}}, S1),
    # a max pool's indices, read by a max unpool: saved once (by the pool, or by the unpool where the pool's input
    # requires no grad), in 1-D to 3-D, with and without a layer between them
    ([C, {"maxpool": {"kernel": 2, "indices": True, "name": "pool"}}, C,
      {"maxunpool": {"kernel": 2, "indices": "pool", "size": "input"}}, C], S2),
    ([{"maxpool": {"kernel": 2, "indices": True, "name": "pool"}}, {"conv": {"out": 3, "kernel": 1}},
      {"maxunpool": {"kernel": 2, "indices": "pool", "size": "input"}}, C], S2),
    ([C, {"maxpool": {"kernel": 3, "stride": 2, "indices": True, "name": "pool"}},
      {"maxunpool": {"kernel": 3, "stride": 2, "indices": "pool"}}, C], S1),
    ([C, {"maxpool": {"kernel": 2, "indices": True, "name": "pool"}}, C,
      {"maxunpool": {"kernel": 2, "indices": "pool", "size": "input"}}, C], S3),
]
# Under CPU autocast: the kinds whose dtypes differ there (float32 ops, 16-bit copies of weights and inputs).
AUTOCAST = {"reflection_pad", "replication_pad", "maxpool", "avgpool", "adaptive_avgpool", "adaptive_maxpool",
            "conv_same", "maxpool_same", "avgpool_same", "std_conv", "scaled_std_conv", "blur_pool", "lppool",
            "groupnorm", "prelu", "layerscale", "channel_dropout", "amax"}


def _kinds(layers) -> set[str]:
    return {layer if isinstance(layer, str) else next(iter(layer)) for layer in layers}


MIXED = [case for case in CASES if _kinds(case[0]) & AUTOCAST or "padding_mode" in json.dumps(case[0])]


def _id(case) -> str:
    layers, shape = case
    middle = [layer for layer in layers if layer not in (C, R)] or layers
    return f"{json.dumps(middle, separators=(',', ':'))}@{'x'.join(map(str, shape))}"


def test_every_kind_is_measured():
    measured = set().union(*(_kinds(layers) for layers, _ in CASES))
    assert {kind.name for kind in KINDS} <= measured


def _disagreements(layers, shape, dtype, device):
    from cnninspect.torch_backend.training import measure

    spec = {"name": "kinds", "input": list(shape), "layers": layers}
    analysis = analyze(build_model(read_spec("kinds.json", json.dumps(spec)), "kinds"))
    config = TrainConfig(batch=2, dtype=dtype, device="cpu")
    predicted, found = train(analysis, config), measure(analysis, config, device, optimizer_step=False)
    wrong = [(row.kind, row.input, ours.saved, theirs)
             for row, ours, theirs in zip(analysis.rows, predicted.layers, found.saved) if ours.saved != theirs]
    if predicted.backward_macs != found.backward_flops // 2:
        wrong.append(("backward MACs", predicted.backward_macs, found.backward_flops // 2))
    return wrong, found


@pytest.mark.torch
@pytest.mark.parametrize("layers, shape", CASES, ids=[_id(case) for case in CASES])
def test_saved_and_backward_macs(layers, shape):
    wrong, found = _disagreements(layers, shape, "float32", "meta")
    assert not wrong
    assert sum(found.saved) > 0


@pytest.mark.torch
@pytest.mark.parametrize("layers, shape", MIXED, ids=[_id(case) for case in MIXED])
def test_under_cpu_autocast(layers, shape):
    wrong, _ = _disagreements(layers, shape, "bfloat16", "cpu")
    assert not wrong


@pytest.mark.torch
def test_the_kinds_oracle_can_fail():
    """A prediction that forgot that reflection padding saves its input would be caught."""
    from cnninspect.core.training import saved

    rule = saved.SAVES["reflection_pad"]
    saved.SAVES["reflection_pad"] = saved._pad(saves_input=False)
    try:
        wrong, _ = _disagreements(*_between({"reflection_pad": {"padding": 1}}), "float32", "meta")
    finally:
        saved.SAVES["reflection_pad"] = rule
    assert wrong and wrong[0][0] == "reflection_pad"
