"""Text that came from a file or a flag, made inert before it is printed.

A spec's names, keys, model name, source and file names are data. Printed raw they could move the cursor, clear
the screen, set a window title or a hyperlink (escape sequences), forge extra lines in a one-line error
(newlines), or fail to print at all (a lone surrogate). `inert` spells every such character as a visible escape
(`\\x1b`, `\\n`, `\\u202e`), so the text reads as what it is, on one line, in any encoding that has ASCII.
The format-specific helpers add what their format needs on top: CSV's formula cells, XML's forbidden characters.
"""

from __future__ import annotations

import re

# Control characters (C0, DEL, C1), lone surrogates, the line and paragraph separators, bidirectional and other
# invisible format characters, and the noncharacters U+FFFE/U+FFFF (invalid in XML): never printed as themselves.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]|[^\x00-\u00ff]")


def inert(text: object) -> str:
    """`text` with every control, format, surrogate or noncharacter code point spelt as an escape."""
    text = str(text)
    if text.isascii() and text.isprintable():  # the common case: nothing to do
        return text
    return _UNSAFE.sub(_escape, text)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match[0]
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code >= 0x100 and not (0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF, 0x2028, 0x2029)):
        import unicodedata  # here: only text beyond Latin-1 needs it

        if unicodedata.category(char) not in ("Cf", "Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
            return char  # an ordinary letter, digit, symbol or space: printed as itself
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: object) -> str:
    """An inert text cell that a spreadsheet will not run as a formula (OWASP: a leading ' keeps it text)."""
    text = inert(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")


def markdown_text(text: object) -> str:
    """Inert text for a markdown document or table cell: markdown and HTML punctuation backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", inert(text))
