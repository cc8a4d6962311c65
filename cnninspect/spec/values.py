"""The forms of spec values, checked before any shape is known: field values by their type, block and model
arguments, the input shape, names and conditions. Expressions (strings) are checked when evaluated."""

from __future__ import annotations

import math
import re

from cnninspect.core.expr import MAX_MAGNITUDE
from cnninspect.core.graph import REQUIRED, Common, Loc, Value
from cnninspect.core.layers.base import Field
from cnninspect.core.window import MAX_DIMS
from cnninspect.errors import InputError
from cnninspect.parse import read_int
from cnninspect.spec.source import Located, LocatedList
from cnninspect.spell import spell

_NAME = re.compile(r"(?:[^.\s{}]|\{[^{}]*\})+")  # {expressions} are evaluated when walked: denselayer{i + 1}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
RESERVED = ("in_channels",)


def common(body: Located, loc: Loc) -> Common:
    name = body.get("name")
    if name is not None:
        if (isinstance(name, bool) or not isinstance(name, (str, int)) or not _NAME.fullmatch(str(name))
                or len(str(name)) > 100):
            raise InputError(f"{body.value_locs['name']}: a name is up to 100 characters without dots or spaces. "
                             f"Received {show(name)}")
        name = str(name)
    when = body.get("if")
    if when is not None:
        when = field_form(Field("bool"), when, body.value_locs["if"], "if")
    return Common(name, when, loc)


def field_form(field: Field, value: object, loc: Loc, name: str) -> Value:
    """Check a value's form against its field's type; expressions (strings) are checked when evaluated."""
    if field.type == "float" and isinstance(value, str):
        value = _float_text(value)
    if field.type == "float" and isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{loc}: '{name}' must be a finite number. Received {name}={show(value)}")
    if value is None or isinstance(value, str) and field.type != "choice":
        return value
    kind = field.type
    if kind == "choice":
        if value not in field.choices:
            raise InputError(f"{loc}: '{name}' must be one of {', '.join(map(repr, field.choices))}. "
                             f"Received {name}={show(value)}")
        return value
    if kind == "order" and isinstance(value, LocatedList):  # one per dimension, the batch included
        if not 2 <= len(value) <= MAX_DIMS + 2:
            raise InputError(f"{loc}: '{name}' lists every dimension, the batch first (2 to {MAX_DIMS + 2}). "
                             f"Received {len(value)} values")
        return tuple(field_form(Field("int"), v, loc, name) for v in value)
    if kind in ("ints", "padding", "intlist") and isinstance(value, LocatedList):
        most = 2 * MAX_DIMS if kind == "intlist" else MAX_DIMS  # intlist: a pair per axis, or dimensions
        if not 1 <= len(value) <= most:
            what = "a list of" if kind == "intlist" else "one per spatial axis"
            raise InputError(f"{loc}: '{name}' takes one value or {what} (1 to {most}). "
                             f"Received {len(value)} values")
        return tuple(field_form(Field("int"), v, loc, name) for v in value)
    if kind in ("int", "ints", "padding", "intlist") and type(value) is int:
        return bounded(value, loc, name)
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return bounded(value, loc, name) if type(value) is int else value
    expected = {"int": "an integer", "ints": "an integer or a list of them",
                "intlist": "an integer or a list of them", "bool": "true or false",
                "order": "a list of the dimensions, e.g. [0, 2, 3, 1]",
                "padding": "an integer, a list of them, 'same' or 'valid'", "float": "a number"}[kind]
    raise InputError(f"{loc}: '{name}' must be {expected}. Received {name}={show(value)}")


def _float_text(text: str) -> float | str:
    """YAML 1.1 reads 1e-5 (no dot) as text; a number is meant. Other text stays an expression."""
    try:
        return float(text)
    except ValueError:
        return text


def argument(value: object, loc: Loc, name: str) -> Value:
    """A block argument or model argument: a literal or an expression."""
    if isinstance(value, LocatedList):
        return tuple(argument(v, loc, name) for v in value)
    if type(value) is int:
        return bounded(value, loc, name)
    if value is None or isinstance(value, (bool, float, str)):
        return value
    raise InputError(f"{loc}: argument '{name}' must be a number, true/false, an expression or a list. "
                     f"Received {show(value)}")


def block_params(data: object, loc: Loc, block: str) -> dict[str, Value]:
    if data is None:
        return {}
    if not isinstance(data, Located):
        raise InputError(f"{loc}: the params of block '{block}' map names to defaults (null or 'required': "
                         f"no default)")
    params = {}
    for name, default in data.items():
        if not IDENTIFIER.fullmatch(name) or name in RESERVED:
            raise InputError(f"{data.value_locs[name]}: parameter name {name!r} is not a plain name"
                             + (" (reserved)" if name in RESERVED else ""))
        required = default is None or default == "required"  # TOML has no null
        params[name] = REQUIRED if required else argument(default, data.value_locs[name], name)
    return params


def model_args(data: object, loc: Loc) -> dict[str, Value]:
    if data is None:
        return {}
    if not isinstance(data, Located):
        raise InputError(f"{loc}: 'args' maps the model's argument names to their defaults")
    for name in data:
        if not IDENTIFIER.fullmatch(name) or name in RESERVED:
            raise InputError(f"{data.value_locs[name]}: argument name {name!r} is not a plain name")
    return {name: argument(value, data.value_locs[name], name) for name, value in data.items()}


def metadata(data: Located) -> dict:
    value = data.get("metadata") or {}
    if not isinstance(value, dict):
        raise InputError(f"{data.value_locs['metadata']}: 'metadata' is a mapping of names to values. "
                         f"Received {show(value)}")
    return value if isinstance(value, Located) else dict(value)  # Located: where each value is written, kept


def expectations(data: Located) -> dict:
    """The spec's own budgets (`expect:`), as written: `cnninspect check` reads and checks them."""
    value = data.get("expect") or {}
    if not isinstance(value, dict):
        raise InputError(f"{data.value_locs['expect']}: 'expect' maps budget names to limits, e.g. "
                         f"max_params: 5M. Received {show(value)}")
    for name, limit in value.items():
        if not isinstance(limit, (int, float, str, bool)) and not isinstance(limit, list):
            raise InputError(f"{value.value_locs[name]}: expect.{name} is a number, a size such as 5M, or a list. "
                             f"Received {show(limit)}")
    return dict(value)


def input_shape(data: Located) -> tuple[int, ...]:
    value = data.get("input")
    loc = data.value_locs.get("input", data.loc)
    if value is None:
        raise InputError(f"{loc}: the spec needs 'input', one sample's shape, e.g. [3, 224, 224]")
    if isinstance(value, str):
        parts = value.lower().replace("×", "x").split("x")
        value = [p if (n := read_int(p)) is None else n for p in parts]
    if (not isinstance(value, list) or not 1 <= len(value) <= 4
            or not all(type(v) is int and 1 <= v <= MAX_MAGNITUDE for v in value)):
        raise InputError(f"{loc}: 'input' is one sample's shape: 1 to 4 positive integers, e.g. [3, 224, 224]. "
                         f"Received {show(value)}")
    return tuple(value)


def text(data: Located, key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"{data.value_locs[key]}: '{key}' is text. Received {show(value)}")
    return value


def bounded(value: int, loc: Loc, name: str) -> int:
    """An integer the spec writes: within ±10^18, as every value an expression computes."""
    if -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:
        return value
    raise InputError(f"{loc}: '{name}' is out of range: integers in a spec are within ±10^18. "
                     f"Received {name}={show(value)}")


show = spell  # a value as the spec writes it, for messages
