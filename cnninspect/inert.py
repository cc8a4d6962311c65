"""Text that came from a file or a flag, made inert before it is printed.

A spec's names, keys, model name, source and file names are data. Printed raw they could move the cursor, clear
the screen, set a window title or a hyperlink (escape sequences), forge extra lines in a one-line error
(newlines), reorder what a reader sees (bidirectional overrides), or fail to print at all (a lone surrogate).
`inert` spells every such character as a visible escape (`\\x1b`, `\\n`, `\\u202e`), so the text reads as what
it is, on one line, in any encoding that has ASCII. It is idempotent: its output contains nothing it would spell.
The format-specific helpers add what their format needs on top: a spreadsheet's formula cells, markdown's
punctuation, JSON's exact escapes. (XML needs nothing more: every character XML forbids is spelt.)
"""

from __future__ import annotations

import re
import unicodedata

# Candidates: control characters (C0, DEL, C1), the soft hyphen, lone surrogates, the line and paragraph
# separators, the noncharacters U+FFFE/U+FFFF (forbidden in XML), and everything beyond Latin-1, of which
# `_unsafe` keeps only the invisible: format (bidi, zero-width), unassigned and private-use code points.
_CANDIDATE = re.compile("[\x00-\x1f\x7f-\x9f\xad\u2028\u2029\ud800-\udfff\ufffe\uffff]|[^\x00-\u00ff]")
_INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _unsafe(char: str) -> bool:
    return ord(char) <= 0xFF or unicodedata.category(char) in _INVISIBLE


def _spell(match: re.Match) -> str:
    char = match[0]
    if not _unsafe(char):
        return char  # an ordinary letter, digit, symbol or space beyond Latin-1: printed as itself
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def inert(text: object) -> str:
    """`text` on one line, with every control, format, surrogate or noncharacter code point spelt as an escape."""
    text = str(text)
    if text.isprintable():  # the common case: Python calls every character `_unsafe` spells unprintable
        return text
    return _CANDIDATE.sub(_spell, text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: object) -> str:
    """An inert text cell that a spreadsheet will not run as a formula (OWASP: a leading ' keeps it text).
    Spaces before the formula character do not hide it: some spreadsheets trim them."""
    text = inert(text)
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text


# Markdown and HTML punctuation; `_` only where it could start or end emphasis: not between two letters or digits
# (CommonMark never reads `inception_v3`'s underscore as emphasis, so ordinary names print as they are).
_MARKDOWN_SPECIAL = re.compile(r"[\\`*{}\[\]<>|~&]|(?<![^\W_])_|_(?![^\W_])")
_MARKDOWN_LINE_START = ("#", "+", "-", "=")  # a heading, a list item, a setext underline at a line's start


def markdown_text(text: object) -> str:
    """Inert text for a markdown document or table cell: markdown and HTML punctuation backslash-escaped
    (`&` too: an entity such as `&#x202e;` would bring back what `inert` spelt)."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\g<0>", inert(text))
    return "\\" + text if text.startswith(_MARKDOWN_LINE_START) else text


def _json_escape(match: re.Match) -> str:
    char = match[0]
    if not _unsafe(char):
        return char
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: JSON spells a UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_string(text: str) -> str:
    """`text` as a JSON string literal that parses back to exactly `text`, with every character `inert` would
    spell written as a \\u escape: valid JSON (a lone surrogate too) that shows nothing raw on a terminal."""
    from json.encoder import encode_basestring  # here: every run imports this module, few write JSON

    quoted = encode_basestring(text)  # escapes the quote, the backslash and C0; leaves the rest raw
    if quoted.isprintable():
        return quoted
    return _CANDIDATE.sub(_json_escape, quoted)
