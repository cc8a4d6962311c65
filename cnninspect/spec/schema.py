"""A JSON Schema of the spec format, generated from the layer catalog so that it never drifts from the loader.

Editors use it to validate and complete spec files (YAML through a `# yaml-language-server: $schema=` line).
Expressions and block names are only checked by cnninspect itself: a schema cannot know a file's blocks.
"""

from __future__ import annotations

from cnninspect.core.budget import KEYS as BUDGET_KEYS
from cnninspect.core.fields import FIELD_TYPES, schema_of
from cnninspect.core.graph import REQUIRED
from cnninspect.core.layers.base import Field, LayerKind
from cnninspect.core import refs
from cnninspect.core.layers.catalog import BY_NAME, KINDS
from cnninspect.spec import rank
from cnninspect.spec.build import STRUCTURES

EXPRESSION = {"type": "string", "description": "arithmetic as Python computes it over the names in scope (block "
              "parameters, model args, lets, repeat variables, in_channels): + - * / // % **, comparisons, "
              "and/or/not, 'a if c else b', lists and [index], comprehensions, min max abs round int float "
              "float32 ceil floor sqrt log pow len sum range, the spec's helpers (docs/spec.md, Expressions)"}
INT = {"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/expression"}]}
TYPES = {name: t.schema for name, t in FIELD_TYPES.items() if t.schema is not None}  # choice: an enum per field
COMMON = {
    "name": {"type": ["string", "integer"], "description": "the module name (no dots); unnamed modules are numbered"},
    "if": {"$ref": "#/$defs/bool", "description": "a condition; when false the node acts as identity"},
    "from": {"$ref": "#/$defs/path", "description": "read this earlier output instead of the incoming tensor"},
    "as": {"type": ["string", "integer"], "description": "a name for the node's output (for `from`), not a module"},
}
PATH = {"type": "string", "maxLength": refs.MAX_PATH, "pattern": f"^{refs.PATH.pattern}$",
        "description": "the path of an earlier output, as the summary shows it (layer1.0.conv1); looked up from the "
                       "enclosing module outward, or from the model's top with a leading /"}
SHAPE = {"anyOf": [{"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 4},
                   {"type": "string", "pattern": r"^\d+(x\d+){0,3}$"}]}
RANK = {"type": "integer", "minimum": 1, "maximum": rank.MOST}
ARGUMENT = {"anyOf": [{"type": ["number", "boolean", "string", "null"]},
                      {"type": "array", "items": {"type": ["number", "string", "boolean", "array"]}}]}
LET = {"type": "object", "description": "names and helpers ('half(x)') the spec computes (docs/spec.md, Expressions)",
       "additionalProperties": ARGUMENT}


def json_schema() -> dict:
    kinds = {name: _wrapper(name, f"#/$defs/fields_{kind.name}") for name, kind in BY_NAME.items()}
    fields = {f"fields_{kind.name}": _fields(kind) for kind in KINDS}
    no_fields_required = sorted(n for n, k in BY_NAME.items() if not any(_required(f) for f in k.fields.values()))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cnninspect architecture spec",
        "description": "A CNN architecture for cnninspect: its input, its layers, and reusable blocks (docs/spec.md).",
        "type": "object",
        "anyOf": [{"required": ["input", "layers"]}, {"required": ["inputs", "layers"]},  # a model; or a family file
                  # that only shares blocks
                  {"required": ["blocks"], "not": {"anyOf": [{"required": ["input"]}, {"required": ["layers"]}]}}],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "source": {"type": "string", "description": "the reference implementation the spec follows"},
            "input": {"description": "one sample's shape, e.g. [3, 224, 224] or '3x224x224'", **SHAPE},
            "inputs": {"type": "object", "description": "several inputs, by name, in the order forward takes them",
                       "minProperties": 1, "maxProperties": 16, "additionalProperties": SHAPE},
            rank.KEY: {"description": "the input ranks the spec is written for (axes of one sample, channels "
                              "included: 3 for C x H x W), or 'any' [default: the rank of 'input']",
                     "anyOf": [{"const": rank.ANY}, RANK, {"type": "array", "items": RANK, "minItems": 1,
                                                         "uniqueItems": True}]},
            "args": {"type": "object", "description": "model arguments and their defaults (cnninspect --set)",
                     "additionalProperties": ARGUMENT},
            "let": LET,
            "metadata": {"type": "object"},
            "include": {"description": "files in the spec's own folder whose blocks it uses (a family's)",
                        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "expect": {"type": "object", "description": "budgets that `cnninspect check` enforces (docs/check.md)",
                       "additionalProperties": False, "properties": {
                           key: {"type": "boolean"} if kind == "flag" else
                           {"type": ["integer", "string", "array"]} for key, kind in BUDGET_KEYS.items()}},
            "blocks": {"type": "object", "additionalProperties": {"$ref": "#/$defs/block"}},
            "layers": {"$ref": "#/$defs/layers"},
        },
        "$defs": {
            "expression": EXPRESSION, "int": INT, "path": PATH, **{k: v for k, v in TYPES.items() if k != "int"},
            "layers": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            "node": {"anyOf": [
                {"enum": no_fields_required, "description": "a layer without fields, e.g. relu"},
                {"type": "string", "pattern": r"^[A-Za-z_]\w*$", "description": "a block without arguments"},
                *({"$ref": f"#/$defs/layer_{name}"} for name in kinds),
                *({"$ref": f"#/$defs/{name}"} for name in STRUCTURES),
                {"$ref": "#/$defs/call"},
            ]},
            **{f"layer_{name}": schema for name, schema in kinds.items()},
            **fields,
            **_structures(),
            "call": {"type": "object", "minProperties": 1, "maxProperties": 1,
                     "propertyNames": {"not": {"enum": [*BY_NAME, *STRUCTURES]}},
                     "additionalProperties": {"type": ["object", "null"], "description": "the block's arguments",
                                              "properties": COMMON, "additionalProperties": ARGUMENT}},
            "block": {"type": "object", "required": ["layers"], "additionalProperties": False, "properties": {
                "params": {"type": "object", "description": "parameter names and defaults (null or 'required': "
                                                            "no default)",
                           "additionalProperties": ARGUMENT},
                "layers": {"$ref": "#/$defs/layers"},
                "let": LET,
                "inline": {"type": "boolean", "description": "its layers join the caller's module"},
                "override": {"type": "boolean", "description": "replaces the included block of this name"},
                "description": {"type": "string"}}},
        },
    }


