"""How long `cnninspect import` takes on a ResNet-50 beyond importing torch (the goal: under 2 s).

Each run is a fresh process (nothing warm): it imports torch, then builds a ResNet-50 and imports it as a spec
(trace, shapes on the meta device, structure, blocks, YAML, the check against torch), timing each part. The
ResNet-50 is cnninspect.build("resnet50"), module for module torchvision's (tests/torch/test_build.py), built
on the meta device as `cnninspect import` builds a source; with torchvision installed (a scratch environment:
torchvision is never a dependency), torchvision:resnet50 itself is measured too. Writes
benchmarks/results/import_resnet50.md.

    python benchmarks/import_resnet50.py [RUNS]
"""

from __future__ import annotations

import json
import pathlib
import statistics
import subprocess
import sys

OUT = pathlib.Path(__file__).parent / "results" / "import_resnet50.md"
ONE_RUN = r"""
import json, sys, time
start = time.perf_counter()
import torch
imported_torch = time.perf_counter()
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
                  "beyond_torch": done - imported_torch, "lines": len(result.text.splitlines())}))
"""


def measure(which: str, runs: int) -> list[dict]:
    found = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", ONE_RUN, which], capture_output=True, text=True, check=True)
        found.append(json.loads(done.stdout))
    return found


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    cases = ["zoo"]
    try:
        import torchvision  # noqa: F401
        cases.append("torchvision:resnet50")
    except ImportError:
        pass
    import torch

    lines = [f"# Import of a ResNet-50 (torch {torch.__version__}, {runs} fresh processes each, median)", "",
             "| model | import torch | build | import (trace, check, write) | beyond importing torch | spec lines |",
             "|---|---|---|---|---|---|"]
    for which in cases:
        found = measure(which, runs)
        med = {key: statistics.median(run[key] for run in found) for key in ("torch", "build", "import",
                                                                              "beyond_torch")}
        name = "cnninspect.build('resnet50')" if which == "zoo" else which
        lines.append(f"| {name} | {med['torch']:.2f} s | {med['build']:.2f} s | {med['import']:.2f} s | "
                     f"**{med['beyond_torch']:.2f} s** | {found[0]['lines']} |")
        print(lines[-1], flush=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
