"""A value as the user would write it in a spec or on the command line, for messages: never a Python repr.

`7/2`, not `Fraction(7, 2)`; `true`, `null`, `[1, 2]`, `{a: 1}`; `2001-01-01`, not `datetime.date(2001, 1, 1)`;
floats as Python's shortest round-trip spelling (`2.3`, `1e+200`); text quoted and inert (escapes, one line).
Every message that shows a received value spells it here.
"""

from __future__ import annotations

from fractions import Fraction

from cnninspect.inert import inert

MAX_SHOWN = 60  # characters of a value shown in a message; longer ones end in '...'
_MAX_ITEMS = 12  # items of a list or mapping spelt before the rest is cut (a value may hold 200,000)


def spell(value: object) -> str:
    """The value, written as in a spec; at most MAX_SHOWN characters."""
    text = _spell(value, 0)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _spell(value: object, depth: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float: 2.3, 1e+200, nan, inf
    if isinstance(value, Fraction):
        return _integer(value.numerator) + ("" if value.denominator == 1 else f"/{_integer(value.denominator)}")
    if isinstance(value, str):
        return inert(repr(value))
    if type(value).__module__ == "datetime" and hasattr(value, "isoformat"):  # TOML dates; a YAML date quoted
        return value.isoformat()
    if depth > 3:
        return "..."
    if isinstance(value, (list, tuple)):
        items = [_spell(item, depth + 1) for item in value[:_MAX_ITEMS]]
        return "[" + ", ".join(items + (["..."] if len(value) > _MAX_ITEMS else [])) + "]"
    if isinstance(value, dict):
        items = [f"{inert(key)}: {_spell(item, depth + 1)}" for key, item in list(value.items())[:_MAX_ITEMS]]
        return "{" + ", ".join(items + (["..."] if len(value) > _MAX_ITEMS else [])) + "}"
    return inert(type(value).__name__)


def _integer(value: int) -> str:
    """Its digits; past 40 of them, the first ones and how many (Python will not print 5,000 digits at all)."""
    if -10**40 < value < 10**40:
        return str(value)
    sign = "-" if value < 0 else ""
    if value.bit_length() < 13_000:  # under Python's 4,300-digit limit on int → str
        digits = str(abs(value))
        return f"{sign}{digits[:12]}...({len(digits)} digits)"
    return f"{sign}a number of about {value.bit_length() * 30103 // 100000 + 1} digits"  # log10(2) a bit
