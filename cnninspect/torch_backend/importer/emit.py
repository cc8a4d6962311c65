"""The imported tree as spec text: YAML, one layer a line, the structure in block style, a header comment.

A layer states its name only where the numbering would not give it (an unnamed module child takes the next
index of its module, as in nn.Sequential: engine._Scope), and only the fields that differ from its kind's
defaults (the catalog's). Numbers are written so that YAML reads them back exactly: floats with a dot (PyYAML
reads `1e-05` as text), every float as Python's shortest repr.
"""

from __future__ import annotations

import json
import math
import re

from cnninspect.core.graph import REQUIRED
from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.torch_backend.importer.structure import Aux, Layer, Merge, Seq

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


class Flow(dict):
    """A mapping written on one line: a layer's fields."""


class SeqBody(dict):
    """A module scope's `seq` body, with the module's class (qualified): blocks.py groups scopes by it."""

    cls = ""


def scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a float the format cannot write: {value}")
        text = repr(value)
        if "e" in text and "." not in text.split("e")[0]:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
            return value
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a spec value: {type(value).__name__}")


def fields(kind: str, values: dict) -> dict:
    """The fields that differ from the kind's defaults, in the catalog's order."""
    declared = BY_NAME[kind].fields
    kept = {}
    for name, field in declared.items():
        if name not in values:
            continue
        value = values[name]
        if field.default is not REQUIRED and _same(value, field.default):
            continue
        kept[name] = value
    return kept


def _same(value, default) -> bool:
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default or (type(value) is type(default) and value == default)
    return value == default


class Counter:
    """A module scope's numbering of unnamed children (engine._Scope.child)."""

    def __init__(self) -> None:
        self.count = 0

    def name(self, name: str) -> str | None:
        """`name`, or None where numbering would give it anyway."""
        given = None if name == str(self.count) else name
        self.count += 1
        return given


def layer_node(op, counter: Counter, extra: dict | None = None, shared: bool = False) -> dict:
    extra = extra or {}
    if shared:  # a module used again: one module in torch, called here once more
        return {"share": Flow({"path": "/" + op.path, **extra})}
    values = fields(op.kind, op.fields)
    entry = Flow()
    if op.kind == "layer_scale":
        entry["name"] = op.path.split(".")[-1]
    elif not op.functional:
        name = counter.name(op.path.split(".")[-1])
        if name is not None:
            entry["name"] = name
    entry.update(values)
    if op.functional:
        entry["functional"] = True
    entry.update(extra)
    return {op.kind: entry}


def nodes(items: tuple, counter: Counter, wiring: dict | None = None, seen: set | None = None,
          stateful: frozenset = frozenset()) -> list:
    """Spec nodes for a scope's items; `wiring`: an op's references (structure.wiring), by its id; `stateful`: the
    module paths with parameters or buffers (used again, such a module is shared; one without is called again)."""
    wiring = wiring or {}
    seen = set() if seen is None else seen  # module paths already built: a second use of one with parameters
    out = []
    for item in items:
        extra = wiring.get(item.op.id, {}) if isinstance(item, (Layer, Merge)) else {}
        if isinstance(item, Layer):
            op = item.op
            shared = bool(op.path) and not op.functional and op.path in seen and op.kind != "layer_scale" \
                and op.path in stateful
            seen.add(op.path)
            out.append(layer_node(op, counter, extra, shared))
        elif isinstance(item, Merge):
            body = {**({"inputs": extra["inputs"]} if "inputs" in extra else {}),
                    **({"branches": [nodes(b, counter, wiring, seen, stateful) for b in item.branches]} if item.branches
                       else {}),
                    **({"as": extra["as"]} if "as" in extra else {})}
            out.append({item.op.kind: body})
        elif isinstance(item, Seq):
            body = SeqBody()
            body.cls = item.cls
            name = counter.name(item.name)
            body["name"] = item.name if name is None else name
            body["layers"] = nodes(item.items, Counter(), wiring, seen, stateful)
            out.append({"seq": body})
        elif isinstance(item, Aux):
            counter.name(item.name)
            out.append({"aux": {"name": item.name, "layers": nodes(item.items, Counter(), wiring, seen, stateful)}})
    return out


def dump(value, indent: int = 0) -> list[str]:
    """Block-style YAML lines for a mapping of sections (input, blocks, layers)."""
    pad = " " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, (dict, list)) and not isinstance(item, Flow) and item and not _scalars(item):
            lines.append(f"{pad}{scalar(key)}:")
            lines += _block(item, indent + 2)
        else:
            lines.append(f"{pad}{scalar(key)}: {scalar(item)}")
    return lines


def _scalars(value) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def _block(value, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        return dump(value, indent)
    lines = []
    for item in value:
        if isinstance(item, list):  # a branch: a list of nodes
            if not item:
                lines.append(f"{pad}- []")
                continue
            inner = _block(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
        elif isinstance(item, dict) and len(item) == 1:
            (kind, body), = item.items()
            if isinstance(body, Flow):
                lines.append(f"{pad}- {kind}" if not body else f"{pad}- {kind}: {scalar(dict(body))}")
            else:
                lines.append(f"{pad}- {kind}:")
                lines += dump(body, indent + 4)
        else:
            lines.append(f"{pad}- {scalar(item)}")
    return lines
