"""Human sizes, exactly: 5M, 1.5G, 0.1M for counts; 200MB, 1.2GiB for bytes. Never a float on the way.

Counts (parameters, MACs, FLOPs) take k (or K), M, G, T: powers of 1000. Sizes in bytes take B, kB (or KB), MB,
GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024); a bare number is bytes. The number may have a
decimal point, an exponent (1.5e9), and thousands written 5,000,000 or 5_000_000.

A limit must come to a whole number of units (1.5 parameters is a typo), with one exception: a binary size
is a decimal fraction of a power of two, rarely whole (1.2GiB is 1,288,490,188.8 bytes); it allows the whole
bytes under it (at most 1,288,490,188), which is exactly what `bytes ≤ 1.2GiB` means for a whole number of bytes.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import NamedTuple

from cnninspect.errors import InputError
from cnninspect.spell import spell

COUNT, BYTES = "count", "bytes"
COUNT_UNITS = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
BYTE_UNITS = {"": 1, "B": 1, "kB": 10**3, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
              "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
BINARY = ("KiB", "MiB", "GiB", "TiB")
MAX_VALUE = 10**30  # far past any network; keeps an exponent such as 1e999999 from costing anything
MAX_TEXT = 60
_SIZE = re.compile(r"(?P<sign>[+-]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+(?:_\d+)*)?(?:\.(?P<fraction>\d+))?"
                   r"(?:[eE](?P<exponent>[+-]?\d{1,4}))?\s*(?P<unit>[A-Za-z]*)")
HOW = {COUNT: "a count such as 5M or 1.5G (k, M, G, T: powers of 1000)",
       BYTES: "a size in bytes such as 200MB or 1.5GiB (B, kB, MB, GB, TB: powers of 1000; KiB, MiB, GiB, TiB: "
              "powers of 1024)"}


class Limit(NamedTuple):
    """A limit as written and as an exact integer (the largest whole count or byte size it allows)."""

    text: str  # as written: '5M', '1.2 GiB', '5000000'
    value: int
    kind: str  # COUNT or BYTES

    @property
    def plain(self) -> bool:
        """Written as the bare integer itself: nothing to echo beside the exact value."""
        return self.text.replace(",", "").replace("_", "") == str(self.value)


def parse_limit(raw: object, kind: str) -> Limit:
    """A count or a byte size from the command line (a string) or a spec (a string, an int or a float).

    Raises InputError without a location: the caller knows the flag or the spec's line."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise InputError(f"expected {HOW[kind]}. Received {spell(raw)}")
    if isinstance(raw, int):
        if raw < 0:
            raise InputError(f"a limit must be ≥ 0. Received {raw}")
        return Limit(str(raw), raw, kind)
    text = repr(raw) if isinstance(raw, float) else raw.strip()
    match = _SIZE.fullmatch(text) if len(text) <= MAX_TEXT else None
    if not match or not (match["whole"] or match["fraction"]):
        raise InputError(f"expected {HOW[kind]}. Received {text!r}")
    if match["sign"] == "-":
        raise InputError(f"a limit must be ≥ 0. Received {text!r}")
    scale = _unit(match["unit"], kind, text)
    number = Fraction(int((match["whole"] or "0").replace(",", "").replace("_", "")))
    if match["fraction"]:
        number += Fraction(int(match["fraction"]), 10 ** len(match["fraction"]))
    exponent = int(match["exponent"] or 0)
    if number and exponent > 40:
        raise InputError(f"a limit must be at most 10^30. Received {text!r}")
    value = number * scale * Fraction(10) ** exponent
    if value > MAX_VALUE:
        raise InputError(f"a limit must be at most 10^30. Received {text!r}")
    if value.denominator != 1 and match["unit"] not in BINARY:
        exact = f" ({text} is {decimal(value)}{' bytes' if kind == BYTES else ''})"
        raise InputError(f"a limit must be a whole number{' of bytes' if kind == BYTES else ''}"
                         f"{exact if decimal(value) != text else ''}. Received {text!r}")
    return Limit(text, int(value), kind)  # int() floors: a binary size allows the whole bytes under it


def _unit(unit: str, kind: str, text: str) -> int:
    own, other = (COUNT_UNITS, BYTE_UNITS) if kind == COUNT else (BYTE_UNITS, COUNT_UNITS)
    if unit in own:
        return own[unit]
    if kind == COUNT and unit in other:
        hint = " (a billion is G)" if unit == "B" else ""
        raise InputError(f"{unit} is a unit of bytes{hint}, and this limit is {HOW[COUNT]}. Received {text!r}")
    if kind == BYTES and unit in other:
        raise InputError(f"{unit} is a unit of counts (did you mean {unit.upper()}B?), and this limit is "
                         f"{HOW[BYTES]}. Received {text!r}")
    close = [name for name in own if name and name.lower() == unit.lower()]
    hint = f"did you mean {close[0]}?" if close else ""
    if kind == BYTES and unit.endswith("b"):
        hint = "b is bits, B bytes" + (f": {hint}" if hint else "")
    hint = f" ({hint})" if hint else ""
    raise InputError(f"unknown unit {unit!r}{hint}: expected {HOW[kind]}. Received {text!r}")


def decimal(value: Fraction) -> str:
    """An exact decimal for a fraction whose denominator divides a power of ten: 1288490188.8."""
    whole, rest = divmod(value, 1)
    digits = ""
    while rest and len(digits) < 60:
        rest *= 10
        digit, rest = divmod(rest, 1)
        digits += str(digit)
    return f"{whole:,}" + (f".{digits}" if digits else "")
