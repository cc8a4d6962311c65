"""How `cnninspect summary` scales: with the number of layers in a spec, and with the input size.

a. Depth: specs of 1,000, 3,000 and 10,000 layers (conv 3x3 and relu, alternating, over an 8x32x32 input), written
   out one layer per line, plus 10,000 and 200,000 layers as one `repeat` (a 4-line file; 200,000 is the most a
   model may walk). In process: load_model (read + build) and summarize(analyze(...)), each per layer; as a
   process, `cnninspect summary FILE` in each format: JSON, the default table, markdown and CSV, alternating.
   Targets: a 10,000-layer spec summarised end to end in under a second, as JSON and as the table; the
   200,000-layer one as the table in under 10 s (with its peak RSS beside it).
b. Size: `cnninspect summary vgg16 --input 3x8192x8192 --format json` as a process: wall time and the child's
   peak RSS, next to the activation memory torch would need. Target: well under a second and under 100 MB.

Worst case throughout: the parsed-spec cache is off (CNNINSPECT_NO_CACHE=1, for this process and its children), so
every load parses the YAML, and every in-process walk is a first analysis (the engine's kept rule results and
plans cleared before each). Our package is compiled to bytecode first, as an install leaves it.

Writes benchmarks/results/scaling.md.

    python benchmarks/scaling.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from common import alternate, compile_package, installed_cnninspect, machine, verdict, write_report

RESULTS = pathlib.Path(__file__).parent / "results" / "scaling.md"
DEPTHS = (1_000, 3_000, 10_000)
HUGE = 200_000  # engine.MAX_ROWS: the most layers a model may walk
TARGET_SECONDS = 1.0  # 10,000 layers, end to end
TARGET_HUGE_SECONDS = 10.0  # 200,000 layers, end to end, as the table
FORMATS = {"JSON": ["--format", "json"], "table": [], "markdown": ["--format", "markdown"], "CSV": ["--format", "csv"]}
TARGET_RSS_MB = 100
HEADER = "name: chain{layers}\ninput: [8, 32, 32]\nlayers:\n"
PAIR = ("conv: {out: 8, kernel: 3, padding: 1}", "relu")
VGG = ["summary", "vgg16", "--input", "3x8192x8192", "--format", "json"]
# A fresh helper whose only child is the command: RUSAGE_CHILDREN then holds that child's peak RSS alone.
PEAK_RSS = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def chain_spec(layers: int) -> str:
    """A flat spec of `layers` layers, conv and relu alternating, one a line (benchmarks/first_analysis.py too)."""
    return HEADER.format(layers=layers) + "".join(f"  - {PAIR[i % 2]}\n" for i in range(layers))


def write_specs(folder: pathlib.Path) -> dict[str, tuple[pathlib.Path, int]]:
    """Label -> (file, layers). Flat files spell every layer out, so reading cost grows with depth too."""
    specs = {}
    for layers in DEPTHS:
        path = folder / f"chain{layers}.yaml"
        path.write_text(chain_spec(layers))
        specs[f"{layers:,} layers, flat"] = (path, layers)
    for layers in (10_000, HUGE):
        path = folder / f"repeat{layers}.yaml"
        path.write_text(HEADER.format(layers=f"_repeat{layers}") +
                        f"  - repeat: {{times: {layers // 2}, layers: [{', '.join(PAIR)}]}}\n")
        specs[f"{layers:,} layers, `repeat`"] = (path, layers)
    return specs


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def depth_rows(script: str, specs: dict, runs: int) -> tuple[list[str], list[str], dict[str, dict[str, float]]]:
    """The in-process table's rows, the CLI table's rows, and label -> format -> median seconds of the CLI."""
    from cnninspect.core.engine import analyze, clear_caches
    from cnninspect.core.summary import summarize
    from cnninspect.spec.load import load_model

    def first_analysis(model):
        clear_caches()
        return summarize(analyze(model))

    engine, processes, cli = [], [], {}
    for label, (path, layers) in specs.items():
        model = load_model(str(path))
        counted = len(summarize(analyze(model)).rows)
        if counted != layers:
            sys.exit(f"{path.name}: expected {layers} rows, cnninspect gives {counted}")
        load = median_time(lambda path=path: load_model(str(path)), runs)
        walk = median_time(lambda model=model: first_analysis(model), runs)
        times = alternate({name: [script, "summary", str(path), *args] for name, args in FORMATS.items()}, runs)
        cli[label] = {name: statistics.median(t) for name, t in times.items()}
        engine.append(f"| {label} | {path.stat().st_size / 1024:.1f} | {load * 1000:.0f} | "
                      f"{load / layers * 1e6:.1f} | {walk * 1000:.0f} | {walk / layers * 1e6:.1f} |")
        processes.append(f"| {label} | " + " | ".join(f"{t * 1000:.0f} | {t / layers * 1e6:.1f}"
                                                     for t in cli[label].values()) + " |")
    return engine, processes, cli


def peak_rss(script: str, args: list[str]) -> tuple[float, int]:
    """One run's wall seconds and peak RSS in KiB."""
    out = subprocess.run([sys.executable, "-c", PEAK_RSS, script, *args], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), int(out[1])


