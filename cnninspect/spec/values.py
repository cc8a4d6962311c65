"""The forms of spec values, checked before any shape is known: field values by their type, block and model
arguments, the input shape, names and conditions. Expressions (strings) are checked when evaluated."""

from __future__ import annotations

import re

from cnninspect.core.evaluate import Let
from cnninspect.core.expr import MAX_MAGNITUDE
from cnninspect.core.fields import bounded, form_of
from cnninspect.core.graph import REQUIRED, Common, Loc, Value
from cnninspect.core.layers.base import Field
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
            raise InputError(f"a name is up to 100 characters without dots or spaces. "
                             f"Received {show(name)}", loc=body.value_locs['name'])
        name = str(name)
    when = body.get("if")
    if when is not None:
        when = field_form(Field("bool"), when, body.value_locs["if"], "if")
    return Common(name, when, loc)


def field_form(field: Field, value: object, loc: Loc, name: str) -> Value:
    """Check a value's form against its field's type (core/fields.py); expressions are checked when evaluated."""
    return form_of(field, value, loc, name)


def argument(value: object, loc: Loc, name: str) -> Value:
    """A block argument or model argument: a literal or an expression."""
    if isinstance(value, LocatedList):
        return tuple(argument(v, loc, name) for v in value)
    if type(value) is int:
        return bounded(value, loc, name)
    if value is None or isinstance(value, (bool, float, str)):
        return value
    raise InputError(f"argument '{name}' must be a number, true/false, an expression or a list. "
                     f"Received {show(value)}", loc=loc)


def block_params(data: object, loc: Loc, block: str, lets: object = None) -> dict[str, Value]:
    if data is None:
        return lets_of(lets, {}, loc)
    if not isinstance(data, Located):
        raise InputError(f"the params of block '{block}' map names to defaults (null or 'required': "
                         f"no default)", loc=loc)
    params = {}
    for name, default in data.items():
        if not IDENTIFIER.fullmatch(name) or name in RESERVED:
            raise InputError(f"{data.value_locs[name]}: parameter name {name!r} is not a plain name"
                             + (" (reserved)" if name in RESERVED else ""))
        required = default is None or default == "required"  # TOML has no null
        params[name] = REQUIRED if required else argument(default, data.value_locs[name], name)
    return lets_of(lets, params, loc)


def model_args(data: object, loc: Loc, lets: object = None) -> dict[str, Value]:
    if data is None:
        return lets_of(lets, {}, loc)
    if not isinstance(data, Located):
        raise InputError(f"'args' maps the model's argument names to their defaults", loc=loc)
    for name in data:
        if not IDENTIFIER.fullmatch(name) or name in RESERVED:
            raise InputError(f"argument name {name!r} is not a plain name", loc=data.value_locs[name])
    return lets_of(lets, {name: argument(value, data.value_locs[name], name) for name, value in data.items()}, loc)


_HELPER = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,63})\(\s*((?:[A-Za-z_][A-Za-z0-9_]{0,63}\s*,\s*){0,15}"
                     r"[A-Za-z_][A-Za-z0-9_]{0,63})?\s*\)")


def lets_of(data: object, params: dict[str, Value], loc: Loc) -> dict[str, Value]:
    """`let:` (docs/spec.md, Expressions): named values and helpers the spec computes, after the parameters,
    in order; each sees the parameters and the lets before it. `name: expr` or `name(a, b): expr`."""
    if data is None:
        return params
    if not isinstance(data, Located):
        raise InputError(f"'let' maps names (or helpers such as 'half(x)') to expressions", loc=loc)
    for key, value in data.items():
        where = data.key_locs.get(key, data.value_locs[key])
        helper = _HELPER.fullmatch(key.strip()) if isinstance(key, str) else None
        name = helper.group(1) if helper else key
        if not isinstance(name, str) or not IDENTIFIER.fullmatch(name) or name in RESERVED:
            raise InputError(f"let {show(key)}: a plain name, or a helper with its parameters as in "
                             f"'half(x)'", loc=where)
        if name in params:
            raise InputError(f"let '{name}' is already a parameter or a let here", loc=where)
        if helper:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise InputError(f"helper '{name}' is an expression. Received {show(value)}", loc=data.value_locs[key])
            names = tuple(n.strip() for n in (helper.group(2) or "").split(",") if n.strip())
            if len(set(names)) != len(names):
                raise InputError(f"helper '{name}' names a parameter twice", loc=where)
            params[name] = Let(str(value), data.value_locs[key], names)
        else:
            params[name] = Let(argument(value, data.value_locs[key], name), data.value_locs[key])
    return params


def metadata(data: Located) -> dict:
    value = data.get("metadata") or {}
    if not isinstance(value, dict):
        raise InputError(f"'metadata' is a mapping of names to values. "
                         f"Received {show(value)}", loc=data.value_locs['metadata'])
    return value if isinstance(value, Located) else dict(value)  # Located: where each value is written, kept


def expectations(data: Located) -> dict:
    """The spec's own budgets (`expect:`), as written: `cnninspect check` reads and checks them."""
    value = data.get("expect") or {}
    if not isinstance(value, dict):
        raise InputError(f"'expect' maps budget names to limits, e.g. "
                         f"max_params: 5M. Received {show(value)}", loc=data.value_locs['expect'])
    for name, limit in value.items():
        if not isinstance(limit, (int, float, str, bool)) and not isinstance(limit, list):
            raise InputError(f"expect.{name} is a number, a size such as 5M, or a list. "
                             f"Received {show(limit)}", loc=value.value_locs[name])
    return dict(value)


def input_shape(data: Located) -> tuple[int, ...]:
    value = data.get("input")
    loc = data.value_locs.get("input", data.loc)
    if value is None:
        raise InputError(f"the spec needs 'input', one sample's shape, e.g. [3, 224, 224]", loc=loc)
    if isinstance(value, str):
        parts = value.lower().replace("×", "x").split("x")
        value = [p if (n := read_int(p)) is None else n for p in parts]
    if (not isinstance(value, list) or not 1 <= len(value) <= 4
            or not all(type(v) is int and 1 <= v <= MAX_MAGNITUDE for v in value)):
        raise InputError(f"'input' is one sample's shape: 1 to 4 positive integers, e.g. [3, 224, 224]. "
                         f"Received {show(value)}", loc=loc)
    return tuple(value)


def text(data: Located, key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"'{key}' is text. Received {show(value)}", loc=data.value_locs[key])
    return value


show = spell  # a value as the spec writes it, for messages
