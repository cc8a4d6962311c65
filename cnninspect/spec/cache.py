"""A cache of parsed YAML specs, as Python keeps .pyc files: what `read_spec` made of a text, stored as JSON.

Reading YAML costs the import of PyYAML (about 12 ms: its modules compile regexes at import) and composing the
text; a hit costs reading one small JSON file. There is one entry per spec file, named after its display name and
real path, so the cache grows with the number of files, not with edits. Entries live in a subfolder the cache
makes (SUBFOLDER) and are named spec-<16 hex digits>.json: pruning deletes nothing else, so a cache folder pointed at
a folder of other files never loses one of them. An entry holds the whole text it was made
from and is used only for the same name and the same text, by the same version of this reader. It is data, read
with `json` (never pickle): anything unexpected in it is a miss, never an error. Failures are never cached, so an
error's message is always the parser's own.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from itertools import repeat
from typing import Iterator

from cnninspect import __version__
from cnninspect.core.graph import Loc
from cnninspect.spec import source

FORMAT = 1  # bump when the encoding below changes, or what read_spec returns for a text
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # a 4 MB spec's entry is far smaller; a bigger file was not written by us
SCALARS = (str, int, float, bool, type(None))
MAX_ENTRIES = 2000  # spec files remembered; an entry is a few times its spec's size
SUBFOLDER = "cnninspect-specs"  # in the cache folder: made by the cache, for its entries only
_PREFIX, _SUFFIX, _HEX = "spec-", ".json", frozenset("0123456789abcdef")
_IMPORT_PREFIX = "import-"  # an imported source's spec text (fetch_import, store_import)


def _file_stamp(path: str) -> list[int] | None:
    """When and how big: an edited reader (a working copy, a reinstall) makes its old entries misses."""
    try:
        stat = os.stat(path)
    except (OSError, TypeError):
        return None
    return [stat.st_mtime_ns, stat.st_size]


def _parser_stamp() -> list | None:
    """PyYAML's, found without importing it (a hit never does): another PyYAML may read a text otherwise."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("yaml")
    except (ImportError, ValueError):
        return None
    return _file_stamp(spec.origin) if spec is not None else None


# What must match for an entry to be used, besides its name and text: whatever made the data from the text.
HEADER = {
    "format": FORMAT,
    "cnninspect": __version__,
    "loc_fields": list(Loc._fields),
    "reader": [_file_stamp(source.__file__), _file_stamp(__file__)],
    "parser": _parser_stamp(),
    "python": list(sys.version_info[:3]),  # ints as Python reads them, the limit on their digits included
}


class _Unfit(Exception):
    """Data the encoding cannot carry exactly (a date, a Loc with a path), or an entry of another shape."""


def folder() -> str | None:
    """Where entries live; None when caching is off or there is no home to keep them in."""
    if os.environ.get("CNNINSPECT_NO_CACHE", "0") not in ("", "0"):
        return None
    chosen = os.environ.get("CNNINSPECT_CACHE_DIR")
    if chosen:  # absolute only: a relative one would make a folder in whatever the working directory is
        chosen = os.path.expanduser(chosen)
        return chosen if os.path.isabs(chosen) else None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # XDG says to ignore a relative one
        base = os.path.expanduser(os.path.join("~", ".cache"))
    # Without a home, expanduser leaves "~": better no cache than one in the working directory.
    return os.path.join(base, "cnninspect") if os.path.isabs(base) else None


def _usable(where: str) -> bool:
    """The cache folder and the entries' subfolder in it are both private (see _private)."""
    return _private(where) and _private(os.path.join(where, SUBFOLDER))


def _private(where: str) -> bool:
    """A folder only its owner, this user, can write to: nobody else can plant an entry there. Where the folder does
    not exist yet, store makes it so (mode 0700)."""
    try:
        status = os.stat(where)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    owner = getattr(os, "getuid", lambda: status.st_uid)()  # no owners to compare on Windows
    return stat.S_ISDIR(status.st_mode) and status.st_uid == owner and not status.st_mode & 0o022


