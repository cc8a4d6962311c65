"""A diagram as text that other tools draw: mermaid (a README on GitHub renders it) and graphviz's dot.

The same boxes, edges and labels as the SVG (layout.box_lines), each text from a spec made inert and then
escaped for the format: mermaid's entity codes (#quot; #lt; ...) inside quoted labels, dot's backslash escapes.
Lint marks lead a box's first line (`! conv1`); auxiliary heads' edges are dashed."""

from __future__ import annotations

from cnninspect.inert import inert
from cnninspect.render import figures
from cnninspect.render.diagram.layout import box_lines
from cnninspect.render.diagram.structure import Diagram
from cnninspect.render.diagram.style import COLOURS, MERGE_SIGN

_MERMAID = {"#": "#35;", "&": "#amp;", "<": "#lt;", ">": "#gt;", '"': "#quot;", "`": "#96;"}


def _lines(box, with_figures: bool) -> list[str]:
    lines = box_lines(box, with_figures)
    if box.group == "merge":
        lines[0] = f"{MERGE_SIGN.get(box.type_name, '')} {lines[0]}".strip()
    if box.lint:
        lines[0] = f"{box.lint} {lines[0]}"
    return lines


def mermaid_text(text: str) -> str:
    """Inert text for a quoted mermaid label: its markup characters as entity codes."""
    return "".join(_MERMAID.get(c, c) for c in inert(text))


def _node_id(key: str) -> str:
    return key.replace(".", "_")


def _aux_targets(diagram: Diagram) -> set[str]:
    return {b.id for b in diagram.boxes if b.aux} | {e.target for e in diagram.edges if e.target.endswith(".out")}


def render_mermaid(diagram: Diagram, with_figures: bool = False) -> str:
    out = [f"%% {mermaid_text(diagram.name)}: cnninspect draw", "flowchart TB",
           f'  input(["input {figures.shape(diagram.input)}"]):::terminal']
    for box in diagram.boxes:
        label = "<br/>".join(map(mermaid_text, _lines(box, with_figures)))
        opening, closing = {"merge": ("((", "))"), "block": ("[[", "]]")}.get(box.group, ("[", "]"))
        out.append(f'  {box.id}{opening}"{label}"{closing}:::{box.group}')
    out += [f'  {_node_id(e.target)}(["aux output"]):::terminal' for e in diagram.edges if e.target.endswith(".out")]
    out.append(f'  output(["output {figures.shape(diagram.output)}"]):::terminal')
    aux = _aux_targets(diagram)
    for edge in diagram.edges:
        arrow = "-.->" if edge.target in aux else "-->"
        out.append(f'  {_node_id(edge.source)} {arrow}|"{figures.shape(edge.shape)}"| {_node_id(edge.target)}')
    used = {box.group for box in diagram.boxes} | {"terminal"}
    for name, (fill, stroke) in COLOURS.items():
        if name not in used:
            continue
        font = ",color:#ffffff" if name == "terminal" else ""
        out.append(f"  classDef {name} fill:{fill},stroke:{stroke}{font}")
    return "\n".join(out) + "\n"


def dot_text(text: str) -> str:
    """Inert text for a quoted dot string: the backslash and the quote escaped."""
    return inert(text).replace("\\", "\\\\").replace('"', '\\"')


def render_dot(diagram: Diagram, with_figures: bool = False) -> str:
    fill, stroke = COLOURS["terminal"]
    terminal = f'shape=box, style="rounded,filled", fillcolor="{fill}", color="{stroke}", fontcolor="#ffffff"'
    out = [f'digraph "{dot_text(diagram.name)}" {{',
           '  graph [rankdir=TB, fontname="monospace", nodesep=0.3, ranksep=0.35];',
           '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10];',
           '  edge [fontname="monospace", fontsize=9, color="#6b7280"];',
           f'  input [label="input {figures.shape(diagram.input)}", {terminal}];']
    for box in diagram.boxes:
        fill, stroke = COLOURS[box.group]
        label = "\\n".join(map(dot_text, _lines(box, with_figures)))
        shape = ", shape=ellipse" if box.group == "merge" else ", peripheries=2" if box.times > 1 else ""
        out.append(f'  {box.id} [label="{label}", fillcolor="{fill}", color="{stroke}"{shape}];')
    out += [f'  "{e.target}" [label="aux output", {terminal}];' for e in diagram.edges if e.target.endswith(".out")]
    out.append(f'  output [label="output {figures.shape(diagram.output)}", {terminal}];')
    aux = _aux_targets(diagram)
    for edge in diagram.edges:
        style = ", style=dashed" if edge.target in aux else ""
        out.append(f'  "{edge.source}" -> "{edge.target}" [label="{figures.shape(edge.shape)}"{style}];')
    return "\n".join(out) + "\n}\n"
