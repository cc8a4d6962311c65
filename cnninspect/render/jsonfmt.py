"""JSON that stays readable: objects indented, lists of numbers on one line."""

from __future__ import annotations

import json


def dumps(value: object, indent: int = 2) -> str:
    return _format(value, indent, 0) + "\n"


def _format(value: object, indent: int, depth: int) -> str:
    if isinstance(value, dict) and value:
        pad = " " * (indent * (depth + 1))
        items = (f"{pad}{json.dumps(key)}: {_format(item, indent, depth + 1)}" for key, item in value.items())
        return "{\n" + ",\n".join(items) + "\n" + " " * (indent * depth) + "}"
    if isinstance(value, list) and value and not _flat(value):
        pad = " " * (indent * (depth + 1))
        items = (pad + _format(item, indent, depth + 1) for item in value)
        return "[\n" + ",\n".join(items) + "\n" + " " * (indent * depth) + "]"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _flat(values: list) -> bool:
    """Scalars, or lists of scalars: short enough for one line."""
    return all(not isinstance(v, (dict, list)) or (isinstance(v, list) and all(
        not isinstance(x, (dict, list)) for x in v)) for v in values)
