"""How long `cnninspect import` takes on a ResNet-50 beyond importing torch (the goal: under 2 s).

Each run is a fresh process (nothing warm): it imports torch, then builds a ResNet-50 and imports it as a spec
(trace, shapes on the meta device, structure, blocks, YAML, the check against torch), timing each part. The
ResNet-50 is cnninspect.build("resnet50"), module for module torchvision's (tests/torch/test_build.py), built
on the meta device as `cnninspect import` builds a source; with torchvision installed (a scratch environment:
torchvision is never a dependency), torchvision:resnet50 itself is measured too. Writes
benchmarks/results/import_resnet50.md.

With --before TREE (a checkout of an earlier cnninspect, e.g. `git worktree add /tmp/before COMMIT`), that
tree's import is measured too, its runs interleaved with this tree's, so both see the same machine: a shared
machine's load shifts wall times by seconds, so the CPU time of each process is given beside them.

    python benchmarks/import_resnet50.py [RUNS] [--before TREE]
"""

from __future__ import annotations

import compileall
import json
import os
import pathlib
import statistics
import subprocess
import sys

from common import machine

OUT = pathlib.Path(__file__).parent / "results" / "import_resnet50.md"
ONE_RUN = r"""
import json, sys, time
start = time.perf_counter()
import torch
imported_torch = time.perf_counter()
cpu_torch = time.process_time()
from cnninspect.errors import InputError
which = sys.argv[1]
if which == "zoo":
    import cnninspect
    from cnninspect.torch_backend.importer import import_module
    with torch.device("meta"):
        module = cnninspect.build("resnet50")
    built = time.perf_counter()
    result = import_module(module, (3, 224, 224), name="resnet50", source="zoo:resnet50")
else:
    from cnninspect.torch_backend.importer import import_source
    built = time.perf_counter()
    result = import_source(which)
done = time.perf_counter()
print(json.dumps({"torch": imported_torch - start, "build": built - imported_torch, "import": done - built,
                  "beyond_torch": done - imported_torch, "cpu_beyond_torch": time.process_time() - cpu_torch,
                  "lines": len(result.text.splitlines())}))
"""


HERE = pathlib.Path(__file__).resolve().parent.parent
KEYS = ("torch", "build", "import", "beyond_torch", "cpu_beyond_torch")


def one_run(which: str, tree: pathlib.Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "CNNINSPECT_NO_CACHE": "1"}
    done = subprocess.run([sys.executable, "-c", ONE_RUN, which], capture_output=True, text=True, check=True,
                          env=env, cwd=tree)
    return json.loads(done.stdout)


def main() -> None:
    arguments = sys.argv[1:]
    before = None
    if "--before" in arguments:
        at = arguments.index("--before")
        before = pathlib.Path(arguments[at + 1]).resolve()
        del arguments[at:at + 2]
    runs = int(arguments[0]) if arguments else 5
    cases = ["zoo"]
    try:
        import torchvision  # noqa: F401
        cases.append("torchvision:resnet50")
    except ImportError:
        pass
    import torch

    trees = [("before", before), ("now", HERE)] if before else [("now", HERE)]
    for _, tree in trees:  # bytecode, as `pip install` leaves it (PYTHONDONTWRITEBYTECODE would compile every run)
        compileall.compile_dir(tree / "cnninspect", quiet=1)
    load = os.getloadavg()[0]
    lines = [f"# Import of a ResNet-50 (torch {torch.__version__}, {runs} fresh processes each, median)", "",
             "MACHINE", "",
             "| model | code | import torch | build | import (trace, check, write) | beyond importing torch "
             "| CPU time beyond torch | spec lines |",
             "|---|---|---|---|---|---|---|---|"]
    for which in cases:
        found: dict[str, list[dict]] = {label: [] for label, _ in trees}
        for _ in range(runs):  # interleaved: both trees see the same load
            for label, tree in trees:
                found[label].append(one_run(which, tree))
        for label, _ in trees:
            med = {key: statistics.median(run[key] for run in found[label]) for key in KEYS}
            name = "cnninspect.build('resnet50')" if which == "zoo" else which
            lines.append(f"| {name} | {label} | {med['torch']:.2f} s | {med['build']:.2f} s | {med['import']:.2f} s | "
                         f"**{med['beyond_torch']:.2f} s** | {med['cpu_beyond_torch']:.2f} s | "
                         f"{found[label][0]['lines']} |")
            print(lines[-1], flush=True)
    lines[2] = machine(load) + (f" before: the cnninspect tree {before}; now: this checkout." if before else "")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
