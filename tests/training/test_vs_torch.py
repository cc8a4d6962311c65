"""Torch as the oracle: what autograd saves for backward, layer by layer (saved_tensors_hooks, unique storages,
parameters and buffers excluded), and the backward FLOPs (FlopCounterMode), against the prediction.

Every zoo model is measured on the meta device (nothing computed, so the input size is free) at a small input and
batch 2; the heaviest siblings of a family (the same blocks, more of them) join when CNNINSPECT_TRAIN_ZOO=all
(docs/training.md records the last full run). Real CPU steps check that the meta device saves what the CPU saves,
and mixed precision under torch.autocast.
"""

from __future__ import annotations

import os

import pytest

from cnninspect.core.engine import analyze
from cnninspect.core.training import TrainConfig, train
from cnninspect.spec.load import load_model
from cnninspect.spec.load import zoo_names

pytestmark = pytest.mark.torch
SIBLINGS = {"resnet101", "resnet152", "resnext101_32x8d", "wide_resnet50_2", "densenet169", "vgg13", "vgg13_bn",
            "vgg16", "vgg19", "vgg19_bn", "resnet34", "mobilenet_v3_large", "squeezenet1_1", "vgg16_bn",
            "resnext50_32x4d"}
ALL = os.environ.get("CNNINSPECT_TRAIN_ZOO") == "all"
INPUT = {"inception_v3": 299, "lenet5": None}  # inception's auxiliary head needs its 299; LeNet is 32x32 already


def _models():
    return [n for n in zoo_names() if ALL or n not in SIBLINGS]


def _analysis(name: str):
    spec = load_model(name)
    size = INPUT.get(name, 64)
    return analyze(spec, (spec.input[0], size, size) if size else None)


def _disagreements(analysis, config, device):
    from cnninspect.torch_backend.training import measure

    predicted, found = train(analysis, config), measure(analysis, config, device, optimizer_step=False)
    rows = [(row.path, ours.saved, theirs) for row, ours, theirs in zip(analysis.rows, predicted.layers, found.saved)
            if ours.saved != theirs]
    totals = [(what, ours, theirs) for what, ours, theirs in (
        ("saved", predicted.saved_bytes, sum(found.saved)),
        ("backward MACs", predicted.backward_macs, found.backward_flops // 2),
        ("forward MACs", predicted.forward_macs, found.forward_flops // 2)) if ours != theirs]
    return rows + totals, found


@pytest.mark.parametrize("name", _models())
def test_zoo_model_saves_and_backward_macs(name):
    wrong, found = _disagreements(_analysis(name), TrainConfig(batch=2, device="cpu"), "meta")
    assert not wrong
    assert found.backward_flops > 0


@pytest.mark.parametrize("name", ["resnet18", "squeezenet1_1"])
def test_a_real_cpu_step_agrees(name):
    from cnninspect.torch_backend.training import verify_step

    analysis = analyze(load_model(name), (3, 32, 32))
    found = verify_step(analysis, TrainConfig(batch=2, optimizer="adamw"))
    assert found.ok, found.disagreements
    assert found.measured.optimizer_bytes == 2 * found.measured.grad_bytes > 0


@pytest.mark.parametrize("name, dtype", [("resnet18", "float16"), ("lenet5", "bfloat16")])
def test_mixed_precision_under_autocast(name, dtype):
    spec = load_model(name)
    analysis = analyze(spec, (spec.input[0], 16, 16))
    wrong, _ = _disagreements(analysis, TrainConfig(batch=2, dtype=dtype, device="cpu"), "cpu")
    assert not wrong


def test_the_oracle_can_fail():
    """A prediction that forgot max pooling's indices would be caught."""
    from cnninspect.core.training import saved

    analysis = _analysis("alexnet")
    rule = saved.SAVES["maxpool"]
    saved.SAVES["maxpool"] = saved._saves_input
    try:
        wrong, _ = _disagreements(analysis, TrainConfig(batch=2, device="cpu"), "meta")
    finally:
        saved.SAVES["maxpool"] = rule
    assert any(path.startswith("features") for path, *_ in wrong)



@pytest.mark.parametrize("device", ["meta", "cpu"])
def test_a_spec_of_several_inputs_is_measured_with_all_of_them(device):
    """docs/wiring.yaml: two inputs (the second one multiplied in), earlier outputs read again, a shared module."""
    analysis = analyze(load_model("docs/wiring.yaml"))
    assert len(analysis.inputs) == 2
    wrong, found = _disagreements(analysis, TrainConfig(batch=2, device="cpu"), device)
    assert not wrong and found.backward_flops > 0
    if device == "cpu":
        from cnninspect.torch_backend.training import verify_step
        assert verify_step(analysis, TrainConfig(batch=2)).ok
