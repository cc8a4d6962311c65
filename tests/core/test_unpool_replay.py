"""A max unpool in the replay (core/plan.py): its Paired step takes the indices' shapes from its pool's replayed
row, so another input size replayed equals a first walk, errors included; and the walk's checks of the pair."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnninspect.core import plan as plans
from cnninspect.core.paired import Paired
from cnninspect.errors import InputError
from tests.core.test_replay import answer, first_walk, spec

SEGNET = """
name: segnet
input: [3, 33, 45]
blocks:
  down:
    layers:
      - conv: {out: 8, kernel: 3, padding: 1}
      - relu
      - maxpool: {kernel: 2, indices: true, name: pool}
  up:
    params: {level: required}
    layers:
      - maxunpool: {kernel: 2, indices: "/enc{level}.pool", size: input}
      - conv: {out: 8, kernel: 3, padding: 1}
layers:
  - down: {name: enc1}
  - down: {name: enc2}
  - maxpool: {kernel: [3, 2], stride: 2, padding: 1, indices: true, name: pool3, ceil_mode: true}
  - conv: {out: 8, kernel: 1}
  - maxunpool: {kernel: [3, 2], stride: 2, padding: 1, indices: pool3, size: input}
  - up: {name: dec2, level: 2}
  - seq:
      name: dec1
      layers:
        - maxunpool: {kernel: 2, indices: enc1.pool, size: input}
        - conv: {out: 4, kernel: 3, padding: 1}
"""

PLAIN = """
name: plain
input: [2, 16, 12, 8]
layers:
  - maxpool: {kernel: 2, indices: true, name: pool}
  - conv: {out: 2, kernel: 1}
  - maxunpool: {kernel: 2, indices: pool}
"""


def test_the_program_pairs_each_unpool_with_its_pool():
    analysis = first_walk(spec(SEGNET))
    pairs = [(analysis.rows[step.row].path, analysis.rows[step.source].path)
             for step in analysis.program if type(step) is Paired]
    # the blocks' layers are in the flat program: every unpool reads the pool its path names
    assert pairs == [("4", "pool3"), ("dec2.0", "enc2.pool"), ("dec1.0", "enc1.pool")]


@pytest.mark.parametrize("text, sizes", [
    (SEGNET, [(3, 33, 45), (3, 64, 64), (3, 17, 9), (3, 8, 8), (3, 5, 5), (3, 100, 37), (3, 33, 45)]),
    (PLAIN, [(2, 16, 12, 8), (2, 4, 4, 4), (2, 6, 10, 2), (2, 5, 5, 5), (2, 2, 2, 2), (2, 16, 12, 8)]),
])
def test_replayed_at_other_sizes_equals_a_first_walk(text, sizes):
    model = spec(text)
    first_walk(model)
    replayed = [answer(model, size) for size in sizes]
    assert replayed == [first_walk(model, size) for size in sizes]
    assert any(isinstance(a, str) for a in replayed) or text is SEGNET  # odd sizes break PLAIN's unpool


def test_a_replay_does_take_place():
    model = spec(SEGNET)
    first_walk(model)
    kept = plans._PLANS[id(model)].analysis
    again = answer(model, (3, 64, 48))
    assert again.rows[0].settings is kept.rows[0].settings
    unpools = [r for r in again.rows if r.kind == "maxunpool"]
    pools = {r.path: r for r in again.rows if r.kind == "maxpool"}
    for unpool in unpools:  # each reads its pool as replayed at 64x48, not as walked at 33x45
        pooled = unpool.settings.indices
        assert pooled.shape == pools[pooled.path].output and pooled.input == pools[pooled.path].input


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 90), st.integers(1, 90))
def test_segnet_at_any_size_equals_a_first_walk(h, w):
    model = spec(SEGNET)
    answer(model)  # a plan at the spec's size
    assert answer(model, (3, h, w)) == first_walk(model, (3, h, w))


def test_an_odd_size_without_size_input_is_the_walk_s_located_error():
    model = spec(PLAIN)
    answer(model)
    error = answer(model, (2, 5, 5, 5))
    assert isinstance(error, str) and error.startswith("net.yaml:7:") and "Found an invalid max index" in error
    assert error == first_walk(model, (2, 5, 5, 5))


def test_an_unpool_cannot_be_shared():
    with pytest.raises(InputError, match="reads the indices of its own pool"):
        first_walk_raising(PLAIN + "  - maxpool: {kernel: 2, indices: true, name: pool2}\n  - share: '2'\n")


def first_walk_raising(text):
    from cnninspect.core.engine import analyze, clear_caches

    clear_caches()
    return analyze(spec(text))
