"""Where each box of a diagram goes, from its structure alone: a sequence stacks its items, a fork sets its
branches side by side above the merge, an auxiliary head sits apart to the right while the main line passes
on. Sizes come from the text (a monospace font: each character CHAR_W wide); edges are orthogonal polylines
that bend in the gap next to the fork or the merge they belong to, so no edge crosses a box."""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

from cnninspect.inert import inert
from cnninspect.render import figures
from cnninspect.render.diagram.structure import Box, Diagram, Edge, Fork, Seq, Side

FONT = 11  # px
CHAR_W = 6.7  # a monospace character at FONT px (DejaVu Sans Mono: 0.602 em), rounded up
LINE = 14
PAD_X, PAD_Y = 10, 6
GAP = 32  # between stacked items: room for an edge and its shape
BEND = 10  # where an edge turns, from the box it leaves or enters
HGAP = 18  # between branches side by side
MARGIN = 16
WRAP = 46  # characters of settings on one line
TERMINAL_H = LINE + 2 * PAD_Y


class Place(NamedTuple):
    x: float  # the centre
    y: float  # the top
    w: float
    h: float

    @property
    def bottom(self) -> float:
        return self.y + self.h


class Layout(NamedTuple):
    width: float
    height: float
    places: dict  # box id, "input", "output", "<side>.out" -> Place
    lines: dict  # box id -> its text lines (label, type, settings..., figures)
    routes: tuple  # per edge of the diagram: (edge, points, label point)


def text_width(text: str) -> float:
    if text.isascii():
        return len(text) * CHAR_W
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text) * CHAR_W


def box_lines(box: Box, with_figures: bool) -> list[str]:
    """The text of a box, inert: its path, its type (×N), its settings wrapped, and its figures if asked."""
    kind = box.type_name if box.times == 1 else f"{box.type_name} ×{box.times}"
    lines = [inert(box.label), inert(kind), *_wrap(inert(box.settings))]
    if with_figures and box.group != "merge":  # a merge has neither
        each = " each" if box.times > 1 else ""
        lines.append(f"{figures.human(box.params // box.times)} params · "
                     f"{figures.human(box.macs // box.times)} MACs{each}")
    return lines


def _wrap(text: str) -> list[str]:
    lines, line = [], ""
    for part in text.split(" · ") if text else ():
        if line and len(line) + 3 + len(part) > WRAP:
            lines.append(line)
            line = part
        else:
            line = f"{line} · {part}" if line else part
    return [*lines, line] if line else lines


