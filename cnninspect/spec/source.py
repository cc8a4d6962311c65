"""Reading a spec file into plain data that remembers where each value was written.

YAML is composed with PyYAML's SafeLoader (no Python tags, no code) and converted node by node, so every
mapping and sequence knows its line and column; JSON and TOML give positions only for syntax errors. Sizes are
bounded: file size, nesting depth and the number of values after aliases are expanded (a YAML alias bomb
stops at the budget, quickly). A YAML file's events are read first, which is quick and builds nothing: a file
nested too deep or holding too many values is refused where it passes the limit before any tree is built
(brackets in comments and strings are text), and a syntax error at the end of a large file costs one fast
pass. A YAML file read again with the same text comes from the parsed-spec cache (cache.py), and PyYAML is
imported only when a text must be parsed.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from typing import BinaryIO

from cnninspect.core.graph import Loc
from cnninspect.errors import InputError

MAX_BYTES = 4 * 1024 * 1024
MAX_VALUES = 200_000
MAX_DEPTH = 64
EXPLAINED_BYTES = 16 * 1024  # a syntax error in a file up to this size is explained by the pure-Python parser
PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
SCALAR_TAGS = tuple(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp"))
_TOO_LONG = "a number of thousands of digits (Python reads at most 4300; no size in a network comes near)"
FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


class Located(dict):
    """A mapping with the location of itself, of each key and of each value."""

    loc: Loc
    key_locs: dict
    value_locs: dict


def empty(loc: Loc) -> "Located":
    result = Located()
    result.loc, result.key_locs, result.value_locs = loc, {}, {}
    return result


class LocatedList(list):
    loc: Loc
    item_locs: list


def read_spec(path: str | pathlib.Path, text: str | None = None, *,
              read_from: str | os.PathLike | None = None) -> Located:
    """Parse a spec into Located data: `text` if given, else the file `read_from` (default: `path`), read with
    the same care for every file (size, NUL bytes, UTF-8). `path` names it in messages and locations: the zoo's
    files are `zoo/NAME.yaml` wherever the package is installed.

    YAML read from a file goes through the parsed-spec cache: the same name and text a second time load from
    there, without PyYAML.
    """
    name = str(path)
    if text is None:
        read_from = path if read_from is None else read_from
        text = read_text(pathlib.Path(read_from), name)
    fmt = FORMATS.get(pathlib.Path(name).suffix.lower()) or sniff(text)
    cached = fmt == "yaml" and read_from is not None  # JSON and TOML parse nearly as fast as an entry loads
    if cached:
        from cnninspect.spec import cache  # here, not at the top: the cache module imports this one's types

        if (data := cache.fetch(name, read_from, text)) is not None:
            return data
    data = {"yaml": _yaml, "json": _json, "toml": _toml}[fmt](text, name)
    if not isinstance(data, Located):
        raise InputError(f"a spec is a mapping (name, input, layers, ...); this file holds {_describe(data)}",
                         loc=Loc(name))
    if cached:
        cache.store(name, read_from, text, data)
    return data


def read_text(path: pathlib.Path, name: str) -> str:
    """The file's text, `name` in messages: bounded, no NUL bytes, UTF-8 (a byte-order mark dropped)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"the file is {size} bytes; specs are at most {MAX_BYTES} bytes", loc=Loc(name))
        with path.open("rb") as stream:
            return read_stream(stream, name)
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}", loc=Loc(name)) from None


def read_stream(stream: BinaryIO, name: str) -> str:
    """The text of an open binary stream (a file, a pipe, standard input), read once and at most MAX_BYTES of it
    (a pipe has no size to ask first), with the same checks as a file's."""
    try:
        raw = stream.read(MAX_BYTES + 1)
    except OSError as error:
        raise InputError(f"cannot read it: {error.strerror or error}", loc=Loc(name)) from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"more than {MAX_BYTES} bytes; specs are at most {MAX_BYTES} bytes", loc=Loc(name))
    if b"\0" in raw:
        raise InputError("not a text file (it contains NUL bytes)", loc=Loc(name))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte {error.start})", loc=Loc(name, line)) from None


