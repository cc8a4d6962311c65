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
    """The files a spec includes, and theirs, depth first: each a plain file name in the spec's own folder whose
    real path (links followed) is in that folder too, so a spec reads nothing outside it; no cycles. A file
    included twice (a diamond: A includes B and C, both include D) is read once and gives its blocks once."""
    seen: dict[pathlib.Path, bool] = {}  # real path -> done (False while its own includes are being read)
    found: list = []
    _include(data, folder, folder.resolve(), shown, chain, seen, found)
    return tuple(found)


def _include(data, folder: pathlib.Path, real_folder: pathlib.Path, shown: str, chain: tuple[str, ...],
             seen: dict, found: list) -> None:
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
        real = _real(folder / name, real_folder, name, shown, where)
        if seen.get(real) is False or name in chain:
            raise InputError(f"{where}: include {name!r} is a cycle ({' → '.join((*chain, name))})")
        if real in seen:  # already read, by this file or another: its blocks are there once
            continue
        if len(chain) >= MAX_INCLUDES:
            raise InputError(f"{where}: include {name!r} nests more than {MAX_INCLUDES} deep")
        if len(seen) >= MAX_INCLUDED_FILES:
            raise InputError(f"{where}: include {name!r}: more than {MAX_INCLUDED_FILES} included files")
        seen[real] = False
        family = read_spec(name if shown in ("", ".") else f"{shown}/{name}", read_from=real)
        _include(family, folder, real_folder, shown, (*chain, name), seen, found)
        seen[real] = True
        found.append(family)


def _real(target: pathlib.Path, real_folder: pathlib.Path, name: str, shown: str, at) -> pathlib.Path:
    """The include's real path: a regular file in the spec's real folder (or below it), links followed."""
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a dangling link, or a loop of links
        raise InputError(f"{at}: include {name!r}: no such file in {shown}") from None
    if not real.is_relative_to(real_folder):
        raise InputError(f"{at}: include {name!r} is a link to a file outside the spec's folder; a spec reads "
                         f"nothing outside its folder")
    if not real.is_file():
        raise InputError(f"{at}: include {name!r}: not a regular file")
    return real
