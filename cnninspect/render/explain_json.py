"""`summary --explain --format json`: the worked output-size formulas as a JSON section (docs/json.md), the same
lines the text view prints (render/formula.py), one entry per windowed layer and one per spatial axis."""

from __future__ import annotations

from cnninspect.core.summary import Summary
from cnninspect.render.formula import symbolic, worked


def explain_section(summary: Summary) -> list[dict]:
    return [{
        "path": row.path, "type": row.type_name, "aux": row.aux,
        "input": list(row.input[1:]), "output": list(row.output[1:]),
        "axes": [{"input": n, "output": axis.output(n), "rule": symbolic(axis), "formula": worked(axis, n)}
                 for axis, n in zip(row.windows, row.input[1:])],
    } for row in summary.analysis.rows if row.windows]
