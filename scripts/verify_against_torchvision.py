"""`cnninspect verify --against` over the whole zoo: every model against torchvision's, one table.

Each zoo model is compared with its metadata.reference (torchvision:NAME where the spec names none and torchvision
has a model of that name); a model with neither is left out. The table says which agree fully and, for the others,
what differs, folded by kind (docs/verify.md explains the comparison). torchvision is never a dependency of
cnninspect: run this in a scratch virtual environment that has it, with the checkout on the path:

    PYTHONPATH=. /work/scratch-tv/bin/python scripts/verify_against_torchvision.py [MODEL ...] \\
        [--out benchmarks/results/verify_against_torchvision.md]
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import platform
import sys
import time
import warnings
from types import SimpleNamespace

import torch
import torchvision

from cnninspect.core.engine import analyze
from cnninspect.errors import InputError
from cnninspect.spec.load import load_model, zoo_names
from cnninspect.spec.sources import parse
from cnninspect.torch_backend.against import verify_against

KINDS_SHOWN = 6  # kinds of difference named per model; the JSON beside the table has them all


def reference_of(name: str, model) -> str | None:
    given = model.metadata.get("reference")
    if isinstance(given, str):
        return given
    return f"torchvision:{name}" if name in torchvision.models.list_models() else None


def kinds(differences: list[dict]) -> list[tuple[str, int]]:
    """The differences folded by kind (`ReLU.inplace`), each with how many modules say it and its first example."""
    counts: collections.Counter = collections.Counter()
    example: dict[str, str] = {}
    for d in (SimpleNamespace(**d) for d in differences):
        if d.group == "argument":
            key, text = f"{d.module}.{d.what}", f"spec {d.spec}, torchvision {d.reference}"
        elif d.group == "module":
            key = f"{d.reference if d.spec == '-' else d.spec} {d.what.replace('the reference', 'torchvision')}" \
                if d.what.startswith("only") else f"{d.path} class"
            text = "" if d.what.startswith("only") else f"spec {d.spec}, torchvision {d.reference}"
        elif d.path == "(total)":
            key, text = "parameters", f"spec {d.spec}, torchvision {d.reference}"
        else:
            key, text = f"{d.group} {d.what}", f"spec {d.spec}, torchvision {d.reference}"
        counts[key] += 1
        example.setdefault(key, text)
    return [(f"{key}: {example[key]}" if example[key] else key, n) for key, n in counts.most_common()]


def values_input(model, side: int) -> tuple[int, ...] | None:
    """The smaller input the outputs' values are compared at (`--values-size`), where the spec takes it."""
    if not side or model.input[1:] <= (side,) * (len(model.input) - 1):
        return None
    smaller = (model.input[0], *(side,) * (len(model.input) - 1))
    try:
        analyze(model, smaller)
    except InputError:
        return None
    return smaller


def run(names: list[str], side: int, write) -> list[dict]:
    """Each model compared; `write(rows)` after each (a long run leaves what it has measured)."""
    rows = []
    for name in names:
        model = load_model(name)
        source = reference_of(name, model)
        if source is None:
            print(f"{name}: no reference, left out", file=sys.stderr)
            continue
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            smaller = values_input(model, side)
            found = verify_against(analyze(model), parse(source), values_input=smaller)
        seconds = time.perf_counter() - start
        rows.append({"model": name, "reference": source, "ok": found.ok, "modules": found.modules,
                     "spec_params": found.spec_params, "reference_params": found.reference_params,
                     "outputs": found.outputs, "max_error": found.max_error, "tolerance": found.tolerance,
                     "skipped": found.skipped, "values_input": list(smaller or model.input), "differences": [dataclasses.asdict(d) for d in found.differences],
                     "seconds": round(seconds, 2)})
        write(rows)
        print(f"{name}: {'agrees' if found.ok else f'{len(found.differences)} differences'} ({seconds:.1f} s)",
              file=sys.stderr)
    return rows


def table(rows: list[dict], side: int) -> str:
    agree = [r["model"] for r in rows if r["ok"]]
    differ = [r for r in rows if not r["ok"]]
    lines = [
        "# `cnninspect verify --against`: the zoo against torchvision",
        "",
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, Python {platform.python_version()}; "
        f"scripts/verify_against_torchvision.py. Each zoo model's build compared with torchvision's model (its "
        f"untrained weights; docs/verify.md): leaf modules' classes and constructor arguments, parameter and "
        f"buffer names and shapes, every leaf's output shape at the model's input (meta device), the outputs with the "
        f"same weights (float64, batch 2, CPU, "
        + (f"at {side}x{side} where the model takes it, else at its input)." if side else "at the model's input).")
        + f" {sum(r['seconds'] for r in rows):.0f} s in all on a shared 2-core machine.",
        "",
        f"**{len(rows)} models: {len(agree)} agree fully, {len(differ)} differ.**",
        "",
        f"Agree fully: {', '.join(agree) if agree else 'none'}.",
        "",
        "| model | leaf modules | parameters | outputs (max abs difference) | differences | what differs (modules) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        params = f"{r['spec_params']:,}" if r["spec_params"] == r["reference_params"] else \
            f"{r['spec_params']:,} (torchvision {r['reference_params']:,})"
        values = f"{r['max_error']:.2g}" + ("" if r["max_error"] <= r["tolerance"] else " ✗") \
            if r["max_error"] is not None else r["skipped"]
        folded = kinds(r["differences"])
        what = "; ".join(f"{k}" + (f" (×{n}; the first shown)" if n > 1 and ":" in k else f" (×{n})")
                         for k, n in folded[:KINDS_SHOWN])
        if len(folded) > KINDS_SHOWN:
            what += f"; {len(folded) - KINDS_SHOWN} more kinds"
        lines.append(f"| {r['model']} | {r['modules']} | {params} | {values} | {len(r['differences']) or '✓'} | "
                     f"{what.replace('|', '/') or '-'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="zoo models (default: every one)")
    parser.add_argument("--out", default="benchmarks/results/verify_against_torchvision.md")
    parser.add_argument("--values-size", type=int, default=0, metavar="N",
                        help="compare the outputs' values at N x N (where the spec takes it; 0: at the model's input) "
                             "to spare the CPU; the shapes are compared at the model's input on the meta device")
    options = parser.parse_args()

    def write(rows: list[dict]) -> None:
        with open(options.out, "w", encoding="utf-8") as out:
            out.write(table(rows, options.values_size))
        with open(options.out.rsplit(".", 1)[0] + ".json", "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=1)

    rows = run(options.models or list(zoo_names()), options.values_size, write)
    print(table(rows, options.values_size))


if __name__ == "__main__":
    main()
