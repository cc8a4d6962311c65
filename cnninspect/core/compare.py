"""Several summaries side by side: the figures a choice between networks rests on, the best of each row, and
ratios against the first column. Columns are models (`compare a b c`) or input sizes of one model (`--sweep`)."""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from cnninspect.core import lint
from cnninspect.core.summary import Summary

DEPTH_KINDS = ("conv", "tconv", "linear")  # what "depth" counts, as papers count VGG-16's 16


class Column(NamedTuple):
    label: str  # the model's name or file, or the input size in a sweep
    summary: Summary | None  # None when the walk failed (a layer stops fitting, in a sweep)
    failure: str = ""  # why, when summary is None
    top1: float | None = None  # published ImageNet accuracy, from the spec's metadata
    top5: float | None = None
    accuracy_source: str = ""
    timing: object | None = None  # a torch_backend Timing, with --time
    training: object | None = None  # a core.training Training, with --train


class Metric(NamedTuple):
    key: str
    label: str
    values: tuple[object, ...]  # one per column; None where it does not apply
    better: str | None  # "low", "high", or None (nothing to prefer)

    @property
    def best(self) -> int | None:
        """The index of the best column, if the row has a preference and at least two values."""
        present = [(v, i) for i, v in enumerate(self.values) if isinstance(v, (int, float))]
        if self.better is None or len(present) < 2 or len({v for v, _ in present}) == 1:
            return None
        return (min if self.better == "low" else max)(present)[1]

    def ratio(self, index: int) -> Fraction | None:
        """This column's value over the first column's, for numeric rows."""
        first, value = self.values[0], self.values[index]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (first, value)) or not first:
            return None
        return Fraction(value) / Fraction(first)


class Comparison(NamedTuple):
    columns: tuple[Column, ...]
    metrics: tuple[Metric, ...]
    sweep: bool  # columns are input sizes of one model


def compare(columns: list[Column], sweep: bool = False) -> Comparison:
    summaries = [c.summary for c in columns]

    def each(fn) -> tuple:
        return tuple(fn(s) if s is not None else None for s in summaries)

    metrics = [Metric("input", "input", each(lambda s: s.analysis.input), None)] if not sweep else []
    metrics += [
        Metric("output", "output", each(lambda s: s.analysis.output), None),
        Metric("params", "parameters", each(lambda s: s.totals.params), "low"),
        Metric("macs", "MACs", each(lambda s: s.totals.macs), "low"),
        Metric("flops", "FLOPs", each(lambda s: s.totals.flops), "low"),
        Metric("depth", "depth (conv + linear)", each(_depth), None),
        Metric("param_bytes", "parameter memory", each(lambda s: s.totals.param_bytes), "low"),
        Metric("activation_bytes", "activation memory", each(lambda s: s.totals.activation_bytes), "low"),
        Metric("receptive_field", "receptive field", each(_receptive_field), None),
    ]
    if sweep:
        metrics.append(Metric("inexact", "inexact divisions", each(_inexact), None))
    else:
        metrics.append(Metric("top1", "ImageNet top-1 %", tuple(c.top1 for c in columns), "high"))
        metrics.append(Metric("top5", "ImageNet top-5 %", tuple(c.top5 for c in columns), "high"))
    if any(c.training is not None for c in columns):
        metrics += [
            Metric("train_saved_bytes", "saved for backward", tuple(_trained(c, "saved_bytes") for c in columns),
                   "low"),
            Metric("train_peak_bytes", "training peak", tuple(_trained(c, "peak") for c in columns), "low"),
            Metric("backward_macs", "backward MACs", tuple(_trained(c, "backward_macs") for c in columns), "low"),
            Metric("step_flops", "training step FLOPs", tuple(_trained(c, "step_flops") for c in columns), "low"),
        ]
    if any(c.timing is not None for c in columns):
        metrics += [
            Metric("latency", "latency (median)", tuple(_timed(c, "median") for c in columns), "low"),
            Metric("throughput", "throughput /s", tuple(_timed(c, "throughput") for c in columns), "high"),
            Metric("gflops_per_s", "achieved GFLOP/s", tuple(_timed(c, "gflops") for c in columns), "high"),
        ]
    return Comparison(tuple(columns), tuple(metrics), sweep)


def _depth(summary: Summary) -> int:
    return sum(1 for r in summary.analysis.rows if r.module and not r.aux and r.kind in DEPTH_KINDS)


def _receptive_field(summary: Summary) -> tuple[int, ...] | None:
    """At the last layer that still has spatial axes: the last feature map's."""
    last = summary.receptive_row
    return tuple(f.size for f in last.footprint) if last else None


def _inexact(summary: Summary) -> tuple[str, ...]:
    """The layers that never read some of their input (the lint's '!')."""
    return tuple(r.path for r in summary.analysis.rows if lint.never_reads(r))


def _trained(column: Column, attribute: str):
    if column.training is None:
        return None
    value = getattr(column.training, attribute)
    return value.total if attribute == "peak" else value


def _timed(column: Column, attribute: str):
    return getattr(column.timing, attribute) if column.timing is not None else None
