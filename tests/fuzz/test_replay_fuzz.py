"""The engine's replay on random specs: analysed at one input size, then at others, each answer (an analysis or
a refusal) equals a first walk at that size with nothing kept. Random specs reach what the zoo does not: kernels
that stop fitting, ceil-mode and transposed layers, flatten-and-linear heads whose features change with the size."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnninspect.core.engine import analyze, clear_caches
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec
from tests.fuzz.test_differential import EXAMPLES
from tests.fuzz.specs import specs


def answer(model, shape):
    try:
        return analyze(model, shape)
    except InputError as error:
        return str(error)


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(specs(), st.lists(st.tuples(st.integers(-3, 8), st.integers(0, 2)), min_size=1, max_size=4))
def test_replays_equal_first_walks_on_random_specs(spec, changes):
    model = build_model(read_spec("fuzz.json", json.dumps(spec)), "fuzz")
    clear_caches()
    answer(model, None)  # the walk that leaves the plan, at the spec's own size
    channels, *spatial = spec["input"]
    sizes = [(channels, *(max(1, n + delta * (i == axis % len(spatial))) for i, n in enumerate(spatial)))
             for delta, axis in changes]
    replayed = [answer(model, size) for size in sizes]
    first = []
    for size in sizes:
        clear_caches()
        first.append(answer(model, size))
    assert replayed == first
