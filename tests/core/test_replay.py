"""The engine's two memories (kept rule results, and a model's last analysis replayed at another input shape)
never change an answer: every analysis equals a first walk with both forgotten, errors included."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnninspect.core import plan as plans
from cnninspect.core import program
from cnninspect.core.engine import analyze, clear_caches
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.load import load_model, zoo_names
from cnninspect.spec.source import read_spec


def first_walk(model, shape=None, args=None):
    """What a fresh process would answer: no kept rules, no plan."""
    clear_caches()
    return answer(model, shape, args)


def answer(model, shape=None, args=None):
    try:
        return analyze(model, shape, args)
    except InputError as error:
        return str(error)


def spec(text: str):
    return build_model(read_spec("net.yaml", text), "net")


@pytest.mark.parametrize("name", zoo_names())
def test_zoo_models_replayed_at_other_sizes_equal_a_first_walk(name):
    model = load_model(name)
    c, h, w = model.input
    sizes = [(c, h, w), (c, h + 32, w + 32), (c, h - 17, w + 5), (c, 33, 47), (c, h, w)]
    first_walk(model)  # leaves the plan at the spec's own size
    replayed = [answer(model, size) for size in sizes]
    assert replayed == [first_walk(model, size) for size in sizes]


def test_a_replay_does_take_place():
    """Otherwise the test above would prove nothing about replays."""
    model = load_model("resnet18")
    first_walk(model)
    plan = plans._PLANS[id(model)].analysis
    again = analyze(model, (3, 256, 200))
    assert again.rows[0].settings is plan.rows[0].settings  # the plan's settings, not evaluated again


@given(st.integers(1, 400), st.integers(1, 400))
def test_resnet18_at_any_size_equals_a_first_walk(h, w):
    model = load_model("resnet18")
    analyze(model)  # a plan at 224x224 exists (or is made here)
    assert answer(model, (3, h, w)) == first_walk(model, (3, h, w))


def test_a_size_that_breaks_a_layer_gives_the_walk_s_located_error():
    model = load_model("alexnet")
    analyze(model)
    error = answer(model, (3, 40, 40))
    assert isinstance(error, str) and error.startswith("zoo/alexnet.yaml:") and "does not fit" in error
    assert error == first_walk(model, (3, 40, 40))


FEATURES_DRIVE_A_WIDTH = """
name: head
input: [3, 8, 8]
layers:
  - conv: {out: 4, kernel: 3, padding: 1}
  - flatten
  - linear: {out: in_channels // 2}
  - linear: {out: 10}
"""


def test_a_width_computed_from_flattened_features_is_walked_again():
    """in_channels after a flatten depends on the spatial size: the plan's settings no longer hold."""
    model = spec(FEATURES_DRIVE_A_WIDTH)
    analyze(model)
    at_10 = analyze(model, (3, 10, 10))
    assert at_10.rows[2].output == (4 * 10 * 10 // 2,)  # the flattened features halved, not the 8x8 plan's
    assert at_10 == first_walk(model, (3, 10, 10))


CONDITION_ON_CHANNELS = """
name: cond
input: [3, 16, 16]
layers:
  - conv: {out: 8, kernel: 3, padding: 1, if: in_channels == 3}
  - conv: {out: 5, kernel: 1}
"""


def test_a_condition_on_the_input_channels_is_walked_again():
    model = spec(CONDITION_ON_CHANNELS)
    analyze(model)
    other = analyze(model, (4, 16, 16))
    assert [row.kind for row in other.rows] == ["conv"]
    assert other == first_walk(model, (4, 16, 16))


def test_other_arguments_are_walked_again():
    model = load_model("resnet18")
    analyze(model)
    ten = analyze(model, args={"num_classes": 10})
    assert ten.output == (10,)
    assert ten == first_walk(model, args={"num_classes": 10})


def test_kept_rule_results_are_bounded(monkeypatch):
    monkeypatch.setattr(program, "MAX_RULES", 5)
    clear_caches()
    model = load_model("resnet18")
    assert analyze(model) == first_walk(model)
    assert len(program._RULES) <= 5


def test_kept_plans_are_bounded(monkeypatch):
    monkeypatch.setattr(plans, "MAX_PLANS", 2)
    clear_caches()
    models = [load_model(name) for name in ("lenet5", "alexnet", "vgg16")]
    for model in models:
        analyze(model)
    assert len(plans._PLANS) == 2
    assert all(entry[0] is not models[0] for entry in plans._PLANS.values())


def test_kept_plans_hold_a_bounded_number_of_rows(monkeypatch):
    lenet, resnet, vgg, googlenet = (load_model(n) for n in ("lenet5", "resnet18", "vgg16", "googlenet"))
    rows = {m.name: len(first_walk(m).rows) for m in (lenet, resnet, vgg, googlenet)}
    # Room for resnet18 and vgg16 together, not for lenet5 beside them, nor for googlenet at all.
    assert rows["lenet5"] + rows["resnet18"] + rows["vgg16"] > rows["resnet18"] + rows["vgg16"] < rows["googlenet"]
    monkeypatch.setattr(plans, "MAX_PLAN_ROWS", rows["resnet18"] + rows["vgg16"])
    clear_caches()
    analyze(lenet)
    analyze(resnet)
    assert [entry[0] for entry in plans._PLANS.values()] == [lenet, resnet]
    analyze(vgg)  # the oldest plan goes to make room, the next stays
    assert [entry[0].name for entry in plans._PLANS.values()] == ["resnet18", "vgg16"]
    analyze(googlenet)  # more rows than all plans may hold: not kept, nothing evicted
    assert [entry[0].name for entry in plans._PLANS.values()] == ["resnet18", "vgg16"]


def test_the_last_walk_of_a_model_is_its_plan():
    model = load_model("resnet18")
    clear_caches()
    analyze(model)
    ten = analyze(model, args={"num_classes": 10})
    assert plans._PLANS[id(model)].analysis is ten


@pytest.mark.parametrize("name", ["googlenet", "inception_v3"])
def test_models_without_their_aux_heads_replay_as_walked(name):
    model, args = load_model(name), {"aux_logits": False}
    c, h, w = model.input
    first_walk(model, args=args)
    sizes = [(c, h + 64, w + 64), (c, h, w + 31)]
    replayed = [answer(model, size, args) for size in sizes]
    assert replayed == [first_walk(model, size, args) for size in sizes]
    assert not any(row.aux for row in replayed[0].rows)