def sniff(text: str) -> str:
    """The format of a text whose name has no spec suffix (standard input, a pipe): JSON if it opens with `{`,
    TOML if its first line is a `[table]` or a `key = value`, else YAML. JSON and TOML are picked only where YAML
    would find no mapping at the top (a TOML line is one plain string to YAML, a `[` a list), or, for `{`,
    because a JSON text is JSON (YAML would read 1e3 as a string)."""
    first = _FIRST_LINE.search(text)  # the first line that is not blank or a comment
    line = first[1] if first else ""
    if line.startswith("{"):
        return "json"
    return "toml" if line.startswith("[") or _TOML_KEY.match(line) else "yaml"


_FIRST_LINE = re.compile(r"^[ \t\ufeff]*([^\s#].*)$", re.M)
_TOML_KEY = re.compile(r"""[A-Za-z0-9_.\-"' ]+=""")


def _yaml(text: str, name: str) -> object:
    global yaml
    import yaml  # on first use, not at start-up: a cached spec never needs it, and its import costs about 12 ms

    fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the same tree with the same marks, faster
    try:
        try:
            _scan(text, name, fast)
            node = yaml.compose(text, Loader=fast)
        except yaml.YAMLError:  # the pure-Python parser explains a syntax error better: ask it, in a small file
            if len(text) > EXPLAINED_BYTES:
                raise
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        # At the end of the stream the useful place is where the unfinished construct began (the context mark:
        # an unclosed bracket or quote); otherwise where it broke.
        at_end = error.problem_mark is not None and error.problem_mark.index >= len(text)
        mark = (error.context_mark if at_end else None) or error.problem_mark or error.context_mark
        where = Loc(name, mark.line + 1, mark.column + 1) if mark else Loc(name)
        if "maximum nesting depth" in str(error.problem):  # libyaml's own bound (1000), met by its scanner first
            raise InputError(f"nested deeper than {MAX_DEPTH} levels", loc=where) from None
        what = "; ".join(part for part in (error.context, error.problem) if part)
        if at_end and error.context_mark and error.problem_mark:
            what += f" (line {error.problem_mark.line + 1})"
        raise InputError(f"YAML syntax error: {what}", loc=where) from None
    except yaml.YAMLError as error:
        raise InputError(f"YAML error: {error}", loc=Loc(name)) from None
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels", loc=Loc(name)) from None
    if node is None:
        raise InputError("the file is empty", loc=Loc(name))
    return _YamlConverter(name).convert(node, 0)


def _scan(text: str, name: str, loader) -> None:
    """The file's events, read before its tree is composed (the parser keeps a stack, not a recursion): values
    nested deeper than MAX_DEPTH or more than MAX_VALUES of them stop it there, as they would stop the
    converter (which also counts what aliases repeat), having built no node; so does a syntax error."""
    steps = {yaml.ScalarEvent: 0, yaml.SequenceStartEvent: 1, yaml.MappingStartEvent: 1}  # a value: its depth step
    closing = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    parser, count, depth = loader(text), 0, 0  # depth: what the converter gives the next value
    try:
        while (event := parser.get_event()) is not None:
            step = steps.get(type(event))
            if step is not None:
                count += 1
                if depth > MAX_DEPTH or count > MAX_VALUES:
                    mark = event.start_mark
                    what = (f"nested deeper than {MAX_DEPTH} levels" if depth > MAX_DEPTH
                            else f"more than {MAX_VALUES} values; a spec holds at most {MAX_VALUES}")
                    raise InputError(what, loc=Loc(name, mark.line + 1, mark.column + 1))
                depth += step
            elif type(event) in closing:
                depth -= 1
    finally:
        parser.dispose()