def _required(field: Field) -> bool:
    return field.default is REQUIRED


def _wrapper(name: str, ref: str) -> dict:
    return {"type": "object", "required": [name], "additionalProperties": False, "properties": {name: {"$ref": ref}}}


def _fields(kind: LayerKind) -> dict:
    fields = {}
    for field_name, field in kind.fields.items():
        schema = schema_of(field)
        schema["description"] = field.doc
        fields[field_name] = schema
    body = {"type": "object", "description": kind.doc, "additionalProperties": False,
            "properties": {**fields, **COMMON, "functional": {
                "type": "boolean", "description": "applied as a function in the reference code: no module"}}}
    required = [n for n, f in kind.fields.items() if _required(f)]
    if required:
        body["required"] = required
    else:
        body = {"anyOf": [body, {"type": "null"}]}
    return body


def _operands(merge: dict) -> dict:
    """A merge has at least two operands: branches, earlier outputs (`inputs`), or one of each."""
    body = next(iter(merge["properties"].values()))
    at_least = lambda key, n: {"required": [key], "properties": {key: {"minItems": n}}}  # noqa: E731
    body["anyOf"] = [at_least("branches", 2), at_least("inputs", 2),
                     {"allOf": [at_least("branches", 1), at_least("inputs", 1)]}]
    return merge


def _structures() -> dict:
    layers = {"$ref": "#/$defs/layers"}
    branch = {"anyOf": [layers, {"$ref": "#/$defs/node"}]}

    def structure(key: str, properties: dict, required: list[str]) -> dict:
        body = {"type": "object", "additionalProperties": False, "required": required, "properties": properties}
        return {"type": "object", "required": [key], "additionalProperties": False, "properties": {key: body}}

    merge = {**COMMON, "branches": {"type": "array", "items": branch},
             "inputs": {"type": "array", "items": {"$ref": "#/$defs/path"},
                        "description": "earlier outputs, the first operands"}}
    path = {"$ref": "#/$defs/path"}
    return {
        "seq": structure("seq", {**COMMON, "layers": layers}, ["layers"]),
        **{op: _operands(structure(op, merge, [])) for op in ("add", "mul", "concat")},
        "from": {"type": "object", "required": ["from"], "additionalProperties": False, "properties": {"from": path}},
        "share": {"type": "object", "required": ["share"], "additionalProperties": False, "properties": {"share": {
            "anyOf": [path, {"type": "object", "required": ["path"], "additionalProperties": False,
                             "properties": {"path": path, "from": path, "if": COMMON["if"],
                                            "as": COMMON["as"]}}]}}},
        "repeat": structure("repeat", {"if": COMMON["if"], "from": COMMON["from"], "as": COMMON["as"],
                                       "times": {"$ref": "#/$defs/int"},
                                       "var": {"type": "string"}, "layers": layers}, ["times", "layers"]),
        "aux": structure("aux", {"name": COMMON["name"], "if": COMMON["if"], "layers": layers}, ["layers"]),
    }
