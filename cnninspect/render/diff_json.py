"""`cnninspect diff --format json`: the diff as a stable document (docs/diff.md, version 1)."""

from __future__ import annotations

from cnninspect.core.diff import Diff, Entry, receptive_field
from cnninspect.core.engine import Row
from cnninspect.core.summary import Summary
from cnninspect.render.diff_text import shown, value
from cnninspect.render.text import fraction

VERSION = 1


def render(d: Diff, show_all: bool = False) -> str:
    from cnninspect.render.jsonfmt import dumps

    return dumps({
        "version": VERSION,
        "old": _side(d.old_label, d.old),
        "new": _side(d.new_label, d.new),
        "batch": d.new.batch,
        "dtype": d.new.dtype,
        "depth": d.depth,
        "same": d.same,
        "counts": {status: d.count(status) for status in ("added", "removed", "changed", "renamed", "unchanged")},
        "totals": {t.key: {"old": _plain(t.old), "new": _plain(t.new), "delta": t.delta} for t in d.totals},
        "blocks": [_entry(e, d) for e in shown(d.blocks, show_all)],
        "layers": [_entry(e, d) for e in shown(d.layers, show_all)],
        "aux_layers": [_entry(e, d) for e in shown(d.aux_entries, show_all)],
    })


def _side(label: str, s: Summary) -> dict:
    model = s.analysis.model
    return {"label": label, "model": model.name, "file": model.file, "input": [s.batch, *s.analysis.input],
            "output": [s.batch, *s.analysis.output]}


def _entry(e: Entry, d: Diff) -> dict:
    return {
        "status": e.status,
        "match": e.match or None,
        "path": e.path,
        "layers": e.layers,
        "counts": dict(e.counts),
        "old": _row(e.old, d.old),
        "new": _row(e.new, d.new),
        "changes": [{"what": c.what, "old": _setting(c.old), "new": _setting(c.new)} for c in e.changes],
        "delta": {"params": e.params, "macs": e.macs, "activation_bytes": e.activation_bytes},
    }


def _row(row: Row | None, s: Summary) -> dict | None:
    if row is None:
        return None
    rf = receptive_field(row)
    return {
        "path": row.path, "type": row.type_name, "kind": row.kind, "where": str(row.loc),
        "input": [s.batch, *row.input], "output": [s.batch, *row.output],
        "params": row.params, "macs": row.macs * s.batch, "output_bytes": s.output_bytes(row),
        "receptive_field": "all" if rf is None else list(rf),
        "jump": "all" if rf is None else [fraction(f.jump) for f in row.footprint],
    }


def _plain(v: object) -> object:
    return list(v) if isinstance(v, tuple) else v


def _setting(v: object) -> object:
    """A setting as JSON: numbers, booleans, strings and null as they are, a tuple as a list; anything else as the
    table writes it."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if v == v and abs(v) != float("inf") else value(v)
    if isinstance(v, tuple):
        return [_setting(x) for x in v]
    return value(v)
