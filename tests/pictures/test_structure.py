"""The drawing against the analysis, for the tutorial's six models: every layer in one box and every edge of
the analysis once (its shape too) in the SVG, the mermaid and the dot; folded at a depth, every layer still in
exactly one box, each box's figures the sum of its layers', a ×N box N alike blocks, and the edges those of
the unfolded drawing seen from the boxes."""

from __future__ import annotations

from collections import Counter

import pytest

from cnninspect.render import figures
from cnninspect.render.diagram.fold import signature
from cnninspect.render.diagram.structure import diagram
from cnninspect.render.diagram.svg import render_svg
from cnninspect.render.diagram.text import render_dot, render_mermaid
from tests.pictures.support import TUTORIAL, analysis, program_edges, read_dot, read_mermaid, read_svg

DEPTHS = (None, 1, 2, 3)


def _named(edges, side_outs):
    """Diagram edges with each head's output named as program_edges names it (aux1, aux2, ...)."""
    names = {key: f"aux{i + 1}" for i, key in enumerate(side_outs)}
    return [(names.get(s, s), names.get(t, t), shape) for s, t, shape in edges]


def _side_outs(drawn):
    return [e.target for e in drawn.edges if e.target.endswith(".out")]


@pytest.mark.parametrize("name", TUTORIAL)
def test_every_layer_and_edge_once(name):
    a = analysis(name)
    drawn = diagram(a)
    expected = Counter((s, t, figures.shape(shape)) for s, t, shape in program_edges(a))
    assert max(expected.values()) == 1
    assert sorted(i for b in drawn.boxes for i in b.rows) == list(range(len(a.rows)))
    assert all(b.id == f"n{b.rows[0]}" and len(b.rows) == 1 for b in drawn.boxes)
    _, boxes, edges = read_svg(render_svg(drawn, with_figures=True))
    assert sorted(int(b["data-rows"]) for b in boxes.values()) == list(range(len(a.rows)))
    assert Counter(_named(edges, _side_outs(drawn))) == expected
    nodes, edges = read_mermaid(render_mermaid(drawn))
    outs = [key.replace(".", "_") for key in _side_outs(drawn)]
    assert set(nodes) == {b.id for b in drawn.boxes} | {"input", "output", *outs}
    assert Counter(_named(edges, outs)) == expected
    nodes, edges = read_dot(render_dot(drawn))
    assert set(nodes) == {b.id for b in drawn.boxes} | {"input", "output", *_side_outs(drawn)}
    assert Counter(_named(edges, _side_outs(drawn))) == expected


@pytest.mark.parametrize("name", TUTORIAL)
@pytest.mark.parametrize("depth", DEPTHS[1:])
def test_folded_blocks_add_up(name, depth):
    a = analysis(name)
    whole, folded = diagram(a), diagram(a, depth)
    assert diagram(a, depth, whole) == folded  # the whole drawing reused: the same boxes, the same ids
    owner = {i: box for box in folded.boxes for i in box.rows}
    assert sorted(owner) == list(range(len(a.rows))) and sum(len(b.rows) for b in folded.boxes) == len(a.rows)
    for box in folded.boxes:
        rows = [a.rows[i] for i in box.rows]
        assert box.params == sum(r.params for r in rows) and box.macs == sum(r.macs for r in rows)
        if box.type_name == "block":
            prefixes = {".".join(r.path.split(".")[:depth]) for r in rows}
            assert len(prefixes) == box.times, (box.label, prefixes)  # one module path per repeat
            assert all(r.path.count(".") >= depth for r in rows)
        if box.times > 1:  # N alike blocks: each with the same layers and figures
            per = len(box.rows) // box.times
            assert per * box.times == len(box.rows)
            parts = [box.rows[k * per:(k + 1) * per] for k in range(box.times)]
            params = [sum(a.rows[i].params for i in part) for part in parts]
            assert len(set(params)) == 1 and params[0] * box.times == box.params
            shapes = {tuple((a.rows[i].kind, a.rows[i].input, a.rows[i].output) for i in part) for part in parts}
            assert len(shapes) == 1
    node = {i: f"n{i}" for i in range(len(a.rows))}
    seen = {node[i]: owner[i].id for i in owner}
    expected = {(seen.get(s, s), seen.get(t, t), figures.shape(shape)) for s, t, shape in program_edges(a)}
    expected = {e for e in expected if e[0] != e[1]}
    got = _named([(e.source, e.target, figures.shape(e.shape)) for e in folded.edges], _side_outs(folded))
    assert len(got) == len(set(got)) and set(got) == expected
    _, boxes, edges = read_svg(render_svg(folded, with_figures=True))
    assert set(_named(edges, _side_outs(folded))) == expected
    assert sum(int(b["data-params"]) for b in boxes.values()) == sum(r.params for r in a.rows)
    assert sum(int(b["data-macs"]) for b in boxes.values()) == sum(r.macs for r in a.rows)
    assert len(whole.boxes) >= len(folded.boxes)


