"""--fit over an --input range: the largest input size whose step fits, exact whatever the network.

Against a brute force (every size analysed and counted), and against torch: at the size found and the next one,
what autograd saves (saved_tensors_hooks) is the prediction, and a real CPU step's live memory (MemTracker) fits
the budget at the one and not at the other. Bad ranges: one line, exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cnninspect.core.engine import analyze
from cnninspect.core.training import SizeRange, TrainConfig, fit_size, train
from cnninspect.core.training.fitsize import MAX_SIZES, NothingFits
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.load import load_model
from cnninspect.spec.source import read_spec
from tests.cli_support import bounded_refusal, run_cli

TINY = "examples/tiny_net.yaml"
# Valid at two sizes only: the reshape takes 8·4·4 elements, which the stride-2 convolution gives at 9 and 10.
NARROW = """
name: narrow
input: [1, 10, 10]
layers:
  - conv: {out: 8, kernel: 3, stride: 2}
  - relu
  - reshape: {shape: [128]}
  - linear: {out: 4}
"""


def _brute(spec, sizes: SizeRange, config: TrainConfig, budget: int):
    """Every size of the range: (the largest that fits, the peaks by size, the invalid sizes)."""
    peaks, invalid = {}, []
    for size in sizes.sizes:
        try:
            peaks[size] = train(analyze(spec, sizes.at(size)), config).peak.total
        except InputError:
            invalid.append(size)
    fitting = [size for size, peak in peaks.items() if peak <= budget]
    return max(fitting, default=None), peaks, invalid


def _invalid_sizes(found) -> list[int]:
    return [size for run in found.invalid for size in range(run.first, run.last + 1, found.sizes.step)]


@pytest.mark.parametrize("name, shape, start, stop, step, batch, budget", [
    ("resnet18", (3, None, None), 16, 400, 1, 32, 2 * 10**9),
    ("resnet18", (3, 224, None), 1, 900, 7, 16, 10**9),
    ("resnet18", (3, None, None), 16, 400, 1, 8, 10**9),  # the range's top fits
    ("inception_v3", (3, None, None), 100, 700, 4, 2, 10**9),  # invalid below 299 (the auxiliary head)
    ("alexnet", (3, None, None), 1, 300, 1, 512, 3 * 10**9),  # invalid below 63
])
def test_the_largest_fitting_size_is_the_brute_force_one(name, shape, start, stop, step, batch, budget):
    spec = load_model(name)
    sizes, config = SizeRange(shape, start, stop, step), TrainConfig(batch)
    found = fit_size(lambda s: analyze(spec, s), sizes, config, budget)
    largest, peaks, invalid = _brute(spec, sizes, config, budget)
    assert found.size == largest
    assert found.training.peak.total == peaks[largest] <= budget
    assert all(peak > budget for size, peak in peaks.items() if size > largest)
    assert found.above == (largest + step if largest + step <= stop else None)
    if found.above is not None and found.above in peaks:
        assert found.over.peak.total == peaks[found.above] > budget
    assert _invalid_sizes(found) == invalid
    assert found.analysed == len(sizes.sizes)
    assert found.analysis.input == sizes.at(largest)


def test_sizes_valid_in_the_middle_only_are_found_by_the_scan():
    """Bisection would miss it: the range's ends are invalid, the two valid sizes in the middle."""
    spec = build_model(read_spec("narrow.yaml", NARROW), "narrow")
    found = fit_size(lambda s: analyze(spec, s), SizeRange((1, None, None), 3, 40, 1), TrainConfig(2), 10**9)
    assert found.size == 10 and found.above == 11 and found.over is None
    assert [(run.first, run.last) for run in found.invalid] == [(3, 8), (11, 40)]
    assert "reshape" in str(found.invalid[1].error)


def test_nothing_fits_names_the_smallest_valid_size():
    spec = load_model("resnet18")
    found = fit_size(lambda s: analyze(spec, s), SizeRange((3, None, None), 20, 40, 1), TrainConfig(64), 10**6)
    assert isinstance(found, NothingFits) and found.size == 20
    assert found.smallest.peak.total == train(analyze(spec, (3, 20, 20)), TrainConfig(64)).peak.total > 10**6


