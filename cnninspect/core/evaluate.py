"""From a layer's raw spec fields to typed values: literals pass, expression strings are evaluated, bounds checked."""

from __future__ import annotations

from typing import Callable, Mapping, NamedTuple

from cnninspect.core.expr import ExprError, Helper, evaluate
from cnninspect.core.fields import FIELD_TYPES, evaluator, expression, value_of
from cnninspect.core.graph import REQUIRED, Value
from cnninspect.core.layers.base import Field, LayerKind, Params
from cnninspect.errors import InputError

Env = Mapping[str, "int | bool"]


def evaluate_params(kind: LayerKind, raw: Mapping[str, Value], env: Env) -> Params:
    """The layer's fields in their declared order (Params.key() relies on it), raw values over defaults."""
    plan = plan_fields(kind, raw)
    if plan.fixed is not None:
        return plan.fixed
    values = dict(plan.values)
    for name, evaluate in plan.expressions:
        values[name] = evaluate(env)
    if plan.missing is not None:
        name = plan.missing
        raise InputError(f"{kind.name} needs the field '{name}' ({kind.fields[name].doc})", param=name)
    return Params(values)


class _FieldPlan(NamedTuple):
    """A layer's fields as far as they are known before any input: its defaults with its literals over them
    (`values`), the fields whose values are expressions, and a field it needs but lacks. Where every field is a
    literal, `fixed` is the evaluated Params itself: every application of the layer shares it."""

    values: dict
    expressions: tuple[tuple[str, Callable[[Env], object]], ...]  # (name, its evaluator: core/fields.py)
    missing: str | None
    fixed: Params | None
    raw: Mapping  # what it was made from: a plan is found by the id of its layer's fields, and checked by it


_PLANS: dict[int, _FieldPlan] = {}  # id(a layer's raw fields) -> its plan; a spec's layers are immutable
MAX_PLANS = 65_536  # layers planned: many large specs' worth


def plan_fields(kind: LayerKind, raw: Mapping[str, Value]) -> _FieldPlan:
    """The plan of a layer's fields (_FieldPlan), made once per layer of a spec (at load: core/compile.py)."""
    plan = _PLANS.get(id(raw))
    if plan is not None and plan.raw is raw:
        return plan
    values = {name: field.default for name, field in kind.fields.items()}
    expressions = []
    for name, value in raw.items():
        field = kind.fields[name]
        literal = FIELD_TYPES[field.type].literal
        low = field.low if field.low is not None and literal is int else None
        if literal is not None and type(value) is literal and (low is None or value >= low):
            values[name] = value  # the common case: a literal, its form checked when the spec was read
        else:
            expressions.append((name, evaluator(field, value, name)))
    missing = next((n for n, v in values.items() if v is REQUIRED and n not in raw), None)
    fixed = Params(values) if not expressions and missing is None else None
    if len(_PLANS) >= MAX_PLANS:
        _PLANS.clear()
    plan = _PLANS[id(raw)] = _FieldPlan(values, tuple(expressions), missing, fixed, raw)
    return plan


def field_value(field: Field, value: Value, env: Env, name: str) -> object:
    """A value outside a layer's fields (a condition, a repeat count), its expression compiled once."""
    if type(value) is not str:
        return value_of(field, value, env, name)
    key = (field, value, name)
    found = _EVALUATORS.get(key)
    if found is None:
        if len(_EVALUATORS) >= MAX_PLANS:
            _EVALUATORS.clear()
        found = _EVALUATORS[key] = evaluator(field, value, name)
    return found(env)


_EVALUATORS: dict = {}  # (field, text, name) -> its evaluator


class Let(NamedTuple):
    """A value the spec computes (`let:`), not an argument: a name's expression, or a helper `f(x)` and its body.
    It sits among a block's params (a model's args) after them, and is evaluated where they are bound."""

    value: Value
    loc: object
    params: tuple[str, ...] | None = None  # a helper's parameters; None: a plain value


def bind_arguments(params: Mapping[str, Value], given: Mapping[str, Value], caller: Env, own: Env,
                   what: str) -> dict:
    """A block's or a model's parameters: given values, evaluated in the caller's names, over defaults,
    evaluated in the definition's own names and the parameters bound before them; then its lets, which also
    see the caller's in_channels (the block's input)."""
    bound: dict = {}
    scope = None  # what the lets see: built at the first, then grown by each
    for name, default in params.items():
        if type(default) is Let:
            if name in given:
                raise InputError(f"'{name}' is computed by the spec (let), not an argument", param=name)
            if scope is None:
                scope = {**own, **bound, **_channels(caller)}
            where = "" if what.startswith("model") else f" (at {default.loc})"  # a model's let is located by it
            bound[name] = scope[name] = _let(name, default, scope, where)
            continue
        if name in given:
            value = given[name]
            bound[name] = _argument(value, caller, name) if isinstance(value, _UNEVALUATED) else value
        elif default is REQUIRED:
            raise InputError(f"{what} needs the argument '{name}'", param=name)
        elif isinstance(default, _UNEVALUATED):  # an expression sees the definition's names (built only for one)
            bound[name] = _argument(default, {**own, **bound}, name)
        else:
            bound[name] = default
    return bound


_UNEVALUATED = (str, tuple)  # what an argument's value may hold an expression in: every other value is itself


def model_arguments(params: Mapping[str, Value]) -> dict:
    """A model's arguments and their defaults as written (expressions as text), lets left out: what --set takes."""
    return {name: (None if default is REQUIRED else list(default) if type(default) is tuple else default)
            for name, default in params.items() if type(default) is not Let}


def _argument(value: Value, names: Env, name: str) -> object:
    if isinstance(value, str) and value.strip().lower() not in ("same", "valid"):
        return expression(value, names, name)
    if type(value) is tuple:  # a list, perhaps a table whose items are expressions
        return tuple(_argument(item, names, name) for item in value)
    return value


def _channels(caller: Env) -> dict:
    return {"in_channels": caller["in_channels"]} if "in_channels" in caller else {}


def _let(name: str, let: Let, names: Env, where: str) -> object:
    if let.params is not None:
        return Helper(name, let.params, let.value, dict(names))  # the names so far, not the lets after it

    def value(item):
        if isinstance(item, str) and item.strip().lower() not in ("same", "valid"):
            try:
                return evaluate(item, names)
            except ExprError as error:
                raise InputError(f"let '{name}'{where}: {error}", param=name) from None
        return tuple(value(part) for part in item) if type(item) is tuple else item
    return value(let.value)
