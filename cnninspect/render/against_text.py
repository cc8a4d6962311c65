"""What `verify --against` found, in words and in JSON. The words group the differences (GROUPS' order) and fold
those that say the same at the same place of the spec (the eight ReLUs one block writes) into one line that
lists their paths; the JSON lists every difference. Paths and values come from files: the lines are inert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnninspect.inert import inert
from cnninspect.render.torch_text import FAIL, PASS

if TYPE_CHECKING:  # the renderers stay importable without torch
    from cnninspect.torch_backend.against import Comparison, Difference

MAX_LINES = 12  # per group, in words; the JSON has them all
MAX_PATHS = 3  # paths named on one folded line


def lines(found: "Comparison", source: str) -> list[str]:
    if found.ok:
        return [inert(f"{PASS} agrees with {source}: {_agreed(found)}")]
    groups: dict[str, dict[tuple, list[str]]] = {}
    for d in found.differences:
        key = (d.loc, d.module, d.what, d.spec, d.reference)
        groups.setdefault(d.group, {}).setdefault(key, []).append(d.path)
    counts = ", ".join(f"{_plural(g, sum(map(len, folded.values())))}" for g, folded in groups.items())
    out = [inert(f"{FAIL} differs from {source} in {len(found.differences)} place(s): {counts}")]
    for group, folded in groups.items():
        out.append(f"  {group}:")
        for (loc, module, what, spec, reference), paths in list(folded.items())[:MAX_LINES]:
            out.append(inert(f"    {loc + ': ' if loc else ''}{_paths(paths, module)}: {what}: spec {spec}, "
                             f"reference {reference}"))
        if len(folded) > MAX_LINES:
            out.append(f"    ... and {len(folded) - MAX_LINES} more (--format json lists every one)")
    if found.skipped:
        out.append(inert(f"  outputs with the same weights: {found.skipped}"))
    return out


def _agreed(found: "Comparison") -> str:
    shapes = "the meta device" if found.shapes_on == "meta" else "the CPU"
    values = (f"the outputs with the same weights (max |spec - reference| {found.max_error:.3g} <= "
              f"{found.tolerance:.3g}; float64, CPU)") if found.max_error is not None else \
        f"outputs with the same weights {found.skipped}"
    return (f"{found.modules} leaf modules' classes and arguments, {found.tensors} parameters' and buffers' names "
            f"and shapes ({found.reference_params:,} parameters), {found.outputs} leaf outputs' shapes (on "
            f"{shapes}), {values}")


def _plural(group: str, n: int) -> str:
    return f"{n} {group}{'' if n == 1 else 'es' if group.endswith('s') else 's'}"


def _paths(paths: list[str], module: str) -> str:
    named = ", ".join(paths[:MAX_PATHS]) + (f" and {len(paths) - MAX_PATHS} more" if len(paths) > MAX_PATHS else "")
    return f"{module} {named}" if module else named


def as_json(found: "Comparison", source: str) -> dict:
    return {"source": source, "ok": found.ok, "modules": found.modules, "tensors": found.tensors,
            "spec_params": found.spec_params, "reference_params": found.reference_params,
            "outputs": found.outputs, "shapes_on": found.shapes_on, "max_error": found.max_error,
            "tolerance": found.tolerance, "values_skipped": found.skipped or None,
            "differences": [_difference(d) for d in found.differences]}


def _difference(d: "Difference") -> dict:
    return {"group": d.group, "path": d.path, "what": d.what, "spec": d.spec, "reference": d.reference,
            "loc": d.loc, "module": d.module or None}
