"""Differential: random specs (tests/fuzz/specs.py) saved-tensor and backward-MAC predictions against a real CPU
step, layer by layer. CNNINSPECT_FUZZ_EXAMPLES sets how many (default here: 15, a few seconds)."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, note, settings

from cnninspect.core.engine import analyze
from cnninspect.core.training import TrainConfig, train
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec
from tests.fuzz.specs import specs

pytestmark = pytest.mark.torch
EXAMPLES = int(os.environ.get("CNNINSPECT_FUZZ_EXAMPLES", "15"))


@settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))
@given(specs())
def test_random_specs_save_what_torch_saves(spec):
    from cnninspect.torch_backend.training import measure

    note(json.dumps(spec))
    try:
        analysis = analyze(build_model(read_spec("fuzz.json", json.dumps(spec)), "fuzz"))
    except InputError:
        return
    config = TrainConfig(batch=2, device="cpu")
    try:
        found = measure(analysis, config, "cpu", optimizer_step=False)
    except (RuntimeError, ValueError):  # torch refuses what the analysis accepts: the differential suite's concern
        return
    predicted = train(analysis, config)
    assert [(r.path, l.saved) for r, l in zip(analysis.rows, predicted.layers)] == \
        [(r.path, s) for r, s in zip(analysis.rows, found.saved)]
    assert predicted.backward_macs == found.backward_flops // 2
