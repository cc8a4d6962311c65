"""Text that fits a terminal's width, and what a table leaves out to fit it. A number is never cut: prose wraps
between words (a number keeps its unit), a path or a name is shortened in its middle (`features.…layer16.conv2`),
a table drops whole columns or splits into several. Widths are counted in terminal cells, as the tables count
them (a wide character two)."""

from __future__ import annotations

import re
import textwrap

ELLIPSIS = "…"
_UNIT = re.compile(r"(?<=\d) (?=(?:[kMGT]B?|B|ms|GFLOP/s|samples/s)(?![\w/]))")  # '3.21 MB', '1.81 G': one word
_GLUE = "\u00a0"  # not a break for textwrap (it splits at ASCII whitespace only)


def cells(text: str) -> int:
    """The terminal cells a text takes."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def shorten(text: str, width: int, share: int = 4) -> str:
    """The text itself if it fits `width` cells, else 1/`share` of them from its start and the rest from its end
    around an ellipsis. A path keeps a quarter (its leaf and the indices before it say most):
    'features.denseblock3.denselayer24.conv2' in 31 → 'feature…ock3.denselayer24.conv2'; a name half."""
    if cells(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    head = (width - 1) // share
    if text.isascii():
        return text[:head] + ELLIPSIS + text[len(text) - (width - 1 - head):]
    start = _take(text, head)
    return start + ELLIPSIS + _take(text[::-1], width - 1 - cells(start))[::-1]


def _take(text: str, width: int) -> str:
    """The longest start of `text` within `width` cells."""
    taken, used = [], 0
    for char in text:
        used += cells(char)
        if used > width:
            break
        taken.append(char)
    return "".join(taken)


def wrap(line: str, width: int | None) -> list[str]:
    """A line of prose in lines of at most `width` cells, broken between words only, continued under its text
    (`memory       parameters ...` under `parameters`; `  ! not exact ...` under `not`; else two spaces in). A word
    longer than the width stays whole."""
    if width is None or cells(line) <= width:
        return [line]
    indent = " " * hanging(line)
    glued = _UNIT.sub(_GLUE, line)
    lead = len(glued) - len(glued.lstrip(" "))
    wrapper = textwrap.TextWrapper(width=width, initial_indent=" " * lead, subsequent_indent=indent,
                                   break_long_words=False, break_on_hyphens=False, drop_whitespace=True)
    return [part.replace(_GLUE, " ") for part in wrapper.wrap(glued[lead:])] or [line]


def hanging(line: str) -> int:
    """Where a wrapped line's continuation starts: under the text after a label and its run of spaces (the
    totals), two past a line's own indentation and its mark (`  ! ...`), else two spaces in."""
    label = re.match(r"[^\s].*?\S {2,}(?=\S)", line)
    if label and label.end() <= 24:
        return label.end()
    mark = re.match(r"( +)\S ", line)
    if mark:
        return len(mark.group(0))
    return 2


def table_width(widths: list[int], gap: int = 3, margin: int = 1) -> int:
    """A table's line: its columns `gap` apart behind `margin` spaces."""
    return margin + sum(widths) + gap * (len(widths) - 1)


def blocks(label: int, widths: list[int], width: int, gap: int = 3, margin: int = 1) -> list[list[int]]:
    """The columns in order, in as few tables as fit `width`, each repeating the label column (`label` cells wide),
    as evenly filled as they can be (7 columns in 2 tables: 4 and 3, not 6 and 1). A column wider than the width
    on its own takes a table of its own."""
    groups: list[list[int]] = [[]]
    for index, column in enumerate(widths):
        if groups[-1] and table_width([label, *(widths[i] for i in groups[-1]), column], gap, margin) > width:
            groups.append([])
        groups[-1].append(index)
    per = -(-len(widths) // len(groups))
    even = [list(range(start, min(start + per, len(widths)))) for start in range(0, len(widths), per)]
    if len(even) == len(groups) and all(table_width([label, *(widths[i] for i in g)], gap, margin) <= width
                                        for g in even):
        return even
    return groups


def columns_text(names: list[str]) -> str:
    """'Jump', 'Jump and RF', 'Jump, RF and Memory'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def prose(lines: list[str], width: int | None) -> list[str]:
    """Lines of text wrapped to `width` (None: as they are)."""
    return lines if width is None else [part for line in lines for part in wrap(line, width)]


def narrowed_table(head: tuple[str, ...], keep: list[int], narrowed: dict[int, int], width: int,
                   share: dict[str, int], shortened: dict[str, str]):
    """(cut, note) for a table fitted by leaving columns out (those not in `keep`) and shortening some text columns
    to {column: cells}: `cut(row)` is a row as shown, `note` says what went and where to see it all."""

    def cut(row: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(shorten(row[i], narrowed[i], share[head[i]]) if i in narrowed else row[i] for i in keep)

    dropped = [name for index, name in enumerate(head) if index not in keep]
    what = [f"{columns_text(dropped)} left out"] if dropped else []
    if narrowed:
        what.append(f"{columns_text([shortened[head[i]] for i in sorted(narrowed)])} shortened (…)")
    return cut, f"to fit {width} columns: {' and '.join(what)}; --format markdown or a wider terminal shows them"
