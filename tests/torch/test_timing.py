"""--time: the figures are consistent with each other and with the engine's FLOPs (no test asserts a duration)."""

from __future__ import annotations

import pytest

from tests.torch_oracle import MISSING

if MISSING:  # before anything imports torch: without the torch extra the module is skipped, with the reason
    pytest.skip(MISSING, allow_module_level=True)
pytestmark = pytest.mark.torch

import json
import pathlib
import statistics

from click.testing import CliRunner

from cnninspect.cli import main
from cnninspect.core.engine import analyze
from cnninspect.spec.load import load_model
from cnninspect.syntax import DTYPE_BYTES
from cnninspect.torch_backend.timing import time_forward

REFERENCE = json.loads((pathlib.Path(__file__).parent.parent / "data" / "reference" /
                        "tutorial-models.json").read_text())["models"]


def test_reported_figures_follow_from_the_samples():
    analysis = analyze(load_model("lenet5"))
    timing = time_forward(analysis, device="cpu", dtype="float32", batch=4, channels_last=False, warmup=1, runs=5,
                          compile=False)
    assert len(timing.samples) == 5 and all(s > 0 for s in timing.samples)
    assert timing.median == statistics.median(timing.samples)
    assert timing.throughput == pytest.approx(4 / timing.median)
    assert timing.flops == 4 * REFERENCE["lenet5"]["flop_counter_flops"]  # FlopCounterMode's, for a batch of 4
    assert timing.gflops == pytest.approx(timing.flops / timing.median / 1e9)
    assert timing.iqr >= 0 and timing.peak_bytes is None


def test_progress_is_reported_for_every_pass():
    seen = []
    time_forward(analyze(load_model("lenet5")), device="cpu", dtype="float32", batch=1, channels_last=True,
                 warmup=2, runs=3, compile=False, progress=lambda phase, done: seen.append((phase, done)))
    assert seen == [("warmup", 1), ("warmup", 2), ("timed", 1), ("timed", 2), ("timed", 3)]


def test_summary_time_json():
    result = CliRunner().invoke(main, ["summary", "lenet5", "--time", "--runs", "3", "--warmup", "1",
                                       "--device", "cpu", "--batch", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    timing = json.loads(result.stdout)["timing"]
    assert timing["runs"] == 3 == len(timing["samples_s"]) and timing["device"] == "cpu"
    assert timing["throughput_per_s"] == pytest.approx(2 / timing["median_s"])


import torch  # noqa: E402

ABSENT = "mps" if torch.cuda.is_available() else "cuda"  # a device this machine lacks


@pytest.mark.parametrize("args, message", [
    (["--time", "--device", ABSENT], f"--device: device '{ABSENT}' is not available here (available: cpu"),
    (["--device", "cpu"], "--device: --device applies to --time; add --time"),
    (["--runs", "5"], "--runs: --runs applies to --time; add --time"),
])
def test_bad_timing_options(args, message):
    result = CliRunner().invoke(main, ["summary", "lenet5", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_channels_last_needs_spatial_axes(tmp_path):
    spec = tmp_path / "mlp.yaml"
    spec.write_text("input: [16]\nlayers:\n  - linear: {out: 4}\n")
    result = CliRunner().invoke(main, ["summary", str(spec), "--time", "--channels-last", "--runs", "1"])
    assert result.exit_code == 2
    assert "channels-last needs a 2-D or 3-D input; this one has 0 spatial axes" in result.stderr


def test_gpu_memory_is_shown_beside_the_analytic_floor():
    from cnninspect.render.torch_text import timing_lines
    from cnninspect.torch_backend.timing import Timing

    timing = Timing("cuda", "bfloat16", 32, False, False, 10, (0.005, 0.006, 0.007), 10**12, 1_143_110_000)
    lines = timing_lines(timing, param_bytes=276_715_088, largest_step=411_041_792)
    assert lines[-1] == ("GPU memory   peak allocated 1.14 GB; analytic floor 687.76 MB: parameters 276.72 MB + "
                         "the largest layer's input and output 411.04 MB (kernels' workspaces come on top)")
    assert "6.000 ms median, IQR 2.000 ms" in lines[0] and "5,333.3 samples/s; 166,666.67 GFLOP/s" in lines[1]


def test_compiled_model_is_timed_after_compiling_in_the_warm_up():
    result = CliRunner().invoke(main, ["summary", "lenet5", "--time", "--compile", "--runs", "2", "--warmup", "1",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    timing = json.loads(result.stdout)["timing"]
    assert timing["compiled"] is True and timing["runs"] == 2
    refused = CliRunner().invoke(main, ["summary", "lenet5", "--time", "--compile", "--warmup", "0"])
    assert refused.exit_code == 2 and "--compile needs at least one warm-up pass" in refused.stderr


def test_one_table_of_element_types():
    """Written once (cnninspect.syntax): --dtype's choices, the memory figures and --time's torch dtypes agree."""
    from cnninspect.core.summary import DTYPE_BYTES
    from cnninspect.syntax import DTYPES
    from cnninspect.torch_backend.timing import DTYPES as TORCH_DTYPES

    assert DTYPES == tuple(DTYPE_BYTES) == tuple(TORCH_DTYPES)
    assert {name: dtype.itemsize for name, dtype in TORCH_DTYPES.items()} == DTYPE_BYTES
    assert all(dtype.is_floating_point for dtype in TORCH_DTYPES.values())


@pytest.mark.parametrize("dtype", list(DTYPE_BYTES))
def test_every_dtype_can_be_timed(dtype):
    for command in (["summary", "lenet5"], ["compare", "lenet5", "examples/tiny_net.yaml"]):
        result = CliRunner().invoke(main, [*command, "--time", "--dtype", dtype, "--runs", "1", "--warmup", "0",
                                           "--device", "cpu", "--format", "json"])
        assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["columns"][0]["latency"] > 0
