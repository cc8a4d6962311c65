"""From located spec data to the engine's Model, checking everything that can be checked before any shape is
known: the top-level keys, the layer kinds and their fields, value types, blocks and their arguments, names,
and recursion between blocks. Every error says file:line:column (where the format gives it) and what is wrong.
"""

from __future__ import annotations

from typing import Iterator

from cnninspect.core.compile import compile_model
from cnninspect.core.graph import (REQUIRED, AuxNode, BlockDef, CallNode, Common, LayerNode, Loc, MergeNode, Model,
                                   Node, RefNode, RepeatNode, SeqNode, ShareNode)
from cnninspect.core.layers.base import Field
from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.core.refs import label_form, path_form
from cnninspect.errors import InputError
from cnninspect.spec.rank import input_ranks
from cnninspect.spec.source import Located, LocatedList, empty
from cnninspect.spec.values import (IDENTIFIER, RESERVED, argument, block_params, expectations, field_form,
                                    input_shape, lets_of, metadata, model_args, show, text)
from cnninspect.spec.values import common as _plain_common

TOP_LEVEL = ("name", "description", "source", "input", "inputs", "rank", "args", "let", "blocks", "layers",
             "metadata", "expect", "include")
FAMILY_KEYS = ("description", "let", "blocks", "include")  # what an included file may hold: blocks and lets to share
STRUCTURES = ("seq", "add", "mul", "concat", "repeat", "aux", "from", "share")
COMMON = ("name", "if", "from", "as")
MAX_INPUTS = 16  # a model's named inputs


def build_model(data: Located, default_name: str, included: tuple[Located, ...] = ()) -> Model:
    """`included`: the files the spec includes (spec/load.py reads them), whose blocks it may call."""
    _only(data, TOP_LEVEL, data.loc, "the spec")
    if "layers" not in data:
        raise InputError("the spec needs 'layers', the list of its layers", loc=data.loc)
    for family in included:
        _only(family, FAMILY_KEYS, family.loc, "an included file (it shares blocks)")
    sources = [*included, data]
    builder = _Builder({name for source in sources for name in (source.get("blocks") or {})})
    blocks: dict[str, BlockDef] = {}
    for source in sources:
        overrides = builder.overrides = set()
        for name, block in builder.blocks(source.get("blocks"), source.value_locs.get("blocks", source.loc)).items():
            if name in overrides and source is not data:
                raise InputError(f"block '{name}': only the spec itself overrides blocks, not an included file",
                                 loc=block.loc)
            if name in overrides and name not in blocks:
                raise InputError(f"block '{name}' overrides no block of the included files", loc=block.loc)
            if name in blocks and name not in overrides:
                raise InputError(f"block '{name}' is defined twice (also at {blocks[name].loc}); "
                                 f"'override: true' replaces an included block", loc=block.loc)
            blocks[name] = block
    body = builder.sequence(data["layers"], data.value_locs["layers"], "layers")
    _refuse_recursion(blocks)
    _check_calls(blocks, body)
    inputs = _inputs(data)
    return compile_model(Model(  # compiled once, here: core/compile.py
        name=text(data, "name", default_name),
        input=inputs[0][1] if inputs else input_shape(data),
        args=_arguments(data, included),
        blocks=blocks,
        body=body,
        source=text(data, "source", ""),
        description=text(data, "description", ""),
        metadata=metadata(data),
        file=data.loc.file,
        arg_locs={name: loc for source in (*included, data) for key in ("let", "args")
                  if isinstance(source.get(key), Located) for name, loc in source[key].value_locs.items()},
        expect=expectations(data),
        expect_locs=dict(data["expect"].value_locs) if isinstance(data.get("expect"), Located) else {},
        ranks=input_ranks(data) if not inputs else (len(inputs[0][1]),),
        inputs=inputs,
    ))


def _arguments(data: Located, included: tuple[Located, ...]) -> dict:
    """The model's args, then the lets of its included files and its own (docs/spec.md, Expressions)."""
    args = model_args(data.get("args"), data.value_locs.get("args", data.loc))
    for source in (*included, data):
        lets_of(source.get("let"), args, source.value_locs.get("let", source.loc))
    return args


def _inputs(data: Located) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """`inputs: {image: [3, 224, 224], mask: [1, 224, 224]}`: several inputs, by name, in forward order."""
    if "inputs" not in data:
        return ()
    value, loc = data["inputs"], data.value_locs["inputs"]
    if "input" in data:
        raise InputError("a spec has 'input' (one) or 'inputs' (several, by name), not both", loc=loc)
    if "rank" in data:
        raise InputError("'rank' is for a spec of one 'input'", loc=data.key_locs["rank"])
    if not isinstance(value, Located) or not value or len(value) > MAX_INPUTS:
        raise InputError(f"'inputs' maps up to {MAX_INPUTS} names to shapes, e.g. "
                         f"{{image: [3, 224, 224], mask: [1, 224, 224]}}", loc=loc)
    inputs = []
    for name, shape in value.items():
        if not IDENTIFIER.fullmatch(name) or name in RESERVED:
            raise InputError(f"an input's name is a plain name. Received {name!r}", loc=value.key_locs[name])
        one = Located({"input": shape})
        one.loc, one.key_locs, one.value_locs = loc, {"input": value.key_locs[name]}, {"input": value.value_locs[name]}
        inputs.append((name, input_shape(one)))
    return tuple(inputs)


