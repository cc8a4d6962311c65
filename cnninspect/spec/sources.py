"""A PyTorch model named on the command line: `torchvision:NAME`, `timm:NAME`, `FILE.py:NAME`, `package.module:NAME`.

Torch-free: this only reads the spelling. `parse` says whether an argument names a source and which; the torch
backend (cnninspect/torch_backend/sources.py) builds the module, the importer turns it into a spec. The rule,
in order (docs/import.md):

- a spec's own spellings come first and are never a source: `-`, `zoo:NAME`, and any name ending in a spec suffix
  (.yaml, .yml, .json, .toml), whatever colons it holds;
- `torchvision:NAME` and `timm:NAME`: a model of that library's registry (timm's names may carry a `.tag`);
- `PATH.py:NAME`: the class or factory NAME defined in the Python file PATH.py (a path, relative or absolute);
- `package.module:NAME`: the class or factory NAME of an importable module (dotted identifiers);
- anything else is not a source (a spec file or a zoo name, by spec/load.py's rule).

NAME may be dotted (`Outer.Inner`) for a module or file: attributes looked up one by one, never evaluated.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from cnninspect.errors import InputError
from cnninspect.inert import inert

LIBRARIES = ("torchvision", "timm")  # registries named by a prefix
SPEC_SUFFIXES = (".yaml", ".yml", ".json", ".toml")  # spec/source.FORMATS's keys (a test keeps them equal)
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = re.compile(rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})*")
_LIBRARY_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")  # timm: resnet50.a1_in1k, vit_base_patch16_224
MAX_LENGTH = 1000


class Source(NamedTuple):
    """What a source argument names: `kind` is torchvision, timm, file or module; `target` the library, the file's
    path or the module's dotted name; `name` the model (registry name, or attribute path in the file/module)."""

    kind: str
    target: str
    name: str
    text: str  # as written on the command line

    def __str__(self) -> str:
        return self.text


def parse(text: str) -> Source | None:
    """The source `text` names, or None where it is no source (a spec file, a zoo name, standard input).

    A text that plainly means a source but names nothing (`timm:`, `net.py:`, `net.py:1x`) is refused."""
    if not isinstance(text, str) or text == "-" or text.startswith("zoo:") or ":" not in text:
        return None
    if text.lower().endswith(SPEC_SUFFIXES):
        return None
    target, _, name = text.rpartition(":")
    if target in LIBRARIES:
        if not _LIBRARY_NAME.fullmatch(name):
            raise InputError(f"{target}: needs a model name after the colon, e.g. {target}:resnet50. "
                             f"Received {inert(text[:MAX_LENGTH])!r}")
        return Source(target, target, name, text)
    if target.endswith(".py") and len(target) > 3:
        return Source("file", target, _attribute(name, text), text)
    if _DOTTED.fullmatch(target):
        return Source("module", target, _attribute(name, text), text)
    return None


def is_source(text: str) -> bool:
    """Spelt as a source (never raises: a malformed one counts as a source, and parse says what is wrong)."""
    try:
        return parse(text) is not None
    except InputError:
        return True


def _attribute(name: str, text: str) -> str:
    if not _DOTTED.fullmatch(name):
        raise InputError(f"{inert(text[:MAX_LENGTH])}: after the colon, the name of a class or a function that makes "
                         f"the model (an identifier, e.g. net.py:MyNet)")
    return name
