"""The types of a layer's fields, in one registry: what a literal must look like when the spec is read, how a
value (a literal or an expression) becomes the field's value when the layer meets its input, and the field's
JSON schema. spec/values.py, core/evaluate.py and spec/schema.py all read FIELD_TYPES; a test checks that every
field of every layer kind has a registered type.

A field type is one of: int; ints (one, or one per spatial axis); intlist (one, or up to 6: a pair per axis, or
dimensions); padding (ints, 'same' or 'valid'); order (one per dimension, the batch included); bool; float;
choice (one of the field's words); ref (the path of an earlier output, core/refs.py); outsize (ints, or 'input').
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, NamedTuple

from cnninspect.core.expr import _BUDGET, MAX_MAGNITUDE, Budget, ExprError, compile_expression, evaluate
from cnninspect.core.layers.base import Field
from cnninspect.core.window import MAX_DIMS
from cnninspect.errors import InputError
from cnninspect.spell import spell

Env = Mapping[str, object]
Check = Callable[["Field", object, Env, str], object]  # (field, value with its expression evaluated, names, name)
Form = Callable[["Field", object, object, str], object]  # (field, value as the spec writes it, its Loc, name)


class FieldType(NamedTuple):
    name: str
    value: Check  # the field's value, checked: called with its expression (if any) already evaluated
    form: Form  # a literal's form, checked when the spec is read (an expression passes: it is checked later)
    schema: Mapping | None  # the JSON schema of what a spec writes (None: built from the field, as choice's enum)
    literal: type | None = None  # a literal of this type is the value as written (its form checked on reading)
    most: int = 0  # a list's most items (0: no list)
    expected: str = ""  # what a literal must be, for the message when it is not


def value_of(field, value: object, env: Env, name: str) -> object:
    """A field's value where the layer meets its input: a literal as written, an expression evaluated in `env`;
    its type and lower bound checked."""
    if value is None:
        return None
    if isinstance(value, str) and field.type != "choice":
        word = value.strip().lower()
        if word in ("same", "valid") and field.type != "padding":
            raise InputError(f"'{name}' takes numbers: padding='{word}' exists for convolutions only. "
                             f"Received {name}={spell(value)}", param=name)
        value = word if field.type == "padding" and word in ("same", "valid") else expression(value, env, name)
    result = FIELD_TYPES[field.type].value(field, value, env, name)
    _check_low(field, result, name, result)
    return result


def evaluator(field, value: object, name: str) -> Callable[[Env], object]:
    """value_of(field, value, env, name) as a function of env alone, with what needs no env done once: a field
    whose value is an expression is compiled here and only evaluated and checked at each application."""
    if not isinstance(value, str) or field.type == "choice" or value.strip().lower() in ("same", "valid"):
        return lambda env: value_of(field, value, env, name)
    try:
        function, budgeted = compile_expression(value)
    except ExprError:
        return lambda env: value_of(field, value, env, name)  # refused where it is evaluated, with its place
    check = FIELD_TYPES[field.type].value

    def evaluate_field(env):
        try:
            result = function({**env, _BUDGET: Budget()} if budgeted and _BUDGET not in env else env)
        except ExprError as error:
            raise InputError(f"'{name}': {error}", param=name) from None
        result = check(field, result, env, name)
        if field.low is not None:
            _check_low(field, result, name, result)
        return result
    return evaluate_field


def expression(text: str, env: Env, name: str) -> object:
    try:
        return evaluate(text, env)
    except ExprError as error:
        raise InputError(f"'{name}': {error}", param=name) from None


def _integer(field, value, env, name) -> int:
    result = expression(value, env, name) if isinstance(value, str) else value
    if type(result) is not int:
        raise InputError(f"'{name}' must be an integer. Received {name}={spell(result)}", param=name)
    return result


def _integers(field, value, env, name):
    """One integer, or a list of them (each checked against the lower bound here, the list as a whole after)."""
    if isinstance(value, tuple):
        result = tuple(_integer(field, v, env, name) for v in value)
        for item in result:
            _check_low(field, item, name, result)
        return result
    return _integer(field, value, env, name)


def _padding(field, value, env, name):
    return value if value in ("same", "valid") else _integers(field, value, env, name)


def _order(field, value, env, name):
    if isinstance(value, tuple):
        return _integers(field, value, env, name)
    raise InputError(f"'{name}' lists every dimension, e.g. [0, 2, 3, 1]. Received {name}={spell(value)}",
                     param=name)


def _boolean(field, value, env, name) -> bool:
    result = expression(value, env, name) if isinstance(value, str) else value
    if type(result) is not bool:
        raise InputError(f"'{name}' must be true or false. Received {name}={spell(result)}", param=name)
    return result


def _float(field, value, env, name) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"'{name}' must be a finite number. Received {name}={spell(value)}", param=name)
    return value


def _choice(field, value, env, name):
    return value  # a literal, checked when the spec was read


def _outsize(field, value, env, name):
    return value if value == "input" else _integers(field, value, env, name)


def _check_low(field, value: object, name: str, shown: object) -> None:
    if field.low is not None and isinstance(value, (int, float)) and not isinstance(value, bool) and value < field.low:
        relation = "> 0" if field.low == 1 else f">= {field.low}"
        text = "x".join(map(str, shown)) if isinstance(shown, tuple) else shown
        raise InputError(f"'{name}' must be {relation}. Received {name}={text}", param=name)


# The literal forms, checked when the spec is read (spec/values.py): a string is an expression, checked when it
# is evaluated; a list holds integers; every integer is within ±10^18, as every value an expression computes.

def form_of(field, value: object, loc, name: str) -> object:
    """A value as the spec writes it, its form checked against its field's type; the value to keep."""
    if value is None:
        return None
    return FIELD_TYPES[field.type].form(field, value, loc, name)