@pytest.mark.torch
def test_torch_agrees_the_found_size_fits_and_the_next_does_not():
    """At the size found and the next one: saved_tensors_hooks sees what the prediction saves, and a real CPU
    step's live tensors (MemTracker, the peak within 3 %, tests/training/test_peak.py) are under the budget at
    the one and over it at the other. The budget sits halfway between the two predicted peaks, and the sizes are
    far enough apart (by 8) that 3 % cannot bridge the gap."""
    from cnninspect.torch_backend.training import measure, measure_peak

    spec, config = load_model(TINY), TrainConfig(2, "float32", "adamw", "cpu")
    low, high = (train(analyze(spec, (3, s, s)), config).peak.total for s in (32, 40))
    assert high > 1.1 * low
    budget = (low + high) // 2
    found = fit_size(lambda s: analyze(spec, s), SizeRange((3, None, None), 8, 64, 8), config, budget)
    assert (found.size, found.above) == (32, 40)
    for analysis, step in ((found.analysis, found.training), (analyze(spec, (3, 40, 40)), found.over)):
        assert sum(measure(analysis, config, "meta", optimizer_step=False).saved) == step.saved_bytes
    assert measure_peak(found.analysis, config)["total"] <= budget < measure_peak(analyze(spec, (3, 40, 40)),
                                                                                   config)["total"]


def _fit(*args: str):
    return run_cli(["summary", *args, "--train", "-f", "json"])


def test_cli_json_is_the_core_answer():
    result = _fit("resnet18", "--fit", "2GB", "--batch", "32", "--input", "3x16:400x16:400")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    fit = data["training"]["fit"]
    spec = load_model("resnet18")
    found = fit_size(lambda s: analyze(spec, s), SizeRange((3, None, None), 16, 400, 1), TrainConfig(32), 2 * 10**9)
    assert fit["size"] == found.size and fit["input"] == [3, found.size, found.size]
    assert data["input"] == [32, 3, found.size, found.size] and data["batch"] == 32 == fit["batch"]
    assert data["training"]["peak"]["bytes"] <= 2 * 10**9 < fit["next_peak"] == found.over.peak.total
    assert fit["next_input"] == [3, found.size + 1, found.size + 1]
    assert fit["range"] == {"shape": [3, None, None], "start": 16, "stop": 400, "step": 1}
    assert fit["invalid"] == [] and fit["analysed"] == 385


def test_square_shorthand_and_one_axis():
    square = json.loads(_fit("resnet18", "--fit", "4GB", "--batch", "8", "--input", "16:400").output)
    assert square["training"]["fit"]["input"][1:] == [square["training"]["fit"]["size"]] * 2
    wide = json.loads(_fit("resnet18", "--fit", "4GB", "--batch", "8", "--input", "3x224x100:4000:50").output)
    fit = wide["training"]["fit"]
    assert fit["input"] == [3, 224, fit["size"]] and (fit["size"] - 100) % 50 == 0


def test_text_markdown_and_csv_carry_the_answer():
    args = ["summary", "inception_v3", "--train", "--fit", "1GB", "--batch", "2", "--input", "100:700:4"]
    text = run_cli(args).output
    found = json.loads(run_cli([*args, "-f", "json"]).output)["training"]["fit"]
    size = found["size"]
    assert f"input 3x{size}x{size} is the largest of 3xSxS for S = 100 to 700 by 4 under 1GB" in text
    assert f"; 3x{size + 4}x{size + 4} would need" in text and found["next_input"] == [3, size + 4, size + 4]
    assert "invalid          S = 100 to 296; at 296: " in text and "AuxLogits" in text
    assert found["invalid"][0]["first"] == 100 and found["invalid"][0]["last"] == 296
    markdown = run_cli([*args, "-f", "markdown"]).output
    assert f"input 3x{size}x{size} is the largest" in markdown
    rows = run_cli([*args, "-f", "csv"]).output.splitlines()
    assert rows[0].endswith("saved_bytes,backward_macs")
    assert rows[1].split(",")[3] == f"2x3x{size}x{size}"  # the table at the size and batch found


