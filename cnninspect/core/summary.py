"""Totals and views of an analysis: at a batch size and dtype, and folded to a depth. What every renderer reads."""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core.engine import Analysis, Row
from cnninspect.core.layers.base import numel
from cnninspect.core.paired import yields_indices
from cnninspect.syntax import DTYPE_BYTES  # the one table of element types


class Totals(NamedTuple):
    """Whole-model figures. MACs and ops are for the whole batch; inference excludes the auxiliary heads,
    which run in training only, as torch does in eval mode. Parameters include them: they exist."""

    params: int
    aux_params: int
    buffers: int
    macs: int
    aux_macs: int
    ops: int
    aux_ops: int
    param_bytes: int
    input_bytes: int
    activation_bytes: int  # every inference layer's output, kept (what a forward pass for training stores)
    largest_activation_bytes: int

    @property
    def flops(self) -> int:
        return 2 * self.macs


class Summary(NamedTuple):
    analysis: Analysis
    batch: int
    dtype: str
    totals: Totals
    rows: tuple[Row, ...]  # inference rows, folded to the requested depth
    aux_rows: tuple[Row, ...]
    depth: int | None
    settings: tuple = ()  # the model's arguments the caller set (--set), (name, value) pairs as given

    def output_bytes(self, row: Row) -> int:
        """A layer's output at this batch and dtype (a max pool's int64 indices too, where it returns them)."""
        return output_bytes(row, self.batch, DTYPE_BYTES[self.dtype])

    @property
    def receptive_row(self) -> Row | None:
        """The layer whose receptive field is the model's (receptive_row below)."""
        return receptive_row(self.analysis)


def summarize(analysis: Analysis, batch: int = 1, dtype: str = "float32", depth: int | None = None,
              settings: dict | None = None) -> Summary:
    main = [r for r in analysis.rows if not r.aux]
    aux = [r for r in analysis.rows if r.aux]
    return Summary(analysis, batch, dtype, totals(analysis, batch, dtype), fold(main, depth), fold(aux, depth), depth,
                   tuple((settings or {}).items()))


def totals(analysis: Analysis, batch: int = 1, dtype: str = "float32") -> Totals:
    """The whole model's figures at a batch and dtype: the only place the rows are summed (the torch backend's
    cross-check and timing read them here too)."""
    size = DTYPE_BYTES[dtype]
    main = [r for r in analysis.rows if not r.aux]
    aux = [r for r in analysis.rows if r.aux]
    outputs = [output_bytes(r, batch, size) for r in main]
    params = sum(r.params for r in analysis.rows)
    return Totals(
        params=params,
        aux_params=sum(r.params for r in aux),
        buffers=sum(r.buffers for r in analysis.rows),
        macs=sum(r.macs for r in main) * batch,
        aux_macs=sum(r.macs for r in aux) * batch,
        ops=sum(r.ops for r in main) * batch,
        aux_ops=sum(r.ops for r in aux) * batch,
        param_bytes=params * size,
        input_bytes=sum(numel(shape) for _, shape in analysis.inputs or ((None, analysis.input),)) * batch * size,
        activation_bytes=sum(outputs),
        largest_activation_bytes=max(outputs, default=0),
    )


INDEX_BYTES = 8  # a max pool's indices are int64


def output_bytes(row: Row, batch: int, size: int) -> int:
    """What a layer's forward makes and hands on: its output, and a max pool's indices where it returns them
    (`indices: true`), which torch allocates as int64 tensors of the output's shape."""
    indices = INDEX_BYTES if yields_indices(row) else 0
    return numel(row.output) * batch * (size + indices)


def receptive_row(analysis: Analysis) -> Row | None:
    """The last inference layer that still has spatial axes: the one whose receptive field is the model's (the
    summary's output line, check's min_receptive_field, compare's and diff's receptive field, the report). An
    auxiliary head runs in training only: never it."""
    return next((r for r in reversed(analysis.rows) if r.footprint and not r.aux), None)


def fold(rows: list[Row], depth: int | None) -> tuple[Row, ...]:
    """Consecutive rows deeper than `depth` with the same path prefix of that depth become one row."""
    if depth is None:
        return tuple(rows)
    groups: list[tuple[list[Row], str | None]] = []
    for row in rows:
        prefix = _prefix(row, depth) if row.path.count(".") >= depth else None
        if prefix is not None and groups and groups[-1][1] == prefix:
            groups[-1][0].append(row)
        else:
            groups.append(([row], prefix))
    return tuple(_merge(group, depth) if prefix is not None else group[0] for group, prefix in groups)


def _prefix(row: Row, depth: int) -> str:
    return ".".join(row.path.split(".")[:depth])


def _merge(group: list[Row], depth: int) -> Row:
    first, last = group[0], group[-1]
    return Row(
        path=_prefix(first, depth), kind="block", type_name=f"{len(group)} layers", input=first.input,
        output=last.output, params=sum(r.params for r in group), buffers=sum(r.buffers for r in group),
        macs=sum(r.macs for r in group), ops=sum(r.ops for r in group), footprint=last.footprint,
        coverage=tuple(c for r in group for c in r.coverage), windows=(), aux=first.aux, module=True, loc=first.loc,
    )
