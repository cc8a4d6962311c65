"""The same spec as YAML, JSON and TOML gives the same analysis; properties every spec's figures obey."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cnninspect.core.engine import analyze
from cnninspect.core.summary import summarize
from cnninspect.spec.load import ZOO, load_model, zoo_names


def to_toml(data: dict) -> str:
    """A minimal TOML writer for spec data: top-level keys, inline tables and arrays (TOML has no null)."""
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        raise TypeError(v)
    return "\n".join(f"{json.dumps(k)} = {value(v)}" for k, v in data.items()) + "\n"


def nulls_as_required(data):
    """TOML has no null: the zoo's only nulls are required block parameters, which TOML writes 'required'."""
    if isinstance(data, dict):
        return {k: nulls_as_required(v) for k, v in data.items()}
    if isinstance(data, list):
        return [nulls_as_required(x) for x in data]
    return "required" if data is None else data


def figures(model, shape=None):
    analysis = analyze(model, shape)
    return [(r.path, r.type_name, r.input, r.output, r.params, r.buffers, r.macs, r.ops) for r in analysis.rows]


@pytest.mark.parametrize("name", zoo_names())
def test_yaml_json_and_toml_agree(name, tmp_path):
    """The spec written as JSON and as TOML, beside its families also written in that format."""
    expected = figures(load_model(name))
    for suffix, write in ((".json", json.dumps), (".toml", lambda d: to_toml(nulls_as_required(d)))):
        for source in [ZOO / f"{name}.yaml", *ZOO.glob("_*.yaml")]:  # the model and every family, converted
            data = yaml.safe_load(source.read_text())
            if "include" in data:
                data["include"] = [pathlib.Path(f).with_suffix(suffix).name for f in data["include"]]
            source_in = tmp_path / source.with_suffix(suffix).name
            source_in.write_text(write(data))
        assert figures(load_model(str(tmp_path / f"{name}{suffix}"))) == expected


@settings(max_examples=40)
@given(st.sampled_from(["alexnet", "resnet18", "vgg16", "googlenet"]), st.integers(64, 512), st.integers(1, 64))
def test_params_ignore_input_and_batch_while_work_scales_with_batch(name, side, batch):
    model = load_model(name)
    at_default = summarize(analyze(model)).totals
    here = summarize(analyze(model, (3, side, side)), batch=batch).totals
    assert here.params == at_default.params and here.buffers == at_default.buffers
    single = summarize(analyze(model, (3, side, side))).totals
    assert (here.macs, here.ops, here.activation_bytes) == (batch * single.macs, batch * single.ops,
                                                            batch * single.activation_bytes)


@pytest.mark.parametrize("name", zoo_names())
def test_rows_sum_to_the_totals(name):
    analysis = analyze(load_model(name))
    totals = summarize(analysis).totals
    assert sum(r.params for r in analysis.rows) == totals.params
    assert sum(r.macs for r in analysis.rows if not r.aux) == totals.macs
    assert all(min(r.output) >= 1 for r in analysis.rows)


def test_folding_keeps_the_totals():
    analysis = analyze(load_model("inception_v3"))
    for depth in (1, 2, 3):
        folded = summarize(analysis, depth=depth)
        assert sum(r.params for r in (*folded.rows, *folded.aux_rows)) == folded.totals.params
        assert sum(r.macs for r in folded.rows) == folded.totals.macs
        assert all(r.path.count(".") < depth for r in folded.rows)


def test_zoo_specs_are_small_and_readable():
    """The issue's bar: a model is a short file over its family's blocks."""
    assert len((ZOO / "resnet18.yaml").read_text().splitlines()) < 60