class _Layouter:
    def __init__(self, diagram: Diagram, with_figures: bool) -> None:
        self.lines = {b.id: box_lines(b, with_figures) for b in diagram.boxes}
        label = max((text_width(figures.shape(e.shape)) for e in diagram.edges), default=0)
        self.half = label + 8  # the least half-width of a column: an edge's shape sits right of its line
        self.sizes: dict = {}
        self.places: dict = {}
        self.lanes: dict = {}

    def box_size(self, box: Box) -> tuple[float, float]:
        lines = self.lines[box.id]
        h = len(lines) * LINE + 2 * PAD_Y
        w = max(map(text_width, lines)) + 2 * PAD_X + (h / 2 + 2 * CHAR_W if box.group == "merge" else 0)
        return max(w, 2 * self.half - 20), h

    def measure(self, item) -> tuple[float, float, float]:
        """(left, right, height) of an item around its centre line, kept by id."""
        found = self.sizes.get(id(item))
        if found is not None:
            return found
        if isinstance(item, Box):
            w, h = self.box_size(item)
            found = (w / 2, w / 2, h)
        elif isinstance(item, Seq):
            left, right, height = self.half, self.half, 0.0
            for sub in item.items:
                l, r, h = self.measure(sub)
                left, right, height = max(left, l), max(right, r), height + _gap(sub) + h
            found = (left, right, height)
        elif isinstance(item, Fork):
            parts = [self.measure(b) for b in item.branches]
            width = sum(l + r for l, r, _ in parts) + HGAP * (len(parts) - 1)
            mw, mh = self.box_size(item.merge)
            half = max(width, mw) / 2
            found = (half, half, max(h for _, _, h in parts) + GAP + mh)
        else:  # Side
            l, r, h = self.measure(item.body)
            found = (self.half, self.half + HGAP + l + r, h + GAP + TERMINAL_H)
        self.sizes[id(item)] = found
        return found

    def place(self, item, cx: float, top: float) -> None:
        if isinstance(item, Box):
            w, h = self.box_size(item)
            self.places[item.id] = Place(cx, top, w, h)
        elif isinstance(item, Seq):
            for sub in item.items:
                top += _gap(sub)
                self.place(sub, cx, top)
                top += self.measure(sub)[2]
        elif isinstance(item, Fork):
            parts = [self.measure(b) for b in item.branches]
            width = sum(l + r for l, r, _ in parts) + HGAP * (len(parts) - 1)
            x = cx - width / 2
            for index, (branch, (l, r, _)) in enumerate(zip(item.branches, parts)):
                self.place(branch, x + l, top)
                self.lanes[f"{item.id}:{index}"] = x + l
                x += l + r + HGAP
            self.place(item.merge, cx, top + max(h for _, _, h in parts) + GAP)
        else:  # Side: the head in a column right of the main line, its output below it
            l, r, h = self.measure(item.body)
            x = cx + self.half + HGAP + l
            self.place(item.body, x, top)
            self.places[f"{item.id}.out"] = Place(x, top + h + GAP, text_width("aux output") + 2 * PAD_X, TERMINAL_H)


def _gap(item) -> float:
    """A fork's branches and a head's column begin with their own gap."""
    return 0 if isinstance(item, (Fork, Side)) else GAP


def layout(diagram: Diagram, with_figures: bool = False) -> Layout:
    it = _Layouter(diagram, with_figures)
    left, right, height = it.measure(diagram.body)
    ends = [text_width(f"{word} {figures.shape(shape)}") + 2 * PAD_X
            for word, shape in (("input", diagram.input), ("output", diagram.output))]
    left, right = max(left, ends[0] / 2, ends[1] / 2), max(right, ends[0] / 2, ends[1] / 2)
    cx = MARGIN + left
    it.places["input"] = Place(cx, MARGIN, ends[0], TERMINAL_H)
    it.place(diagram.body, cx, MARGIN + TERMINAL_H)
    bottom = MARGIN + TERMINAL_H + height + GAP
    it.places["output"] = Place(cx, bottom, ends[1], TERMINAL_H)
    routes = tuple(_route(edge, it.places, it.lanes) for edge in diagram.edges)
    return Layout(cx + right + MARGIN, bottom + TERMINAL_H + MARGIN, it.places, it.lines, routes)


def _route(edge: Edge, places: dict, lanes: dict) -> tuple:
    """(edge, the polyline's points, where its shape is written): bends near the source for a fork or a head,
    near the target for a join, through the branch's own lane for an empty one."""
    s, t = places[edge.source], places[edge.target]
    sx, sy, tx, ty = s.x, s.bottom, t.x, t.y
    if edge.role in ("fork", "aux"):
        points = [(sx, sy), (sx, sy + BEND), (tx, sy + BEND), (tx, ty)]
    elif edge.role == "skip":
        lx = lanes[edge.lane]
        points = [(sx, sy), (sx, sy + BEND), (lx, sy + BEND), (lx, ty - BEND), (tx, ty - BEND), (tx, ty)]
    elif sx == tx:
        points = [(sx, sy), (tx, ty)]
    else:
        points = [(sx, sy), (sx, ty - BEND), (tx, ty - BEND), (tx, ty)]
    points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    verticals = [(a, b) for a, b in zip(points, points[1:]) if a[0] == b[0]]
    a, b = max(verticals, key=lambda ab: abs(ab[1][1] - ab[0][1]), default=(points[0], points[-1]))
    return edge, tuple(points), (a[0] + 5, (a[1] + b[1]) / 2)
