"""The shape command's report as text: the worked formula for one layer, a table for a chain."""

from __future__ import annotations

from cnninspect.core.chain import StepResult
from cnninspect.core.inverse import Span
from cnninspect.core.questions import AxisAnswer, Inverse
from cnninspect.core.report import ShapeReport
from cnninspect.core.window import AxisWindow, Kind, Window
from cnninspect.inert import inert
from cnninspect.render.formula import symbolic, worked
from cnninspect.render.lint_text import axes_lint
from cnninspect.render.text import axis_labels, columns, fraction, sizes


def render(report: ShapeReport) -> str:
    lines: list[str] = []
    if report.single is not None:
        lines += _single(report, report.single)
    else:
        lines += _chain(report)
    if report.inverse is not None:
        lines += [""] * bool(lines) + _inverse(report, report.inverse)
    return "\n".join(lines) + "\n"


def _single(report: ShapeReport, window: Window) -> list[str]:
    lines = [_describe(window, report.input)]
    if not report.steps:
        return lines
    result = report.steps[0]
    labels = axis_labels(window.ndim)
    formulas = {symbolic(axis) for axis in result.axes}
    for formula in sorted(formulas):
        lines.append(f"  {formula}")
    for label, axis, n in zip(labels, result.axes, result.input):
        lines.append(f"  {label + ': ' if label else ''}{worked(axis, n)}")
    lines.append(f"output: {sizes(result.output)}")
    lines += axes_lint(result.axes, result.input, result.coverage, result.alternatives)
    lines.append(_receptive_field(result))
    return lines


def _describe(window: Window, input_sizes: tuple[int, ...] | None) -> str:
    parts = [window.kind.value]
    if input_sizes:
        parts.append(f"n={sizes(input_sizes)}")
    padding = window.padding if isinstance(window.padding, str) else _compact(window.padding)
    parts += [f"f={_compact(window.kernel)}", f"s={_compact(window.stride)}", f"p={padding}",
              f"d={_compact(window.dilation)}"]
    if window.kind is Kind.TRANSPOSED:
        parts.append(f"output_padding={_compact(window.output_padding)}")
    if window.ceil_mode:
        parts.append("ceil_mode")
    return "  ".join(parts)


def _compact(values: tuple[int, ...]) -> str:
    """One number when every axis has it, else one per axis."""
    return str(values[0]) if len(set(values)) == 1 else sizes(values)


def _receptive_field(result: StepResult) -> str:
    footprints = result.footprint
    size = sizes(tuple(f.size for f in footprints))
    jump = "x".join(fraction(f.jump) for f in footprints)
    first = [f.window(0) for f in footprints]
    reads = "x".join(f"[{w[0]}, {w[1]}]" if w else "nothing" for w in first)
    approx = " (approximate: a hull)" if not all(f.exact for f in footprints) else ""
    return f"receptive field: {size}{approx}, jump {jump}; output position 0 reads input {reads}"


def _chain(report: ShapeReport) -> list[str]:
    rows = [["#", "step", "kind", "input", "output", "rf", "jump", "coverage"]]
    for index, result in enumerate(report.steps, start=1):
        rows.append([str(index), result.step.label, result.step.window.kind.value, sizes(result.input),
                     sizes(result.output), sizes(tuple(f.size for f in result.footprint)),
                     "x".join(fraction(f.jump) for f in result.footprint), _coverage_word(result)])
    lines = [f"input: {sizes(report.input)}", *columns(rows, indent="  "), f"output: {sizes(report.output)}"]
    for index, result in enumerate(report.steps, start=1):
        notes = [line for line in axes_lint(result.axes, result.input, result.coverage, result.alternatives,
                                            suggest_always=False) if not line.startswith("✓")]
        if notes:
            lines.append(f"step {index} {inert(result.step.label)}:")
            lines += [f"  {note}" for note in notes]
    lines.append(_receptive_field(report.steps[-1]))
    return lines


def _coverage_word(result: StepResult) -> str:
    if result.step.window.kind is Kind.TRANSPOSED:
        return "-"
    from cnninspect.core import lint  # here: a one-layer answer, whose start-up is benchmarked, never needs it

    covers = result.coverage
    if lint.verdict(covers) == lint.EXACT:
        return "exact"
    words = []
    if any(c.unused_input for c in covers):
        words.append("input unread")
    if any(c.unused_padding and not c.unused_input for c in covers):
        words.append("padding unread")
    if any(c.overhang for c in covers):
        words.append("partial window")
    if any(c.gap for c in covers):
        words.append("gaps")
    return ", ".join(words)


def _inverse(report: ShapeReport, inverse: Inverse) -> list[str]:
    labels = axis_labels(len(inverse.axes))
    window = report.single
    axes = window.axes() if window else ()
    if inverse.question == "same":
        worked = "x".join(f"⌈{n}/{axis.stride}⌉" for n, axis in zip(report.input, axes))
        lines = [f"--same: keep ⌈n/s⌉ = {worked} = {sizes(tuple(a.target for a in inverse.axes))}"]
    else:
        lines = [f"--out {sizes(tuple(a.target for a in inverse.axes))}:"]
    for i, (label, answer) in enumerate(zip(labels, inverse.axes)):
        where = f"{label}: " if label else ""
        n = report.input[i] if report.input else None
        if n is not None:
            lines.append(f"  {where}{_padding_answer(answer, n, axes[i], inverse.question)}")
        if inverse.question == "out":
            lines.append(f"  {where}{_input_answer(answer, axes[i])}")
    return lines


def _padding_answer(answer: AxisAnswer, n: int, axis: AxisWindow, question: str) -> str:
    if answer.paddings is not None:
        pads = _span(answer.paddings, "p=") + _with_output_padding(answer, axis)
        hint = " (PyTorch padding='same' gives it too)" if (
            question == "same" and axis.kind is Kind.CONV and axis.stride == 1) else ""
        return f"paddings that give {answer.target} at n={n}: {pads}{hint}"
    if answer.asymmetric is not None:
        left, right = answer.asymmetric
        how = "padding='same'" if axis.kind is Kind.CONV and axis.stride == 1 else f"F.pad(x, ({left}, {right}))"
        return (f"no symmetric padding gives {answer.target} at n={n}; pad {left} left and {right} right "
                f"(in PyTorch: {how})")
    return f"no padding gives {answer.target} at n={n}"


def _input_answer(answer: AxisAnswer, axis: AxisWindow) -> str:
    padding = f"p={axis.pad_left}" if axis.pad_left == axis.pad_right else f"p={axis.pad_left}+{axis.pad_right}"
    if answer.inputs is None:
        return f"no input size gives {answer.target} at {padding}"
    exact = [n for n in (answer.inputs.first, answer.inputs.last)
             if axis.kind is not Kind.TRANSPOSED and axis.room(n) % axis.stride == 0]
    note = f" ({exact[0]} is exact)" if exact and answer.inputs.first != answer.inputs.last else ""
    return (f"input sizes that give {answer.target} at {padding}{_with_output_padding(answer, axis)}: "
            f"{_span(answer.inputs, 'n=')}{note}")


def _with_output_padding(answer: AxisAnswer, axis: AxisWindow) -> str:
    if answer.output_padding is None or answer.output_padding == axis.output_padding:
        return ""
    return f" with output_padding={answer.output_padding}"


def _span(span: Span, prefix: str) -> str:
    if span.first == span.last:
        return f"{prefix}{span.first}"
    return f"{prefix}{span.first}..{span.last}"
