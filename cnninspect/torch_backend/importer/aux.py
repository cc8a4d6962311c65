"""Auxiliary heads (GoogLeNet's aux1 and aux2, Inception v3's AuxLogits): what runs in training mode only.

The module is traced a second time in training mode. Its ops that the main output does not depend on are the
heads: each reads one op of the main path (where the head attaches) and ends in an output of the training
forward (GoogLeNet returns its logits and both heads' outputs) or nowhere (cnninspect.build keeps them aside).
The main path of the training trace must be the eval trace, op for op; then each head becomes an `aux` node
after the op it reads, named after the module that holds its layers.
"""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.torch_backend.importer import structure
from cnninspect.torch_backend.importer.trace import Traced


class Head(NamedTuple):
    attach: str  # the eval op it reads
    steps: tuple  # its steps, from the training trace
    scope: tuple[str, ...]  # the module holding its layers


class NotAHead(Exception):
    """Training mode changes more than heads that run beside the main path: what differs."""


def heads(main: Traced, train: Traced) -> list[Head]:
    needed = _ancestors(train, train.output)
    main_ops = [op for op in main.ops.values()]
    train_main = [op for op in train.ops.values() if op.id in needed]
    if len(main_ops) != len(train_main) or any(
            (a.kind, a.path, a.shape) != (b.kind, b.path, b.shape) for a, b in zip(main_ops, train_main)):
        first = next((b.path or b.kind for a, b in zip(main_ops, train_main) if (a.kind, a.path) != (b.kind, b.path)),
                     "the end")
        raise NotAHead(f"training mode runs another main path (it differs at '{first}')")
    to_main = {b.id: a.id for a, b in zip(main_ops, train_main)}
    extra = [op for op in train.ops.values() if op.id not in needed]
    if not extra:
        return []
    readers: dict[str, list] = {}
    for op in train.ops.values():
        for i in op.inputs:
            readers.setdefault(i, []).append(op.id)
    ends = [op.id for op in extra if not [r for r in readers.get(op.id, []) if r not in needed]]
    idom = structure.dominators(train)
    found = []
    for end in ends:
        attach = idom[end]
        while attach not in needed:
            attach = idom[attach]
        steps = structure.tree(train, attach, end, idom)
        modules = [op.scope for op in _ops(steps) if not op.functional]
        scope = _common(modules)
        if not scope:
            raise NotAHead(f"a head of {len(_ops(steps))} ops held by no module of its own")
        found.append(Head(to_main[attach], steps, scope))
    placed = {op.id for head in found for op in _ops(head.steps)}
    if placed != {op.id for op in extra}:
        raise NotAHead("training mode runs ops that are not heads of the main path")
    return found


def _ancestors(traced: Traced, end: str) -> set[str]:
    seen, stack = set(), [end]
    while stack:
        op_id = stack.pop()
        if op_id in seen:
            continue
        seen.add(op_id)
        stack.extend(traced.ops[op_id].inputs)
    return seen


def _ops(steps: tuple) -> list:
    found = []
    for step in steps:
        found.append(step.op)
        if isinstance(step, structure.Merge):
            for branch in step.branches:
                found += _ops(branch)
    return found


def _common(scopes: list[tuple[str, ...]]) -> tuple[str, ...]:
    if not scopes:
        return ()
    first = scopes[0]
    n = 0
    while n < len(first) and all(len(s) > n and s[n] == first[n] for s in scopes):
        n += 1
    return first[:n]


def insert(steps: tuple, found: list[Head]) -> tuple:
    """The eval steps with each head after the op it reads (in a branch, where that op is)."""
    after: dict[str, list[Head]] = {}
    for head in found:
        after.setdefault(head.attach, []).append(head)
    return _insert(steps, after)


def _insert(steps: tuple, after: dict) -> tuple:
    out = []
    for step in steps:
        if isinstance(step, structure.Merge):
            step = structure.Merge(step.op, tuple(_insert(b, after) for b in step.branches))
        out.append(step)
        for head in after.get(step.op.id, []):
            out.append(structure.AuxStep.of(head.scope, head.steps))
    return tuple(out)
