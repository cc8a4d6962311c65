"""`check --baseline REV --max-growth MEASURE=N%`: each spec file against itself at a git revision (spec/revision.py),
its totals allowed to grow by at most N% (core/budget.py `growth`). The revision is checked for every file before
any spec is: an unknown revision, a file outside git, a zoo model are one located line and exit status 2."""

from __future__ import annotations

from cnninspect.errors import InputError
from cnninspect.inert import inert


class Baseline:
    def __init__(self, rev: str | None, growth: tuple[str, ...]) -> None:
        from cnninspect.core.budget import from_growth

        self.rev = rev
        self.expectations = from_growth(growth, rev)
        self.commits: dict[str, tuple] = {}  # file -> (its repository, the commit REV names there)

    def checked(self, entries: list[tuple[str, str | None, str]]) -> list[tuple[str, str | None, str]]:
        """check's entries (name, file, error), each file's repository and commit found first."""
        if not self.expectations:
            return entries
        from cnninspect.spec.load import resolve
        from cnninspect.spec.revision import Repository

        for name, file, error in entries:
            if error:
                continue
            if file is None and resolve(name)[0] != "file":
                raise InputError(f"--baseline reads spec files from git; {inert(name)!r} is "
                                 f"{'standard input' if name == '-' else 'a zoo model'}", where=f"--baseline {self.rev}")
            repo = Repository(file or name, "--baseline")
            self.commits[file or name] = (repo, repo.commit(self.rev))
        return entries

    def findings(self, file: str | None, summary, shape, arguments) -> tuple:
        """The growth findings for one spec (none without --baseline)."""
        if not self.expectations:
            return ()
        from cnninspect.core.budget import growth
        from cnninspect.core.engine import analyze
        from cnninspect.core.summary import summarize
        from cnninspect.spec.revision import load_committed

        repo, commit = self.commits[file]
        old = load_committed(repo, commit, self.rev, missing_ok=True)
        before = (summarize(analyze(old, shape or old.input, arguments), summary.batch, summary.dtype)
                  if old is not None else None)
        return tuple(growth(before, summary, e) for e in self.expectations)
