"""How `cnninspect summary` scales: with the number of layers in a spec, and with the input size.

a. Depth: specs of 1,000, 3,000 and 10,000 layers (conv 3x3 and relu, alternating, over an 8x32x32 input), written
   out one layer per line, plus 10,000 layers as one `repeat`. In process: load_model (read + build) and
   summarize(analyze(...)), each per layer; as a process: `cnninspect summary FILE --format json`.
   Target: the 10,000-layer file summarised end to end in under a second.
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

from common import compile_package, installed_cnninspect, machine, verdict, wall_time, write_report

RESULTS = pathlib.Path(__file__).parent / "results" / "scaling.md"
DEPTHS = (1_000, 3_000, 10_000)
TARGET_SECONDS = 1.0
TARGET_RSS_MB = 100
HEADER = "name: chain{layers}\ninput: [8, 32, 32]\nlayers:\n"
PAIR = ("conv: {out: 8, kernel: 3, padding: 1}", "relu")
VGG = ["summary", "vgg16", "--input", "3x8192x8192", "--format", "json"]
# A fresh helper whose only child is the command: RUSAGE_CHILDREN then holds that child's peak RSS alone.
PEAK_RSS = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def write_specs(folder: pathlib.Path) -> dict[str, tuple[pathlib.Path, int]]:
    """Label -> (file, layers). Flat files spell every layer out, so reading cost grows with depth too."""
    specs = {}
    for layers in DEPTHS:
        path = folder / f"chain{layers}.yaml"
        path.write_text(HEADER.format(layers=layers) + "".join(f"  - {PAIR[i % 2]}\n" for i in range(layers)))
        specs[f"{layers:,} layers, flat"] = (path, layers)
    path = folder / "repeat10000.yaml"
    path.write_text(HEADER.format(layers="_repeat") + f"  - repeat: {{times: 5000, layers: [{', '.join(PAIR)}]}}\n")
    specs["10,000 layers, `repeat`"] = (path, 10_000)
    return specs


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def depth_rows(script: str, specs: dict, runs: int) -> tuple[list[str], dict[str, float]]:
    from cnninspect.core.engine import analyze, clear_caches
    from cnninspect.core.summary import summarize
    from cnninspect.spec.load import load_model

    def first_analysis(model):
        clear_caches()
        return summarize(analyze(model))

    rows, cli = [], {}
    for label, (path, layers) in specs.items():
        model = load_model(str(path))
        counted = len(summarize(analyze(model)).rows)
        if counted != layers:
            sys.exit(f"{path.name}: expected {layers} rows, cnninspect gives {counted}")
        load = median_time(lambda path=path: load_model(str(path)), runs)
        walk = median_time(lambda model=model: first_analysis(model), runs)
        cli[label] = statistics.median(wall_time([script, "summary", str(path), "--format", "json"])
                                       for _ in range(runs))
        size_kib = path.stat().st_size / 1024
        rows.append(f"| {label} | {size_kib:.1f} | {load * 1000:.0f} | {load / layers * 1e6:.1f} | "
                    f"{walk * 1000:.0f} | {walk / layers * 1e6:.1f} | {cli[label] * 1000:.0f} | "
                    f"{cli[label] / layers * 1e6:.1f} |")
    return rows, cli


def vgg_figures(script: str, runs: int) -> tuple[list[float], int, dict]:
    """Wall seconds per run, the largest peak RSS in KiB, and the JSON totals."""
    walls, peaks = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PEAK_RSS, script, *VGG], check=True, capture_output=True,
                             text=True).stdout.split()
        walls.append(float(out[0]))
        peaks.append(int(out[1]))
    totals = json.loads(subprocess.run([script, *VGG], check=True, capture_output=True, text=True).stdout)["totals"]
    return walls, max(peaks), totals


def depth_section(rows: list[str], flat: float) -> list[str]:
    return [
        "## a. Depth: conv 3x3 + relu chains over 8x32x32",
        "",
        ("load = `load_model(path)` (read YAML + build); analyze = `summarize(analyze(model))`; "
         "CLI = `cnninspect summary FILE --format json` as a whole process. Times in ms, per layer in µs."),
        "",
        "| spec | KiB | load | µs/layer | analyze | µs/layer | CLI | µs/layer |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        (f"**10,000 flat layers, end to end: {flat:.2f} s** (target < {TARGET_SECONDS:g} s: "
         f"{verdict(flat < TARGET_SECONDS)})."),
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
        rows, cli = depth_rows(script, write_specs(pathlib.Path(folder)), args.runs)
    walls, peak_kib, totals = vgg_figures(script, args.runs)
    write_report(RESULTS, [
        "# `cnninspect summary` scaling: depth and input size",
        "",
        (f"{machine(load_before)} Median of {args.runs} runs. The worst case: the parsed-spec cache off "
         f"(every load parses the YAML), every in-process analysis a first one (the engine's kept results cleared)."),
        "",
        *depth_section(rows, cli[f"{DEPTHS[-1]:,} layers, flat"]),
        "",
        *size_section(walls, peak_kib * 1024 / 1e6, totals),  # ru_maxrss is in KiB on Linux
        "",
    ])


if __name__ == "__main__":
    main()
