"""`cnninspect compare`: golden tables, figures and ratios from the engine, the plot, the sweep, bad input."""

from __future__ import annotations

import importlib.util
import json
import struct
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from cnninspect.core.engine import analyze
from cnninspect.core.summary import summarize
from cnninspect.extras import install_hint
from cnninspect.spec.load import load_model
from tests.cli_support import assert_golden_output, assert_refused, run_cli

needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="needs matplotlib, which is not installed (the plot extra)")

TUTORIAL = "alexnet vgg16 resnet18 googlenet inception_v3"
GOLDEN_CASES = {
    "compare_tutorial.txt": f"compare {TUTORIAL}",
    "compare_tutorial.json": f"compare {TUTORIAL} --format json",
    "compare_tutorial.md": f"compare {TUTORIAL} --format markdown",
    "compare_tutorial.csv": f"compare {TUTORIAL} --format csv",
    "compare_sweep_resnet18.txt": "compare resnet18 --sweep 160:512:64",
    "compare_sweep_alexnet_small.json": "compare alexnet --sweep 60:68:4 --format json",
    "compare_inputs_lenet5.txt": "compare lenet5 --input 1x32x32 --input 1x28x28 --input 1x64x48",
}


run = run_cli


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_golden(name, assert_golden):
    assert_golden_output(assert_golden, name, GOLDEN_CASES[name])


def test_figures_and_ratios_are_the_engines():
    data = json.loads(run(f"compare {TUTORIAL} --format json").stdout)
    totals = {name: summarize(analyze(load_model(name))).totals for name in TUTORIAL.split()}
    first = totals["alexnet"]
    for column in data["columns"]:
        ours = totals[column["label"]]
        assert (column["params"], column["macs"], column["flops"]) == (ours.params, ours.macs, ours.flops)
        assert column["ratios"]["params"] == pytest.approx(ours.params / first.params)
        assert column["ratios"]["macs"] == pytest.approx(ours.macs / first.macs)
    assert data["best"]["params"] == min(totals, key=lambda n: totals[n].params) == "resnet18"
    assert data["best"]["macs"] == min(totals, key=lambda n: totals[n].macs) == "alexnet"
    assert data["best"]["top1"] == "inception_v3"  # 77.294, torchvision's published figure
    inception = next(c for c in data["columns"] if c["label"] == "inception_v3")
    assert inception["input"] == [3, 299, 299] and inception["top1"] == 77.294


def test_a_sweep_shows_where_a_layer_stops_fitting_and_where_divisions_stop_being_exact():
    data = json.loads(run("compare alexnet --sweep 60:68:4 --format json").stdout)
    failed = {c["label"]: c["failure"] for c in data["columns"] if c["failure"]}
    assert list(failed) == ["3x60x60"] and "layer 'features.12' (maxpool)" in failed["3x60x60"]
    inexact = {c["label"]: c["inexact"] for c in data["columns"]}
    assert inexact == {"3x60x60": None, "3x64x64": [], "3x68x68": ["features.2"]}


@pytest.mark.torch
def test_time_rows_for_every_model(tmp_path):
    result = run("compare lenet5 examples/tiny_net.yaml --time --runs 2 --warmup 1 --device cpu --format json")
    assert result.exit_code == 0, result.output
    columns = json.loads(result.stdout)["columns"]
    assert all(c["latency"] > 0 and c["throughput"] == pytest.approx(1 / c["latency"]) for c in columns)


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@needs_matplotlib
def test_plot_png_has_the_expected_size(tmp_path):
    plot = tmp_path / "models.png"
    result = run(f"compare {TUTORIAL} lenet5 --plot {plot}")
    assert result.exit_code == 0
    assert "wrote" in result.stderr and "(5 models)" in result.stderr  # LeNet-5 has no published accuracy
    assert png_size(plot) == (800, 500)


@needs_matplotlib
def test_plot_svg_has_one_point_per_model_with_an_accuracy(tmp_path):
    plot = tmp_path / "models.svg"
    assert run(f"compare alexnet vgg16 resnet18 --plot {plot}").exit_code == 0
    tree = ElementTree.parse(plot)
    group = next(g for g in tree.iter("{http://www.w3.org/2000/svg}g") if g.get("id") == "models")
    assert len(list(group.iter("{http://www.w3.org/2000/svg}path"))) == 3


def test_plot_without_matplotlib_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None; sys.argv[0] = 'cnninspect'; "
            "from cnninspect.cli import main; main()")
    result = subprocess.run([sys.executable, "-c", code, "compare", "alexnet", "vgg16", "--plot",
                             str(tmp_path / "x.png")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == ("cnninspect: error: --plot needs matplotlib, which is not installed: "
                             f"{install_hint('plot')}\n")


@pytest.mark.parametrize("args, message", [
    ("compare alexnet resnt18 vgg16", "unknown model 'resnt18' (not a zoo name, not a file); did you mean resnet18,"),
    ("compare alexnet tests/data/bad/unknown_field.yaml", "unknown_field.yaml:"),
    ("compare alexnet", "compare needs two models or more, or one model with --sweep or several --input"),
    ("compare alexnet vgg16 --sweep 160:512:32", "--sweep: --sweep and several --input compare one model"),
    ("compare resnet18 --sweep 160:512", "--sweep: expected START:STOP:STEP"),
    ("compare resnet18 --sweep 1:1000:1", "--sweep: a sweep has 1 to 64 sizes"),
    ("compare resnet18 --sweep 160:512:64 --plot x.png", "--plot: --plot compares models; a sweep has one"),
    ("compare alexnet vgg16 --plot x.pdf", "--plot: the plot is written as .svg or .png"),
    pytest.param("compare lenet5 examples/tiny_net.yaml --plot x.png",
                 "--plot: --plot shows published accuracy against MACs", marks=needs_matplotlib),
])
def test_bad_input(args, message):
    assert_refused(run(args), message)
