"""The safe evaluator: what block parameters may compute, and everything it refuses."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cnninspect.core.expr import ExprError, evaluate

NAMES = {"out": 64, "stride": 2, "i": 0, "width": 100, "flag": True}


@pytest.mark.parametrize("text, value", [
    ("out * 4", 256), ("width // 3", 33), ("width % 7", 2), ("-out + 1", -63), ("(out + 1) * 2", 130),
    ("stride if i == 0 else 1", 2), ("stride != 1 or out != 64", True), ("not flag", False),
    ("1 < stride <= 2", True), ("min(out, width)", 64), ("max(1, out // 128)", 1), ("abs(-3)", 3),
    ("out", 64), ("7", 7), ("True", True),
    ("out / 2", 32), ("1 / 10 * 3", Fraction(3, 10)), ("width // 3 / 11", 3),  # `/`: exact ratios
])
def test_allowed(text, value):
    assert evaluate(text, NAMES) == value


@pytest.mark.parametrize("text, fragment", [
    ("out.__class__", "not allowed"),
    ("__import__('os')", "not allowed"),
    ("open('x')", "not allowed"),
    ("(lambda: 1)()", "not allowed"),
    ("[1, 2][0]", "not allowed"),
    ("'a' * 3", "not allowed"),
    ("2 ** 10", "not allowed"),
    ("1.5 * 2", "not allowed"),
    ("width // 0", "division by zero"),
    ("depth * 2", "unknown name 'depth'"),
    ("out *", "cannot parse"),
    ("10 ** 100", "not allowed"),
    ("1000000000 * 1000000000 * 1000000000", "out of range"),
    ("x" * 300, "longer than 200"),
    ("(" * 150 + "1" + ")" * 150, "longer than 200"),
    ("(" * 99 + "1" + ")" * 99, ""),  # deep but legal nesting still evaluates
])
def test_refused(text, fragment):
    if not fragment:
        assert evaluate(text, NAMES) == 1
        return
    with pytest.raises(ExprError, match=fragment.replace("(", r"\(").replace("*", r"\*")):
        evaluate(text, NAMES)


def test_an_integer_field_refuses_a_ratio():
    from cnninspect.core.evaluate import field_value
    from cnninspect.core.layers.base import Field
    from cnninspect.errors import InputError

    assert field_value(Field("float"), "1 / 10 * 3", {}, "p") == 0.3
    with pytest.raises(InputError, match="'out' must be an integer. Received out=7/2$"):  # not Fraction(7, 2)
        field_value(Field("int"), "7 / 2", {}, "out")
