"""`cnninspect summary`, `zoo` and `schema` through click's runner: golden output, invariants, bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cnninspect.spec.load import zoo_names
from tests.cli_support import assert_golden_output, assert_refused, run_cli

GOLDEN_CASES = {
    "summary_resnet18.txt": "summary resnet18",
    "summary_lenet5.txt": "summary lenet5",
    "summary_googlenet_depth1.txt": "summary googlenet --depth 1",
    "summary_inception_v3_depth1_noaux.txt": "summary inception_v3 --depth 1 --set aux_logits=false",
    "summary_alexnet.md": "summary alexnet --format markdown",
    "summary_vgg16_batch8_depth1.txt": "summary vgg16 --batch 8 --depth 1 --dtype float16",
    "summary_lenet5.csv": "summary lenet5 --format csv",
    "summary_resnet18_depth1.json": "summary resnet18 --depth 1 --format json",
    "summary_lenet5_explain.txt": "summary lenet5 --explain",
    "summary_tiny_net.txt": "summary examples/tiny_net.yaml",
    "zoo.txt": "zoo",
}


run = run_cli


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_golden(name, assert_golden):
    assert_golden_output(assert_golden, name, GOLDEN_CASES[name])


def test_json_rows_sum_to_its_totals():
    data = json.loads(run("summary googlenet --format json").stdout)
    layers, totals = data["layers"], data["totals"]
    assert sum(layer["params"] for layer in layers) == totals["params"]
    assert sum(layer["macs"] for layer in layers if not layer["aux"]) == totals["macs"]
    assert sum(layer["macs"] for layer in layers if layer["aux"]) == totals["aux_macs"]
    assert totals["flops"] == 2 * totals["macs"]
    assert list(data) == ["version", "model", "input", "output", "batch", "dtype", "depth", "layers", "totals"]


def test_csv_rows_sum_to_the_tables_totals():
    rows = list(csv.DictReader(io.StringIO(run("summary resnet18 --format csv --batch 4").stdout)))
    totals = json.loads(run("summary resnet18 --format json --batch 4").stdout)["totals"]
    assert sum(int(r["params"]) for r in rows) == totals["params"]
    assert sum(int(r["macs"]) for r in rows) == totals["macs"] == 4 * 1_814_073_344


def test_input_and_settings_change_the_walk():
    data = json.loads(run("summary resnet18 --input 3x512x384 --set num_classes=10 --format json").stdout)
    assert data["input"] == [1, 3, 512, 384] and data["output"] == [1, 10]


def test_zoo_json_lists_every_model():
    models = json.loads(run("zoo --format json").stdout)["models"]
    assert [m["name"] for m in models] == zoo_names()
    assert {"alexnet", "googlenet", "inception_v3", "lenet5", "resnet18", "vgg16", "convnext_tiny"} <= set(zoo_names())


@pytest.mark.parametrize("args, message", [
    ("summary resnt18", "unknown model 'resnt18' (not a zoo name, not a file); did you mean resnet18, "),
    ("summary nothing_like_it", f"; `cnninspect zoo` lists the {len(zoo_names())} models"),
    ("summary missing.yaml", "missing.yaml: no such file"),
    ("summary resnet18 --input 3x0x224", "--input: sizes must be > 0"),
    ("summary lenet5 --input 1x3x3", "zoo/lenet5.yaml:9:41: layer 'conv1' (conv), input 1x3x3: kernel does not fit"),
    ("summary resnet18 --input 3xtwo", "--input: expected an integer"),
    ("summary resnet18 --set depth=3", "unknown model argument 'depth' (this model's arguments: bottleneck, groups, layers, num_classes, width_per_group)"),
    ("summary resnet18 --set num_classes", "--set: expected NAME=VALUE"),
    ("summary resnet18 --set num_classes=0", "'out' must be > 0. Received out=0"),
    ("summary resnet18 --batch 0", "Invalid value for '--batch'"),
    ("summary resnet18 --dtype int3", "Invalid value for '--dtype'"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    assert_refused(run(args), message)
