"""References to earlier outputs: what makes a spec a DAG rather than a tree (docs/spec.md, "Wiring").

A node may read an earlier output instead of the incoming tensor (`from: PATH`), a merge may take earlier outputs
as operands (`inputs: [PATH, ...]`), and `share: PATH` applies an earlier layer's module again. A path names an
output as the summary shows it: a layer's path (`layer1.0.conv1`, `features.3`, `relu()` for a function), a named
container's (a block call, a named seq or merge: its last output), a label (`as: LABEL` names one node's
output), or one of the model's inputs (`input`, or the names under `inputs:`). A path is looked up from the scope of the module that holds the reference (the block
call, the named seq), then in each enclosing scope out to the model, as names in nested functions are; a leading
`/` makes it absolute (from the model's top). Only outputs already computed are in scope, so a reference can never
close a cycle; where a path's module ran more than once (a parameter-free module called twice), the latest output
is read. An output computed inside an auxiliary head is visible only within that head (in eval mode it does not
exist).

Torch-free and file-free, like the engine, which calls it: Outputs is the table of outputs a walk has computed, and
Read is the program's step that makes an earlier output the current tensor.
"""

from __future__ import annotations

import re
from typing import Mapping, NamedTuple

from cnninspect.core.expr import ExprError, evaluate
from cnninspect.core.layers.base import show
from cnninspect.errors import InputError

MAX_PATH = 1000  # characters in one reference, expressions included
MAX_SHOWN = 8  # names listed in a refusal
MAX_SUGGEST = 2000  # most recent names a did-you-mean looks through
SEGMENT = r"[^.\s{}/]{1,100}|[^.\s/]*\{[^{}]*\}[^.\s/]*"  # a name, or one holding {expressions}
PATH = re.compile(rf"/?(?:{SEGMENT})(?:\.(?:{SEGMENT}))*")
_TEMPLATE = re.compile(r"\{([^{}]*)\}")
_DONE = re.compile(r"/?[^.\s{}/]{1,100}(?:\.[^.\s{}/]{1,100})*")


class Read(NamedTuple):
    """A step of the program: the tensor becomes the output of an earlier step (a row's index; -1 - k: the model's
    input k)."""

    source: int


def path_form(value: object, loc, key: str) -> str:
    """A reference as a spec writes it, checked before any shape is known (spec/build.py)."""
    if not isinstance(value, str) or len(value) > MAX_PATH or not PATH.fullmatch(value):
        shown = "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)[:60]
        raise InputError(f"'{key}' is the path of an earlier output, e.g. layer1.0.conv1 (dots between names, up to "
                         f"{MAX_PATH} characters; a leading / from the model's top). Received {shown}", loc=loc)
    return value