class _YamlConverter:
    def __init__(self, name: str) -> None:
        self.name = name
        self.budget = MAX_VALUES
        self.constructor = yaml.SafeLoader("")
        self.seen: set[int] = set()
        self.written: list[yaml.Node] = []  # nodes being converted that are written here, not reached by an alias

    def loc(self, node: yaml.Node) -> Loc:
        mark = node.start_mark
        return Loc(self.name, mark.line + 1, mark.column + 1)

    def convert(self, node: yaml.Node, depth: int) -> object:
        self.budget -= 1
        if self.budget < 0:  # point at where the expansion happens, not inside the anchor it copies
            raise InputError(f"more than {MAX_VALUES} values once aliases are expanded (an alias bomb?)",
                             loc=self.loc(self.written[-1] if self.written else node))
        if depth > MAX_DEPTH:
            raise InputError(f"nested deeper than {MAX_DEPTH} levels", loc=self.loc(node))
        allowed = SCALAR_TAGS if isinstance(node, yaml.ScalarNode) else PLAIN_TAGS
        if node.tag not in allowed:
            raise InputError(f"the tag {node.tag} is not allowed (specs are data: only plain YAML mappings, lists "
                             f"and values)", loc=self.loc(node))
        if id(node) in self.seen:  # an alias: converted again, from where it is used
            return self._convert(node, depth)
        self.seen.add(id(node))
        self.written.append(node)
        try:
            return self._convert(node, depth)
        finally:
            self.written.pop()

    def _convert(self, node: yaml.Node, depth: int) -> object:
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            items = LocatedList(self.convert(item, depth + 1) for item in node.value)
            items.loc, items.item_locs = self.loc(node), [self.loc(item) for item in node.value]
            return items
        if node.tag == "tag:yaml.org,2002:timestamp" and not node.style:  # an unquoted date: keep it as text
            return node.value
        try:
            return self.constructor.construct_object(node)
        except yaml.YAMLError as error:
            raise InputError(f"{getattr(error, 'problem', None) or error} (specs are data: only plain YAML values)",
                             loc=self.loc(node)) from None
        except ValueError:  # Python refuses to read an integer of thousands of digits
            raise InputError(_TOO_LONG, loc=self.loc(node)) from None

    def mapping(self, node: yaml.MappingNode, depth: int) -> Located:
        result = Located()
        result.loc, result.key_locs, result.value_locs = self.loc(node), {}, {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError("YAML merge keys (<<) are not supported; use a block with parameters instead",
                                 loc=self.loc(key_node))
            key = self.convert(key_node, depth + 1)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise InputError(f"keys must be names. Received {key!r}", loc=self.loc(key_node))
            key = str(key)
            if key in result:
                raise InputError(f"duplicate key {key!r}", loc=self.loc(key_node))
            result[key] = self.convert(value_node, depth + 1)
            result.key_locs[key] = self.loc(key_node)
            result.value_locs[key] = self.loc(value_node)
        return result


def _json(text: str, name: str) -> object:
    def pairs(items: list[tuple[str, object]]) -> dict:
        result = dict(items)
        if len(result) < len(items):  # the first key written twice, found in one pass
            seen: set = set()
            duplicate = next(k for k, _ in items if k in seen or seen.add(k))
            raise InputError(f"duplicate key {duplicate!r}", loc=Loc(name))
        return result

    if not text.strip():
        raise InputError("the file is empty", loc=Loc(name))
    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        raise InputError(f"JSON syntax error: {error.msg}", loc=Loc(name, error.lineno, error.colno)) from None
    except ValueError:
        raise InputError(_TOO_LONG, loc=Loc(name)) from None
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels", loc=Loc(name)) from None
    return _wrap(data, name, [MAX_VALUES], 0, "")


def _toml(text: str, name: str) -> object:
    import tomllib  # only TOML specs pay for its import

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at = re.search(r" \(at line (\d+), column (\d+)\)$", str(error))
        where = Loc(name, int(at[1]), int(at[2])) if at else Loc(name)
        message = str(error)[: at.start()] if at else str(error)
        raise InputError(f"TOML syntax error: {message}", loc=where) from None
    except ValueError:
        raise InputError(_TOO_LONG, loc=Loc(name)) from None
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels", loc=Loc(name)) from None
    if not data:
        raise InputError("the file is empty", loc=Loc(name))
    return _wrap(data, name, [MAX_VALUES], 0, "")


def _wrap(data: object, name: str, budget: list[int], depth: int, path: str) -> object:
    """JSON and TOML data as Located values. Their parsers keep no positions: the location is the data path."""
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError(f"more than {MAX_VALUES} values", loc=Loc(name))
    if depth > MAX_DEPTH:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels", loc=Loc(name))
    if isinstance(data, dict):
        paths = {k: f"{path}.{k}" if path else k for k in data}
        result = Located((k, _wrap(v, name, budget, depth + 1, paths[k])) for k, v in data.items())
        result.loc = Loc(name, path=path)
        result.key_locs = result.value_locs = {k: Loc(name, path=p) for k, p in paths.items()}
        return result
    if isinstance(data, list):
        items = LocatedList(_wrap(v, name, budget, depth + 1, f"{path}[{i}]") for i, v in enumerate(data))
        items.loc, items.item_locs = Loc(name, path=path), [Loc(name, path=f"{path}[{i}]") for i in range(len(data))]
        return items
    return data


def _describe(data: object) -> str:
    if isinstance(data, list):
        return "a list"
    return f"a single value ({type(data).__name__})"
