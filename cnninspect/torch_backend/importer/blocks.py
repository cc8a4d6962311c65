"""Module scopes of one class and one structure become one block, called once per module: a ResNet import reads
like a ResNet (a Bottleneck block, its stages) rather than hundreds of flat lines.

Works on the emitted nodes (emit.nodes), innermost scopes first. Two scopes share a block when their classes
are the same and their nodes are the same but for integer and boolean field values; the values that differ
between them become the block's parameters (one parameter for positions that differ alike), named after the
first layer and field they hold (`conv1_out`), and each call passes its own. Consecutive calls of one block
with the same arguments and numbered names become a `repeat`. Exact by construction: a call reproduces the
nodes it replaces (the verdict checks the whole spec against torch anyway).
"""

from __future__ import annotations

import re

from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.torch_backend.importer.emit import Counter, Flow, SeqBody

STRUCTURES = {"seq", "add", "mul", "concat", "repeat", "aux", "if", "name", "layers", "branches", "params"}
_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")


class _Hole:
    """A parameter's place in a block's nodes."""

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __eq__(self, other) -> bool:
        return isinstance(other, _Hole)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "_Hole()"


def _variable(value) -> bool:
    return type(value) in (int, bool)


def _skeleton(node, label: str, holes: list) -> object:
    """`node` with every integer and boolean field value a hole (its value and label appended to `holes`)."""
    if isinstance(node, Flow):
        name = node.get("name", label)
        result = {}
        for key, value in node.items():
            if key not in ("name", "functional") and _variable(value):
                holes.append((f"{name}_{key}", value))
                result[key] = _Hole("")
            else:
                result[key] = value
        return ("flow", tuple(result.items()))
    if isinstance(node, dict):
        return ("map", tuple((key, _skeleton(value, _label(value, label, key), holes)) for key, value in node.items()))
    if isinstance(node, list):
        return ("list", tuple(_skeleton(item, label, holes) for item in node))
    return ("value", type(node).__name__, node)


def _label(value, label: str, key: str) -> str:
    if isinstance(value, SeqBody):
        return value.get("name", label)
    return label


def _hashable(skeleton) -> str:
    return repr(skeleton)


def compress(items, wiring: dict | None = None, stateful: frozenset = frozenset()) -> tuple[dict, list]:
    """(blocks, the model's nodes) from the tree's items (emit.nodes: `wiring`, `stateful`)."""
    from cnninspect.torch_backend.importer.emit import nodes

    body = nodes(items, Counter(), wiring, None, stateful)
    state = _State(_reopened(body))
    for depth in range(_height(body), 0, -1):
        state.pass_at(body, depth)
    return {name: _repeats(block) for name, block in state.defined.items()}, _repeats(body)


def _height(node) -> int:
    """How deep module scopes nest below `node`."""
    if isinstance(node, list):
        return max((_height(item) for item in node), default=0)
    if isinstance(node, dict):
        inner = max((_height(value) for value in node.values()), default=0)
        return inner + 1 if isinstance(node, SeqBody) else inner
    return 0


class _State:
    def __init__(self, reopened: frozenset) -> None:
        self.reopened = reopened  # modules opened again: never a block (_collect)
        self.defined: dict = {}
        self.names: dict[str, int] = {}

    def pass_at(self, body: list, depth: int) -> None:
        """Scopes `depth` levels from the bottom (1: no scope inside) become calls where two share a block."""
        found: list = []
        _collect(body, depth, found, self.reopened)
        groups: dict = {}
        for holder, index, seq in found:
            holes: list = []
            skeleton = _skeleton(dict(layers=seq["layers"]), "", holes)
            groups.setdefault((seq.cls, _hashable(skeleton)), []).append((holder, index, seq, holes))
        for (cls, _), members in groups.items():
            if len(members) > 1:
                self.define(cls, members)

    def define(self, cls: str, members: list) -> None:
        name = self.block_name(cls)
        vectors = list(zip(*(tuple(value for _, value in holes) for *_, holes in members)))
        labels = [label for label, _ in members[0][3]]
        params, places, by_vector = {}, [], {}
        for label, vector in zip(labels, vectors):
            if len({(type(v), v) for v in vector}) == 1:
                places.append(None)  # the same in every call: the block keeps the value
                continue
            if vector not in by_vector:
                by_vector[vector] = _unique(_identifier(label), params)
                params[by_vector[vector]] = None
            places.append(by_vector[vector])
        template = _fill(members[0][2]["layers"], iter(places))
        self.defined[name] = {"params": Flow(params), "layers": template}
        for holder, index, seq, holes in members:
            args = Flow({"name": seq["name"]})
            for place, (_, value) in zip(places, holes):
                if place is not None:
                    args[place] = value
            holder[index] = {name: args}

    def block_name(self, cls: str) -> str:
        base = _snake(cls.rsplit(".", 1)[-1]) or "block"
        if base in BY_NAME or base in STRUCTURES:
            base = f"{base}_block"
        count = self.names.get(base, 0) + 1
        self.names[base] = count
        return base if count == 1 else f"{base}_{count}"


