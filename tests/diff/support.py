"""What the diff tests share: a model's summary, a diff of two, and the invariants every diff keeps."""

from __future__ import annotations

from cnninspect.core.diff import Diff, diff, fold
from cnninspect.core.engine import analyze
from cnninspect.core.summary import summarize
from cnninspect.spec.load import load_model


def summary(name: str, batch: int = 1, **args):
    model = load_model(name)
    return summarize(analyze(model, model.input, args), batch)


def diff_of(old: str, new: str, depth: int | None = None, old_args=None, new_args=None, batch: int = 1) -> Diff:
    return diff(summary(old, batch, **(old_args or {})), summary(new, batch, **(new_args or {})), old, new, depth)


def assert_invariants(d: Diff) -> None:
    """Every layer of either side in exactly one entry, in its side's order; the deltas of the layers, of the
    folded layers and of the blocks each sum to the difference of the totals the two summaries give."""
    for side, rows in (("old", d.old.analysis.rows), ("new", d.new.analysis.rows)):
        main = [getattr(e, side) for e in d.entries if getattr(e, side) is not None]
        aux = [getattr(e, side) for e in d.aux_entries if getattr(e, side) is not None]
        assert main == [r for r in rows if not r.aux]
        assert aux == [r for r in rows if r.aux]
    a, b = d.old.totals, d.new.totals
    for entries in (d.entries, d.layers, fold(d.entries, 1), fold(d.entries, 2)):
        assert sum(e.params for e in entries) + sum(e.params for e in d.aux_entries) == b.params - a.params
        assert sum(e.macs for e in entries) == b.macs - a.macs
        assert sum(e.activation_bytes for e in entries) == b.activation_bytes - a.activation_bytes
    assert sum(e.params for e in d.blocks) == b.params - a.params
    assert sum(e.macs for e in d.aux_entries) == b.aux_macs - a.aux_macs
    for e in (*d.entries, *d.aux_entries):
        if e.status == "unchanged":
            assert (e.params, e.macs, e.activation_bytes) == (0, 0, 0) and e.old.path == e.new.path
        if e.status == "renamed":
            assert e.old.path != e.new.path and e.old.params == e.new.params and e.old.output == e.new.output
        if e.status in ("added", "removed"):
            assert (e.old is None) != (e.new is None) and e.match == ""
