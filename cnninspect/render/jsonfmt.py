"""JSON that stays readable and writes fast: objects indented, lists of numbers on one line.

json.dumps with an indent falls back to the pure-Python encoder; this writer joins the pieces itself and leaves
only strings to the C escaper, so a summary of 10,000 layers writes in a fraction of a second. Strings are written
by `inert.json_string`: exact, and without a raw control, bidi or surrogate character. NaN and the infinities are
not JSON: writing one is refused (ValueError), as json.dumps(allow_nan=False) does.
"""

from __future__ import annotations

import functools
import json

from cnninspect.inert import json_string

_key = functools.lru_cache(maxsize=1024)(json_string)  # a document repeats its few keys thousands of times


def dumps(value: object, indent: int = 2) -> str:
    parts: list[str] = []
    _write(value, parts, indent, 0)
    parts.append("\n")
    return "".join(parts)


def _write(value: object, parts: list[str], indent: int, depth: int) -> None:
    if isinstance(value, dict) and value:
        inner, outer = "\n" + " " * (indent * (depth + 1)), "\n" + " " * (indent * depth)
        parts.append("{")
        for index, (key, item) in enumerate(value.items()):
            parts.append(("," if index else "") + inner + _key(key) + ": ")
            _write(item, parts, indent, depth + 1)
        parts.append(outer + "}")
    elif type(value) is list and value and not _flat(value):
        inner, outer = "\n" + " " * (indent * (depth + 1)), "\n" + " " * (indent * depth)
        parts.append("[")
        for index, item in enumerate(value):
            parts.append(("," if index else "") + inner)
            _write(item, parts, indent, depth + 1)
        parts.append(outer + "]")
    else:
        parts.append(_inline(value))


def _inline(value: object) -> str:
    """A scalar, or a flat list on one line; the common types first."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is str:
        return json_string(value)
    if kind is list or kind is tuple:
        return "[" + ", ".join(map(_inline, value)) + "]"
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, float):
        return json.dumps(float(value), allow_nan=False)
    if isinstance(value, str):
        return json_string(str(value))
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, dict):  # {}
        return "{}"
    raise TypeError(f"not JSON: {type(value).__name__}")


def _flat(values: list) -> bool:
    """Scalars, or lists of scalars: short enough for one line."""
    for v in values:
        if type(v) is dict or (type(v) is list and any(type(x) in (dict, list) for x in v)):
            return False
    return True
