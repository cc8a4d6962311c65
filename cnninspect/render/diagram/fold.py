"""Folding a drawing at a depth, as `summary --depth` folds its rows: the layers deeper than `depth` with the
same path prefix of that depth become one block box. Here a block is made of whole steps, so a merge is folded
only with all its branches (else its branches are folded within it); an auxiliary head never joins the main
line's blocks. Consecutive blocks alike under one parent (`signature`) become one box ×N, their figures summed."""

from __future__ import annotations

from collections import Counter

from cnninspect.core import lint
from cnninspect.core.engine import Row
from cnninspect.core.layers.base import Shape
from cnninspect.render.diagram.structure import Box, Fork, Seq, Side, Ids


def _rows_of(item) -> list[int]:
    if isinstance(item, Box):
        return list(item.rows)
    if isinstance(item, Fork):
        return [i for branch in item.branches for sub in branch.items for i in _rows_of(sub)] + list(item.merge.rows)
    return [i for sub in item.body.items for i in _rows_of(sub)]


def _prefix(item, rows: tuple[Row, ...], depth: int) -> str | None:
    """The path prefix of `depth` components every row of `item` shares, if every row is deeper; else None."""
    found = None
    for index in _rows_of(item):
        parts = rows[index].path.split(".")
        if len(parts) <= depth:
            return None
        prefix = ".".join(parts[:depth])
        if found is None:
            found = prefix
        elif prefix != found:
            return None
    return found


def fold(seq: Seq, rows: tuple[Row, ...], depth: int, ids: Ids) -> Seq:
    runs: list[tuple[str | None, list]] = []
    for item in seq.items:
        prefix = None if isinstance(item, Side) else _prefix(item, rows, depth)
        if prefix is not None and runs and runs[-1][0] == prefix:
            runs[-1][1].append(item)
        else:
            runs.append((prefix, [item]))
    items: list = []
    for prefix, run in runs:
        if prefix is None:
            item = run[0]
            if isinstance(item, Fork):
                item = item._replace(branches=tuple(fold(b, rows, depth, ids) for b in item.branches))
            elif isinstance(item, Side):
                item = item._replace(body=fold(item.body, rows, depth, ids))
            items.append(item)
        else:
            items.append(_block(prefix, run, rows, ids))
    return Seq(tuple(_repeats(items, rows, ids)))


def _block(prefix: str, run: list, rows: tuple[Row, ...], ids: Ids) -> Box:
    indices = tuple(i for item in run for i in _rows_of(item))
    inner = [rows[i] for i in indices]
    first_input = run[0].input if isinstance(run[0], Box) else _first_input(run[0], rows)
    last = run[-1].merge if isinstance(run[-1], Fork) else run[-1]
    return Box(ids.next("b"), indices, prefix, "block", "block", _contents(inner),
                sum(r.params for r in inner), sum(r.macs for r in inner),
                lint.verdict(c for r in inner for c in r.coverage), 1, first_input, last.output, inner[0].aux)


def _first_input(item, rows: tuple[Row, ...]) -> Shape:
    """The tensor a step receives: a merge's row records it."""
    return rows[item.merge.rows[0]].input


def _contents(inner: list[Row]) -> str:
    """What a block holds: `3 layers: Conv2d ×2, ReLU`."""
    counts = Counter(r.type_name for r in inner)
    kinds = ", ".join(f"{name} ×{n}" if n > 1 else name for name, n in counts.items())
    return f"{len(inner)} layers: {kinds}"


def signature(box: Box, rows: tuple[Row, ...]) -> tuple:
    """Equal for two blocks that differ only in their name: the same layers, settings and shapes, in order."""
    start = len(box.label) + 1
    return tuple((rows[i].path[start:], rows[i].kind, rows[i].type_name,
                  rows[i].settings.key() if rows[i].settings is not None else None, rows[i].input, rows[i].output)
                 for i in box.rows)


def _repeats(items: list, rows: tuple[Row, ...], ids: Ids) -> list:
    """Consecutive blocks alike (signature) under one parent become one box ×N, its figures summed."""
    out: list = []
    run: list[Box] = []

    def flush() -> None:
        if len(run) > 1:
            first, last = run[0], run[-1]
            label = f"{first.label}–{last.label.rpartition('.')[2]}"
            out.append(first._replace(id=ids.next("r"), rows=tuple(i for b in run for i in b.rows), label=label,
                                      params=sum(b.params for b in run), macs=sum(b.macs for b in run),
                                      times=len(run), output=last.output))
        else:
            out.extend(run)
        run.clear()

    for item in items:
        alike = (isinstance(item, Box) and item.type_name == "block" and run
                 and item.label.rpartition(".")[0] == run[0].label.rpartition(".")[0]
                 and signature(item, rows) == signature(run[0], rows))
        if not alike:
            flush()
        if isinstance(item, Box) and item.type_name == "block":
            run.append(item)
        else:
            out.append(item)
    flush()
    return out
