"""How fast `cnninspect draw` and `cnninspect report` are on a 1,000-layer spec (issue #17: under a second).

Two specs of about 1,000 layers over 16x32x32: a flat chain (conv 3x3 and relu alternating, one layer per line)
and 143 residual blocks (conv, bn, relu, conv, bn, add with an identity branch, relu: 7 layers and a merge each),
each block a named module `block{i}` made by a `repeat` — the branches, merges and folding a drawing meets.

In process: the drawing from an analysis (structure, layout and SVG; mermaid; dot; the same folded at depth 1)
and the report page (its drawings at every depth it offers included), medians in ms. As a process:
`cnninspect draw FILE -o X.svg`, `draw --depth 1`, `draw --format mermaid` and `report FILE -o X.html`, end to
end, taking turns, with the parsed-spec cache off (CNNINSPECT_NO_CACHE=1: every run parses the YAML). Target: each
under a second.

Writes benchmarks/results/pictures.md.

    python benchmarks/pictures.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

from common import alternate, compile_package, installed_cnninspect, machine, verdict, write_report

RESULTS = pathlib.Path(__file__).parent / "results" / "pictures.md"
TARGET_SECONDS = 1.0
CHAIN = "name: chain1000\ninput: [16, 32, 32]\nlayers:\n" + "".join(
    f"  - {'conv: {out: 16, kernel: 3, padding: 1}' if i % 2 == 0 else 'relu'}\n" for i in range(1000))
RESIDUAL = """name: residual1000
input: [16, 32, 32]
layers:
  - repeat:
      times: 143
      layers:
        - seq:
            name: block{i}
            layers:
              - conv: {name: conv1, out: 16, kernel: 3, padding: 1, bias: false}
              - bn: {name: bn1}
              - relu: {name: relu}
              - add:
                  branches:
                    - [conv: {name: conv2, out: 16, kernel: 3, padding: 1, bias: false}, bn: {name: bn2}]
                    - seq: {name: identity, layers: []}
              - relu: {name: relu}
"""


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def in_process(path: pathlib.Path, runs: int) -> tuple[int, dict[str, float]]:
    from cnninspect.core.compare import Column
    from cnninspect.core.engine import analyze
    from cnninspect.core.summary import summarize
    from cnninspect.render.diagram.structure import diagram
    from cnninspect.render.diagram.svg import render_svg
    from cnninspect.render.diagram.text import render_dot, render_mermaid
    from cnninspect.commands.report import _with_diagrams as with_diagrams
    from cnninspect.render.report.html import render_report
    from cnninspect.spec.load import load_model

    analysis = analyze(load_model(str(path)))
    column = Column(path.stem, summarize(analysis))
    return len(analysis.rows), {
        "SVG": median_ms(lambda: render_svg(diagram(analysis)), runs),
        "SVG, --depth 1": median_ms(lambda: render_svg(diagram(analysis, 1)), runs),
        "mermaid": median_ms(lambda: render_mermaid(diagram(analysis)), runs),
        "dot": median_ms(lambda: render_dot(diagram(analysis)), runs),
        "report page": median_ms(lambda: render_report([with_diagrams(column, analysis, None)], None), runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    os.environ["CNNINSPECT_NO_CACHE"] = "1"
    compile_package()
    load = os.getloadavg()[0]
    cli = installed_cnninspect()
    folder = pathlib.Path(tempfile.mkdtemp(prefix="cnninspect-pictures-"))
    specs = {"chain": folder / "chain1000.yaml", "residual": folder / "residual1000.yaml"}
    specs["chain"].write_text(CHAIN)
    specs["residual"].write_text(RESIDUAL)
    lines = ["# `cnninspect draw` and `report` on 1,000-layer specs", "",
             f"{machine(load)} Median of {runs} runs.", "",
             "In process, from an analysis (what the command does after loading and walking the spec), ms:", "",
             "| spec | layers | SVG | SVG, --depth 1 | mermaid | dot | report page |", "|---|---|---|---|---|---|---|"]
    for label, path in specs.items():
        rows, times = in_process(path, runs)
        lines.append(f"| {label} | {rows:,} | " + " | ".join(f"{t:.0f}" for t in times.values()) + " |")
    lines += ["", "As a process, end to end (start-up, YAML parsed, walked, drawn, written), the cache off, ms:", "",
              "| spec | draw -o X.svg | draw --depth 1 | draw --format mermaid | report -o X.html | target |",
              "|---|---|---|---|---|---|"]
    worst = 0.0
    for label, path in specs.items():
        out = folder / label
        commands = {
            "svg": [cli, "draw", str(path), "-o", f"{out}.svg"],
            "depth": [cli, "draw", str(path), "--depth", "1", "-o", f"{out}_1.svg"],
            "mermaid": [cli, "draw", str(path), "--format", "mermaid", "-o", f"{out}.mmd"],
            "report": [cli, "report", str(path), "-o", f"{out}.html"],
        }
        times = {name: statistics.median(ts) for name, ts in alternate(commands, runs).items()}
        worst = max(worst, *times.values())
        lines.append(f"| {label} | " + " | ".join(f"{t * 1e3:.0f}" for t in times.values())
                     + f" | < {TARGET_SECONDS * 1e3:.0f}: {verdict(max(times.values()) < TARGET_SECONDS)} |")
        sizes = {name: os.path.getsize(command[-1]) for name, command in commands.items()}
        lines.append(f"| (bytes written) | " + " | ".join(f"{s:,}" for s in sizes.values()) + " | |")
    lines += ["", f"Slowest: {worst * 1e3:.0f} ms; target under {TARGET_SECONDS:.0f} s: "
                  f"{verdict(worst < TARGET_SECONDS)}.", ""]
    write_report(RESULTS, lines)
    sys.exit(0 if worst < TARGET_SECONDS else 1)


if __name__ == "__main__":
    main()
