"""A diagram as one SVG document, written with the standard library's escaping (html.escape, as XML reads it too):
every text from a spec is made inert (inert.py) and then escaped, so a name is never markup. Each box is a
<g class="node GROUP"> with data-rows (the analysis rows it stands for), data-params, data-macs and data-times;
each edge a <g class="edge"> with data-from, data-to and data-shape: what the tests read back to check the drawing
against the analysis."""

from __future__ import annotations

from html import escape  # &, <, > and both quotes, as XML reads them too (xml.sax.saxutils imports urllib)

from cnninspect.inert import inert
from cnninspect.render import figures
from cnninspect.render.diagram.layout import FONT, LINE, PAD_Y, Layout, layout
from cnninspect.render.diagram.structure import Box, Diagram
from cnninspect.render.diagram.style import COLOURS, LINT, MERGE_SIGN

CSS = (".edge polyline{fill:none;stroke:#6b7280;stroke-width:1.2}.edge.aux polyline{stroke-dasharray:4 3}"
       ".edge text{fill:#4b5563;font-size:10px}.node text{fill:#111827}.node .sub{fill:#4b5563;font-size:10px}"
       ".node .name{font-weight:bold}.terminal text{fill:#fff;font-weight:bold}.lint text{fill:#fff;font-weight:bold}")


def render_svg(diagram: Diagram, with_figures: bool = False, standalone: bool = True) -> str:
    """The SVG document (standalone: with the XML declaration, for a file; else for inlining in HTML)."""
    placed = layout(diagram, with_figures)
    boxes = {b.id: b for b in diagram.boxes}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="cnninspect-diagram" width="{placed.width:.0f}" '
           f'height="{placed.height:.0f}" viewBox="0 0 {placed.width:.0f} {placed.height:.0f}" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT}">',
           f"<title>{escape(inert(diagram.name))}</title>", f"<style>{CSS}</style>",
           '<rect width="100%" height="100%" fill="#ffffff"/>', '<g class="edges">']
    out += [_edge(edge, points, at, boxes) for edge, points, at in placed.routes]
    out.append('</g><g class="nodes">')
    out += [_terminal(name, word, shape, placed) for name, word, shape in
            (("input", "input", diagram.input), ("output", "output", diagram.output))]
    out += [_terminal(key, "aux output", None, placed) for key in placed.places if key.endswith(".out")]
    out += [_box(box, placed) for box in diagram.boxes]
    out.append("</g></svg>\n")
    text = "\n".join(out)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text if standalone else text


def _edge(edge, points, at, boxes: dict) -> str:
    aux = " aux" if edge.target.endswith(".out") or (edge.target in boxes and boxes[edge.target].aux) else ""
    shape = figures.shape(edge.shape)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (f'<g class="edge {edge.role}{aux}" data-from="{edge.source}" data-to="{edge.target}" '
            f'data-shape="{shape}"><polyline points="{line}"/>'
            f'<text x="{at[0]:.1f}" y="{at[1] + 3:.1f}">{shape}</text></g>')


def _terminal(key: str, word: str, shape, placed: Layout) -> str:
    p = placed.places[key]
    fill, stroke = COLOURS["terminal"]
    text = f"{word} {figures.shape(shape)}" if shape is not None else word
    return (f'<g class="terminal" id="{key}"><rect x="{p.x - p.w / 2:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" '
            f'height="{p.h:.1f}" rx="{p.h / 2:.1f}" fill="{fill}" stroke="{stroke}"/>'
            f'<text x="{p.x:.1f}" y="{p.y + PAD_Y + LINE - 3:.1f}" text-anchor="middle">{text}</text></g>')


def _box(box: Box, placed: Layout) -> str:
    p = placed.places[box.id]
    fill, stroke = COLOURS[box.group]
    lines = placed.lines[box.id]
    x0 = p.x - p.w / 2
    rx = p.h / 2 if box.group == "merge" else 6
    parts = [f'<g class="node {box.group}" id="{box.id}" data-rows="{" ".join(map(str, box.rows))}" '
             f'data-params="{box.params}" data-macs="{box.macs}" data-times="{box.times}" '
             f'data-lint="{box.lint}">', f"<title>{escape(_tooltip(box))}</title>"]
    for shift in range(min(box.times, 3) - 1, 0, -1):  # a stack of cards for ×N
        parts.append(f'<rect x="{x0 + 4 * shift:.1f}" y="{p.y - 4 * shift:.1f}" width="{p.w:.1f}" height="{p.h:.1f}" '
                     f'rx="{rx}" fill="{fill}" stroke="{stroke}"/>')
    width = 2 if box.group == "block" else 1.2
    parts.append(f'<rect x="{x0:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" height="{p.h:.1f}" rx="{rx:.1f}" '
                 f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>')
    if box.group == "merge":
        lines = [f"{MERGE_SIGN.get(box.type_name, '')} {lines[0]}".strip(), *lines[1:]]
    for index, line in enumerate(lines):
        cls = "name" if index == 0 else "sub" if index > 1 else "type"
        parts.append(f'<text class="{cls}" x="{p.x:.1f}" y="{p.y + PAD_Y + LINE * (index + 1) - 3:.1f}" '
                     f'text-anchor="middle">{escape(line)}</text>')
    if box.lint:
        colour, _ = LINT[box.lint]
        parts.append(f'<g class="lint"><circle cx="{x0 + p.w:.1f}" cy="{p.y:.1f}" r="7" fill="{colour}"/>'
                     f'<text x="{x0 + p.w:.1f}" y="{p.y + 4:.1f}" text-anchor="middle">{escape(box.lint)}</text></g>')
    parts.append("</g>")
    return "".join(parts)


def _tooltip(box: Box) -> str:
    lint = f"\n{box.lint} {LINT[box.lint][1]}" if box.lint else ""
    times = f" ×{box.times}" if box.times > 1 else ""
    return (f"{inert(box.label)} ({inert(box.type_name)}{times})\n{figures.shape(box.input)} → "
            f"{figures.shape(box.output)}\nparams {figures.exact(box.params)} · MACs {figures.exact(box.macs)}"
            f"{lint}")