def _collect(node, depth: int, found: list, reopened: frozenset = frozenset(), path: tuple = ()) -> None:
    """(the list holding it, its index, the seq body) for each scope of that height; a module opened again (a
    named seq written twice in one scope, in one list or in two branches: a ModuleList run between others, or
    one per branch) is never a block, a block call naming one module (`reopened`: their paths, _reopened)."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, dict) and len(item) == 1 and isinstance(item.get("seq"), SeqBody):
                seq = item["seq"]
                inner = path if seq.get("name") is None else (*path, seq.get("name"))
                if _height(seq) == depth and seq.cls and inner not in reopened:
                    found.append((node, index, seq))
                    continue
                for value in seq.values():
                    _collect(value, depth, found, reopened, inner)
                continue
            _collect(item, depth, found, reopened, path)
    elif isinstance(node, dict):
        if node.get("name") is not None and ("layers" in node or "branches" in node):  # a named container's scope
            path = (*path, node["name"])
        for value in node.values():
            _collect(value, depth, found, reopened, path)


def _reopened(node, path: tuple = (), seen: dict | None = None) -> frozenset:
    """The module paths of the named seqs written more than once in one scope."""
    seen = {} if seen is None else seen
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and len(item) == 1 and isinstance(item.get("seq"), SeqBody):
                seq = item["seq"]
                inner = path if seq.get("name") is None else (*path, seq.get("name"))
                if seq.get("name") is not None:
                    seen[inner] = seen.get(inner, 0) + 1
                for value in seq.values():
                    _reopened(value, inner, seen)
            else:
                _reopened(item, path, seen)
    elif isinstance(node, dict):
        if node.get("name") is not None and ("layers" in node or "branches" in node):
            path = (*path, node["name"])
        for value in node.values():
            _reopened(value, path, seen)
    return frozenset(key for key, count in seen.items() if count > 1)


def _fill(node, places):
    """The template: the first member's nodes with each varying value replaced by its parameter's name."""
    if isinstance(node, Flow):
        result = Flow()
        for key, value in node.items():
            if key not in ("name", "functional") and _variable(value):
                place = next(places)
                result[key] = value if place is None else place
            else:
                result[key] = value
        return result
    if isinstance(node, dict):
        result = type(node)()
        if isinstance(node, SeqBody):
            result.cls = node.cls
        for key, value in node.items():
            result[key] = _fill(value, places)
        return result
    if isinstance(node, list):
        return [_fill(item, places) for item in node]
    return node


def _repeats(node):
    """Runs of calls with equal arguments whose names the numbering gives become `repeat` nodes."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            node[key] = _repeats(value)
        return node
    if not isinstance(node, list):
        return node
    items = [_repeats(item) for item in node]
    out, i = [], 0
    while i < len(items):
        j = i + 1
        call = _call(items[i])
        while call and j < len(items) and _call(items[j]) and _same_call(items[i], items[j]):
            j += 1
        if j - i > 1 and _numbered(items, i, j):
            (block, args), = items[i].items()
            rest = Flow({k: v for k, v in args.items() if k != "name"})
            out.append({"repeat": {"times": j - i, "layers": [{block: rest}]}})
            i = j
            continue
        out.append(items[i])
        i += 1
    return out


def _call(item) -> bool:
    return isinstance(item, dict) and len(item) == 1 and isinstance(next(iter(item.values())), Flow) \
        and "name" in next(iter(item.values())) and next(iter(item)) not in BY_NAME


def _same_call(a: dict, b: dict) -> bool:
    (ka, va), = a.items()
    (kb, vb), = b.items()
    strip = lambda args: {k: (type(v), v) for k, v in args.items() if k != "name"}  # noqa: E731
    return ka == kb and strip(va) == strip(vb)


def _numbered(items: list, i: int, j: int) -> bool:
    """The calls' names are consecutive indices, as the numbering would give them (a scope's first children)."""
    names = [next(iter(item.values()))["name"] for item in items[i:j]]
    if not all(isinstance(n, str) and n.isdigit() for n in names):
        return False
    start = int(names[0])
    return names == [str(start + k) for k in range(j - i)] and _index_before(items, i) == start


def _index_before(items: list, i: int) -> int:
    """The numbering's count at item i (engine._Scope): one per module child before it; -1 after a merge, whose
    branches number children too (the names are then kept as they are)."""
    count = 0
    for item in items[:i]:
        if not (isinstance(item, dict) and len(item) == 1):
            return -1
        (kind, body), = item.items()
        if kind == "repeat":
            count += body["times"]
        elif kind in ("add", "mul", "concat"):
            return -1
        elif kind in BY_NAME:
            count += not (body.get("functional") or BY_NAME[kind].attribute)
        else:  # seq, aux, a block call
            count += 1
    return count


def _identifier(label: str) -> str:
    name = _NOT_IDENTIFIER.sub("_", label).strip("_") or "p"
    return f"p{name}" if name[0].isdigit() else name


def _unique(name: str, taken: dict) -> str:
    if name not in taken:
        return name
    k = 2
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
