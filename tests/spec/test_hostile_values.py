"""Hostile values on the command line, and the pieces that read and spell values, refused as the bad-spec corpus
is (tests/spec/test_bad_specs.py): exit status 2, one line on stderr naming the flag, no traceback, in under a
second and in bounded memory.

Text that passes str.isdigit() is not an integer for all that: '²' makes int() raise, '٣' (an Arabic-Indic
three) and '1_000' are read by int() and float() though nobody writes a size so; 5,000 digits make int() raise.
Integers are read in ASCII digits by one function (cnninspect.parse.read_int), and every number a spec or a flag
gives is within ±10^18. Values in messages are spelt as the user writes them (7/2, true, null, 2001-01-01).
"""

from __future__ import annotations

import pathlib
from fractions import Fraction

import pytest

from cnninspect.core.expr import ExprError, evaluate
from cnninspect.errors import InputError
from cnninspect.parse import parse_int, read_int
from cnninspect.render.figures import human, size
from cnninspect.spell import spell
from tests.cli_support import bounded_refusal

ROOT = pathlib.Path(__file__).parent.parent.parent
SPEC = str(ROOT / "examples" / "tiny_net.yaml")  # args: num_classes, width
DIGITS = "9" * 5000

FLAGS = [
    (["summary", SPEC, "--input", "²x3"], "--input: expected an integer"),
    (["summary", SPEC, "--input", "3x" + DIGITS], "--input: numbers have at most 18 digits"),
    (["summary", SPEC, "--input", "３x32x32"], "--input: expected an integer"),  # fullwidth digit three
    (["summary", SPEC, "--input", "3x٣2x32"], "--input: expected an integer"),
    (["summary", SPEC, "--set", "width=--5"], "--set: a value is true, false or a number. Received 'width=--5'"),
    (["summary", SPEC, "--set", "width=²"], "--set: a value is true, false or a number"),
    (["summary", SPEC, "--set", "width=٣"], "--set: a value is true, false or a number"),
    (["summary", SPEC, "--set", "width=1_000"], "--set: a value is true, false or a number"),
    (["summary", SPEC, "--set", "width=nan"], "--set: a value is true, false or a number"),
    (["summary", SPEC, "--set", "width=" + DIGITS], "--set: a number is within ±10^18"),
    (["summary", SPEC, "--set", "width=-" + "1" + "0" * 30], "--set: a number is within ±10^18"),
    (["summary", SPEC, "--set", "width=1e400"], "--set: a number is within ±10^18"),
    (["summary", SPEC, "--set", "width=1e19"], "--set: a number is within ±10^18"),
    (["check", SPEC, "--set", "width=²"], "--set: a value is true, false or a number"),
    (["compare", SPEC, "--input", "3x²", "--input", "3x32x32"], "--input: expected an integer"),
    (["shape", "--n", "²", "--f", "3"], "--n: expected an integer"),
    (["shape", "--n", DIGITS, "--f", "3"], "--n: numbers have at most 18 digits"),
    (["shape", "--n", "224", "conv:²"], "step 1 'conv:²': expected an integer"),
    pytest.param(["compare", SPEC, "--sweep", "1:²:1"], "--sweep", id="sweep-superscript"),
    pytest.param(["compare", SPEC, "--sweep", f"1:{DIGITS}:1"], "--sweep", id="sweep-5000-digits"),
]


@pytest.mark.parametrize("args, fragment", FLAGS, ids=lambda v: spell(v[1:]) if isinstance(v, list) else "")
def test_a_hostile_flag_gets_one_line_and_exit_2(args, fragment):
    assert len(bounded_refusal(args, fragment)) < 400  # the 5,000 digits are not echoed back


@pytest.mark.parametrize("text, value", [("224", 224), (" -3 ", -3), ("+5", 5), ("9" * 18, 10**18 - 1),
                                         ("²", None), ("٣", None), ("３", None), ("1_000", None), ("--5", None),
                                         ("", None), ("9" * 19, None), (DIGITS, None), ("0x10", None), ("1.0", None)])
def test_read_int_takes_ascii_digits_only(text, value):
    assert read_int(text) == value


def test_parse_int_names_the_flag_and_says_why():
    assert parse_int("12", "--sweep") == 12
    with pytest.raises(InputError) as caught:
        parse_int("²", "--sweep", "START:STOP:STEP")
    assert str(caught.value) == "--sweep: expected START:STOP:STEP. Received '²'"
    with pytest.raises(InputError) as caught:
        parse_int(DIGITS, "--sweep")
    assert caught.value.message.startswith("numbers have at most 18 digits. Received '9999")
    assert len(caught.value.message) < 120


@pytest.mark.parametrize("value, text", [
    (Fraction(7, 2), "7/2"), (Fraction(4), "4"), (2.3, "2.3"), (1e200, "1e+200"), (float("nan"), "nan"),
    (True, "true"), (False, "false"), (None, "null"), ([1, [2, None]], "[1, [2, null]]"), ((16, 32), "[16, 32]"),
    ({"a": 1, "b": [True]}, "{a: 1, b: [true]}"), ("same", "'same'"), ("a\x1b]0;x\x07", "'a\\x1b]0;x\\x07'"),
    (10**199, "100000000000...(200 digits)"), (-(10**5000), "-a number of about 5001 digits"),
], ids=lambda v: spell(v) if not isinstance(v, str) else None)
def test_a_value_is_spelt_as_a_spec_writes_it(value, text):
    assert spell(value) == text


def test_dates_are_spelt_as_written():
    import datetime

    assert spell(datetime.date(2001, 1, 1)) == "2001-01-01"
    assert spell(datetime.datetime(2001, 1, 1, 10, 30)) == "2001-01-01T10:30:00"
    assert spell(datetime.time(10, 0)) == "10:00:00"


def test_a_long_value_is_cut_short():
    assert spell(list(range(100))) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...]"
    assert len(spell("x" * 1000)) == 60


@pytest.mark.parametrize("text, names, fragment", [
    ("b > 2", {"b": (1, 2)}, "'b' (which is [1, 2]) is not a number: < <= > >= compare numbers"),
    ("2 <= b", {"b": None}, "'b' (which is null) is not a number"),
    ("p >= 1", {"p": "same"}, "'p' (which is 'same') is not a number"),
    ("p < 1", {"p": float("nan")}, "'p' (which is nan) is not a number"),
    ("1 < b < 3", {"b": (1,)}, "'b' (which is [1]) is not a number"),
    ("b + 1", {"b": (1, 2)}, "'b' (which is [1, 2]) is not a number"),
])
def test_only_numbers_are_ordered(text, names, fragment):
    with pytest.raises(ExprError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]").replace("+", r"\+")):
        evaluate(text, names)


def test_equality_compares_any_two_values():
    assert evaluate("b == 1", {"b": (1, 2)}) is False and evaluate("p != 0", {"p": "same"}) is True
    assert evaluate("p < 1", {"p": 0.5}) is True and evaluate("r > 1", {"r": 1.5}) is True


@pytest.mark.parametrize("value, text", [
    (1_814_073_344, "1.81 G"), (7_525_000, "7.53 M"), (999, "999"), (-1_234_567, "-1.23 M"),
    (10**400, "10" + ",000" * 129 + ".00 T"), (2.5e9, "2.50 G"),
])
def test_human_units_never_pass_a_huge_integer_through_a_float(value, text):
    assert human(value) == text


def test_sizes_of_any_magnitude():
    assert size(1_234_567) == "1.23 MB" and size(5_000) == "5.00 kB" and size(4_999) == "5.00 kB"
    assert size(10**400) == "10" + ",000" * 129 + ".00 TB"