def fetch(name: str, read_from: str | os.PathLike, text: str) -> source.Located | None:
    """The data read_spec made of `text` named `name`, if an entry holds it; None otherwise."""
    where = folder()
    if where is None or not _usable(where):
        return None
    try:
        # Non-blocking, then a regular file of a sane size only: a FIFO or a device is a miss, not a wait.
        with open(os.open(_entry_path(where, name, read_from), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)),
                  "rb") as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_ENTRY_BYTES:  # before read() allocates it
                return None
            entry = json.loads(file.read())
        if (type(entry) is not dict or entry.get("name") != name or entry.get("text") != text
                or any(entry.get(key) != value for key, value in HEADER.items())):
            return None
        return _decode(entry.get("data"), entry.get("locations"), name)
    except (OSError, ValueError, TypeError, RecursionError, StopIteration, _Unfit):  # ValueError: bad JSON or UTF-8
        return None


def store(name: str, read_from: str | os.PathLike, text: str, data: source.Located) -> None:
    """Keep what read_spec made of `text`, if it can be kept exactly; silently nothing if the folder is unwritable."""
    where = folder()
    if where is None or not _usable(where):
        return
    try:
        numbers: list[int] = []
        entry = {**HEADER, "name": name, "text": text, "data": _encode(data, name, numbers), "locations": numbers}
        encoded = json.dumps(entry, allow_nan=False, separators=(",", ":")).encode("ascii")
    except (_Unfit, ValueError, RecursionError):  # ValueError: nan or inf (not exact in JSON), or a huge int
        return
    try:
        _write_atomically(where, _entry_path(where, name, read_from), encoded)
        _prune(where)
    except (OSError, ValueError):
        pass