def test_depth_one_draws_one_box_per_inception_module():
    drawn = diagram(analysis("googlenet"), 1)
    labels = [b.label for b in drawn.boxes]
    modules = [label for label in labels if label.startswith("inception")]
    assert modules == ["inception3a", "inception3b", "inception4a", "inception4b", "inception4c", "inception4d",
                       "inception4e", "inception5a", "inception5b"]
    assert [b.label for b in drawn.boxes if b.aux] == ["aux1", "aux2"]


def test_alike_blocks_fold_with_their_count():
    a = analysis("resnet18")
    drawn = diagram(a, 2)
    repeated = [b for b in drawn.boxes if b.times > 1]
    assert [(b.label, b.times) for b in repeated] == [("layer1.0–1", 2)]  # layer2.0 has a downsample: not alike
    resnet50 = analysis("resnet50")
    folded = {b.label: b.times for b in diagram(resnet50, 2).boxes if b.times > 1}
    assert folded == {"layer1.1–2": 2, "layer2.1–3": 3, "layer3.1–5": 5, "layer4.1–2": 2}
    boxes = {b.label: b for b in diagram(resnet50, 2).boxes}
    assert signature(boxes["layer1.0"], resnet50.rows) != signature(boxes["layer1.1–2"], resnet50.rows)


def test_branches_sit_side_by_side_and_heads_apart():
    from cnninspect.render.diagram.layout import layout

    a = analysis("googlenet")
    drawn = diagram(a)
    placed = layout(drawn)
    by_path = {b.label: placed.places[b.id] for b in drawn.boxes}
    firsts = [by_path[f"inception3a.{path}"] for path in ("branch1.conv", "branch2.0.conv", "branch3.0.conv",
                                                         "branch4.0")]
    assert len({p.y for p in firsts}) == 1 and [p.x for p in firsts] == sorted(p.x for p in firsts)
    for left, right in zip(firsts, firsts[1:]):
        assert left.x + left.w / 2 < right.x - right.w / 2
    concat = by_path["inception3a.concat"]
    assert concat.y > max(p.bottom for label, p in by_path.items() if label.startswith("inception3a.branch"))
    assert firsts[0].x < concat.x < firsts[-1].x and concat.x == by_path["maxpool2"].x  # the merge under the fork
    main_x = by_path["conv1.conv"].x
    aux = [placed.places[b.id] for b in drawn.boxes if b.aux]
    assert aux and all(p.x - p.w / 2 > main_x for p in aux)
    _no_overlaps(placed)


def _no_overlaps(placed) -> None:
    rects = sorted((p.x - p.w / 2, p.y, p.x + p.w / 2, p.bottom) for p in placed.places.values())
    for i, (x0, y0, x1, y1) in enumerate(rects):
        for u0, v0, u1, v1 in rects[i + 1:]:
            if u0 >= x1:
                break
            assert v1 <= y0 or v0 >= y1, ((x0, y0, x1, y1), (u0, v0, u1, v1))


@pytest.mark.parametrize("name", TUTORIAL)
@pytest.mark.parametrize("depth", DEPTHS)
def test_no_box_overlaps_another(name, depth):
    from cnninspect.render.diagram.layout import layout

    _no_overlaps(layout(diagram(analysis(name), depth), with_figures=True))
