"""The divisibility lint in words, shared by `shape` and `summary`."""

from __future__ import annotations

from cnninspect.core.coverage import Coverage, ExactAlternatives
from cnninspect.core.window import AxisWindow, Kind
from cnninspect.render.text import axis_labels, axis_noun, plural


def lint_lines(label: str, axis: AxisWindow, n: int, cover: Coverage, alternatives: ExactAlternatives | None,
          suggest_always: bool = True) -> list[str]:
    if axis.kind is Kind.TRANSPOSED:
        return []
    where = f"{label}: " if label else ""
    s, room = axis.stride, cover.room
    lines = []
    if cover.exact:
        lines.append(f"✓ {where}exact: {room} = {s}·{room // s}, the last window ends on the last padded position")
    else:
        division = f"{room} = {s}·{room // s} + {cover.remainder}"
        if cover.unused_input:
            lost = plural(cover.unused_input, "input " + axis_noun(label, 1), "input " + axis_noun(label, 2))
            verb = "is" if cover.unused_input == 1 else "are"
            extra = f" (nor {plural(cover.unused_padding, 'padding position')})" if cover.unused_padding else ""
            lines.append(f"! {where}not exact: {division}, so the last {lost} {verb} never read{extra}")
        elif cover.overhang:
            lines.append(f"~ {where}not exact: {division}; in ceil mode the last window reaches "
                         f"{cover.overhang} past the padded input (a partial window)")
        else:
            lines.append(f"~ {where}not exact: {division}; the last window stops "
                         f"{plural(cover.unused_padding, 'position')} short, inside the right padding: "
                         f"no input is lost")
        if alternatives is not None and (suggest_always or cover.unused_input or cover.overhang):
            lines += alternative_lines(alternatives)
    if cover.gap:
        lines.append(f"! {where}stride {s} > window span {axis.span}: {cover.gap} of every {s} input positions "
                     f"{'is' if cover.gap == 1 else 'are'} never read (between windows)")
    return lines


def alternative_lines(alternatives: ExactAlternatives) -> list[str]:
    lines = []
    if alternatives.inputs:
        nearby = ", ".join(f"{n} (→ {out})" for n, out in alternatives.inputs)
        lines.append(f"  exact input sizes nearby: {nearby}")
    if alternatives.paddings:
        pads = ", ".join(f"p={p} (→ {out})" for p, out in alternatives.paddings)
        lines.append(f"  exact paddings: {pads}")
    else:
        lines.append(f"  no padding makes it exact: {alternatives.no_padding_reason}")
    return lines


def axes_lint(windows: tuple[AxisWindow, ...], inputs: tuple[int, ...], covers: tuple[Coverage, ...],
              alternatives: tuple[ExactAlternatives | None, ...] | None = None,
              suggest_always: bool = True) -> list[str]:
    """The lint of every axis, labelled H, W (D); said once, unlabelled, when every axis is the same."""
    alternatives = alternatives or (None,) * len(windows)
    labels = axis_labels(len(windows))
    if len(windows) > 1 and len(set(zip(windows, inputs))) == 1:
        labels, windows, inputs, covers, alternatives = ("",), windows[:1], inputs[:1], covers[:1], alternatives[:1]
    return [line for label, axis, n, cover, alt in zip(labels, windows, inputs, covers, alternatives)
            for line in lint_lines(label, axis, n, cover, alt, suggest_always)]
