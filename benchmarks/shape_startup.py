"""Start-up cost of `cnninspect shape` against `import torch`, both as whole processes, in one run.

Runs the two commands alternately (so drift in machine load hits both alike), takes the median wall time
of each, prints the ratio and writes benchmarks/results/shape_startup.md. Target: ratio <= 0.1.

    python benchmarks/shape_startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys

from common import alternate, compile_package, installed_cnninspect, machine, verdict, write_report

RESULTS = pathlib.Path(__file__).parent / "results" / "shape_startup.md"
TARGET = 0.1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    script = installed_cnninspect()
    compile_package()  # bytecode, as an install leaves it
    load_before = os.getloadavg()[0]
    commands = {
        "cnninspect shape --n 227 --f 11 --s 4": [script, "shape", "--n", "227", "--f", "11", "--s", "4"],
        'python -c "import torch"': [sys.executable, "-c", "import torch"],
    }
    times = alternate(commands, args.runs)

    ours, torch = (statistics.median(t) for t in times.values())
    ratio = ours / torch
    rows = [f"| `{name}` | {statistics.median(t) * 1000:.1f} | {min(t) * 1000:.1f} | {max(t) * 1000:.1f} |"
            for name, t in times.items()]
    write_report(RESULTS, [
        "# `cnninspect shape` start-up against `import torch`",
        "",
        f"Whole processes, alternating, {args.runs} runs each; wall time in ms. {machine(load_before)}",
        "",
        "| command | median | min | max |",
        "|---|---|---|---|",
        *rows,
        "",
        f"**Ratio of medians: {ratio:.3f}** (target <= {TARGET}: {verdict(ratio <= TARGET)}).",
        "",
    ])


if __name__ == "__main__":
    main()
