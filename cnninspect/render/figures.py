"""How numbers are written: exact integers with separators, and human units beside them."""

from __future__ import annotations

from cnninspect.core import lint
from cnninspect.core.engine import Row
from cnninspect.render.text import fraction

COUNT_UNITS = ((10**12, " T"), (10**9, " G"), (10**6, " M"), (10**3, " k"))
BYTE_UNITS = ((10**12, " TB"), (10**9, " GB"), (10**6, " MB"), (10**3, " kB"))  # decimal, as --max-*-memory reads them


def exact(value: int) -> str:
    return f"{value:,}"


def human(value: int | float) -> str:
    """1814073344 → '1.81 G', 999 → '999' (decimal units: k, M, G, T are powers of 1000)."""
    return _scaled(value, COUNT_UNITS, "")


def size(value: int) -> str:
    """Bytes in the decimal unit that reads naturally (docs/conventions.md): 512 → '512 B', 3211264 → '3.21 MB',
    153142730000 → '153.14 GB'. kB = 10^3 bytes, MB = 10^6, GB = 10^9, TB = 10^12, as `check`'s limits read them."""
    return _scaled(value, BYTE_UNITS, " B")


def _scaled(value: int | float, units: tuple[tuple[int, str], ...], bare: str) -> str:
    """value in the largest unit it reaches, to two decimals; one unit up where the rounding reaches 1000
    (999,996 is 1.00 M, not 1000.00 k). Under the smallest unit, the value as it is."""
    for index, (scale, unit) in enumerate(units):
        if abs(value) >= scale:
            text = _hundredths(value, scale)
            if index and text.lstrip("-").startswith("1,000."):
                scale, unit = units[index - 1]
                text = _hundredths(value, scale)
            return text + unit
    return f"{value}{bare}"


def _hundredths(value: int | float, scale: int) -> str:
    """value / scale to two decimals, the whole part grouped in thousands. Integers in integer arithmetic (a half
    rounded up: 7,525,000 is 7.53 M), so that no figure, however large, passes through a float that could
    overflow; a float (a measured time) as Python rounds it."""
    if not isinstance(value, int):
        return f"{value / scale:,.2f}"
    hundredths, rest = divmod(abs(value) * 100, scale)
    hundredths += 2 * rest >= scale
    return f"{'-' if value < 0 else ''}{hundredths // 100:,}.{hundredths % 100:02d}"


def shape(values: tuple[int, ...], batch: int | None = None) -> str:
    return "x".join(map(str, ((batch,) if batch is not None else ()) + tuple(values)))


def receptive_field(row: Row) -> tuple[str, str]:
    """(size, jump) per axis: '7x7', '2'; 'all' once every output reads the whole input; '-' without axes."""
    if row.footprint is None:
        return "all", "-"
    if not row.footprint:
        return "-", "-"
    sizes = [str(f.size) for f in row.footprint]
    jumps = [fraction(f.jump) for f in row.footprint]
    return "x".join(sizes), (jumps[0] if len(set(jumps)) == 1 else "x".join(jumps))


def lint_mark(row: Row) -> str:
    """'!' when some input is never read, '~' when only padding is, or a ceil-mode window is partial: the core's
    verdict (core/lint.py), never decided here."""
    return lint.mark(row)