def common(body: Located, loc: Loc) -> Common:
    """`name`, `if`, `from` and `as`: what every node may carry."""
    found = _plain_common(body, loc)
    if "from" in body:
        found = found._replace(source=path_form(body["from"], body.value_locs["from"], "from"))
    if "as" in body:
        found = found._replace(label=label_form(body["as"], body.value_locs["as"]))
    return found


class _Builder:
    def __init__(self, block_names: set[str]) -> None:
        self.block_names = block_names
        self.overrides: set[str] = set()  # the blocks marked 'override: true' in the file being read

    def blocks(self, data: object, loc: Loc) -> dict[str, BlockDef]:
        if data is None:
            return {}
        if not isinstance(data, Located):
            raise InputError("'blocks' maps block names to their definitions", loc=loc)
        blocks = {}
        for name, definition in data.items():
            where = data.value_locs[name]
            if not IDENTIFIER.fullmatch(name) or name in BY_NAME or name in STRUCTURES:
                clash = "is a layer kind" if name in BY_NAME or name in STRUCTURES else "is not a plain name"
                raise InputError(f"block name {name!r} {clash}", loc=data.key_locs[name])
            if not isinstance(definition, Located):
                raise InputError(f"block '{name}' is a mapping with 'params' and 'layers'", loc=where)
            _only(definition, ("params", "let", "layers", "inline", "override", "description"), where,
                  f"block '{name}'")
            inline, override = definition.get("inline", False), definition.get("override", False)
            if not isinstance(inline, bool) or not isinstance(override, bool):
                key = "inline" if not isinstance(inline, bool) else "override"
                raise InputError(f"'{key}' is true or false", loc=definition.value_locs[key])
            if override:
                self.overrides.add(name)
            params = block_params(definition.get("params"), definition.value_locs.get("params", where), name,
                                  definition.get("let"))
            if "layers" not in definition:
                raise InputError(f"block '{name}' needs 'layers'", loc=where)
            body = self.sequence(definition["layers"], definition.value_locs["layers"], f"block '{name}'")
            blocks[name] = BlockDef(name, params, body, where, inline)
        return blocks

    def sequence(self, items: object, loc: Loc, what: str, common: Common | None = None) -> SeqNode:
        if items is None:
            items = LocatedList()
            items.loc, items.item_locs = loc, []
        if not isinstance(items, LocatedList):
            raise InputError(f"{what} must be a list of layers", loc=loc)
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
            raise InputError(f"a layer is a mapping with one key, its kind; found {', '.join(item)} "
                             f"(are the fields indented under the kind?)", loc=loc)
        else:
            raise InputError(f"expected a layer (e.g. 'relu' or {{conv: {{out: 64, kernel: 3}}}}). "
                             f"Received {item!r}", loc=loc)
        if key in ("from", "share"):
            return self.reference(key, body, body_loc, loc)
        if not isinstance(body, Located):
            raise InputError(f"the fields of '{key}' must be a mapping. Received {show(body)}", loc=body_loc)
        if key in STRUCTURES:
            return getattr(self, key)(body, loc)
        if key in BY_NAME:
            return self.layer(key, body, loc)
        if key in self.block_names:
            return self.call(key, body, loc)
        known = [*BY_NAME, *STRUCTURES, *self.block_names]
        raise InputError(f"unknown layer or block '{key}'{_suggest(key, known)}", loc=loc, where=_named(body))

    def layer(self, key: str, body: Located, loc: Loc) -> LayerNode:
        kind = BY_NAME[key]
        fields = {}
        for name, value in body.items():
            if name in (*COMMON, "functional"):
                continue
            if name not in kind.fields:
                raise InputError(f"{key} has no field '{name}'{_suggest(name, [*kind.fields, *COMMON, 'functional'])}",
                                 loc=body.key_locs[name], where=_named(body))
            fields[name] = field_form(kind.fields[name], value, body.value_locs[name], name)
        functional = body.get("functional", False)
        if not isinstance(functional, bool):
            raise InputError("'functional' is true or false", loc=body.value_locs["functional"])
        return LayerNode(kind.name, fields, {n: body.value_locs[n] for n in fields}, common(body, loc), functional)

    def call(self, key: str, body: Located, loc: Loc) -> CallNode:
        args = {name: argument(value, body.value_locs[name], name) for name, value in body.items()
                if name not in COMMON}
        return CallNode(key, args, {n: body.value_locs[n] for n in args}, common(body, loc))

    def reference(self, key: str, body: object, body_loc: Loc, loc: Loc) -> Node:
        """`- from: PATH` (the tensor becomes an earlier output) and `- share: PATH` or `- share: {path: PATH,
        from: ..., if: ...}` (an earlier layer's module applied again)."""
        if key == "share" and isinstance(body, Located):
            _only(body, ("path", "from", "if", "as"), loc, "share")
            if "path" not in body:
                raise InputError("share needs 'path', the module to apply again", loc=loc)
            path = path_form(body["path"], body.value_locs["path"], "path")
            return ShareNode(path, common(body, loc))
        path = path_form(body, body_loc, key)
        return (RefNode if key == "from" else ShareNode)(path, Common(loc=loc))

    def seq(self, body: Located, loc: Loc) -> SeqNode:
        _only(body, (*COMMON, "layers"), loc, "seq")
        return self.sequence(body.get("layers"), body.value_locs.get("layers", loc), "seq", common(body, loc))

    def add(self, body: Located, loc: Loc) -> MergeNode:
        return self._merge("add", body, loc)

    def concat(self, body: Located, loc: Loc) -> MergeNode:
        return self._merge("concat", body, loc)

    def mul(self, body: Located, loc: Loc) -> MergeNode:
        return self._merge("mul", body, loc)

    def _merge(self, op: str, body: Located, loc: Loc) -> MergeNode:
        """`inputs: [PATH, ...]` are operands first (earlier outputs), then `branches` (each reads the tensor)."""
        _only(body, (*COMMON, "branches", "inputs"), loc, op)
        branches = body.get("branches", LocatedList())
        where = body.value_locs.get("branches", loc)
        inputs = body.get("inputs", LocatedList())
        if not isinstance(inputs, LocatedList):
            raise InputError("'inputs' is a list of paths of earlier outputs", loc=body.value_locs["inputs"])
        refs = tuple(RefNode(path_form(p, p_loc, "inputs"), Common(loc=p_loc), "inputs")
                     for p, p_loc in zip(inputs, getattr(inputs, "item_locs", ())))
        if not isinstance(branches, LocatedList) or len(branches) + len(refs) < 2:
            raise InputError(f"{op} needs 'branches', a list of at least two branches (or two operands in "
                             f"all with 'inputs', earlier outputs by path)", loc=where)
        built = tuple(self.sequence(b, b_loc, "a branch") if isinstance(b, LocatedList) or b is None
                      else self.node(b, b_loc) for b, b_loc in zip(branches, getattr(branches, "item_locs", ())))
        return MergeNode(op, refs + built, common(body, loc))

    def repeat(self, body: Located, loc: Loc) -> RepeatNode:
        _only(body, ("if", "from", "as", "times", "var", "layers"), loc, "repeat")
        if "times" not in body:
            raise InputError("repeat needs 'times'", loc=loc)
        var = body.get("var", "i")
        if not isinstance(var, str) or not IDENTIFIER.fullmatch(var) or var in RESERVED:
            raise InputError(f"'var' is a plain name. Received {var!r}", loc=body.value_locs.get("var", loc))
        times = field_form(Field("int"), body["times"], body.value_locs["times"], "times")
        layers = self.sequence(body.get("layers"), body.value_locs.get("layers", loc), "repeat")
        return RepeatNode(times, var, layers, common(body, loc))

    def aux(self, body: Located, loc: Loc) -> AuxNode:
        _only(body, ("name", "if", "layers"), loc, "aux")  # a head that reads an earlier output starts with `from`
        layers = self.sequence(body.get("layers"), body.value_locs.get("layers", loc), "aux")
        return AuxNode(layers, common(body, loc))


