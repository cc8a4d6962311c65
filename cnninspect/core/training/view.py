"""A training step as the summary shows it: each shown row's figures (a folded row sums its layers')."""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core.engine import Row
from cnninspect.core.sizes import Limit
from cnninspect.core.summary import Summary
from cnninspect.core.training.memory import Training


class TrainView(NamedTuple):
    summary: Summary
    training: Training
    budget: Limit | None = None  # --fit: the budget the batch was found under
    over: Training | None = None  # --fit: the step at one more in the batch, which does not fit
    sized: object | None = None  # --fit over an --input range: the SizeFit (its `over` is the next size's step)

    def figures(self, row: Row) -> tuple[int, int]:
        """(saved bytes, backward MACs) of a shown row: its own, or its layers' for a folded row."""
        return _by_path(self)[row.path] if row.kind == "block" else _by_row(self)[id(row)]


def _by_row(view: TrainView) -> dict:
    return {id(row): (layer.saved, layer.backward_macs)
            for row, layer in zip(view.summary.analysis.rows, view.training.layers)}


def _by_path(view: TrainView) -> dict:
    """Every path prefix -> the sums of the layers at or under it."""
    sums: dict[str, tuple[int, int]] = {}
    for row, layer in zip(view.summary.analysis.rows, view.training.layers):
        parts = row.path.split(".")
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            saved, macs = sums.get(prefix, (0, 0))
            sums[prefix] = (saved + layer.saved, macs + layer.backward_macs)
    return sums
