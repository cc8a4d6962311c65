"""Module paths as PyTorch names them: a module's namespace numbers its unnamed children (as nn.Sequential does),
a name may hold {expressions} (`denselayer{i + 1}` in a repeat), and a path names one module."""

from __future__ import annotations

import re

from cnninspect.core.expr import ExprError, evaluate
from cnninspect.core.graph import Loc
from cnninspect.errors import InputError

_TEMPLATE = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[^.\s{}]{1,100}")
REOPENED = ("seq",)  # what a named sequence claims: its name may open it again


class Scope:
    """A module's namespace: unnamed module children get the next index."""

    __slots__ = ("path", "count")

    def __init__(self, path: str) -> None:
        self.path = path
        self.count = 0

    def child(self, name: str | None) -> str:
        if name is None:
            name = str(self.count)
        self.count += 1
        return f"{self.path}.{name}" if self.path else name

    def functional(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name


def name_of(common, env) -> str | None:
    """A node's name, its {expressions} evaluated."""
    if common.name is None or "{" not in common.name:
        return common.name
    try:
        name = _TEMPLATE.sub(lambda m: str(evaluate(m[1], env)), common.name)
    except ExprError as error:
        raise InputError(f"name {common.name!r}: {error}", loc=common.loc) from None
    if not _NAME.fullmatch(name):
        raise InputError(f"name {common.name!r} gives {name!r}: a name is up to 100 characters without dots or "
                         f"spaces", loc=common.loc)
    return name


class Names:
    """The module paths a walk has claimed. torch runs a parameter-free module twice where code calls it twice
    (ResNet's relu), so the same parameter-free layer (same kind and settings) may repeat a path; a named
    sequence may open its module again (a ModuleList whose members run between others'); nothing else may."""

    __slots__ = ("claimed", "scopes")

    def __init__(self) -> None:
        self.claimed: dict = {}  # module path -> what it names: (kind, settings) where repeatable, else None
        self.scopes: dict[str, Scope] = {}  # named sequences' scopes, which a sequence of the same name reopens

    def claim(self, path: str, shareable, loc: Loc) -> None:
        if path in self.claimed and (shareable is None or shareable is REOPENED or self.claimed[path] != shareable):
            raise InputError(f"the module name '{path}' is used twice; a layer with parameters or a module that "
                             f"holds others needs a name of its own (inside a repeat, leave the name out)", loc=loc)
        self.claimed[path] = shareable

    def open(self, scope: Scope, name: str | None, loc: Loc, seq: bool) -> Scope:
        """A module that holds others: a block call, a named sequence or merge, an aux head; a named sequence's
        unnamed children go on being numbered where they stopped when it is reopened."""
        path = scope.child(name)
        if seq and self.claimed.get(path) is REOPENED:
            return self.scopes[path]
        self.claim(path, REOPENED if seq else None, loc)
        inner = Scope(path)
        if seq:
            self.scopes[path] = inner
        return inner
