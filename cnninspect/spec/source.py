"""Reading a spec file into plain data that remembers where each value was written.

YAML is composed with PyYAML's SafeLoader (no Python tags, no code) and converted node by node, so every
mapping and sequence knows its line and column; JSON and TOML give positions only for syntax errors. Sizes are
bounded: file size, nesting depth and the number of values after aliases are expanded (a YAML alias bomb
stops at the budget, quickly).
"""

from __future__ import annotations

import json
import pathlib
import tomllib

import yaml

from cnninspect.core.graph import Loc
from cnninspect.errors import InputError

MAX_BYTES = 4 * 1024 * 1024
MAX_VALUES = 200_000
MAX_DEPTH = 64
PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


class Located(dict):
    """A mapping with the location of itself and of each of its values."""

    loc: Loc
    value_locs: dict


class LocatedList(list):
    loc: Loc
    item_locs: list


def read_spec(path: str | pathlib.Path, text: str | None = None) -> Located:
    """Parse a spec file (or `text`, named by `path`) into Located data."""
    name = str(path)
    if text is None:
        text = _read_text(pathlib.Path(path))
    fmt = FORMATS.get(pathlib.Path(name).suffix.lower(), "yaml")
    data = {"yaml": _yaml, "json": _json, "toml": _toml}[fmt](text, name)
    if not isinstance(data, Located):
        raise InputError(f"{name}: a spec is a mapping (name, input, layers, ...); this file holds "
                         f"{_describe(data)}")
    return data


def _read_text(path: pathlib.Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path}: the file is {size} bytes; specs are at most {MAX_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read the file: {error.strerror or error}") from None
    if b"\0" in raw:
        raise InputError(f"{path}: not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None


def _yaml(text: str, name: str) -> object:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise InputError(f"{where}: YAML syntax error: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise InputError(f"{name}: YAML error: {error}") from None
    except RecursionError:
        raise InputError(f"{name}: nested deeper than {MAX_DEPTH} levels") from None
    if node is None:
        raise InputError(f"{name}: the file is empty")
    return _YamlConverter(name).convert(node, 0)


class _YamlConverter:
    def __init__(self, name: str) -> None:
        self.name = name
        self.budget = MAX_VALUES
        self.constructor = yaml.SafeLoader("")

    def loc(self, node: yaml.Node) -> Loc:
        return Loc(self.name, node.start_mark.line + 1, node.start_mark.column + 1)

    def convert(self, node: yaml.Node, depth: int) -> object:
        self.budget -= 1
        if self.budget < 0:
            raise InputError(f"{self.loc(node)}: more than {MAX_VALUES} values once aliases are expanded "
                             f"(an alias bomb?)")
        if depth > MAX_DEPTH:
            raise InputError(f"{self.loc(node)}: nested deeper than {MAX_DEPTH} levels")
        if not isinstance(node, yaml.ScalarNode) and node.tag not in PLAIN_TAGS:
            raise InputError(f"{self.loc(node)}: the tag {node.tag} is not allowed (specs are data: only plain "
                             f"YAML mappings, lists and values)")
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            items = LocatedList(self.convert(item, depth + 1) for item in node.value)
            items.loc, items.item_locs = self.loc(node), [self.loc(item) for item in node.value]
            return items
        try:
            return self.constructor.construct_object(node)
        except yaml.YAMLError as error:
            raise InputError(f"{self.loc(node)}: {getattr(error, 'problem', None) or error} "
                             f"(specs are data: only plain YAML values)") from None

    def mapping(self, node: yaml.MappingNode, depth: int) -> Located:
        result = Located()
        result.loc, result.value_locs = self.loc(node), {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError(f"{self.loc(key_node)}: YAML merge keys (<<) are not supported; "
                                 f"use a block with parameters instead")
            key = self.convert(key_node, depth + 1)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise InputError(f"{self.loc(key_node)}: keys must be names. Received {key!r}")
            key = str(key)
            if key in result:
                raise InputError(f"{self.loc(key_node)}: duplicate key {key!r}")
            result[key] = self.convert(value_node, depth + 1)
            result.value_locs[key] = self.loc(value_node)
        return result


def _json(text: str, name: str) -> object:
    def pairs(items: list[tuple[str, object]]) -> dict:
        keys = [k for k, _ in items]
        duplicate = next((k for k in keys if keys.count(k) > 1), None)
        if duplicate is not None:
            raise InputError(f"{name}: duplicate key {duplicate!r}")
        return dict(items)

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        raise InputError(f"{name}:{error.lineno}:{error.colno}: JSON syntax error: {error.msg}") from None
    except RecursionError:
        raise InputError(f"{name}: nested deeper than {MAX_DEPTH} levels") from None
    return _wrap(data, name, [MAX_VALUES], 0)


def _toml(text: str, name: str) -> object:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{name}: TOML syntax error: {error}") from None
    except RecursionError:
        raise InputError(f"{name}: nested deeper than {MAX_DEPTH} levels") from None
    return _wrap(data, name, [MAX_VALUES], 0)


def _wrap(data: object, name: str, budget: list[int], depth: int) -> object:
    """JSON and TOML data as Located values; their parsers keep no positions, so the file is the location."""
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError(f"{name}: more than {MAX_VALUES} values")
    if depth > MAX_DEPTH:
        raise InputError(f"{name}: nested deeper than {MAX_DEPTH} levels")
    loc = Loc(name)
    if isinstance(data, dict):
        result = Located((k, _wrap(v, name, budget, depth + 1)) for k, v in data.items())
        result.loc, result.value_locs = loc, {k: loc for k in data}
        return result
    if isinstance(data, list):
        items = LocatedList(_wrap(v, name, budget, depth + 1) for v in data)
        items.loc, items.item_locs = loc, [loc] * len(data)
        return items
    return data


def _describe(data: object) -> str:
    if isinstance(data, list):
        return "a list"
    return f"a single value ({type(data).__name__})"
