"""The traced ops as a spec's tree: chains of layers, and merges whose branches all read the same tensor.

`tree(traced)` recovers the fork/merge structure from the data flow: a merge (add, mul, concat) reads its
branches from the tensor that dominates it (every path from the input to the merge passes through it: the
fork), and each branch is the chain from that fork to one of the merge's operands, recursively. The result is
exact only where the graph is such a tree: every tensor read exactly where the tree says it is read. `check`
counts each op's readers in the tree against the graph's and names the first op read elsewhere (a DAG: DenseNet's
features reread, DPN's two paths), which the import then refuses.

`scopes(steps)` nests the steps in the module scopes their paths name (`layer1`, `layer1.0`): a module is one
contiguous run. A merge sits in the module whose forward ran it; where that would split a module's run (a model
whose forward runs everything from the top: cnninspect.build's), it sinks into its branches' common module, and
a function between two steps of one module joins that module (neither changes a module path or a number).
"""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.torch_backend.importer.trace import Op, Traced


class Layer(NamedTuple):
    op: Op


class Merge(NamedTuple):
    op: Op
    branches: tuple  # of tuples of steps


class Seq(NamedTuple):
    """A module scope: `name` within its parent, its class (qualified), its steps."""

    name: str
    path: str
    cls: str
    items: tuple


class Aux(NamedTuple):
    name: str
    path: str
    items: tuple


class AuxStep(NamedTuple):
    """A training-only head (aux.py): its module scope, its steps; `op` places it in its parent's scope."""

    scope: tuple
    steps: tuple
    op: Op

    @classmethod
    def of(cls, scope: tuple, steps: tuple) -> "AuxStep":
        return cls(scope, steps, Op("aux:" + ".".join(scope), "aux", False, {}, (), ".".join(scope), scope[:-1],
                                    False, ()))


class NotATree(Exception):
    """The wiring is a DAG here, not a tree of merges: the op read outside its branch."""


def dominators(traced: Traced) -> dict[str, str | None]:
    """Each op's immediate dominator (ops are in forward, hence topological, order)."""
    idom: dict[str, str | None] = {}
    depth: dict[str, int] = {}
    for op in traced.ops.values():
        if not op.inputs:
            idom[op.id], depth[op.id] = None, 0
            continue
        common = op.inputs[0]
        for other in op.inputs[1:]:
            common = _meet(common, other, idom, depth)
        idom[op.id], depth[op.id] = common, depth[common] + 1
    return idom


def _meet(a: str, b: str, idom: dict, depth: dict) -> str:
    while a != b:
        if depth[a] >= depth[b]:
            a = idom[a]
        else:
            b = idom[b]
    return a


def tree(traced: Traced, start: str, end: str, idom: dict | None = None, placed: set | None = None) -> tuple:
    """The steps from the tensor `start` to the op `end`; NotATree as soon as an op would be placed twice (a DAG:
    walking it as a tree would take exponential time)."""
    idom = idom or dominators(traced)
    placed = set() if placed is None else placed
    steps = []
    node = end
    while node != start:
        if node in placed:
            raise NotATree(_where(traced.ops[node]))
        placed.add(node)
        op = traced.ops[node]
        if op.merge:
            fork = idom[node]
            branches = [tree(traced, fork, i, idom, placed) for i in op.inputs]
            if op.kind != "concat":  # operands commute: branches in the order torch ran them, the input last
                order = {op_id: n for n, op_id in enumerate(traced.ops)}
                branches.sort(key=lambda b: order[b[0].op.id] if b else len(order))
            steps.append(Merge(op, tuple(branches)))
            node = fork
        else:
            if not op.inputs:
                raise NotATree(f"'{start}' does not lead to '{end}'")
            steps.append(Layer(op))
            node = op.inputs[0]
    return tuple(reversed(steps))


