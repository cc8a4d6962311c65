"""cnninspect/inert.py: text from files and flags spelt so that it prints as what it is, in every format."""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from json.encoder import encode_basestring

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnninspect.inert import csv_cell, inert, json_string, markdown_text
from cnninspect.render.jsonfmt import dumps

INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)  # surrogates included


@pytest.mark.parametrize("raw, spelt", [
    ("\x1b[2J", "\\x1b[2J"),  # clear screen
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),  # window title
    ("\x1b]8;;http://x\x1b\\a\x1b]8;;\x1b\\", "\\x1b]8;;http://x\\x1b\\a\\x1b]8;;\\x1b\\"),  # OSC 8 hyperlink
    ("a\nb\rc\td", "a\\nb\\rc\\td"),
    ("\x00\x7f\x9b\xad", "\\x00\\x7f\\x9b\\xad"),  # NUL, DEL, CSI (C1), soft hyphen
    ("\u2028\u2029", "\\u2028\\u2029"),  # line and paragraph separators
    ("abc\u202edef", "abc\\u202edef"),  # right-to-left override
    ("\u200b\ufeff\u2066", "\\u200b\\ufeff\\u2066"),  # zero-width space, BOM, isolate
    ("\ud800\udc80", "\\ud800\\udc80"),  # lone surrogates
    ("\ufffe\uffff", "\\ufffe\\uffff"),  # noncharacters, forbidden in XML
    ("\ue000", "\\ue000"),  # private use
    ("\U000e0001", "\\U000e0001"),  # a tag character, beyond the BMP
])
def test_unsafe_characters_are_spelt(raw, spelt):
    assert inert(raw) == spelt


@pytest.mark.parametrize("text", ["resnet18", "layer1.0.conv1", "[/x] [link=http://x] :skull:", "café Ωμέγα 日本語",
                                  "✓ ✗ × ≤ ⌈n/s⌉ — █▏", "😀", "a b\u00a0c"])
def test_ordinary_text_prints_as_itself(text):
    assert inert(text) == text


def test_anything_is_turned_into_text():
    assert inert(3) == "3" and inert(None) == "None"


@given(ANY_TEXT)
def test_inert_text_is_one_safe_line_and_inert_is_idempotent(text):
    spelt = inert(text)
    assert not any(unicodedata.category(c) in INVISIBLE for c in spelt)
    spelt.encode("utf-8")  # no lone surrogate left
    assert inert(spelt) == spelt


@given(ANY_TEXT)
def test_json_string_is_exact_and_shows_nothing_raw(text):
    literal = json_string(text)
    assert json.loads(literal) == text
    assert not any(unicodedata.category(c) in INVISIBLE for c in literal)
    literal.encode("utf-8")


@pytest.mark.parametrize("text", ["resnet18", "a \"quoted\" \\ name", "✓ café 日本語", "tab\tnew\nline"])
def test_json_string_is_the_standard_encoding_for_ordinary_text(text):
    assert json_string(text) == encode_basestring(text)


def test_json_string_spells_beyond_the_bmp_as_a_surrogate_pair():
    assert json_string("\U000e0001") == '"\\udb40\\udc01"'
    assert json_string("\u202e\udc80\x9b") == '"\\u202e\\udc80\\u009b"'


def test_the_json_writer_refuses_what_json_is_not():
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            dumps({"x": value})
    with pytest.raises(TypeError):
        dumps({"x": object()})
    assert json.loads(dumps({"t": (1, "\udc80"), "e": {}, "f": 0.5})) == {"t": [1, "\udc80"], "e": {}, "f": 0.5}


@pytest.mark.parametrize("text, cell", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1", "'+1"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("  =1+1", "'  =1+1"),
    ("\t=1", "\\t=1"), ("\r=1", "\\r=1"),  # spelt: the cell starts with a backslash
    ("a=b", "a=b"), ("resnet18", "resnet18"),
])
def test_csv_cells_never_start_a_formula(text, cell):
    assert csv_cell(text) == cell


@given(ANY_TEXT)
def test_csv_cells_read_back_as_one_cell_that_is_not_a_formula(text):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([csv_cell(text), "next"])
    assert out.getvalue().count("\n") == 1
    first, second = next(csv.reader(io.StringIO(out.getvalue())))
    assert second == "next" and not first.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("text, escaped", [
    ("a|b", "a\\|b"), ("[x](http://y)", "\\[x\\](http://y)"), ("<img src=x>", "\\<img src=x\\>"),
    ("&#x202e;", "\\&#x202e;"), ("*bold* `code` ~s~", "\\*bold\\* \\`code\\` \\~s\\~"),
    ("_em_ __init__", "\\_em\\_ \\_\\_init\\_\\_"), ("inception_v3", "inception_v3"),
    ("# title", "\\# title"), ("- item", "\\- item"), ("a\\b", "a\\\\b"), ("\x1b[2J", "\\\\x1b\\[2J"),
])
def test_markdown_text_escapes_what_markdown_or_html_would_read(text, escaped):
    assert markdown_text(text) == escaped


def test_the_fast_path_is_sound():
    """`inert` and `json_string` return text Python calls printable unchanged: that holds only because every code
    point they spell is unprintable to Python. Checked over all of Unicode (this Python's database)."""
    import sys

    from cnninspect.inert import _CANDIDATE, _unsafe

    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    spelt = [c for c in _CANDIDATE.findall(everything) if _unsafe(c)]
    assert len(spelt) > 100_000 and not any(c.isprintable() for c in spelt)
