"""The divisibility lint's verdict on a layer, decided here once (docs/conventions.md, "The divisibility lint").

`!` (NEVER_READ): some real input position is never read — after the last window (the division floors it away)
or between windows (a stride longer than the window). `~` (PADDING_ONLY): the division is not exact but only
padding is left unread, or a ceil-mode window is partial. "" (EXACT): every division exact, nothing skipped.
The summary's Lint column, its lint section, check's no_lint_warnings, compare's inexact layers in a sweep, the
shape command's coverage word, the diagrams and the report all read the verdict from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from cnninspect.core.coverage import Coverage

NEVER_READ = "!"
PADDING_ONLY = "~"
EXACT = ""


def verdict(covers: Iterable["Coverage"]) -> str:
    """The verdict on the coverages of one layer's axes."""
    covers = tuple(covers)
    if any(c.unused_input or c.gap for c in covers):
        return NEVER_READ
    if any(not c.exact for c in covers):
        return PADDING_ONLY
    return EXACT


def mark(row) -> str:
    """The verdict on an analysis row (a Row: its `coverage`, one per axis of each window)."""
    return verdict(row.coverage)


def never_reads(row) -> bool:
    """The lint's warning: the layer never reads some of its input."""
    return mark(row) == NEVER_READ
