"""What the picture tests share: the tutorial's models, the analysis's own edges (walked here from its program,
independently of the diagram code), and the drawings read back (SVG as XML, mermaid and dot line by line)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from cnninspect.core.engine import Aux, Merge, analyze
from cnninspect.spec.load import load_model

TUTORIAL = ("lenet5", "alexnet", "vgg16", "googlenet", "inception_v3", "resnet18")
SVG = "{http://www.w3.org/2000/svg}"


def analysis(name: str):
    return analyze(load_model(name))


def program_edges(analysis) -> list[tuple[str, str, tuple]]:
    """(source, target, shape) of every tensor passed in the analysis: row indices as `n{i}`, the model's input
    and output, and each auxiliary head's output as `aux{k}`, numbered in forward order."""
    edges: list = []
    heads = [0]

    def walk(program, at):
        for step in program:
            if type(step) is int:
                edges.append((at[0], f"n{step}", at[1]))
                at = (f"n{step}", analysis.rows[step].output)
            elif isinstance(step, Merge):
                ends = [walk(branch, at) for branch in step.branches]
                edges.extend((end[0], f"n{step.row}", end[1]) for end in ends)
                at = (f"n{step.row}", analysis.rows[step.row].output)
            else:
                assert isinstance(step, Aux)
                end = walk(step.body, at)
                if end != at:
                    heads[0] += 1
                    edges.append((end[0], f"aux{heads[0]}", end[1]))
        return at

    end = walk(analysis.program, ("input", analysis.input))
    edges.append((end[0], "output", end[1]))
    return edges


def read_svg(text: str):
    """(boxes: id -> attributes, edges: [(from, to, shape)]) as the SVG holds them."""
    root = ElementTree.fromstring(text.split("?>", 1)[-1] if text.startswith("<?xml") else text)
    boxes = {g.get("id"): dict(g.attrib) for g in root.iter(f"{SVG}g") if "node" in g.get("class", "").split()}
    edges = [(g.get("data-from"), g.get("data-to"), g.get("data-shape"))
             for g in root.iter(f"{SVG}g") if "edge" in g.get("class", "").split()]
    return root, boxes, edges


MERMAID_NODE = re.compile(r'^  ([A-Za-z][\w]*)(\(\[|\[\[|\(\(|\[)"([^"]*)"(\]\)|\]\]|\)\)|\])(?::::(\w+))?$')
MERMAID_EDGE = re.compile(r'^  ([A-Za-z][\w]*) (-->|-\.->)\|"([^"]*)"\| ([A-Za-z][\w]*)$')
MERMAID_CLASS = re.compile(r"^  classDef \w+ fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6}(,color:#[0-9a-f]{6})?$")


def read_mermaid(text: str):
    """(nodes: id -> label, edges) of a mermaid flowchart, every line of it one of the forms we write."""
    lines = text.splitlines()
    assert lines[0].startswith("%% ") and lines[1] == "flowchart TB", lines[:2]
    nodes, edges = {}, []
    for line in lines[2:]:
        node, edge = MERMAID_NODE.match(line), MERMAID_EDGE.match(line)
        if node:
            opening, closing = node[2], node[4]
            assert {"([": "])", "[[": "]]", "((": "))", "[": "]"}[opening] == closing, line
            assert node[1] not in nodes, f"node {node[1]} declared twice"
            nodes[node[1]] = node[3]
        elif edge:
            edges.append((edge[1], edge[4], edge[3]))
        else:
            assert MERMAID_CLASS.match(line), f"not mermaid we write: {line!r}"
    return nodes, edges


DOT_STRING = r'"(?:[^"\\]|\\.)*"'
DOT_NODE = re.compile(rf'^  ({DOT_STRING}|\w+) \[label=({DOT_STRING})(?:, [a-z]+=(?:{DOT_STRING}|[\w.#]+))*\];$')
DOT_EDGE = re.compile(rf'^  ({DOT_STRING}) -> ({DOT_STRING}) \[label=({DOT_STRING})(, style=dashed)?\];$')
DOT_ATTRS = re.compile(rf'^  (graph|node|edge) \[[a-z]+=(?:{DOT_STRING}|[\w.]+)(, [a-z]+=(?:{DOT_STRING}|[\w.]+))*\];$')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1]) if text.startswith('"') else text


def read_dot(text: str):
    lines = text.splitlines()
    assert re.fullmatch(rf"digraph {DOT_STRING} \{{", lines[0]) and lines[-1] == "}", (lines[0], lines[-1])
    nodes, edges = {}, []
    for line in lines[1:-1]:
        node, edge = DOT_NODE.match(line), DOT_EDGE.match(line)
        if edge:
            edges.append((_unquote(edge[1]), _unquote(edge[2]), _unquote(edge[3])))
        elif node:
            assert _unquote(node[1]) not in nodes, line
            nodes[_unquote(node[1])] = _unquote(node[2])
        else:
            assert DOT_ATTRS.match(line), f"not dot we write: {line!r}"
    return nodes, edges
