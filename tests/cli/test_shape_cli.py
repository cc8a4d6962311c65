"""`cnninspect shape` through click's runner: golden output for the tutorial's cases, one-line errors for bad input."""

from __future__ import annotations

import json
import shlex

import pytest

from tests.cli_support import assert_golden_output, assert_refused, run_cli

GOLDEN_CASES = {
    "shape_alexnet_227.txt": "--n 227 --f 11 --s 4",
    "shape_alexnet_224.txt": "--n 224 --f 11 --s 4",
    "shape_alexnet_224_p2.txt": "--n 224 --f 11 --s 4 --p 2",
    "shape_per_axis.txt": "--n 224x160 --f 3x5 --p 1",
    "shape_dilated.txt": "--n 32 --f 3 --d 2 --p 2",
    "shape_ceil_drop.txt": "--n 5 --f 2 --s 2 --p 1 --kind maxpool --ceil",
    "shape_ceil_googlenet.txt": "--n 112 --f 3 --s 2 --kind maxpool --ceil",
    "shape_transposed.txt": "--n 28 --f 4 --s 2 --p 1 --kind transposed",
    "shape_gaps.txt": "--n 10 --f 2 --s 3",
    "shape_out.txt": "--n 224 --f 11 --s 4 --out 55",
    "shape_out_no_input.txt": "--f 11 --s 4 --out 55",
    "shape_out_transposed.txt": "--n 28 --f 3 --s 2 --p 1 --kind transposed --out 56",
    "shape_same.txt": "--n 224 --f 7 --s 2 --same",
    "shape_same_even.txt": "--n 224 --f 4 --same",
    "shape_chain_resnet_stem.txt": "--n 224 conv:7/2/3 pool:3/2/1 conv:3/1/1",
    "shape_chain_vgg.txt": "--n 224 conv:3/1/1*3",
    "shape_chain_lenet.txt": "--n 32 conv:5 pool:2 conv:5 pool:2",
    "shape_chain_unet.txt": "--n 64x48 conv:3/2/1 conv:3/2/1 tconv:4/2/1 tconv:4/2/1",
    "shape_alexnet_224.json": "--n 224 --f 11 --s 4 --json",
    "shape_chain.json": "--n 224 conv:7/2/3 pool:3/2/1:ceil --json",
    "shape_out.json": "--n 224 --f 11 --s 4 --out 55 --json",
}


def run(args: str):
    return run_cli(["shape", *shlex.split(args)])


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_golden(name, assert_golden):
    assert_golden_output(assert_golden, name, "shape " + GOLDEN_CASES[name])


def test_chain_golden_is_consistent():
    """Each step's input is the previous step's output; the last output is the chain's."""
    data = json.loads(run("--n 64x48 conv:3/2/1 conv:3/2/1 tconv:4/2/1 tconv:4/2/1 --json").stdout)
    for before, after in zip(data["steps"], data["steps"][1:]):
        assert after["input"] == before["output"]
    assert data["output"] == data["steps"][-1]["output"] == [64, 48]
    assert data["receptive_field"] == data["steps"][-1]["receptive_field"]


def test_json_shape_is_stable():
    data = json.loads(run("--n 224 --f 11 --s 4 --out 55 --json").stdout)
    assert list(data) == ["version", "input", "output", "steps", "receptive_field", "inverse"]
    step = data["steps"][0]
    assert list(step) == ["step", "kind", "kernel", "stride", "padding", "dilation", "output_padding", "ceil_mode",
                          "input", "output", "axes", "receptive_field"]
    assert step["axes"][0]["unused_input"] == 1 and step["axes"][0]["exact_inputs"] == [[223, 54], [227, 55]]
    assert data["inverse"] == {"question": "out", "target": [55], "paddings": [[2, 3]], "inputs": [[227, 230]],
                               "asymmetric_padding": [None]}


@pytest.mark.parametrize("args, message", [
    ("--n 224 --f 11 --s 0", "--s: stride must be > 0. Received stride=0"),
    ("--n 224 --f 11 --s -2", "--s: stride must be > 0. Received stride=-2"),
    ("--n 224 --f 3 --p -1", "--p: padding must be >= 0. Received padding=-1"),
    ("--n 224 --f 3 --d 0", "--d: dilation must be > 0. Received dilation=0"),
    ("--n 5 --f 11", "--f: kernel does not fit: its span d·(f − 1) + 1 is larger than the padded input. "
                     "Received span=11, padded_input=5"),
    ("--n 5 --f 3 --p 2 --kind maxpool", "--p: pooling padding must be at most half the kernel (f // 2). "
                                         "Received padding=2, kernel=3"),
    ("--n 22a4 --f 3", "--n: expected an integer, or up to 3 integers joined by 'x' (224x160). Received '22a4'"),
    ("--n 224x160 --f 3x5x7", "--f: expected 1 or 2 values (one per spatial axis). Received kernel=3x5x7"),
    ("--n 224 --f 3x3 --s 1x1x1", "--s: per-axis values disagree on the number of axes. "
                                  "Received kernel=3x3, stride=1x1x1"),
    ("--n 224 --f 3 --s 2 --p same", "--p: padding='same' is not supported for strided convolutions. "
                                     "Received stride=2"),
    ("--n 224 --f 3 --kind transposed --op 1", "--op: output padding must be smaller than the stride or the "
                                               "dilation. Received output_padding=1, stride=1, dilation=1"),
    ("--n 224 --f 3 --ceil", "--ceil: ceil mode applies to pooling only. Received kind=conv"),
    ("--n 224 --f 3 --out 0", "--out: the wanted output size must be > 0. Received 0"),
    ("--n 224 --f 3 --out 5 --same", "--same: ask either --out or --same, not both"),
    ("--n 224 conv:7/2/3 pool:3/2/9", "step 2 'pool:3/2/9': pooling padding must be at most half the kernel"),
    ("--n 224 conv:7/2/3 bogus:3", "step 2 'bogus:3': unknown kind 'bogus'"),
    ("--n 4 conv:3 conv:3", "step 2 'conv:3': kernel does not fit"),
    ("--n 224 --f 3 conv:3", "--f: describes one layer; with chain STEPS write each layer as a step"),
    ("conv:3", "--n: a chain needs the input size --n"),
    ("--n 224 --f 3 --kind bogus", "Invalid value for '--kind'"),
    ("--n 224 --f 3 --bogus", "No such option '--bogus'"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    assert_refused(run(args), message)


def test_no_arguments_shows_help():
    result = run("")
    assert result.exit_code == 0 and "⌊(n − f + 2p)/s⌋ + 1" in result.stdout
