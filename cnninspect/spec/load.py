"""Find a model by its name on the command line and build it: the one entry point from a name to a Model. One rule
names a zoo model, a file or standard input (`resolve`, README "Naming a model", docs/spec.md)."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import pathlib
import sys
import warnings

from cnninspect.core.graph import Model
from cnninspect.errors import InputError, Note
from cnninspect.inert import inert
from cnninspect.spec.build import build_model
from cnninspect.spec.source import FORMATS, read_spec, read_stream, read_text
from cnninspect.spec.sources import import_key, is_source

ZOO = pathlib.Path(__file__).parent.parent / "zoo"
STDIN = "-"
ZOO_PREFIX = "zoo:"
STDIN_NAME = "<stdin>"  # standard input's name in messages
NO_STABLE_NAME = ("/dev/", "/proc/")  # the kernel's files (/dev/stdin, /dev/fd/63): read once, never cached


MAX_INCLUDES = 8  # files including files, this deep at most
MAX_INCLUDED_FILES = 64  # distinct files one spec includes, directly or not


def zoo_names() -> list[str]:
    """The zoo's models; files named _FAMILY.yaml hold a family's shared blocks, not a model."""
    return list(_zoo_names())


@functools.cache  # package data: it does not change while the program runs, and every name is resolved by it
def _zoo_names() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in ZOO.glob("*.yaml") if not path.stem.startswith("_")))


def load_model(name_or_path: str) -> Model:
    """The model a command-line argument names, by the rule of `resolve`: `-` (standard input), `zoo:NAME`,
    a spec file (my_net.yaml, .json, .toml, or any path), or a zoo name (resnet18)."""
    with _collector_paused():  # a spec becomes many small acyclic objects: the cycle collector only costs time
        return _load(name_or_path)


def load_with(name_or_path: str, settings: dict | None = None) -> tuple[Model, dict]:
    """The model a command-line argument names (load_model's rule) and the settings (--set) left for its analysis.
    A PyTorch source takes them as the keyword arguments of its class or factory: it is imported with them (and
    cached under them), and its spec, which declares no arguments, is analysed with none. A spec takes them as its
    own arguments."""
    settings = dict(settings or {})
    if not is_source(name_or_path):
        return load_model(name_or_path), settings
    with _collector_paused():
        return _load(name_or_path, settings), {}


def resolve(name: str) -> tuple[str, str]:
    """What a model argument names, from its spelling alone: ("stdin", "-"), ("zoo", NAME), ("source", TEXT) or
    ("file", PATH).

    `-` is standard input; `zoo:NAME` is always the zoo's; a PyTorch source (`torchvision:NAME`, `timm:NAME`,
    `FILE.py:NAME`, `package.module:NAME`: spec/sources.py) is imported, never a spec file; a name with a path separator or a spec suffix
    (.yaml, .yml, .json, .toml) is a file; a bare name is the zoo's model of that name, and a file of that name
    otherwise. A bare zoo name that is also a file or folder here stays the zoo's, with a note (a Note warning)
    that says so and how to name the file.
    """
    if name == STDIN:
        return "stdin", name
    if name.startswith(ZOO_PREFIX):
        return "zoo", name[len(ZOO_PREFIX):]
    if is_source(name):
        return "source", name
    if _is_path(name):
        return "file", name
    if name in _zoo_names():
        if os.path.lexists(name):
            what = "folder" if os.path.isdir(name) else "file"
            warnings.warn(Note(f"{inert(name)}: the zoo's model, not the {what} ./{inert(name)} here (write "
                               f"./{inert(name)} or zoo:{inert(name)} to say which)"))
        return "zoo", name
    return "file", name


@contextlib.contextmanager
def _collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(name_or_path: str, settings: dict | None = None) -> Model:
    kind, target = resolve(name_or_path)
    if kind == "source":
        from cnninspect.spec.sources import parse

        source = parse(target)
        name = source.name if source.kind in ("torchvision", "timm") else source.name.rsplit(".", 1)[-1]
        return _built(read_spec(str(source), imported_text(source, settings)), name, pathlib.Path("."), ".")
    if kind == "stdin":
        return _built(_stdin(), "stdin", pathlib.Path("."), ".")
    if kind == "zoo":
        if target not in _zoo_names():
            raise InputError(f"unknown model '{inert(name_or_path)}' (not a zoo name){_suggest(target)}")
        # named zoo/NAME.yaml in messages, wherever the package is installed
        return _built(read_spec(f"zoo/{target}.yaml", read_from=ZOO / f"{target}.yaml"), target, ZOO, "zoo")
    path = pathlib.Path(target)
    if path.is_dir():
        raise InputError("a folder, not a spec file (cnninspect check reads folders)", where=inert(target))
    if path.is_file() and not str(path.absolute()).startswith(NO_STABLE_NAME):
        return _built(read_spec(path), path.stem, path.parent, str(path.parent))
    if path.exists():  # a pipe, a device, a process substitution: read once, no cache, includes from here
        return _built(read_spec(target, read_text(path, target)), path.stem, pathlib.Path("."), ".")
    if not _is_path(target):
        raise InputError(f"unknown model '{inert(target)}' (not a zoo name, not a file){_suggest(target)}")
    raise InputError("no such file", where=inert(target))


def imported_text(source, args: dict | None = None, shape: tuple[int, ...] | None = None) -> str:
    """The spec text of a PyTorch source, imported with `args` at `shape` (None: its example input): from the
    cache when the source, its settings, the versions of torch and of its library and the text of its file are
    those of an entry (without importing torch), else imported (torch) and kept there."""
    from cnninspect.spec import cache

    key = import_key(source, args, shape)
    text = cache.fetch_import(key)
    if text is None:
        from cnninspect.torch_backend import require_torch

        require_torch(f"importing {inert(str(source))}")
        from cnninspect.torch_backend.importer import import_source

        text = import_source(source, args, shape).text
        cache.store_import(key, text)
    return text


def _built(data, name: str, folder: pathlib.Path, shown: str) -> Model:
    return build_model(data, name, _includes(data, folder, shown, ()))


def _stdin():
    """Standard input's spec: bounded as a file is, its format sniffed (source.sniff), never cached."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("there is no standard input to read", where=STDIN_NAME)
    if sys.stdin.isatty():
        raise InputError("standard input is a terminal; pipe a spec in: cnninspect summary - < my_net.yaml",
                         where=STDIN_NAME)
    return read_spec(STDIN_NAME, read_stream(stream, STDIN_NAME))