def _only(data: Located, allowed: tuple[str, ...], loc: Loc, what: str) -> None:
    for key in data:
        if key not in allowed:
            raise InputError(f"{what} has no key '{key}'{_suggest(key, allowed)}", loc=data.key_locs.get(key, loc))


def _named(body: Located) -> str:
    """`layer 'NAME'` when the layer has a name: where a format has no lines, the name finds it."""
    name = body.get("name")
    return f"layer '{name}'" if isinstance(name, (str, int)) and not isinstance(name, bool) else ""


def _suggest(word: str, choices) -> str:
    import difflib  # here: only a misspelt word needs it

    close = difflib.get_close_matches(word, list(choices), n=3)
    return f" (did you mean {', '.join(map(repr, close))}?)" if close else ""


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
                raise InputError(f"block '{call.block}' has no parameter '{name}'"
                                 f"{_suggest(name, params) or f' (its parameters: {known})'}", loc=call.arg_locs[name])
        for name, default in params.items():
            if default is REQUIRED and name not in call.args:
                raise InputError(f"block '{call.block}' needs the argument '{name}'", loc=call.common.loc)


def _refuse_recursion(blocks: dict[str, BlockDef]) -> None:
    """Blocks may call blocks, never themselves, directly or through others; and not more than 64 deep."""
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        state[name] = "open"
        for call in _calls(blocks[name].body):
            if state.get(call.block) == "open":
                cycle = " → ".join((*chain, name, call.block))
                raise InputError(f"block '{call.block}' is recursive ({cycle})", loc=call.common.loc)
            if len(chain) >= 64:
                raise InputError("blocks call blocks more than 64 deep", loc=call.common.loc)
            if call.block not in state:
                visit(call.block, (*chain, name))
        state[name] = "done"

    for name in blocks:
        if name not in state:
            visit(name, ())
