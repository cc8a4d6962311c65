"""What a merge of branches gives: add needs equal shapes, mul broadcasts (a squeeze-excitation's scale), concat
joins channels. Its only work is elementwise (`ops`)."""

from __future__ import annotations

from cnninspect.core.layers.base import Shape, check_sizes, numel, show
from cnninspect.errors import InputError

def merge_shape(op: str, shapes: list[Shape]) -> tuple[Shape, int]:
    """The shape a merge gives, and its ops."""
    if op == "concat":
        if len({(len(s), s[1:]) for s in shapes}) > 1:
            raise InputError(f"the branches differ beyond their channels: {', '.join(map(show, shapes))}")
        shape = (sum(s[0] for s in shapes), *shapes[0][1:])
        check_sizes(shape, "output")  # channels doubled by each concat of a repeat would grow without end
        return shape, 0
    first = shapes[0]
    if all(s == first for s in shapes):  # the common case, and the only one add accepts
        return first, (len(shapes) - 1) * numel(first)
    if op == "add":
        raise InputError(f"the branches' shapes differ: {', '.join(map(show, shapes))}")
    if len({len(s) for s in shapes}) > 1 or any(len({n for n in sizes if n != 1}) > 1 for sizes in zip(*shapes)):
        raise InputError(f"the branches' shapes do not broadcast: {', '.join(map(show, shapes))}")
    shape = tuple(max(sizes) for sizes in zip(*shapes))
    return shape, (len(shapes) - 1) * numel(shape)
