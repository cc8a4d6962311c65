"""The saved-tensor table covers every layer kind, and the prediction's own invariants (no torch)."""

from __future__ import annotations

import pytest

from cnninspect.core.engine import analyze
from cnninspect.core.layers.catalog import KINDS
from cnninspect.core.training import OPTIMIZERS, SAVES, TrainConfig, fit, train
from cnninspect.core.training.step import BACKWARD
from cnninspect.spec.load import load_model


def test_every_kind_has_a_saved_tensor_rule():
    assert {kind.name for kind in KINDS} == set(SAVES)


def test_backward_rules_are_for_kinds_that_exist():
    assert set(BACKWARD) <= set(SAVES)


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "googlenet"])
def test_figures_are_linear_in_the_batch(name):
    analysis = analyze(load_model(name))
    one, four = (train(analysis, TrainConfig(batch=b)) for b in (1, 4))
    assert four.saved_bytes == 4 * one.saved_bytes - 3 * _constant(analysis)
    assert four.backward_macs == 4 * one.backward_macs
    assert one.param_bytes == four.param_bytes == one.grad_bytes


def _constant(analysis) -> int:
    """What does not grow with the batch: batch norm's saved statistics (two float32 vectors of C)."""
    return sum(2 * r.input[0] * 4 for r in analysis.rows if r.kind == "batchnorm")


@pytest.mark.parametrize("optimizer, states", OPTIMIZERS.items())
def test_optimizer_state(optimizer, states):
    step = train(analyze(load_model("resnet18")), TrainConfig(optimizer=optimizer))
    assert step.optimizer_bytes == states * step.params * 4


def test_mixed_precision_keeps_float32_weights():
    analysis = analyze(load_model("resnet18"))
    pure, mixed = (train(analysis, TrainConfig(batch=8, dtype=d)) for d in ("float32", "bfloat16"))
    assert mixed.param_bytes == pure.param_bytes and mixed.optimizer_bytes == pure.optimizer_bytes
    assert mixed.saved_bytes < pure.saved_bytes


def test_the_peak_is_its_parts():
    step = train(analyze(load_model("resnet50")), TrainConfig(batch=16))
    peak = step.peak
    assert peak.total == peak.params + peak.grads + peak.optimizer + peak.saved + peak.transient
    assert peak.total >= step.param_bytes + step.optimizer_bytes + step.saved_bytes * 0


def test_fit_finds_the_largest_batch_under_the_budget():
    analysis = analyze(load_model("resnet18"))
    budget = 8 * 10**9
    found = fit(analysis, TrainConfig(), budget)
    assert found.peak.total <= budget
    assert train(analysis, TrainConfig(batch=found.config.batch + 1)).peak.total > budget


def test_fit_says_none_when_nothing_fits():
    assert fit(analyze(load_model("resnet18")), TrainConfig(), 10**6) is None
