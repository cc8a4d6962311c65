"""Small helpers for plain-text output: aligned columns, plurals, per-axis labels, and the rich console every
table is drawn on."""

from __future__ import annotations

import io
from fractions import Fraction

from cnninspect.inert import inert


def columns(rows: list[list[str]], indent: str = "") -> list[str]:
    """Left-aligned columns, two spaces apart, trailing spaces trimmed; every cell inert."""
    rows = [[inert(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [(indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths))).rstrip() for row in rows]


def sizes(values: tuple[int, ...] | None) -> str:
    return "x".join(map(str, values)) if values else "-"


def fraction(value: int | Fraction) -> str:
    """An exact ratio: '4', '1/2'."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def axis_labels(ndim: int) -> tuple[str, ...]:
    return {1: ("",), 2: ("H", "W"), 3: ("D", "H", "W")}[ndim]


def axis_noun(label: str, count: int) -> str:
    """What one input position of an axis is called: a row of H, a column of W."""
    singular, plural = {"H": ("row", "rows"), "W": ("column", "columns"), "D": ("plane", "planes")}.get(
        label, ("row/column", "rows/columns"))
    return singular if count == 1 else plural


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def plain_console(color: bool = False):
    """A rich console that draws into a string and reads every str as plain text: no markup (`[/x]`, `[link=...]`),
    no emoji codes (`:skull:`), no highlighting. Wide enough that no table wraps. Cells still need `inert`: rich
    strips only some control characters (ESC survives it)."""
    from rich.console import Console

    return Console(file=io.StringIO(), width=400, color_system="auto" if color else None, force_terminal=color,
                   markup=False, emoji=False, highlight=False, soft_wrap=False)


def drawn(target) -> str:
    """What a `plain_console()` drew, with trailing spaces trimmed."""
    return "\n".join(line.rstrip() for line in target.file.getvalue().splitlines()) + "\n"