def vgg_figures(script: str, runs: int) -> tuple[list[float], int, dict]:
    """Wall seconds per run, the largest peak RSS in KiB, and the JSON totals."""
    walls, peaks = map(list, zip(*(peak_rss(script, VGG) for _ in range(runs))))
    totals = json.loads(subprocess.run([script, *VGG], check=True, capture_output=True, text=True).stdout)["totals"]
    return walls, max(peaks), totals


def depth_section(engine: list[str], processes: list[str], cli: dict[str, dict[str, float]],
                  huge_kib: int) -> list[str]:
    flat, repeat, huge = (cli[f"{layers:,} layers, {kind}"] for layers, kind in
                          ((DEPTHS[-1], "flat"), (10_000, "`repeat`"), (HUGE, "`repeat`")))
    met = {name: verdict(t < TARGET_SECONDS) for name, t in flat.items()}
    return [
        "## a. Depth: conv 3x3 + relu chains over 8x32x32",
        "",
        ("In process: load = `load_model(path)` (read YAML + build); analyze = `summarize(analyze(model))`. "
         "Times in ms, per layer in µs."),
        "",
        "| spec | KiB | load | µs/layer | analyze | µs/layer |",
        "|---|---|---|---|---|---|",
        *engine,
        "",
        ("As a process: `cnninspect summary FILE` in each format, output to /dev/null (table: the default, "
         "unstyled off a terminal), the formats taking turns run by run. Times in ms, per layer in µs."),
        "",
        "| spec | " + " | ".join(f"{name} | µs/layer" for name in FORMATS) + " |",
        "|---|" + "---|---|" * len(FORMATS),
        *processes,
        "",
        (f"**10,000 flat layers, end to end: JSON {flat['JSON']:.2f} s, table {flat['table']:.2f} s** "
         f"(target < {TARGET_SECONDS:g} s: {met['JSON']}, {met['table']})."),
        "",
        (f"**10,000 layers as a `repeat`, the table: {repeat['table']:.2f} s** "
         f"(target < {TARGET_SECONDS:g} s: {verdict(repeat['table'] < TARGET_SECONDS)})."),
        "",
        (f"**200,000 layers as a `repeat`, the table: {huge['table']:.2f} s** (target < {TARGET_HUGE_SECONDS:g} s: "
         f"{verdict(huge['table'] < TARGET_HUGE_SECONDS)}), peak RSS {huge_kib * 1024 / 1e6:.0f} MB."),
    ]


def size_section(walls: list[float], peak_mb: float, totals: dict) -> list[str]:
    wall, activations = statistics.median(walls), totals["activation_bytes"]
    return [
        "## b. Size: VGG-16 at 3x8192x8192",
        "",
        (f"`cnninspect {' '.join(VGG)}`: median wall {wall * 1000:.0f} ms (min {min(walls) * 1000:.0f}, "
         f"max {max(walls) * 1000:.0f}), peak RSS {peak_mb:.1f} MB (the largest of {len(walls)} runs)."),
        "",
        (f"What torch would need for the same forward pass: activations {activations / 2**30:,.1f} GiB "
         f"(`totals.activation_bytes` = {activations:,}), the largest one "
         f"{totals['largest_activation_bytes'] / 2**30:.1f} GiB; {totals['macs']:,} MACs."),
        "",
        (f"**Target (< {TARGET_SECONDS:.0f} s and < {TARGET_RSS_MB} MB): "
         f"{verdict(wall < TARGET_SECONDS and peak_mb < TARGET_RSS_MB)}.**"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    script = installed_cnninspect()
    compile_package()
    os.environ["CNNINSPECT_NO_CACHE"] = "1"  # every load parses its YAML, in process and in the children
    load_before = os.getloadavg()[0]  # other work on the machine shows in every time: say how busy it was
    with tempfile.TemporaryDirectory() as folder:
        specs = write_specs(pathlib.Path(folder))
        engine, processes, cli = depth_rows(script, specs, args.runs)
        huge_kib = peak_rss(script, ["summary", str(specs[f"{HUGE:,} layers, `repeat`"][0])])[1]
    walls, peak_kib, totals = vgg_figures(script, args.runs)
    write_report(RESULTS, [
        "# `cnninspect summary` scaling: depth and input size",
        "",
        (f"{machine(load_before)} Median of {args.runs} runs. The worst case: the parsed-spec cache off "
         f"(every load parses the YAML), every in-process analysis a first one (the engine's kept results cleared)."),
        "",
        *depth_section(engine, processes, cli, huge_kib),
        "",
        *size_section(walls, peak_kib * 1024 / 1e6, totals),  # ru_maxrss is in KiB on Linux
        "",
    ])


if __name__ == "__main__":
    main()
