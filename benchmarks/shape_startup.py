"""Start-up cost of `cnninspect shape` against `import torch`, both as whole processes, in one run.

Runs the two commands alternately (so drift in machine load hits both alike), takes the median wall time
of each, prints the ratio and writes benchmarks/results/shape_startup.md. Target: ratio <= 0.1.

    python benchmarks/shape_startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import time

RESULTS = pathlib.Path(__file__).parent / "results" / "shape_startup.md"
TARGET = 0.1


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    script = shutil.which("cnninspect") or sys.exit("install cnninspect first: pip install -e .")
    commands = {
        "cnninspect shape --n 227 --f 11 --s 4": [script, "shape", "--n", "227", "--f", "11", "--s", "4"],
        'python -c "import torch"': [sys.executable, "-c", "import torch"],
    }
    for command in commands.values():  # warm the file cache once
        wall_time(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(wall_time(command))

    ours, torch = (statistics.median(t) for t in times.values())
    ratio = ours / torch
    rows = [f"| `{name}` | {statistics.median(t) * 1000:.1f} | {min(t) * 1000:.1f} | {max(t) * 1000:.1f} |"
            for name, t in times.items()]
    report = "\n".join([
        "# `cnninspect shape` start-up against `import torch`",
        "",
        f"Whole processes, alternating, {args.runs} runs each; wall time in ms. "
        f"Python {platform.python_version()}, {platform.machine()}, {platform.system()}.",
        "",
        "| command | median | min | max |",
        "|---|---|---|---|",
        *rows,
        "",
        f"**Ratio of medians: {ratio:.3f}** (target <= {TARGET}: {'met' if ratio <= TARGET else 'NOT met'}).",
        "",
    ])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
