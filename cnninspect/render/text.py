"""Small helpers for plain-text output: aligned columns, plurals, per-axis labels."""

from __future__ import annotations

from fractions import Fraction


def columns(rows: list[list[str]], indent: str = "") -> list[str]:
    """Left-aligned columns, two spaces apart, trailing spaces trimmed."""
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