def bounded(value: int, loc, name: str) -> int:
    if -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:
        return value
    raise InputError(f"'{name}' is out of range: integers in a spec are within ±10^18. "
                     f"Received {name}={spell(value)}", loc=loc)


_ITEM = Field("int")  # a list's items: plain integers


def _wrong(field, value, loc, name: str) -> InputError:
    return InputError(f"'{name}' must be {FIELD_TYPES[field.type].expected}. Received {name}={spell(value)}",
                      loc=loc)


def _integer_form(field, value, loc, name):
    if isinstance(value, str):
        return value
    if type(value) is int:
        return bounded(value, loc, name)
    raise _wrong(field, value, loc, name)


def _integers_form(field, value, loc, name):
    """One integer, or a list: one per spatial axis (intlist: up to a pair per axis, or dimensions)."""
    if isinstance(value, list):
        most = FIELD_TYPES[field.type].most
        if not 1 <= len(value) <= most:
            what = "a list of" if field.type == "intlist" else "one per spatial axis"
            raise InputError(f"'{name}' takes one value or {what} (1 to {most}). Received {len(value)} values",
                             loc=loc)
        return tuple(form_of(_ITEM, v, loc, name) for v in value)
    return _integer_form(field, value, loc, name)


def _order_form(field, value, loc, name):
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # one per dimension, the batch included
        if not 2 <= len(value) <= MAX_DIMS + 2:
            raise InputError(f"'{name}' lists every dimension, the batch first (2 to {MAX_DIMS + 2}). "
                             f"Received {len(value)} values", loc=loc)
        return tuple(form_of(_ITEM, v, loc, name) for v in value)
    raise _wrong(field, value, loc, name)


def _bool_form(field, value, loc, name):
    if isinstance(value, (str, bool)):
        return value
    raise _wrong(field, value, loc, name)


def _float_form(field, value, loc, name):
    if isinstance(value, str):
        try:
            value = float(value)  # YAML 1.1 reads 1e-5 (no dot) as text; a number is meant
        except ValueError:
            return value  # an expression
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"'{name}' must be a finite number. Received {name}={spell(value)}", loc=loc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return bounded(value, loc, name) if type(value) is int else value
    raise _wrong(field, value, loc, name)


def _choice_form(field, value, loc, name):
    if value not in field.choices:
        raise InputError(f"'{name}' must be one of {', '.join(map(repr, field.choices))}. "
                         f"Received {name}={spell(value)}", loc=loc)
    return value


def _ref_form(field, value, loc, name):
    from cnninspect.core.refs import path_form  # refs imports the expressions, as this module does

    if not isinstance(value, str):
        raise _wrong(field, value, loc, name)
    try:
        return path_form(value, "a layer", name)
    except InputError as error:
        raise error.located(loc=loc) from None


def _outsize_form(field, value, loc, name):
    """A size per spatial axis, or the word 'input' (a max unpool: the size of its pool's input)."""
    if value == "input":
        return value
    if isinstance(value, str):
        raise InputError(f"'{name}' must be {FIELD_TYPES[field.type].expected}. Received {name}={spell(value)}",
                         loc=loc)
    return _integers_form(field, value, loc, name)


_INT = {"$ref": "#/$defs/int"}


def _one_or_list(most: int) -> dict:
    return {"anyOf": [_INT, {"type": "array", "items": _INT, "minItems": 1, "maxItems": most}]}


FIELD_TYPES: dict[str, FieldType] = {t.name: t for t in (
    FieldType("int", _integer, _integer_form, _INT, int, expected="an integer"),
    FieldType("ints", _integers, _integers_form, _one_or_list(MAX_DIMS), int, MAX_DIMS,
              "an integer or a list of them"),
    FieldType("intlist", _integers, _integers_form, _one_or_list(2 * MAX_DIMS), int, 2 * MAX_DIMS,
              "an integer or a list of them"),
    FieldType("padding", _padding, _integers_form, {"anyOf": [{"enum": ["same", "valid"]}, {"$ref": "#/$defs/ints"}]},
              int, MAX_DIMS, "an integer, a list of them, 'same' or 'valid'"),
    FieldType("order", _order, _order_form, {"anyOf": [{"type": "array", "items": _INT, "minItems": 2, "maxItems": 5},
                                                       {"$ref": "#/$defs/expression"}]},
              expected="a list of the dimensions, e.g. [0, 2, 3, 1]"),
    FieldType("bool", _boolean, _bool_form, {"anyOf": [{"type": "boolean"}, {"$ref": "#/$defs/expression"}]}, bool,
              expected="true or false"),
    FieldType("float", _float, _float_form, {"anyOf": [{"type": "number"}, {"$ref": "#/$defs/expression"}]},
              expected="a number"),
    FieldType("choice", _choice, _choice_form, None, str),
    FieldType("ref", _choice, _ref_form, {"$ref": "#/$defs/path"}, str, expected="the path of an earlier output, e.g. pool1"),
    FieldType("outsize", _outsize, _outsize_form, {"anyOf": [{"enum": ["input"]}, _one_or_list(MAX_DIMS)]}, str,
              MAX_DIMS, "an integer per spatial axis, or 'input'"),
)}


def schema_of(field) -> dict:
    """The JSON schema of what a spec may write for `field` (its description added by the caller)."""
    known = FIELD_TYPES[field.type].schema
    return dict(known) if known is not None else {"enum": list(field.choices)}
