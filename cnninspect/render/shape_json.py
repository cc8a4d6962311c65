"""The shape command's report as JSON. The shape is stable and documented in docs/json.md (version 1)."""

from __future__ import annotations

from cnninspect.core.chain import StepResult
from cnninspect.core.coverage import Coverage, ExactAlternatives
from cnninspect.core.inverse import Span
from cnninspect.core.questions import Inverse
from cnninspect.core.receptive import Footprint
from cnninspect.core.report import ShapeReport
from cnninspect.core.window import AxisWindow
from cnninspect.render.formula import worked
from cnninspect.render.jsonfmt import dumps
from cnninspect.render.text import fraction

VERSION = 1


def render(report: ShapeReport) -> str:
    document = {
        "version": VERSION,
        "input": _list(report.input),
        "output": _list(report.output),
        "steps": [_step(result) for result in report.steps],
        "receptive_field": _receptive_field(report.steps[-1].footprint) if report.steps else None,
        "inverse": _inverse(report.inverse) if report.inverse else None,
    }
    return dumps(document)


def _list(values: tuple[int, ...] | None) -> list[int] | None:
    return list(values) if values is not None else None


def _step(result: StepResult) -> dict:
    window = result.step.window
    return {
        "step": result.step.label,
        "kind": window.kind.value,
        "kernel": list(window.kernel),
        "stride": list(window.stride),
        "padding": [[axis.pad_left, axis.pad_right] for axis in result.axes],
        "dilation": list(window.dilation),
        "output_padding": list(window.output_padding),
        "ceil_mode": window.ceil_mode,
        "input": list(result.input),
        "output": list(result.output),
        "axes": [_axis(axis, n, out, cover, alt)
                 for axis, n, out, cover, alt in zip(result.axes, result.input, result.output, result.coverage,
                                                     result.alternatives)],
        "receptive_field": _receptive_field(result.footprint),
    }


def _axis(axis: AxisWindow, n: int, out: int, cover: Coverage, alternatives: ExactAlternatives | None) -> dict:
    return {
        "input": n,
        "output": out,
        "formula": worked(axis, n),
        "exact": cover.exact,
        "remainder": cover.remainder,
        "unused_input": cover.unused_input,
        "unused_padding": cover.unused_padding,
        "overhang": cover.overhang,
        "gap": cover.gap,
        "dropped_window": cover.dropped_window,
        "exact_inputs": [list(pair) for pair in alternatives.inputs] if alternatives else [],
        "exact_paddings": [list(pair) for pair in alternatives.paddings] if alternatives else [],
        "no_exact_padding_reason": alternatives.no_padding_reason if alternatives else "",
    }


def _receptive_field(footprints: tuple[Footprint, ...]) -> dict:
    return {
        "size": [f.size for f in footprints],
        "jump": [fraction(f.jump) for f in footprints],
        "first_window": [list(w) if (w := f.window(0)) else None for f in footprints],
        "exact": all(f.exact for f in footprints),
    }


def _inverse(inverse: Inverse) -> dict:
    return {
        "question": inverse.question,
        "target": [a.target for a in inverse.axes],
        "paddings": [_span(a.paddings) for a in inverse.axes],
        "inputs": [_span(a.inputs) for a in inverse.axes],
        "asymmetric_padding": [list(a.asymmetric) if a.asymmetric else None for a in inverse.axes],
    }


def _span(span: Span | None) -> list[int] | None:
    return [span.first, span.last] if span else None