def _is_path(name: str) -> bool:
    """Spelt as a path: a separator in it, or a spec suffix."""
    separators = ("/", os.sep, os.altsep)
    return any(sep and sep in name for sep in separators) or pathlib.PurePath(name).suffix.lower() in FORMATS


def _suggest(name: str) -> str:
    import difflib  # here: only a misspelt name needs it

    close = difflib.get_close_matches(name.lower(), zoo_names(), n=3, cutoff=0.5)
    return f"; did you mean {', '.join(close)}?" if close else f"; `cnninspect zoo` lists the {len(zoo_names())} models"


def _includes(data, folder: pathlib.Path, shown: str, chain: tuple[str, ...] = ()) -> tuple:
    """The files a spec includes, and theirs, depth first: each a plain file name in the spec's own folder, and a
    link there only to a file in that folder too (its real path), so a spec reads nothing outside it; no cycles.
    A file included twice (a diamond: A includes B and C, both include D) is read once and gives its blocks once."""
    seen: dict[tuple[int, int], bool] = {}  # the file (device, inode) -> done (False while its includes are read)
    found: list = []
    _include(data, _Folder(folder, shown), chain, seen, found)
    return tuple(found)


def _include(data, folder: "_Folder", chain: tuple[str, ...], seen: dict, found: list) -> None:
    names = data.get("include") or []
    where = data.value_locs.get("include", data.loc)
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError("'include' is a list of file names in the spec's folder", loc=where)
    for name in names:
        if pathlib.PurePath(name).name != name or name.startswith(".") or pathlib.PurePath(name).suffix not in FORMATS:
            raise InputError(f"include {name!r}: a .yaml, .json or .toml file in the spec's own folder, by its name "
                             f"alone", loc=where)
        target, file = folder.file(name, where)
        if seen.get(file) is False or name in chain:
            raise InputError(f"include {name!r} is a cycle ({' → '.join((*chain, name))})", loc=where)
        if file in seen:  # already read, by this file or another: its blocks are there once
            continue
        if len(chain) >= MAX_INCLUDES:
            raise InputError(f"include {name!r} nests more than {MAX_INCLUDES} deep", loc=where)
        if len(seen) >= MAX_INCLUDED_FILES:
            raise InputError(f"include {name!r}: more than {MAX_INCLUDED_FILES} included files", loc=where)
        seen[file] = False
        family = read_spec(name if folder.shown in ("", ".") else f"{folder.shown}/{name}", read_from=target)
        _include(family, folder, (*chain, name), seen, found)
        seen[file] = True
        found.append(family)


class _Folder:
    """The spec's folder, where its includes must be: a link there must lead to a file in it (or below it)."""

    def __init__(self, path: pathlib.Path, shown: str) -> None:
        self.path, self.shown, self._real = path, shown, None

    def file(self, name: str, where) -> tuple[pathlib.Path, tuple[int, int]]:
        """The path to read, and the file's identity (device, inode): a regular file, links followed."""
        import stat  # here: the imports above are the loader's, this is only the includes'

        target = self.path / name
        try:
            status = target.lstat()
            link = stat.S_ISLNK(status.st_mode)  # only a link can lead elsewhere: its real path says where
            if link:
                target = target.resolve(strict=True)
                self._real = self._real or self.path.resolve()
                status = target.stat()
        except (OSError, RuntimeError):  # missing, a dangling link, or a loop of links
            raise InputError(f"include {name!r}: no such file in {self.shown}", loc=where) from None
        if link and not target.is_relative_to(self._real):
            raise InputError(f"include {name!r} is a link to a file outside the spec's folder; a spec "
                             f"reads nothing outside its folder", loc=where)
        if not stat.S_ISREG(status.st_mode):  # a folder, a FIFO (opening it would wait), a device
            raise InputError(f"include {name!r}: not a regular file", loc=where)
        return target, (status.st_dev, status.st_ino)
