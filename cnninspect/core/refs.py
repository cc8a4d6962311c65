"""References to earlier outputs: what makes a spec a DAG rather than a tree (docs/spec.md, "Wiring").

A node may read an earlier output instead of the incoming tensor (`from: PATH`), a merge may take earlier outputs
as operands (`inputs: [PATH, ...]`), and `share: PATH` applies an earlier layer's module again. A path names an
output as the summary shows it: a layer's path (`layer1.0.conv1`, `features.3`, `relu()` for a function), a named
container's (a block call, a named seq or merge: its last output), or one of the model's inputs (`input`, or
the names under `inputs:`). A path is looked up from the scope of the module that holds the reference (the block
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
from typing import NamedTuple

from cnninspect.core.expr import ExprError, evaluate
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


def path_form(value: object, where: str, key: str) -> str:
    """A reference as a spec writes it, checked before any shape is known (spec/build.py)."""
    if not isinstance(value, str) or len(value) > MAX_PATH or not PATH.fullmatch(value):
        shown = repr(value)[:60] if isinstance(value, str) else type(value).__name__
        raise InputError(f"{where}: '{key}' is the path of an earlier output, e.g. layer1.0.conv1 (dots between "
                         f"names, up to {MAX_PATH} characters; a leading / from the model's top). Received {shown}")
    return value


def label_form(value: object, where: str) -> str:
    """`as: LABEL`: a name for a node's output (no dots), in the scope the node is in."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not re.fullmatch(SEGMENT, str(value)):
        shown = repr(value)[:60] if isinstance(value, (str, int)) else type(value).__name__
        raise InputError(f"{where}: 'as' names the node's output: a name of up to 100 characters without dots or "
                         f"spaces. Received {shown}")
    return str(value)


def expand(path: str, env, loc) -> str:
    """The path with its {expressions} evaluated (`from: "denselayer{i}"` inside a repeat)."""
    if "{" not in path:
        return path
    try:
        done = _TEMPLATE.sub(lambda m: str(evaluate(m[1], env)), path)
    except ExprError as error:
        raise InputError(f"{loc}: path {path!r}: {error}") from None
    if len(done) > MAX_PATH or not _DONE.fullmatch(done):
        raise InputError(f"{loc}: path {path!r} gives {done!r}: names up to 100 characters without spaces, "
                         f"between dots")
    return done


class Outputs:
    """What a walk has computed so far, by path: each output's tensor (the engine's _Tensor, whose `source` is the
    step that made it) and the auxiliary head it was made in, if any; and the layer modules, for `share`."""

    __slots__ = ("tensors", "modules", "read")

    def __init__(self) -> None:
        self.tensors: dict[str, tuple] = {}  # path -> (tensor, aux head's path or None)
        self.modules: dict[str, int] = {}  # a layer module's path -> the row of its first use
        self.read: set[int] = set()  # the steps whose outputs some reference reads: a builder keeps those

    def record(self, path: str, tensor, aux: str | None) -> None:
        self.tensors.pop(path, None)  # the latest goes last: the names listed in a refusal are the most recent
        self.tensors[path] = tensor, aux

    def resolve(self, path: str, scope: str, aux: str | None, loc, what: str = "from", written: str = ""):
        """The tensor `path` names, seen from `scope` (inside the aux head `aux`, if any); `written`: the path
        as the spec writes it, if {expressions} made `path` of it."""
        key = _find(path, scope, self.tensors)
        said = f"'{what}: {written}' ({path} here)" if written and written != path else f"'{what}: {path}'"
        if key is None:
            raise InputError(f"{loc}: {said}: no output of that name is computed before this point "
                             f"(seen from '{scope or 'the model'}'); {self._in_scope(path, scope)}")
        tensor, head = self.tensors[key]
        if head is not None and not (aux is not None and (aux == head or aux.startswith(head + "."))):
            raise InputError(f"{loc}: {said}: '{key}' is inside the auxiliary head '{head}', which runs "
                             f"in training only: nothing outside it can read it")
        self.read.add(tensor.source)
        return tensor

    def module(self, path: str, scope: str, loc) -> int:
        """The row of the layer module `path` names (`share`)."""
        key = _find(path, scope, self.modules)
        if key is None and _find(path, scope, self.tensors) is not None:
            raise InputError(f"{loc}: 'share: {path}': '{_find(path, scope, self.tensors)}' is not a layer's module "
                             f"(a block call, a named seq or merge, a function, an input): only a layer can be "
                             f"shared")
        if key is None:
            known = [k for k in self.tensors if k in self.modules]
            raise InputError(f"{loc}: 'share: {path}': no layer module of that name is built before this point "
                             f"(seen from '{scope or 'the model'}'); {_listed(path, scope, known)}")
        return self.modules[key]

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
    """The most recent names in scope (as seen from `scope`), and the closest to `path`."""
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