def _prune(where: str) -> None:
    """Entries are per file, and files come and go (specs written to temporary folders): past MAX_ENTRIES, the
    least recently written half goes. Only after a write, that is after a parse, which costs far more. Only the
    cache's own entries are counted and deleted: files named as it names them, in the subfolder it made."""
    with os.scandir(os.path.join(where, SUBFOLDER)) as found:
        kept = [entry for entry in found if _is_entry_name(entry.name) and entry.is_file(follow_symlinks=False)]
    if len(kept) <= MAX_ENTRIES:
        return
    kept.sort(key=lambda entry: entry.stat(follow_symlinks=False).st_mtime_ns)
    for entry in kept[: len(kept) - MAX_ENTRIES // 2]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass


def _is_entry_name(name: str) -> bool:
    """spec-<16 lowercase hex digits>.json (or import-...: an imported source's), as the cache names entries."""
    prefix = _IMPORT_PREFIX if name.startswith(_IMPORT_PREFIX) else _PREFIX
    digits = name[len(prefix):-len(_SUFFIX)]
    return (name.startswith(prefix) and name.endswith(_SUFFIX) and len(digits) == 16
            and _HEX.issuperset(digits))


def _entry_path(where: str, name: str, read_from: str | os.PathLike) -> str:
    """One file per (display name, file): a zoo file is shown as zoo/NAME.yaml, and every Loc carries that name."""
    fingerprint = "%016x" % _fingerprint(f"{name}\0{os.path.abspath(read_from)}")
    return os.path.join(where, SUBFOLDER, f"{_PREFIX}{fingerprint}{_SUFFIX}")


def _fingerprint(text: str) -> int:
    """61 bits of `text`: its bytes as one number, modulo a prime. Not zlib.crc32: importing zlib takes about 0.3 ms,
    as long as decoding an entry. A collision is harmless: an entry's name and text are compared on every read."""
    return int.from_bytes(text.encode("utf-8", "surrogatepass"), "big") % (2**61 - 1)


def _write_atomically(where: str, path: str, content: bytes) -> None:
    """A reader sees the old entry or the new one, never half of one."""
    os.makedirs(where, mode=0o700, exist_ok=True)  # entries hold spec texts: private to their owner
    try:
        os.mkdir(os.path.join(where, SUBFOLDER), mode=0o700)
    except FileExistsError:
        pass
    # A name of this process's own, made without tempfile: its import costs more than the whole write.
    temporary = os.path.join(where, SUBFOLDER, f".{os.getpid()}.{time.monotonic_ns()}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


# The encoding. The data itself is JSON as it stands: a mapping an object (in key order), a list an array, a scalar
# itself. Its locations follow apart, in one flat list of numbers: every Loc of a YAML spec is (the file's display
# name, line, column), so only [line, column, line, column, ...] is written, in this order: a mapping's own
# location, its keys', its values', then its values' own locations, in order; a list's, its items', then theirs.

def _encode(value: object, name: str, numbers: list[int]) -> object:
    if type(value) is source.Located:
        keys = list(value)
        if list(value.key_locs) != keys or list(value.value_locs) != keys:
            raise _Unfit("locations that do not follow the keys")
        for loc in (value.loc, *value.key_locs.values(), *value.value_locs.values()):
            numbers += _encode_loc(loc, name)
        return {key: _encode(item, name, numbers) for key, item in value.items()}
    if type(value) is source.LocatedList:
        if len(value.item_locs) != len(value):
            raise _Unfit("locations that do not follow the items")
        for loc in (value.loc, *value.item_locs):
            numbers += _encode_loc(loc, name)
        return [_encode(item, name, numbers) for item in value]
    if type(value) not in SCALARS:
        raise _Unfit(f"a value of type {type(value).__name__}")
    return value


def _encode_loc(loc: Loc, name: str) -> tuple[int, int]:
    if type(loc) is not Loc or type(loc.line) is not int or type(loc.column) is not int \
            or loc != Loc(name, loc.line, loc.column):
        raise _Unfit(f"a location the encoding does not carry: {loc!r}")
    return loc.line, loc.column


def _decode(data: object, numbers: object, name: str) -> source.Located:
    """The inverse of _encode. Whatever it does not expect raises, and the entry is a miss."""
    if type(data) is not dict or type(numbers) is not list or not set(map(type, numbers)) <= {int}:
        raise _Unfit("an entry of another shape")
    pairs = iter(numbers)
    defaults = Loc(name)[3:]  # what Loc(name, line, column) fills in after the column
    # Loc(name, line, column) for each pair, built as plain tuples: half the time of calling Loc
    locs = map(tuple.__new__, repeat(Loc), zip(repeat(name), pairs, pairs, *map(repeat, defaults)))
    result = _rebuild(data, locs)
    if next(pairs, None) is not None:
        raise _Unfit("more locations than values")
    return result


def _rebuild(node: dict | list, locs: Iterator[Loc]) -> source.Located | source.LocatedList:
    """A decoded JSON mapping or list as Located data, its locations taken from `locs` (StopIteration: too few)."""
    if type(node) is dict:
        result = source.Located(node)
        result.loc = next(locs)
        result.key_locs, result.value_locs = dict(zip(node, locs)), dict(zip(node, locs))
        if len(result.value_locs) != len(node):
            raise _Unfit("fewer locations than values")
        for key, item in node.items():
            if type(item) is dict or type(item) is list:
                result[key] = _rebuild(item, locs)
        return result
    result = source.LocatedList(node)
    result.loc = next(locs)
    result.item_locs = [loc for _, loc in zip(node, locs)]
    if len(result.item_locs) != len(node):
        raise _Unfit("fewer locations than items")
    for index, item in enumerate(node):
        if type(item) is dict or type(item) is list:
            result[index] = _rebuild(item, locs)
    return result


# --- imported sources (cnninspect import, or a source named where a spec goes) -------------------------------
# One entry per source and settings: the spec text the importer wrote, kept with everything that made it (the
# key: the source, its settings and input, the versions of torch and of the library it names, the text of the
# file it names). A hit needs the same key, value for value; a read never imports torch.

def fetch_import(key: dict) -> str | None:
    """The spec text imported for `key`, if an entry holds it."""
    where = folder()
    if where is None or not _usable(where):
        return None
    try:
        with open(os.open(_import_path(where, key), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_ENTRY_BYTES:
                return None
            entry = json.loads(file.read())
        if type(entry) is not dict or entry.get("key") != key or entry.get("cnninspect") != __version__ \
                or entry.get("reader") != HEADER["reader"] or type(entry.get("text")) is not str:
            return None
        return entry["text"]
    except (OSError, ValueError, TypeError, RecursionError):
        return None


def store_import(key: dict, text: str) -> None:
    where = folder()
    if where is None or not _usable(where):
        return
    try:
        encoded = json.dumps({"cnninspect": __version__, "reader": HEADER["reader"], "key": key, "text": text},
                             allow_nan=False, separators=(",", ":")).encode("utf-8")
        _write_atomically(where, _import_path(where, key), encoded)
        _prune(where)
    except (OSError, ValueError, TypeError, RecursionError):
        pass


def _import_path(where: str, key: dict) -> str:
    fingerprint = "%016x" % _fingerprint(json.dumps(key, sort_keys=True))
    return os.path.join(where, SUBFOLDER, f"{_IMPORT_PREFIX}{fingerprint}{_SUFFIX}")
