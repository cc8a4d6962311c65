"""`cnninspect summary resnet18` against torchinfo.summary on the same ResNet-18, two ways, in one run.

a. Whole processes, alternating: `cnninspect summary resnet18 --format json` against a Python process that
   imports torch and torchinfo, builds ResNet-18 (benchmarks/torch_resnet18.py) and summarises it.
   Target: ratio of medians (cnninspect / torchinfo) <= 0.05.
b. In process, per call: the engine (summarize(analyze(model)), and load+analyze+summarize) against
   torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0). Target: speed-up >= 100x.

Both sides must count the same 11,689,512 parameters, or the script stops. Writes
benchmarks/results/summary_vs_torchinfo.md.

    python benchmarks/summary_vs_torchinfo.py [--runs 15] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import timeit

from common import alternate, installed_cnninspect, machine, verdict, write_report

HERE = pathlib.Path(__file__).parent
RESULTS = HERE / "results" / "summary_vs_torchinfo.md"
TORCH_SIDE = HERE / "torch_resnet18.py"
TARGET_RATIO = 0.05
TARGET_SPEEDUP = 100
OURS, THEIRS = "cnninspect summary resnet18 --format json", "python benchmarks/torch_resnet18.py"
ENGINE, LOADED = "summarize(analyze(model))", "summarize(analyze(load_model('resnet18')))"
TORCHINFO = "torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0)"
sys.path.insert(0, str(HERE))  # torch_resnet18 sits beside this script; imported where needed (torch is slow)


def check_same_model(script: str) -> int:
    """Both sides count exactly torchvision's parameters: otherwise the timings compare different models."""
    import torch_resnet18

    ours = json.loads(subprocess.run([script, "summary", "resnet18", "--format", "json"], check=True,
                                     capture_output=True, text=True).stdout)["totals"]["params"]
    theirs = torch_resnet18.param_count(torch_resnet18.resnet18())
    if ours != torch_resnet18.PARAMS or theirs != torch_resnet18.PARAMS:  # not assert: -O must not skip it
        sys.exit(f"not the same model: cnninspect {ours:,}, plain torch {theirs:,}, torchvision "
                 f"{torch_resnet18.PARAMS:,} parameters")
    return ours


def processes(script: str, runs: int) -> dict[str, list[float]]:
    return alternate({OURS: [script, "summary", "resnet18", "--format", "json"],
                      THEIRS: [sys.executable, str(TORCH_SIDE)]}, runs)


def per_call(fn, repeat: int) -> float:
    """Median seconds per call; autorange picks a loop of >= 0.2 s. timeit pauses the GC, for both sides alike."""
    fn()  # warm-up: first-call costs (torch's lazy init, imports) are not per-call costs
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


def in_process(repeat: int) -> tuple[dict[str, float], int, int]:
    import torch_resnet18
    import torchinfo

    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.spec.load import load_model

    spec, model = load_model("resnet18"), torch_resnet18.resnet18()
    calls = {
        ENGINE: lambda: summarize(analyze(spec)),
        LOADED: lambda: summarize(analyze(load_model("resnet18"))),
        TORCHINFO: lambda: torchinfo.summary(model, input_size=torch_resnet18.INPUT_SIZE, verbose=0),
    }
    seconds = {name: per_call(fn, repeat) for name, fn in calls.items()}
    macs = summarize(analyze(spec)).totals.macs
    mult_adds = torchinfo.summary(model, input_size=torch_resnet18.INPUT_SIZE, verbose=0).total_mult_adds
    return seconds, macs, mult_adds


def process_table(times: dict[str, list[float]]) -> list[str]:
    ratio = statistics.median(times[OURS]) / statistics.median(times[THEIRS])
    return [
        f"`{THEIRS}` imports torch and torchinfo, builds ResNet-18 and calls `torchinfo.summary` once.",
        "",
        "| command | median | min | max |",
        "|---|---|---|---|",
        *(f"| `{name}` | {statistics.median(t) * 1000:.1f} | {min(t) * 1000:.1f} | {max(t) * 1000:.1f} |"
          for name, t in times.items()),
        "",
        f"**Ratio of medians: {ratio:.3f}** (target <= {TARGET_RATIO}: {verdict(ratio <= TARGET_RATIO)}).",
    ]


def call_table(seconds: dict[str, float], macs: int, mult_adds: int) -> list[str]:
    speed_up = {name: seconds[TORCHINFO] / s for name, s in seconds.items()}
    engine, loaded = speed_up[ENGINE], speed_up[LOADED]
    return [
        "| call | ms per call | torchinfo / this |",
        "|---|---|---|",
        *(f"| `{name}` | {s * 1000:.3f} | {speed_up[name]:.1f}x |" for name, s in seconds.items()),
        "",
        (f"**Speed-up, engine only: {engine:.1f}x; with loading the spec: {loaded:.1f}x** "
         f"(target >= {TARGET_SPEEDUP}x: {verdict(engine >= TARGET_SPEEDUP)} / {verdict(loaded >= TARGET_SPEEDUP)})."),
        "",
        (f"MACs: cnninspect {macs:,}, torchinfo {mult_adds:,}; torchinfo also counts one mult-add per "
         f"BatchNorm weight and bias and per linear bias ({mult_adds - macs:,} here)."),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="whole-process runs of each command")
    parser.add_argument("--repeat", type=int, default=7, help="timeit repeats of each in-process call")
    args = parser.parse_args()

    script = installed_cnninspect()
    load_before = os.getloadavg()[0]  # torch's threads suffer most from other work: say how busy the machine was
    params = check_same_model(script)
    times = processes(script, args.runs)
    seconds, macs, mult_adds = in_process(args.repeat)
    torch = sys.modules["torch"]
    write_report(RESULTS, [
        "# `cnninspect summary` against torchinfo, ResNet-18 at 1x3x224x224",
        "",
        (f"{machine(load_before)} torch {torch.__version__} ({torch.get_num_threads()} threads). "
         f"Both sides count {params:,} parameters (checked)."),
        "",
        f"## a. Whole processes, alternating, {args.runs} runs each; wall time in ms",
        "",
        *process_table(times),
        "",
        f"## b. In process, median ms per call over {args.repeat} timeit repeats",
        "",
        *call_table(seconds, macs, mult_adds),
        "",
    ])


if __name__ == "__main__":
    main()
