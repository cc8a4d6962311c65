"""`cnninspect summary resnet18` against torchinfo.summary on the same ResNet-18, two ways, in one run.

a. Whole processes, alternating: `cnninspect summary resnet18 --format json` against a Python process that
   imports torch and torchinfo, builds ResNet-18 (benchmarks/torch_resnet18.py) and summarises it.
   Target: ratio of medians (cnninspect / torchinfo) <= 0.05.
b. In process, per call, against torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0):
   the engine's first analysis of a loaded model (its kept rule results and plans cleared before every call),
   a re-analysis of the same model (its plan replayed), and the spec loaded and analysed from nothing.
   Target: speed-up >= 100x. A sweep (the plan replayed at a new input size each call) is timed beside them.

Our package gets bytecode first (python -m compileall), as `pip install` gives it: an editable install run
with PYTHONDONTWRITEBYTECODE (as on the development machine) would compile every module on every start,
while torch's site-packages hold bytecode from their install.

Both sides must count the same 11,689,512 parameters, or the script stops. Writes
benchmarks/results/summary_vs_torchinfo.md.

    python benchmarks/summary_vs_torchinfo.py [--runs 15] [--repeat 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
import timeit

from common import alternate, compile_package, installed_cnninspect, machine, verdict, write_report

HERE = pathlib.Path(__file__).parent
RESULTS = HERE / "results" / "summary_vs_torchinfo.md"
TORCH_SIDE = HERE / "torch_resnet18.py"
TARGET_RATIO = 0.05
TARGET_SPEEDUP = 100
OURS, THEIRS = "cnninspect summary resnet18 --format json", "python benchmarks/torch_resnet18.py"
UNCACHED = "env CNNINSPECT_NO_CACHE=1 cnninspect summary resnet18 --format json"
FIRST = "clear_caches(); summarize(analyze(model))"
AGAIN = "summarize(analyze(model))"
LOADED = "clear_caches(); summarize(analyze(load_model('resnet18')))"
SWEEP_SIZES = range(64, 1064)
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
                      UNCACHED: ["env", "CNNINSPECT_NO_CACHE=1", script, "summary", "resnet18", "--format", "json"],
                      THEIRS: [sys.executable, str(TORCH_SIDE)]}, runs)


def per_call(fn, repeat: int) -> float:
    """Median seconds per call; autorange picks a loop of >= 0.2 s. timeit pauses the GC, for both sides alike."""
    fn()  # warm-up: first-call costs (torch's lazy init, imports) are not per-call costs
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


def in_process(repeat: int) -> tuple[dict[str, float], float, int, int]:
    import torch_resnet18
    import torchinfo

    from cnninspect.core.engine import analyze, clear_caches
    from cnninspect.core.summary import summarize
    from cnninspect.spec.load import load_model

    spec, model = load_model("resnet18"), torch_resnet18.resnet18()

    def first():
        clear_caches()
        return summarize(analyze(spec))

    def loaded():
        clear_caches()
        return summarize(analyze(load_model("resnet18")))

    calls = {
        FIRST: first,
        AGAIN: lambda: summarize(analyze(spec)),
        LOADED: loaded,
        TORCHINFO: lambda: torchinfo.summary(model, input_size=torch_resnet18.INPUT_SIZE, verbose=0),
    }
    seconds = {name: per_call(fn, repeat) for name, fn in calls.items()}
    sweep = statistics.median(sweep_once(first, lambda side: summarize(analyze(spec, (3, side, side))))
                              for _ in range(repeat))
    macs = first().totals.macs
    mult_adds = torchinfo.summary(model, input_size=torch_resnet18.INPUT_SIZE, verbose=0).total_mult_adds
    return seconds, sweep, macs, mult_adds


def sweep_once(first, at_size) -> float:
    """Seconds per size over SWEEP_SIZES after a first analysis; the collector paused, as timeit pauses it."""
    first()
    gc.disable()
    try:
        start = time.perf_counter()
        for side in SWEEP_SIZES:
            at_size(side)
        return (time.perf_counter() - start) / len(SWEEP_SIZES)
    finally:
        gc.enable()


def process_table(times: dict[str, list[float]]) -> list[str]:
    ratio = statistics.median(times[OURS]) / statistics.median(times[THEIRS])
    uncached = statistics.median(times[UNCACHED]) / statistics.median(times[THEIRS])
    return [
        f"`{THEIRS}` imports torch and torchinfo, builds ResNet-18 and calls `torchinfo.summary` once. "
        f"`{OURS}` reads the spec from the parsed-spec cache, as every run after the first does; with the cache off "
        f"(through `env`, which adds its own start) it parses the YAML with PyYAML.",
        "",
        "| command | median | min | max |",
        "|---|---|---|---|",
        *(f"| `{name}` | {statistics.median(t) * 1000:.1f} | {min(t) * 1000:.1f} | {max(t) * 1000:.1f} |"
          for name, t in times.items()),
        "",
        (f"**Ratio of medians: {ratio:.3f}** (target <= {TARGET_RATIO}: {verdict(ratio <= TARGET_RATIO)}); "
         f"with the cache off: {uncached:.3f} ({verdict(uncached <= TARGET_RATIO)})."),
    ]


def call_table(seconds: dict[str, float], sweep: float, macs: int, mult_adds: int) -> list[str]:
    speed_up = {name: seconds[TORCHINFO] / s for name, s in seconds.items()}
    first, again, loaded = speed_up[FIRST], speed_up[AGAIN], speed_up[LOADED]
    sweep_name = (f"sweep: `summarize(analyze(model, (3, n, n)))`, n = {SWEEP_SIZES.start}..{SWEEP_SIZES.stop - 1} "
                  f"(median of the sweeps)")
    return [
        "| call | ms per call | torchinfo / this |",
        "|---|---|---|",
        *(f"| `{name}` | {s * 1000:.3f} | {speed_up[name]:.1f}x |" for name, s in seconds.items()),
        f"| {sweep_name} | {sweep * 1000:.3f} | {seconds[TORCHINFO] / sweep:.1f}x |",
        "",
        (f"**Speed-up, first analysis: {first:.1f}x; re-analysis (plan replayed): {again:.1f}x; at a new size each "
         f"call: {seconds[TORCHINFO] / sweep:.1f}x; spec loaded (parse cache hit), analysed first: {loaded:.1f}x** "
         f"(target >= {TARGET_SPEEDUP}x: first {verdict(first >= TARGET_SPEEDUP)}, "
         f"re-analysis {verdict(again >= TARGET_SPEEDUP)})."),
        "",
        ("clear_caches() makes every call a first analysis: no kept rule results, no plan, no kept windows. A "
         "re-analysis replays the model's plan (its layers and settings, walked once) and finds the rules' results "
         "kept; at a new size it runs the rules again wherever a layer's input shape is new. Every line computes "
         "every row's shape, parameters, MACs and receptive field; none returns a kept Analysis. load_model reads "
         "the spec and its family file through the parsed-spec cache (a hit), then builds the model."),
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
    compile_package()
    load_before = os.getloadavg()[0]  # torch's threads suffer most from other work: say how busy the machine was
    params = check_same_model(script)
    times = processes(script, args.runs)
    seconds, sweep, macs, mult_adds = in_process(args.repeat)
    torch = sys.modules["torch"]
    write_report(RESULTS, [
        "# `cnninspect summary` against torchinfo, ResNet-18 at 1x3x224x224",
        "",
        (f"{machine(load_before)} torch {torch.__version__} ({torch.get_num_threads()} threads). "
         f"Both sides count {params:,} parameters (checked)."),
        "",
        (f"## a. Whole processes, alternating, {args.runs} runs each; wall time in ms (our package compiled to "
         f"bytecode first, as an install leaves it)"),
        "",
        *process_table(times),
        "",
        f"## b. In process, median ms per call over {args.repeat} timeit repeats",
        "",
        *call_table(seconds, sweep, macs, mult_adds),
        "",
    ])


if __name__ == "__main__":
    main()
