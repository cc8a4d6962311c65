"""A summary as JSON: the stable shape other tools read (docs/json.md, version 1)."""

from __future__ import annotations

from cnninspect.core import lint
from cnninspect.core.engine import Row
from cnninspect.core.summary import Summary
from cnninspect.render import figures
from cnninspect.render.jsonfmt import dumps
from cnninspect.render.text import fraction

VERSION = 1


def render(summary: Summary, sections: dict | None = None, train=None) -> str:
    """`sections`: what the torch backend adds ("verification", "timing"), after the totals."""
    model, t, batch = summary.analysis.model, summary.totals, summary.batch
    return dumps({
        "version": VERSION,
        "model": {"name": model.name, "source": model.source, "file": model.file,
                  **({"args": dict(summary.settings)} if summary.settings else {})},  # --set, where given
        "input": [batch, *summary.analysis.input],
        **({"inputs": {name: [batch, *shape] for name, shape in summary.analysis.inputs}}
           if len(summary.analysis.inputs) > 1 else {}),  # a spec of several `inputs`: each, by name
        "output": [batch, *summary.analysis.output],
        "batch": batch,
        "dtype": summary.dtype,
        "depth": summary.depth,
        "layers": [_row(row, summary, train) for row in (*summary.rows, *summary.aux_rows)],
        "totals": {
            "params": t.params, "trainable_params": t.params, "aux_params": t.aux_params, "buffers": t.buffers,
            "macs": t.macs, "flops": t.flops, "aux_macs": t.aux_macs, "ops": t.ops, "aux_ops": t.aux_ops,
            "param_bytes": t.param_bytes, "input_bytes": t.input_bytes, "activation_bytes": t.activation_bytes,
            "largest_activation_bytes": t.largest_activation_bytes,
        },
        **({"training": _training(train)} if train is not None else {}),
        **(sections or {}),
    })


def _training(train) -> dict:
    from cnninspect.render.training_text import section
    return section(train)


def _row(row: Row, summary: Summary, train=None) -> dict:
    batch = summary.batch
    if row.footprint is None:
        receptive_field = "all"
    else:
        receptive_field = {"size": [f.size for f in row.footprint],
                           "jump": [fraction(f.jump) for f in row.footprint]}
    found = {
        "path": row.path, "type": row.type_name, "kind": row.kind, "aux": row.aux, "module": row.module,
        **({"shared": True} if row.shared else {}),  # a module used again (`share`): params at its first use
        "input": [batch, *row.input], "output": [batch, *row.output],
        "output_bytes": summary.output_bytes(row),
        "params": row.params, "buffers": row.buffers, "macs": row.macs * batch, "ops": row.ops * batch,
        "receptive_field": receptive_field, "lint": lint.mark(row),
        "unused_input": [c.unused_input for c in row.coverage],
    }
    if train is not None:
        found["saved_bytes"], found["backward_macs"] = train.figures(row)
    return found
