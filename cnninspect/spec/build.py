"""From located spec data to the engine's Model, checking everything that can be checked before any shape is
known: the top-level keys, the layer kinds and their fields, value types, blocks and their arguments, names,
and recursion between blocks. Every error says file:line:column (where the format gives it) and what is wrong.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Iterator

from cnninspect.core.graph import (REQUIRED, AuxNode, BlockDef, CallNode, Common, LayerNode, Loc, MergeNode, Model,
                                   Node, RepeatNode, SeqNode, Value)
from cnninspect.core.layers.base import Field
from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.core.window import MAX_DIMS
from cnninspect.errors import InputError
from cnninspect.spec.source import Located, LocatedList, empty

TOP_LEVEL = ("name", "description", "source", "input", "args", "blocks", "layers", "metadata")
STRUCTURES = ("seq", "add", "concat", "repeat", "aux")
COMMON = ("name", "if")
_NAME = re.compile(r"[^.\s]{1,100}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
RESERVED = ("in_channels",)


def build_model(data: Located, default_name: str) -> Model:
    _only(data, TOP_LEVEL, data.loc, "the spec")
    if "layers" not in data:
        raise InputError(f"{data.loc}: the spec needs 'layers', the list of its layers")
    builder = _Builder(data.get("blocks") or {})
    blocks = builder.blocks(data.get("blocks"), data.value_locs.get("blocks", data.loc))
    body = builder.sequence(data["layers"], data.value_locs["layers"], "layers")
    _refuse_recursion(blocks)
    _check_calls(blocks, body)
    return Model(
        name=_text(data, "name", default_name),
        input=_input(data),
        args=_args(data.get("args"), data.value_locs.get("args", data.loc)),
        blocks=blocks,
        body=body,
        source=_text(data, "source", ""),
        description=_text(data, "description", ""),
        metadata=_metadata(data),
        file=data.loc.file,
        arg_locs=dict(data["args"].value_locs) if isinstance(data.get("args"), Located) else {},
    )


class _Builder:
    def __init__(self, block_names) -> None:
        self.block_names = set(block_names) if isinstance(block_names, dict) else set()

    def blocks(self, data: object, loc: Loc) -> dict[str, BlockDef]:
        if data is None:
            return {}
        if not isinstance(data, Located):
            raise InputError(f"{loc}: 'blocks' maps block names to their definitions")
        blocks = {}
        for name, definition in data.items():
            where = data.value_locs[name]
            if not _IDENTIFIER.fullmatch(name) or name in BY_NAME or name in STRUCTURES:
                clash = "is a layer kind" if name in BY_NAME or name in STRUCTURES else "is not a plain name"
                raise InputError(f"{data.key_locs[name]}: block name {name!r} {clash}")
            if not isinstance(definition, Located):
                raise InputError(f"{where}: block '{name}' is a mapping with 'params' and 'layers'")
            _only(definition, ("params", "layers", "inline", "description"), where, f"block '{name}'")
            inline = definition.get("inline", False)
            if not isinstance(inline, bool):
                raise InputError(f"{definition.value_locs['inline']}: 'inline' is true or false")
            params = _params(definition.get("params"), definition.value_locs.get("params", where), name)
            if "layers" not in definition:
                raise InputError(f"{where}: block '{name}' needs 'layers'")
            body = self.sequence(definition["layers"], definition.value_locs["layers"], f"block '{name}'")
            blocks[name] = BlockDef(name, params, body, where, inline)
        return blocks

    def sequence(self, items: object, loc: Loc, what: str, common: Common | None = None) -> SeqNode:
        if items is None:
            items = LocatedList()
            items.loc, items.item_locs = loc, []
        if not isinstance(items, LocatedList):
            raise InputError(f"{loc}: {what} must be a list of layers")
        children = tuple(self.node(item, item_loc) for item, item_loc in zip(items, items.item_locs))
        return SeqNode(children, common or Common(loc=loc))

    def node(self, item: object, loc: Loc) -> Node:
        if isinstance(item, str):
            key, body, body_loc = item, empty(loc), loc
        elif isinstance(item, Located) and len(item) == 1:
            key = next(iter(item))
            body, body_loc = item[key], item.value_locs[key]
            if body is None:
                body = empty(body_loc)
        elif isinstance(item, Located):
            raise InputError(f"{loc}: a layer is a mapping with one key, its kind; found {', '.join(item)} "
                             f"(are the fields indented under the kind?)")
        else:
            raise InputError(f"{loc}: expected a layer (e.g. 'relu' or {{conv: {{out: 64, kernel: 3}}}}). "
                             f"Received {item!r}")
        if not isinstance(body, Located):
            raise InputError(f"{body_loc}: the fields of '{key}' must be a mapping. Received {_show(body)}")
        if key in STRUCTURES:
            return getattr(self, key)(body, loc)
        if key in BY_NAME:
            return self.layer(key, body, loc)
        if key in self.block_names:
            return self.call(key, body, loc)
        known = [*BY_NAME, *STRUCTURES, *self.block_names]
        raise InputError(f"{loc}: {_named(body)}unknown layer or block '{key}'{_suggest(key, known)}")

    def layer(self, key: str, body: Located, loc: Loc) -> LayerNode:
        kind = BY_NAME[key]
        fields = {}
        for name, value in body.items():
            if name in (*COMMON, "functional"):
                continue
            if name not in kind.fields:
                raise InputError(f"{body.key_locs[name]}: {_named(body)}{key} has no field '{name}'"
                                 f"{_suggest(name, [*kind.fields, *COMMON, 'functional'])}")
            fields[name] = _field(kind.fields[name], value, body.value_locs[name], name)
        functional = body.get("functional", False)
        if not isinstance(functional, bool):
            raise InputError(f"{body.value_locs['functional']}: 'functional' is true or false")
        return LayerNode(kind.name, fields, {n: body.value_locs[n] for n in fields}, _common(body, loc), functional)

    def call(self, key: str, body: Located, loc: Loc) -> CallNode:
        args = {name: _value(value, body.value_locs[name], name) for name, value in body.items()
                if name not in COMMON}
        return CallNode(key, args, {n: body.value_locs[n] for n in args}, _common(body, loc))

    def seq(self, body: Located, loc: Loc) -> SeqNode:
        _only(body, (*COMMON, "layers"), loc, "seq")
        return self.sequence(body.get("layers"), body.value_locs.get("layers", loc), "seq", _common(body, loc))

    def add(self, body: Located, loc: Loc) -> MergeNode:
        return self._merge("add", body, loc)

    def concat(self, body: Located, loc: Loc) -> MergeNode:
        return self._merge("concat", body, loc)

    def _merge(self, op: str, body: Located, loc: Loc) -> MergeNode:
        _only(body, (*COMMON, "branches"), loc, op)
        branches = body.get("branches")
        where = body.value_locs.get("branches", loc)
        if not isinstance(branches, LocatedList) or len(branches) < 2:
            raise InputError(f"{where}: {op} needs 'branches', a list of at least two branches")
        built = tuple(self.sequence(b, b_loc, "a branch") if isinstance(b, LocatedList) or b is None
                      else self.node(b, b_loc) for b, b_loc in zip(branches, branches.item_locs))
        return MergeNode(op, built, _common(body, loc))

    def repeat(self, body: Located, loc: Loc) -> RepeatNode:
        _only(body, ("if", "times", "var", "layers"), loc, "repeat")
        if "times" not in body:
            raise InputError(f"{loc}: repeat needs 'times'")
        var = body.get("var", "i")
        if not isinstance(var, str) or not _IDENTIFIER.fullmatch(var) or var in RESERVED:
            raise InputError(f"{body.value_locs.get('var', loc)}: 'var' is a plain name. Received {var!r}")
        times = _field(Field("int"), body["times"], body.value_locs["times"], "times")
        layers = self.sequence(body.get("layers"), body.value_locs.get("layers", loc), "repeat")
        return RepeatNode(times, var, layers, _common(body, loc))

    def aux(self, body: Located, loc: Loc) -> AuxNode:
        _only(body, (*COMMON, "layers"), loc, "aux")
        layers = self.sequence(body.get("layers"), body.value_locs.get("layers", loc), "aux")
        return AuxNode(layers, _common(body, loc))


def _common(body: Located, loc: Loc) -> Common:
    name = body.get("name")
    if name is not None:
        if isinstance(name, bool) or not isinstance(name, (str, int)) or not _NAME.fullmatch(str(name)):
            raise InputError(f"{body.value_locs['name']}: a name is up to 100 characters without dots or spaces. "
                             f"Received {name!r}")
        name = str(name)
    when = body.get("if")
    if when is not None:
        when = _field(Field("bool"), when, body.value_locs["if"], "if")
    return Common(name, when, loc)


def _field(field: Field, value: object, loc: Loc, name: str) -> Value:
    """Check a value's form against its field's type; expressions (strings) are checked when evaluated."""
    if field.type == "float" and isinstance(value, str):
        value = _float_text(value)
    if field.type == "float" and isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{loc}: '{name}' must be a finite number. Received {name}={value}")
    if value is None or isinstance(value, str) and field.type != "choice":
        return value
    kind = field.type
    if kind == "choice":
        if value not in field.choices:
            raise InputError(f"{loc}: '{name}' must be one of {', '.join(map(repr, field.choices))}. "
                             f"Received {name}={value!r}")
        return value
    if kind in ("ints", "padding") and isinstance(value, LocatedList):
        if not 1 <= len(value) <= MAX_DIMS:
            raise InputError(f"{loc}: '{name}' takes one value or one per spatial axis (1 to {MAX_DIMS}). "
                             f"Received {len(value)} values")
        return tuple(_field(Field("int"), v, loc, name) for v in value)
    if kind in ("int", "ints", "padding") and type(value) is int:
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    expected = {"int": "an integer", "ints": "an integer or a list of them", "bool": "true or false",
                "padding": "an integer, a list of them, 'same' or 'valid'", "float": "a number"}[kind]
    raise InputError(f"{loc}: '{name}' must be {expected}. Received {name}={_show(value)}")


def _float_text(text: str) -> float | str:
    """YAML 1.1 reads 1e-5 (no dot) as text; a number is meant. Other text stays an expression."""
    try:
        return float(text)
    except ValueError:
        return text


def _value(value: object, loc: Loc, name: str) -> Value:
    """A block argument or model argument: a literal or an expression."""
    if isinstance(value, LocatedList):
        return tuple(_value(v, loc, name) for v in value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise InputError(f"{loc}: argument '{name}' must be a number, true/false, an expression or a list. "
                     f"Received {_show(value)}")


def _params(data: object, loc: Loc, block: str) -> dict[str, Value]:
    if data is None:
        return {}
    if not isinstance(data, Located):
        raise InputError(f"{loc}: the params of block '{block}' map names to defaults (null or 'required': "
                         f"no default)")
    params = {}
    for name, default in data.items():
        if not _IDENTIFIER.fullmatch(name) or name in RESERVED:
            raise InputError(f"{data.value_locs[name]}: parameter name {name!r} is not a plain name"
                             + (" (reserved)" if name in RESERVED else ""))
        required = default is None or default == "required"  # TOML has no null
        params[name] = REQUIRED if required else _value(default, data.value_locs[name], name)
    return params


def _args(data: object, loc: Loc) -> dict[str, Value]:
    if data is None:
        return {}
    if not isinstance(data, Located):
        raise InputError(f"{loc}: 'args' maps the model's argument names to their defaults")
    for name in data:
        if not _IDENTIFIER.fullmatch(name) or name in RESERVED:
            raise InputError(f"{data.value_locs[name]}: argument name {name!r} is not a plain name")
    return {name: _value(value, data.value_locs[name], name) for name, value in data.items()}


def _metadata(data: Located) -> dict:
    value = data.get("metadata") or {}
    if not isinstance(value, dict):
        raise InputError(f"{data.value_locs['metadata']}: 'metadata' is a mapping of names to values. "
                         f"Received {_show(value)}")
    return dict(value)


def _input(data: Located) -> tuple[int, ...]:
    value = data.get("input")
    loc = data.value_locs.get("input", data.loc)
    if value is None:
        raise InputError(f"{loc}: the spec needs 'input', one sample's shape, e.g. [3, 224, 224]")
    if isinstance(value, str):
        parts = value.lower().replace("×", "x").split("x")
        value = [int(p) if p.strip().isdigit() else p for p in parts]
    if (not isinstance(value, list) or not 1 <= len(value) <= 4
            or not all(type(v) is int and v >= 1 for v in value)):
        raise InputError(f"{loc}: 'input' is one sample's shape: 1 to 4 positive integers, e.g. [3, 224, 224]. "
                         f"Received {_show(value)}")
    return tuple(value)


def _text(data: Located, key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"{data.value_locs[key]}: '{key}' is text. Received {_show(value)}")
    return value


def _only(data: Located, allowed: tuple[str, ...], loc: Loc, what: str) -> None:
    for key in data:
        if key not in allowed:
            raise InputError(f"{data.key_locs.get(key, loc)}: {what} has no key '{key}'{_suggest(key, allowed)}")


def _named(body: Located) -> str:
    """'layer NAME: ' when the layer has a name: where a format has no lines, the name finds it."""
    name = body.get("name")
    return f"layer '{name}': " if isinstance(name, (str, int)) and not isinstance(name, bool) else ""


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3)
    return f" (did you mean {', '.join(map(repr, close))}?)" if close else ""


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _calls(node: Node) -> Iterator[CallNode]:
    if isinstance(node, CallNode):
        yield node
    elif isinstance(node, (SeqNode,)):
        for child in node.children:
            yield from _calls(child)
    elif isinstance(node, MergeNode):
        for branch in node.branches:
            yield from _calls(branch)
    elif isinstance(node, (RepeatNode, AuxNode)):
        yield from _calls(node.body)


def _check_calls(blocks: dict[str, BlockDef], body: SeqNode) -> None:
    """Every call names only its block's parameters and gives every required one."""
    for call in (c for node in (body, *(b.body for b in blocks.values())) for c in _calls(node)):
        params = blocks[call.block].params
        for name in call.args:
            if name not in params:
                known = ", ".join(params) or "none"
                raise InputError(f"{call.arg_locs[name]}: block '{call.block}' has no parameter '{name}'"
                                 f"{_suggest(name, params) or f' (its parameters: {known})'}")
        for name, default in params.items():
            if default is REQUIRED and name not in call.args:
                raise InputError(f"{call.common.loc}: block '{call.block}' needs the argument '{name}'")


def _refuse_recursion(blocks: dict[str, BlockDef]) -> None:
    """Blocks may call blocks, never themselves, directly or through others; and not more than 64 deep."""
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        state[name] = "open"
        for call in _calls(blocks[name].body):
            if state.get(call.block) == "open":
                cycle = " → ".join((*chain, name, call.block))
                raise InputError(f"{call.common.loc}: block '{call.block}' is recursive ({cycle})")
            if len(chain) >= 64:
                raise InputError(f"{call.common.loc}: blocks call blocks more than 64 deep")
            if call.block not in state:
                visit(call.block, (*chain, name))
        state[name] = "done"

    for name in blocks:
        if name not in state:
            visit(name, ())