def test_the_top_of_the_range_fitting_says_so():
    text = run_cli(["summary", "lenet5", "--train", "--fit", "1GB", "--batch", "2", "--input", "32:32"]).output
    assert "input 1x32x32 is the largest of 1xSxS for S = 32 to 32 under 1GB" in text
    assert "it is the range's top" in text


@pytest.mark.parametrize("args, fragment", [
    (("--input", "200:100"), "--input: the range 200:100 is empty"),
    (("--input", "3x200:100x200:100"), "--input: the range 200:100 is empty"),
    (("--input", "100:200:0"), "--input: expected START:STOP or START:STOP:STEP with positive integers"),
    (("--input", "0:200"), "--input: expected START:STOP or START:STOP:STEP"),
    (("--input", "1.5:200"), "--input: expected START:STOP or START:STOP:STEP"),
    (("--input", "100:"), "--input: expected START:STOP or START:STOP:STEP"),
    (("--input", ":"), "--input: expected START:STOP or START:STOP:STEP"),
    (("--input", "1:2:3:4"), "--input: expected START:STOP or START:STOP:STEP"),
    (("--input", "1:" + "9" * 19), "--input: expected START:STOP or START:STOP:STEP"),
    (("--input", f"1:{MAX_SIZES + 1}"), f"--input: a range has at most {MAX_SIZES} sizes"),
    (("--input", "1:" + "9" * 18), f"--input: a range has at most {MAX_SIZES} sizes"),
    (("--input", "3x100:200x100:300"), "--input: the ranged axes take one size together"),
    (("--input", "0x100:200x100:200"), "--input: sizes must be > 0"),
    (("--input", "3x1.5x100:200"), "--input: expected an integer"),
    (("--input", "3x3x100:200x100:200"), "--input: resnet18 takes C x H x W, the range on the axes that vary, "
                                         "e.g. 3x100:200x100:200. Received"),
    (("--input", "1x3x3x100:200x100:200"), "--input: one sample has at most 4 axes"),
    (("--input", "100:200x100:200"), "--input: resnet18 takes C x H x W, the range on the axes that vary"),
    (("--input", "image=3x100:200"), "--input: a range is searched for a model of one input"),
])
def test_bad_ranges_are_one_line_and_exit_2(args, fragment):
    bounded_refusal(["summary", "resnet18", "--train", "--fit", "4GB", "--batch", "8", *args], fragment)


@pytest.mark.parametrize("args, fragment", [
    (("summary", "resnet18", "--input", "100:200"), "--input: a range of sizes is searched by --train --fit"),
    (("summary", "resnet18", "--train", "--input", "100:200"), "--input: a range of sizes is searched by"),
    (("summary", "resnet18", "--train", "--fit", "4GB", "--input", "100:200"), "--fit: an --input range is "
                                                                              "searched at one batch: give --batch"),
    (("summary", "resnet18", "--train", "--fit", "1MB", "--batch", "8", "--input", "100:110"),
     "--fit: no size of 3xSxS for S = 100 to 110 fits at batch 8: the smallest valid, 3x100x100, needs"),
    (("summary", "docs/wiring.yaml", "--train", "--fit", "1GB", "--batch", "8", "--input", "10:20"),
     "--input: a range is searched for a model of one input"),
    (("summary", "alexnet", "--train", "--fit", "1GB", "--batch", "8", "--input", "10:20"),
     "--input: no size of 3xSxS for S = 10 to 20 is valid for the network: at 20, "),
])
def test_refusals_around_a_range(args, fragment):
    bounded_refusal(list(args), fragment)


def test_a_hostile_range_is_printed_inert():
    line = bounded_refusal(["summary", "resnet18", "--train", "--fit", "4GB", "--batch", "8", "--input",
                            "1:\x1b[2J\u202e9"], "--input: expected START:STOP")
    assert "\x1b" not in line and "\u202e" not in line and "\\x1b" in line


def test_a_real_subprocess():
    done = subprocess.run([sys.executable, "-m", "cnninspect", "summary", "lenet5", "--train", "--fit", "1MB",
                           "--batch", "2", "--input", "8:64"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "is the largest of 1xSxS for S = 8 to 64 under 1MB" in done.stdout
