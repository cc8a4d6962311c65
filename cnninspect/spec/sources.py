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


def library_versions(source: Source) -> dict[str, str]:
    """torch's version and the named library's, from their installed metadata (no import: a cached import is
    found without torch)."""
    from importlib import metadata

    found = {}
    for package in ("torch", *((source.kind,) if source.kind in LIBRARIES else ())):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


# --- what an import of a source is keyed by (spec/cache.py's import entries) ---------------------------------

MAX_LOCAL_MODULES = 64  # local modules followed from a source's file, at most
MAX_CODE_BYTES = 8 << 20  # a file past this is keyed by its size and modification time, not its bytes


def import_key(source: Source, args: dict | None, shape) -> dict:
    """What makes an import what it is: the source (a file by its absolute path; "written" as the spec's header
    names it), its settings and input, the versions of torch and its library, the text of the file or module it
    names, and the local modules that file imports (`local_modules`). Torch-free: a cached import is found
    without torch."""
    import os

    key = {"source": str(source), "written": str(source),
           "args": sorted((k, repr(v)) for k, v in (args or {}).items()),
           "input": list(shape) if shape else None, "versions": library_versions(source), "code": None,
           "modules": []}
    if source.kind == "file":
        path = os.path.abspath(source.target)
        key["source"] = f"{path}:{source.name}"
        key["code"] = _text_or_none(path)
        key["modules"] = local_modules(path, os.path.dirname(path), absolute=True)
    elif source.kind == "module":
        path = _module_origin(source.target)
        key["code"] = _text_or_none(path) if path else None
        if path:  # its package's own modules, by relative imports (`from . import blocks`)
            key["modules"] = local_modules(path, os.path.dirname(path), absolute=False)
    return key


def local_modules(path: str, root: str, absolute: bool) -> list[list]:
    """[relative path, digest] of each Python file under `root` that the file `path` imports, directly or through
    another such file (ast, never run): `import helper`, `from helper import f`, `from pkg.sub import g`
    resolved in `root` (where `absolute`: the folder a file source runs with on sys.path), and relative imports
    (`from . import sub`) resolved beside the file that makes them. At most MAX_LOCAL_MODULES files, in the
    order found; a module found elsewhere (installed, standard) is not followed: the versions key those."""
    import os

    root = os.path.realpath(root)
    found: dict[str, None] = {}
    queue = [os.path.realpath(path)]
    done = {queue[0]}
    while queue and len(found) < MAX_LOCAL_MODULES:
        current = queue.pop(0)
        for candidate in _imported_files(current, root, absolute):
            if candidate not in done and len(found) < MAX_LOCAL_MODULES:
                done.add(candidate)
                found[candidate] = None
                queue.append(candidate)
    return [[os.path.relpath(file, root), _digest(file)] for file in found]


def _imported_files(path: str, root: str, absolute: bool) -> list[str]:
    """The files under `root` the imports of the Python file `path` may name (a package's __init__ included)."""
    import ast
    import os

    text = _text_or_none(path)
    if text is None or len(text) > MAX_CODE_BYTES:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # the import itself says what is wrong
        return []
    here = os.path.dirname(path)
    names: list[tuple[str, list[str]]] = []  # (folder to resolve in, dotted parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and absolute:
            names += [(root, alias.name.split(".")) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and not absolute:
                continue
            base = root if node.level == 0 else os.path.normpath(os.path.join(here, *[".."] * (node.level - 1)))
            parts = node.module.split(".") if node.module else []
            names.append((base, parts))
            names += [(base, [*parts, alias.name]) for alias in node.names if alias.name != "*"]
    files = []
    for base, parts in names:
        for depth in range(1, len(parts) + 1):  # pkg/__init__.py, pkg/sub.py (or pkg/sub/__init__.py)
            stem = os.path.join(base, *parts[:depth])
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                real = os.path.realpath(candidate)
                if (real.startswith(root + os.sep) or real == root) and os.path.isfile(real) and real not in files:
                    files.append(real)
    return files


def _digest(path: str) -> str | None:
    import hashlib
    import os

    try:
        status = os.stat(path)
        if status.st_size > MAX_CODE_BYTES:
            return f"size {status.st_size}, modified {status.st_mtime_ns}"
        with open(path, "rb") as file:
            return hashlib.sha256(file.read()).hexdigest()
    except OSError:
        return None


def _text_or_none(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as file:
            return file.read()
    except OSError:
        return None


def _module_origin(name: str) -> str | None:
    """The file of an importable module, found without running it where it is top-level (a dotted name's parent
    packages are imported by find_spec, as the import itself would)."""
    import importlib.util

    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return found.origin if found is not None and found.origin and found.has_location else None
