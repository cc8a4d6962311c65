"""The zoo against torchvision 0.29.1, layer by layer: the tutorial's six (tests/data/reference/
tutorial-models.json) and the other families (zoo-models.json), both measured from torchvision's own modules
(measure.py and measure_zoo.py beside them say how)."""

from __future__ import annotations

import json
import math
import pathlib
from collections import defaultdict

import pytest

from cnninspect.core.engine import analyze
from cnninspect.core.summary import summarize
from cnninspect.spec.load import load_model, zoo_names

DATA = pathlib.Path(__file__).parent.parent / "data" / "reference"
TUTORIAL = json.loads((DATA / "tutorial-models.json").read_text())["models"]
FAMILIES = json.loads((DATA / "zoo-models.json").read_text())["models"]
CASES = {  # reference entry: (zoo name, model arguments)
    "lenet5": ("lenet5", {}),
    "alexnet": ("alexnet", {}),
    "vgg16": ("vgg16", {}),
    "googlenet(aux_logits=True)": ("googlenet", {"aux_logits": True}),
    "googlenet(aux_logits=False)": ("googlenet", {"aux_logits": False}),
    "inception_v3(aux_logits=True)": ("inception_v3", {"aux_logits": True}),
    "inception_v3(aux_logits=False)": ("inception_v3", {"aux_logits": False}),
    "resnet18": ("resnet18", {}),
    **{name: (name, {}) for name in FAMILIES if name in zoo_names()},
}
REFERENCE = {**TUTORIAL, **FAMILIES}
BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    name, args = CASES[request.param]
    reference = REFERENCE[request.param]
    analysis = analyze(load_model(name), tuple(reference["input"][1:]), args)
    return reference, analysis


def test_totals(case):
    reference, analysis = case
    totals = summarize(analysis).totals
    assert totals.params == reference["params"]
    assert totals.macs == reference["macs_conv_linear"]
    assert totals.flops == reference["flop_counter_flops"]
    assert [1, *analysis.output] == reference["output"]


def test_every_module_in_forward_order(case):
    """Name, type, input and output shape and parameters of every leaf module torch runs in eval mode."""
    reference, analysis = case
    ours = [{"name": r.path, "type": r.type_name, "input": [1, *r.input], "output": [1, *r.output],
             "params": r.params} for r in analysis.rows if r.module and not r.aux]
    theirs = [{k: layer[k] for k in ("name", "type", "input", "output", "params")}
              for layer in reference["layers_in_forward_order"]]
    assert ours == theirs


def test_parameters_and_buffers_per_module_match_the_state_dict(case):
    """Every module with state, auxiliary heads included, against the state_dict's keys and shapes; a parameter
    a module holds itself (ConvNeXt's layer_scale) is its own entry, as the engine names it."""
    reference, analysis = case
    attributes = {r.path for r in analysis.rows if not r.module and r.params}
    params, buffers = defaultdict(int), defaultdict(int)
    for key, shape in reference["state_dict"].items():
        module, _, leaf = key.rpartition(".")
        if key in attributes:
            params[key] += math.prod(shape)
        else:
            (buffers if leaf in BUFFERS else params)[module] += math.prod(shape)
    ours_params = {r.path: r.params for r in analysis.rows if (r.module or r.path in attributes) and r.params}
    ours_buffers = {r.path: r.buffers for r in analysis.rows if r.module and r.buffers}
    assert ours_params == dict(params)
    assert ours_buffers == dict(buffers)


def test_auxiliary_heads_are_apart_from_inference():
    with_aux = summarize(analyze(load_model("googlenet"), None, {"aux_logits": True})).totals
    without = summarize(analyze(load_model("googlenet"), None, {"aux_logits": False})).totals
    assert with_aux.macs == without.macs  # eval mode: the heads do not run
    assert with_aux.params - without.params == with_aux.aux_params > 0
    assert with_aux.aux_macs > 0 and without.aux_macs == 0


def test_every_family_model_has_its_spec():
    missing = sorted(set(FAMILIES) - set(zoo_names()))
    assert not missing, f"no zoo spec yet for {', '.join(missing)}"
