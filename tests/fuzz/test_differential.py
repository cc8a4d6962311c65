"""Differential fuzzing: random specs analysed by cnninspect and run by torch alone must agree in everything.

For each random spec: cnninspect refuses it exactly when torch fails to run it; when both accept, every leaf
module's class and output shape, every module's parameters, the output shape and the MACs (FlopCounterMode) are
equal; and the torch backend's own cross-check (build + torchinfo) agrees too.

The normal run draws CNNINSPECT_FUZZ_EXAMPLES examples (default 200); the long run sets it to 10000
(docs/fuzzing.md records the last one). Every mismatch found becomes a case in test_regressions.py.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, event, given, note, settings

from cnninspect.core.engine import analyze
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec
from tests.fuzz.specs import run_in_torch, specs, specs_past_a_limit

pytestmark = pytest.mark.torch  # torch runs every spec (test_replay_fuzz, which imports EXAMPLES, needs no torch)
EXAMPLES = int(os.environ.get("CNNINSPECT_FUZZ_EXAMPLES", "200"))


def analyse(spec: dict):
    return analyze(build_model(read_spec("fuzz.json", json.dumps(spec)), "fuzz"))


def check(spec: dict) -> str:
    """'both refuse', 'both agree', or an AssertionError naming the difference."""
    from cnninspect.torch_backend.crosscheck import verify

    note(json.dumps(spec))
    try:
        analysis = analyse(spec)
    except InputError as error:
        analysis, refusal = None, str(error)
    try:
        output, leaves, flops = run_in_torch(spec)
    except (RuntimeError, ValueError) as error:
        assert analysis is None, f"torch refuses ({error}) what cnninspect accepts"
        return "both refuse"
    if analysis is None:
        # torch's CPU transposed conv returns an empty tensor for an output size of exactly 0 on its oneDNN path;
        # cnninspect refuses such a layer, as the documented rule says (tests/core/test_window_vs_torch.py).
        assert 0 in output or any(0 in shape for _, shape, _ in leaves), f"cnninspect refuses ({refusal}) what " \
                                                                        f"torch runs"
        return "both refuse"
    ours = [(r.type_name, (1, *r.output), r.params) for r in analysis.rows if r.module]
    assert ours == leaves
    assert (1, *analysis.output) == output
    assert 2 * sum(r.macs for r in analysis.rows) == flops
    assert verify(analysis).ok
    return "both agree"


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(specs())
def test_cnninspect_and_torch_agree_on_random_specs(spec):
    event(check(spec))


@settings(max_examples=max(EXAMPLES // 2, 50), suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])
@given(specs_past_a_limit())
def test_cnninspect_refuses_exactly_what_torch_refuses(spec):
    event(check(spec))