def check(traced: Traced, steps: tuple, start: str) -> None:
    """Every op read as often in the tree as in the graph, and placed once: else NotATree, naming it."""
    readers = {op_id: 0 for op_id in traced.ops}
    for op in traced.ops.values():
        for i in op.inputs:
            readers[i] += 1
    readers[traced.output] += 1
    counted = {op_id: 0 for op_id in traced.ops}
    placed: set[str] = set()
    _count(steps, start, counted, placed)
    counted[traced.output] += 1
    for op_id, op in traced.ops.items():
        if (op_id in placed or op.kind == "input") and readers[op_id] != counted[op_id]:
            raise NotATree(_where(op))


def _count(steps: tuple, start: str, counted: dict, placed: set) -> None:
    current = start
    for step in steps:
        if step.op.id in placed:
            raise NotATree(_where(step.op))
        placed.add(step.op.id)
        if isinstance(step, Merge):
            for branch, operand in zip(step.branches, step.op.inputs):
                _count(branch, current, counted, placed)
                counted[operand] += 1
        else:
            counted[current] += 1
        current = step.op.id


def _where(op: Op) -> str:
    return op.path or ".".join(op.scope) or op.id


# --- module scopes -------------------------------------------------------------------------------------------

class SplitScope(Exception):
    """A module's steps are not one run (a module called twice, or steps of a module mixed with others')."""


def nest(steps: tuple, classes: dict[str, str]) -> tuple:
    """The steps in their module scopes: merges where torch ran them, else (where that would split a module)
    every merge in its branches' common module. SplitScope where neither gives each module one run."""
    for sink in (False, True):
        try:
            items = scopes(steps, classes, (), sink)
            _once(items, set())
            return items
        except SplitScope as split:
            failed = split
    raise failed


# containers without a forward of their own: their members run between other modules' steps (Res2Net's
# `convs`, HRNet's fuse layers), so such a module may be opened again (docs/spec.md, Wiring: a named seq twice)
REOPEN = ("torch.nn.modules.container.ModuleList", "torch.nn.modules.container.ModuleDict")


def _once(items: tuple, seen: set) -> None:
    for item in items:
        if isinstance(item, Seq):
            if item.path in seen and item.cls not in REOPEN:
                raise SplitScope(item.path)
            seen.add(item.path)
            _once(item.items, seen)
        elif isinstance(item, Merge):
            for branch in item.branches:
                _once(branch, seen)
        elif isinstance(item, Aux):
            if item.path in seen:
                raise SplitScope(item.path)
            seen.add(item.path)
            _once(item.items, seen)


def scopes(steps: tuple, classes: dict[str, str], prefix: tuple[str, ...] = (), sink: bool = False) -> tuple:
    keys = [_key(step, prefix) for step in steps]
    keys = _settle(steps, keys, prefix, sink)
    items, seen, i = [], set(), 0
    while i < len(steps):
        key = keys[i]
        if key is None:
            items.append(_inside(steps[i], classes, prefix, sink))
            i += 1
            continue
        j = i
        while j < len(steps) and keys[j] == key:
            j += 1
        path = ".".join((*prefix, key))
        if key in seen and classes.get(path, "") not in REOPEN:
            raise SplitScope(path)
        seen.add(key)
        items.append(Seq(key, path, classes.get(path, ""), scopes(steps[i:j], classes, (*prefix, key), sink)))
        i = j
    return tuple(items)


def _inside(step, classes: dict, prefix: tuple, sink: bool) -> object:
    if isinstance(step, AuxStep):
        return Aux(step.scope[-1], step.op.path, scopes(step.steps, classes, step.scope, sink))
    if isinstance(step, Merge):
        return Merge(step.op, tuple(scopes(branch, classes, prefix, sink) for branch in step.branches))
    return step


def _anchor(step) -> tuple[str, ...]:
    return step.op.scope


def _key(step, prefix: tuple) -> str | None:
    scope = _anchor(step)
    if scope[:len(prefix)] != prefix:
        return None  # shallower than here: a function or merge placed here (cosmetic)
    return scope[len(prefix)] if len(scope) > len(prefix) else None


def _modules_in(step) -> list[tuple[str, ...]]:
    if isinstance(step, Merge):
        return [scope for branch in step.branches for s in branch for scope in _modules_in(s)]
    return [step.op.scope] if not step.op.functional else []


