"""Random DAG specs (tests/graph/dag_fuzz.py) analysed by cnninspect and run by torch alone agree: cnninspect
refuses exactly what torch cannot run; otherwise every module call's class, output shape and parameters (0 where a
module is used again), the output, the MACs (FlopCounterMode / 2), and, with the oracle's weights loaded strictly
into cnninspect's build, the outputs themselves. Without torch, replays at other sizes equal first walks."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from cnninspect.core.engine import analyze, clear_caches
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec
from tests.fuzz.test_differential import EXAMPLES
from tests.graph.dag_fuzz import dag_specs, run_dag_in_torch
from tests.torch_oracle import MISSING


def model_of(spec: dict):
    return build_model(read_spec("dag.json", json.dumps(spec)), "dag")


def answer(model, shape):
    try:
        return analyze(model, shape)
    except InputError as error:
        return str(error)


@pytest.mark.torch
@pytest.mark.skipif(bool(MISSING), reason=MISSING or "")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dag_specs())
def test_random_dags_agree_with_torch(spec):
    import torch

    from cnninspect.torch_backend.build import SpecModel

    note(json.dumps(spec))
    clear_caches()
    analysis = analyze(model_of(spec))
    x = torch.randn(2, *spec["input"])
    expected, calls, flops, reference = run_dag_in_torch(spec, x)
    assert [(r.type_name, (2, *r.output), r.params) for r in analysis.rows if r.module] == calls
    assert (2, *analysis.output) == tuple(expected.shape)
    assert 2 * 2 * sum(r.macs for r in analysis.rows) == flops
    built = SpecModel(analysis).eval()
    assert list(built.state_dict()) == list(reference.state_dict())
    built.load_state_dict(reference.state_dict(), strict=True)
    with torch.no_grad():
        assert torch.allclose(built(x), expected, atol=1e-5)


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(dag_specs(), st.lists(st.tuples(st.integers(-3, 8), st.integers(0, 1)), min_size=1, max_size=4))
def test_replays_of_random_dags_equal_first_walks(spec, changes):
    model = model_of(spec)
    clear_caches()
    answer(model, None)
    channels, *spatial = spec["input"]
    sizes = [(channels, *(max(1, n + delta * (i == axis % len(spatial))) for i, n in enumerate(spatial)))
             for delta, axis in changes]
    replayed = [answer(model, size) for size in sizes]
    walked = []
    for size in sizes:
        clear_caches()
        walked.append(answer(model, size))
    assert replayed == walked
