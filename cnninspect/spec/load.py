"""Find a model by zoo name or file and build it: the one entry point from a name on the command line to a Model."""

from __future__ import annotations

import contextlib
import gc
import pathlib

from cnninspect.core.graph import Model
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.source import FORMATS, read_spec

ZOO = pathlib.Path(__file__).parent.parent / "zoo"


MAX_INCLUDES = 8  # files including files, this deep at most
MAX_INCLUDED_FILES = 64  # distinct files one spec includes, directly or not


def zoo_names() -> list[str]:
    """The zoo's models; files named _FAMILY.yaml hold a family's shared blocks, not a model."""
    return sorted(path.stem for path in ZOO.glob("*.yaml") if not path.stem.startswith("_"))


def load_model(name_or_path: str) -> Model:
    """A zoo name (resnet18) or a spec file (my_net.yaml, .json, .toml)."""
    with _collector_paused():  # a spec becomes many small acyclic objects: the cycle collector only costs time
        return _load(name_or_path)


@contextlib.contextmanager
def _collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(name_or_path: str) -> Model:
    path = pathlib.Path(name_or_path)
    if path.suffix.lower() in FORMATS or path.exists():
        if not path.is_file():
            raise InputError(f"{name_or_path}: no such file")
        data = read_spec(path)
        return build_model(data, path.stem, _includes(data, path.parent, str(path.parent), ()))
    if name_or_path in zoo_names():  # named zoo/NAME.yaml in messages, wherever the package is installed
        data = read_spec(f"zoo/{name_or_path}.yaml", read_from=ZOO / f"{name_or_path}.yaml")
        return build_model(data, name_or_path, _includes(data, ZOO, "zoo", ()))
    import difflib  # here: only a misspelt name needs it

    close = difflib.get_close_matches(name_or_path.lower(), zoo_names(), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; `cnninspect zoo` lists the {len(zoo_names())} models"
    raise InputError(f"unknown model '{name_or_path}' (not a zoo name, not a file){hint}")


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
        raise InputError(f"{where}: 'include' is a list of file names in the spec's folder")
    for name in names:
        if pathlib.PurePath(name).name != name or name.startswith(".") or pathlib.PurePath(name).suffix not in FORMATS:
            raise InputError(f"{where}: include {name!r}: a .yaml, .json or .toml file in the spec's own folder, "
                             f"by its name alone")
        target, file = folder.file(name, where)
        if seen.get(file) is False or name in chain:
            raise InputError(f"{where}: include {name!r} is a cycle ({' → '.join((*chain, name))})")
        if file in seen:  # already read, by this file or another: its blocks are there once
            continue
        if len(chain) >= MAX_INCLUDES:
            raise InputError(f"{where}: include {name!r} nests more than {MAX_INCLUDES} deep")
        if len(seen) >= MAX_INCLUDED_FILES:
            raise InputError(f"{where}: include {name!r}: more than {MAX_INCLUDED_FILES} included files")
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
            raise InputError(f"{where}: include {name!r}: no such file in {self.shown}") from None
        if link and not target.is_relative_to(self._real):
            raise InputError(f"{where}: include {name!r} is a link to a file outside the spec's folder; a spec "
                             f"reads nothing outside its folder")
        if not stat.S_ISREG(status.st_mode):  # a folder, a FIFO (opening it would wait), a device
            raise InputError(f"{where}: include {name!r}: not a regular file")
        return target, (status.st_dev, status.st_ino)
