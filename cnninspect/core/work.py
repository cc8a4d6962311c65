"""The bounds of a walk, by what it does and not only by what it adds: at most MAX_ROWS layers, MAX_NESTING
levels deep, and MAX_WORK steps (every node visited and every run of a repeat's body, whether or not it adds a
layer). A repeat or a call whose least work (least_work: what the spec writes) would pass the budget is refused
before it runs. The work depends only on the spec, its arguments and the channels, so a replay never meets it."""

from __future__ import annotations

from typing import Mapping

from cnninspect.core.graph import CallNode, LayerNode, Loc, MergeNode, Node, RefNode, RepeatNode, SeqNode, ShareNode
from cnninspect.errors import InputError

MAX_ROWS = 200_000  # layer applications in one model: about a second of walking
MAX_NESTING = 64  # nodes within nodes, block calls included
MAX_WORK = 500_000  # steps of a walk (each node visited and each run of a repeat's body): about a second
WORK = "steps of work (nodes visited, repeat runs, block calls)"
_LEAVES = (LayerNode, RefNode, ShareNode)


def least_work(node: Node, blocks: Mapping, memo: dict, depth: int = 0) -> int:
    """The steps a walk surely spends on `node`, from what the spec writes (a condition or a repeat count that
    is an expression may be false or 0: it counts for the node's own step only); at most MAX_WORK + 1.
    A node costs one; a sequence, merge or aux head, one more than its parts; a call, the block's body; a repeat,
    one more than `times` runs of its body, each one more than the body's parts. Past MAX_NESTING levels (where
    the walk stops anyway) a node counts one. Memoized by node, as a walk meets the same block again and again."""
    found = memo.get(id(node))
    if found is not None:
        return found
    when, kind, depth = node.common.when, type(node), depth + 1
    if (when is not None and when is not True) or kind in _LEAVES or depth > MAX_NESTING:
        steps = 1
    elif kind is SeqNode or kind is MergeNode:
        steps = 1
        for part in node.children if kind is SeqNode else node.branches:  # a layer, the common part, costs one
            steps += 1 if type(part) is LayerNode else least_work(part, blocks, memo, depth)
    elif kind is RepeatNode:
        times = node.times if type(node.times) is int and node.times > 0 else 0
        steps = 1 + times * least_work(node.body, blocks, memo, depth) if times else 1
    elif kind is CallNode:  # the call's step, then the body's parts
        steps = least_work(blocks[node.block].body, blocks, memo, depth)
    else:  # AuxNode
        steps = least_work(node.body, blocks, memo, depth)
    memo[id(node)] = steps = min(steps, MAX_WORK + 1)
    return steps


def rows_added(body: SeqNode) -> int:
    """The rows every run of a body surely adds: its layers and merges that no condition can skip."""
    return sum(type(child) in (LayerNode, MergeNode) and child.common.when is None for child in body.children)


def too_much(loc: Loc, what: str) -> InputError:
    return InputError(f"{what} would pass {MAX_WORK} {WORK}; cnninspect stops here", loc=loc)


def overspent(nodes: tuple[Node, ...], left: int) -> InputError:
    """Steps for `nodes` with `left` to pay them: the first that cannot be paid is where the work passes."""
    return InputError(f"more than {MAX_WORK} {WORK}; cnninspect stops here", loc=nodes[left].common.loc)


def too_many_rows(loc: Loc, what: str = "") -> InputError:
    if what:
        return InputError(f"{what} would pass {MAX_ROWS} layers; cnninspect stops here", loc=loc)
    return InputError(f"more than {MAX_ROWS} layers; cnninspect stops here", loc=loc)


def too_deep(loc: Loc) -> InputError:
    return InputError(f"nesting deeper than {MAX_NESTING} levels", loc=loc)
