"""From a layer's raw spec fields to typed values: literals pass, expression strings are evaluated, bounds checked."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Mapping

from cnninspect.core.expr import ExprError, evaluate
from cnninspect.core.graph import REQUIRED, Value
from cnninspect.core.layers.base import Field, LayerKind, Params
from cnninspect.errors import InputError
from cnninspect.spell import spell

Env = Mapping[str, "int | bool"]


def evaluate_params(kind: LayerKind, raw: Mapping[str, Value], env: Env) -> Params:
    """The layer's fields in their declared order (Params.key() relies on it), raw values over defaults."""
    initial, literals = _layout(kind)
    values = dict(initial)
    for name, value in raw.items():
        literal = literals.get(name)
        if literal is not None and type(value) is literal[0] and value >= literal[1]:
            values[name] = value  # the common case: a literal, its form checked when the spec was read
        else:
            values[name] = field_value(kind.fields[name], value, env, name)
    if len(raw) < len(values) and REQUIRED in values.values():
        name = next(n for n, v in values.items() if v is REQUIRED)
        raise InputError(f"{kind.name} needs the field '{name}' ({kind.fields[name].doc})", param=name)
    return Params(values)


_LAYOUTS: dict[str, tuple[dict, dict, Mapping]] = {}
_LITERAL_TYPES = {"int": int, "ints": int, "intlist": int, "padding": int, "bool": bool, "choice": str}
_NO_LOWER_BOUND = {int: -math.inf, bool: False, str: ""}


def _layout(kind: LayerKind) -> tuple[dict, dict]:
    """Per kind, once: every field's default (REQUIRED where none) in order; and per field, the type and the
    lowest value of a literal that needs no more checks (integers and flags as written, choices checked on
    reading)."""
    layout = _LAYOUTS.get(kind.name)
    if layout is None or layout[2] is not kind.fields:
        initial = {name: field.default for name, field in kind.fields.items()}
        literals = {}
        for name, field in kind.fields.items():
            literal_type = _LITERAL_TYPES.get(field.type)
            if literal_type is not None:
                low = field.low if literal_type is int and field.low is not None else _NO_LOWER_BOUND[literal_type]
                literals[name] = literal_type, low
        layout = _LAYOUTS[kind.name] = initial, literals, kind.fields
    return layout[0], layout[1]


def field_value(field: Field, value: Value, env: Env, name: str) -> object:
    if value is None:
        return None
    if isinstance(value, str) and field.type != "choice":
        word = value.strip().lower()
        if word in ("same", "valid") and field.type != "padding":
            raise InputError(f"'{name}' takes numbers: padding='{word}' exists for convolutions only. "
                             f"Received {name}={spell(value)}", param=name)
        value = word if field.type == "padding" and word in ("same", "valid") else _expression(value, env, name)
    if field.type == "padding" and value in ("same", "valid"):
        return value
    if field.type in ("ints", "intlist", "padding", "order") and isinstance(value, tuple):
        result = tuple(_integer(v, env, name) for v in value)
        for item in result:
            _check_low(field, item, name, result)
        return result
    if field.type == "order":
        raise InputError(f"'{name}' lists every dimension, e.g. [0, 2, 3, 1]. Received {name}={spell(value)}",
                         param=name)
    if field.type in ("int", "ints", "intlist", "padding"):
        result = _integer(value, env, name)
    elif field.type == "bool":
        result = _boolean(value, env, name)
    elif field.type == "float":
        if isinstance(value, Fraction):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"'{name}' must be a finite number. Received {name}={spell(value)}", param=name)
        result = value
    else:  # choice: a literal, checked when the spec was read
        result = value
    _check_low(field, result, name, result)
    return result


def _integer(value: Value, env: Env, name: str) -> int:
    result = _expression(value, env, name) if isinstance(value, str) else value
    if type(result) is not int:
        raise InputError(f"'{name}' must be an integer. Received {name}={spell(result)}", param=name)
    return result


def _boolean(value: Value, env: Env, name: str) -> bool:
    result = _expression(value, env, name) if isinstance(value, str) else value
    if type(result) is not bool:
        raise InputError(f"'{name}' must be true or false. Received {name}={spell(result)}", param=name)
    return result


def _expression(text: str, env: Env, name: str) -> int | bool:
    try:
        return evaluate(text, env)
    except ExprError as error:
        raise InputError(f"'{name}': {error}", param=name) from None


def _check_low(field: Field, value: object, name: str, shown: object) -> None:
    if field.low is not None and isinstance(value, (int, float)) and not isinstance(value, bool) and value < field.low:
        relation = "> 0" if field.low == 1 else f">= {field.low}"
        text = "x".join(map(str, shown)) if isinstance(shown, tuple) else shown
        raise InputError(f"'{name}' must be {relation}. Received {name}={text}", param=name)


def bind_arguments(params: Mapping[str, Value], given: Mapping[str, Value], caller: Env, own: Env,
                   what: str) -> dict:
    """A block's or a model's parameters: given values, evaluated in the caller's names, over defaults,
    evaluated in the definition's own names and the parameters bound before them."""
    bound: dict = {}
    for name, default in params.items():
        if name in given:
            value, names = given[name], caller
        elif default is REQUIRED:
            raise InputError(f"{what} needs the argument '{name}'", param=name)
        else:
            value, names = default, {**own, **bound}
        if isinstance(value, str) and value.strip().lower() not in ("same", "valid"):
            value = _expression(value, names, name)
        bound[name] = value
    return bound
