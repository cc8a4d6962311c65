"""A spec file as it was at a git revision (`diff FILE --rev REV`, `check --baseline REV`): read with `git`, from the
repository that holds the file, its includes read at that revision too, by the loader's own rules (spec/load.py).

The file and its includes are named `REV:FILE` in messages (`main:configs/_family.yaml:12:7: ...`). Every failure is
an InputError: git missing, the file outside a repository, a revision git does not know, the file absent there.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import tempfile

from cnninspect.core.graph import Loc, Model
from cnninspect.errors import InputError
from cnninspect.inert import inert
from cnninspect.spec.source import MAX_BYTES

TIMEOUT_S = 30  # one git command; a repository on a dead network drive must not hang a CI job


class Repository:
    """The git repository holding a file, and the file's path in it (as git names it: '/'-separated)."""

    def __init__(self, file: str, option: str = "--rev") -> None:
        self.file, self.option = file, option
        path = pathlib.Path(file)
        if not path.is_file():
            raise InputError("no such file" if not path.exists()
                             else f"not a regular file ({option} reads a file's history from git)", where=inert(file))
        folder = str(path.absolute().parent)
        outside = InputError(f"not in a git repository ({option} reads the file at a revision from git)",
                             where=inert(file))
        top = self._git(["rev-parse", "--show-toplevel"], folder, outside).decode("utf-8", "surrogateescape")
        self.top = top.rstrip("\n")
        real = pathlib.Path(os.path.realpath(path))
        try:
            self.path = real.relative_to(os.path.realpath(self.top)).as_posix()
        except ValueError:
            raise InputError(f"outside the git repository at {inert(self.top)}", where=inert(file)) from None

    def commit(self, rev: str) -> str:
        """The commit `rev` names; refused when git knows no such revision."""
        if not rev or rev.startswith("-") or "\n" in rev or "\0" in rev:
            raise InputError(f"not a revision: {inert(rev)!r}", where=f"{self.option} {inert(rev)}")
        found = self._git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], self.top,
                          None, where=f"{self.option} {inert(rev)}",
                          unknown=f"unknown revision in the repository at {inert(self.top)}")
        return found.decode("ascii").strip()

    def show(self, commit: str, path: str, rev: str) -> bytes | None:
        """A file's bytes at `commit` (None when it is not there); refused past the spec size limit."""
        listed = self._git(["ls-tree", "-z", "-l", "--full-tree", commit, "--", path], self.top, None,
                           where=f"{self.option} {inert(rev)}")
        if not listed:
            return None
        meta, _, _ = listed.partition(b"\t")
        mode, kind, blob, size = meta.split()
        if kind != b"blob":
            return None
        if int(size) > MAX_BYTES:
            raise InputError(f"larger than {MAX_BYTES // 2**20} MiB; a spec is smaller", loc=Loc(f"{rev}:{path}"))
        data = self._git(["cat-file", "blob", blob.decode("ascii")], self.top, None,
                         where=f"{self.option} {inert(rev)}")
        return data if mode != b"120000" else self._link(commit, path, data, rev)

    def _link(self, commit: str, path: str, target: bytes, rev: str) -> bytes | None:
        """A link in the tree: followed within the spec's folder only, as the loader follows a link."""
        name = target.decode("utf-8", "surrogateescape")
        folder = path.rpartition("/")[0]
        if "/" in name or name in ("", ".", ".."):
            raise InputError(f"{inert(rev)}:{inert(path)} is a link to a file outside the spec's folder; a spec "
                             f"reads nothing outside its folder")
        return self.show(commit, f"{folder}/{name}" if folder else name, rev)

    def _git(self, args: list[str], cwd: str, failure: InputError | None, where: str | None = None,
             unknown: str = "") -> bytes:
        try:
            done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=TIMEOUT_S,
                                  env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
        except FileNotFoundError:
            raise InputError(f"git is not installed ({self.option} reads files from git)", where=where) from None
        except subprocess.TimeoutExpired:
            raise InputError(f"git took more than {TIMEOUT_S} s", where=where) from None
        if done.returncode:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            if failure is not None and (not said or "not a git repository" in said[-1]):
                raise failure
            if unknown and not said:  # rev-parse --quiet says nothing of a revision it does not know
                raise InputError(unknown, where=where)
            raise InputError(f"git: {inert(said[-1]) if said else 'failed'}", where=where)
        return done.stdout


def load_at(file: str, rev: str, option: str = "--rev") -> Model:
    """The spec `file` as it was at `rev`; its includes read at `rev` too, from the same folder."""
    repo = Repository(file, option)
    return load_committed(repo, repo.commit(rev), rev)


def load_committed(repo: Repository, commit: str, rev: str, missing_ok: bool = False) -> Model | None:
    """The spec at `commit`; where the file is not there, None if `missing_ok`, else an InputError."""
    from cnninspect.spec.build import build_model
    from cnninspect.spec.load import _include
    from cnninspect.spec.source import read_spec

    data = repo.show(commit, repo.path, rev)
    if data is None and missing_ok:
        return None
    if data is None:
        raise InputError(f"{inert(repo.file)} does not exist at {inert(rev)}", where=f"{repo.option} {inert(rev)}")
    shown = f"{rev}:{repo.file}"
    spec = read_spec(shown, _text(data, shown))
    folder_shown = f"{rev}:{os.path.dirname(repo.file) or '.'}"
    with tempfile.TemporaryDirectory(prefix="cnninspect-rev-") as scratch:
        found: list = []
        _include(spec, _CommittedFolder(repo, commit, rev, scratch, folder_shown), (), {}, found)
        return build_model(spec, pathlib.Path(repo.file).stem, tuple(found))


def _text(data: bytes, name: str) -> str:
    if b"\0" in data:
        raise InputError("not a text file (it holds NUL bytes)", loc=Loc(name))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 (byte {error.start})", loc=Loc(name)) from None


class _CommittedFolder:
    """The spec's folder at a commit, as the loader's include walk (spec/load.py `_include`) asks for it: each
    included file is read from git into a scratch folder, where the loader reads it."""

    def __init__(self, repo: Repository, commit: str, rev: str, scratch: str, shown: str) -> None:
        self.repo, self.commit, self.rev, self.scratch, self.shown = repo, commit, rev, scratch, shown
        self.folder = repo.path.rpartition("/")[0]

    def file(self, name: str, where) -> tuple[pathlib.Path, tuple[str, str]]:
        path = f"{self.folder}/{name}" if self.folder else name
        data = self.repo.show(self.commit, path, self.rev)
        if data is None:
            raise InputError(f"include {name!r}: no such file in {self.shown}", loc=where)
        target = pathlib.Path(self.scratch) / name
        target.write_bytes(data)
        return target, ("git", path)