def label_form(value: object, loc) -> str:
    """`as: LABEL`: a name for a node's output (no dots), in the scope the node is in."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not re.fullmatch(SEGMENT, str(value)):
        shown = "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)[:60]
        raise InputError(f"'as' names the node's output: a name of up to 100 characters without dots or spaces. "
                         f"Received {shown}", loc=loc)
    return str(value)


def expand(path: str, env, loc) -> str:
    """The path with its {expressions} evaluated (`from: "denselayer{i}"` inside a repeat)."""
    if "{" not in path:
        return path
    try:
        done = _TEMPLATE.sub(lambda m: str(evaluate(m[1], env)), path)
    except ExprError as error:
        raise InputError(f"path {path!r}: {error}", loc=loc) from None
    if len(done) > MAX_PATH or not _DONE.fullmatch(done):
        raise InputError(f"path {path!r} gives {done!r}: names up to 100 characters without spaces, between dots",
                         loc=loc)
    return done


class Outputs:
    """What a walk has computed so far, by path: each output's tensor (the engine's _Tensor, whose `source` is the
    step that made it) and the auxiliary head it was made in, if any; and the layer modules, for `share`."""

    __slots__ = ("tensors", "read")

    def __init__(self) -> None:
        self.tensors: dict[str, tuple] = {}  # path -> (tensor, aux head's path or None): the walk writes it
        self.read: set[int] = set()  # the steps whose outputs some reference reads: a builder keeps those

    def record(self, path: str, tensor, aux: str | None) -> None:
        self.tensors[path] = tensor, aux

    def resolve(self, path: str, scope: str, aux: str | None, loc, what: str = "from", written: str = ""):
        """The tensor `path` names, seen from `scope` (inside the aux head `aux`, if any); `written`: the path
        as the spec writes it, if {expressions} made `path` of it."""
        key = _find(path, scope, self.tensors)
        said = f"'{what}: {written}' ({path} here)" if written and written != path else f"'{what}: {path}'"
        if key is None:
            raise InputError(f"{said}: no output of that name is computed before this point (seen from "
                             f"'{scope or 'the model'}'); {self._in_scope(path, scope)}", loc=loc)
        tensor, head = self.tensors[key]
        if head is not None and not (aux is not None and (aux == head or aux.startswith(head + "."))):
            raise InputError(f"{said}: '{key}' is inside the auxiliary head '{head}', which runs in training "
                             f"only: nothing outside it can read it", loc=loc)
        self.read.add(tensor.source)
        return tensor

    def module(self, path: str, scope: str, loc, rows) -> int:
        """The row of the layer module `path` names (`share`): the latest that ran at that path, one of `rows`."""
        key = _find(path, scope, self.tensors)
        if key is None:
            known = [k for k, (t, _) in self.tensors.items() if t.source >= 0 and rows[t.source].module
                     and rows[t.source].path == k]
            raise InputError(f"'share: {path}': no layer module of that name is built before this point (seen "
                             f"from '{scope or 'the model'}'); {_listed(path, scope, known)}", loc=loc)
        source = self.tensors[key][0].source
        if source < 0 or not rows[source].module or rows[source].path != key:
            raise InputError(f"'share: {path}': '{key}' is not a layer's module (a block call, a named seq or "
                             f"merge, a label, a function, an input): only a layer can be shared", loc=loc)
        return source

    def _in_scope(self, path: str, scope: str) -> str:
        return _listed(path, scope, list(self.tensors))


def _chain(scope: str) -> list[str]:
    """The scope and each enclosing one, out to the model's top ('')."""
    parts = scope.split(".") if scope else []
    return [".".join(parts[:n]) for n in range(len(parts), -1, -1)]


def _find(path: str, scope: str, table) -> str | None:
    if path.startswith("/"):
        return path[1:] if path[1:] in table else None
    for prefix in _chain(scope):
        key = f"{prefix}.{path}" if prefix else path
        if key in table:
            return key
    return None


def _listed(path: str, scope: str, keys: list[str]) -> str:
    """The names in scope (as seen from `scope`), the last made first, and the closest to `path`."""
    import difflib  # here: only a refusal needs it

    seen: dict[str, None] = {}
    for key in reversed(keys[-MAX_SUGGEST:]):
        for prefix in _chain(scope):
            if not prefix or key.startswith(prefix + "."):
                seen.setdefault(key[len(prefix) + 1:] if prefix else key, None)
                break
    names = list(seen)
    shown = ", ".join(names[:MAX_SHOWN]) + (", ..." if len(names) > MAX_SHOWN else "") if names else "none"
    close = difflib.get_close_matches(path.lstrip("/"), names, n=3)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    return f"in scope, latest first: {shown}{hint}"


def inputs_of(model, given) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Every input of `model` by name, with its shape: the spec's, with what the caller gives over them (a
    mapping of names to shapes, or the first input's shape alone)."""
    declared = model.inputs or (("input", tuple(model.input)),)
    if given is None or not isinstance(given, Mapping):
        given = {declared[0][0]: tuple(given or declared[0][1])}
    unknown = [name for name in given if name not in dict(declared)]
    if unknown:
        raise InputError(f"unknown input '{unknown[0]}' (this model's inputs: {', '.join(n for n, _ in declared)})")
    inputs = tuple((name, tuple(given.get(name, shape))) for name, shape in declared)
    for name, shape in inputs:
        if not shape or min(shape) < 1:
            which = f" '{name}'" if len(inputs) > 1 else ""
            raise InputError(f"the input{which} shape must be positive sizes, e.g. 3x224x224. Received {show(shape)}")
    return inputs