def _settle(steps: tuple, keys: list, prefix: tuple, sink: bool) -> list:
    """Merges that would split a module sink into it; functions between two steps of one module join it."""
    keys = list(keys)
    for i, step in enumerate(steps):  # merges first: a function's neighbours may be merges that sink
        if keys[i] is None and isinstance(step, Merge):
            inner = {s[len(prefix)] if len(s) > len(prefix) and s[:len(prefix)] == prefix else None
                     for s in _modules_in(step)}
            if len(inner) == 1 and None not in inner:
                key = inner.pop()
                if sink or key in (_near(steps, keys, i, -1), _near(steps, keys, i, 1)):
                    keys[i] = key
    for i, step in enumerate(steps):
        if keys[i] is None and isinstance(step, Layer) and step.op.functional:
            before, after = _near(steps, keys, i, -1), _near(steps, keys, i, 1)
            if before is not None and before == after:
                keys[i] = before
    return keys


def _near(steps: tuple, keys: list, i: int, direction: int) -> str | None:
    """The key of the nearest step that way, past functions left at this level."""
    j = i + direction
    while 0 <= j < len(keys) and keys[j] is None and isinstance(steps[j], Layer) and steps[j].op.functional:
        j += direction
    return keys[j] if 0 <= j < len(keys) else None


# --- beyond a tree: earlier outputs by reference (the spec's `from`, `inputs`, `as`, `share`) --------------------

def flat(traced: Traced) -> tuple:
    """Every op in forward order, merges without branches: their operands come by reference (wiring)."""
    return tuple(Merge(op, ()) if op.merge else Layer(op) for op in traced.ops.values() if op.kind != "input")


def scopes_of(items: tuple, path: str = "", found: dict | None = None) -> dict[str, str]:
    """Each op's module scope in the nested items (where its output's name lives)."""
    found = {} if found is None else found
    for item in items:
        if isinstance(item, Seq):
            scopes_of(item.items, item.path, found)
        elif isinstance(item, Aux):
            scopes_of(item.items, item.path, found)
        else:
            found[item.op.id] = path
            if isinstance(item, Merge):
                for branch in item.branches:
                    scopes_of(branch, path, found)
    return found


def order_of(items: tuple, found: list | None = None) -> list[str]:
    """The op ids in the order the spec walks them."""
    found = [] if found is None else found
    for item in items:
        if isinstance(item, (Seq, Aux)):
            order_of(item.items, found)
        else:
            if isinstance(item, Merge):
                for branch in item.branches:
                    order_of(branch, found)
            found.append(item.op.id)
    return found


def wiring(traced: Traced, items: tuple, start: str) -> dict[str, dict]:
    """For the flat form: `from` where an op reads other than the op walked just before it, `inputs` for every
    merge's operands, and an `as` label on each op read so, its reference absolute (`/scope.label`): the op's
    output is read wherever it was computed."""
    where = scopes_of(items)
    extra: dict[str, dict] = {}
    labels: dict[str, str] = {start: "/input"}

    def ref(op_id: str) -> str:
        if op_id not in labels:
            label = f"t_{op_id}"
            extra.setdefault(op_id, {})["as"] = label
            labels[op_id] = "/" + (f"{where[op_id]}.{label}" if where[op_id] else label)
        return labels[op_id]

    previous = start
    for op_id in order_of(items):
        op = traced.ops[op_id]
        if op.merge:
            extra.setdefault(op_id, {})["inputs"] = [ref(i) for i in op.inputs]
        elif op.inputs and op.inputs[0] != previous:
            extra.setdefault(op_id, {})["from"] = ref(op.inputs[0])
        previous = op_id
    return extra


def paired(traced: Traced, items: tuple, extra: dict[str, dict]) -> None:
    """Each max unpool's `indices`: its pool's output by an absolute label (`/scope.t_pool`), never by the
    pool's module path, which a pool called at several depths (SegNet's one `self.pool`) holds only once."""
    where = scopes_of(items) if traced.pairs else {}
    for unpool, pool in traced.pairs.items():
        label = extra.setdefault(pool, {}).setdefault("as", f"t_{pool}")
        extra.setdefault(unpool, {})["indices"] = "/" + (f"{where[pool]}.{label}" if where[pool] else label)
