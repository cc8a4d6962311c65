"""The safe evaluator: what spec expressions may compute — exactly what Python computes, with Python itself as
the oracle — and everything it refuses."""

from __future__ import annotations

import math
import struct

import pytest

from cnninspect.core.expr import MAX_LIST, MAX_STEPS, ExprError, Helper, evaluate

NAMES = {"out": 64, "stride": 2, "i": 0, "width": 100, "flag": True, "w_m": 2.09, "w_a": 27.89, "w_0": 48,
         "stages": ((1, 16, 1, 1), (6, 24, 2, 2), (6, 40, 2, 2)), "depth_mult": 1.2, "p": 0.2}


def _float32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


PYTHON = {**NAMES, "ceil": math.ceil, "floor": math.floor, "sqrt": math.sqrt, "log": math.log,
          "float32": _float32, "__builtins__": {"min": min, "max": max, "abs": abs, "round": round, "int": int,
                                                "float": float, "sum": sum, "len": len, "range": range,
                                                "pow": pow}}
SAME_AS_PYTHON = [
    "out * 4", "width // 3", "width % 7", "-out + 1", "(out + 1) * 2", "stride if i == 0 else 1",
    "stride != 1 or out != 64", "not flag", "1 < stride <= 2", "min(out, width)", "max(1, out // 128)", "abs(-3)",
    "out", "7", "True", "out / 2", "1 / 10 * 3", "width // 3 / 11", "p * 5 / 16", "0.2 * 5 / 16",
    # floats as Python computes them: RegNet's quantized widths, EfficientNet's depths
    "round(log((3 * w_a + w_0) / w_0) / log(w_m))", "round(w_0 * w_m ** 2 / 8) * 8", "int(ceil(3 * depth_mult))",
    "ceil(2 * 1.1)", "floor(-2.5)", "round(2.5)", "round(3.5)", "round(2.675, 2)", "sqrt(2)", "log(8, 2)",
    "int(-2.7)", "float(3)", "2 ** 10", "2 ** -1", "2.0 ** 0.5", "pow(3, 4)", "-2.5", "-(1.5 * 2)", "+3",
    "10 / 4", "7.5 // 2", "-7 // 2", "7.5 % 2", "1e-3 * 2",
    # lists: a stage table as data
    "stages[1][1]", "stages[-1]", "len(stages)", "stages[:2]", "stages[1:]", "stages[::2]", "[1, 2, 3][0]",
    "sum(r[3] for r in stages)", "[ceil(r[3] * depth_mult) for r in stages]", "sum(r[3] for r in stages[:2])",
    "[e * c for e, c, s, n in stages if s == 2]", "max(r[1] for r in stages)", "min([3, 1, 2])", "sum([])",
    "list(range(3))" if False else "range(2, 10, 3)", "[j * w_a + w_0 for j in range(4)]",
    "float32(0.1)", "float32(float32(3 * float32(w_a)) + w_0)",
    "stages[0] == (1, 16, 1, 1)", "(1, 2)", "[]",
]


@pytest.mark.parametrize("text", SAME_AS_PYTHON)
def test_the_same_as_python(text):
    expected = eval(text, dict(PYTHON))  # the oracle: Python itself, on trusted test text
    if isinstance(expected, range):
        expected = tuple(expected)
    if isinstance(expected, list):
        expected = tuple(expected)
    got = evaluate(text, NAMES)
    assert got == expected and type(got) is type(expected)
    if isinstance(expected, float):
        assert got.hex() == expected.hex()  # to the last bit


def test_float32_rounds_as_torch_stores():
    assert evaluate("float32(0.1)", {}) == 0.10000000149011612


def test_helpers_see_their_definition_scope_and_their_parameters():
    half = Helper("half", ("x",), "x // 2 + base", {"base": 1})
    make_divisible = Helper("make_divisible", ("v", "d"),
                            "max(d, int(v + d / 2) // d * d) + (d if max(d, int(v + d / 2) // d * d) < 0.9 * v "
                            "else 0)", {})
    names = {"half": half, "make_divisible": make_divisible}
    assert evaluate("half(10)", names) == 6
    assert [evaluate(f"make_divisible({c} * 1.1, 8)", names) for c in (32, 16, 24, 40, 80)] == [
        _make_divisible(c * 1.1, 8) for c in (32, 16, 24, 40, 80)]
    with pytest.raises(ExprError, match=r"half\(\) takes 1 argument \(x\)"):
        evaluate("half(1, 2)", names)


def _make_divisible(v, divisor):  # torchvision.models._utils._make_divisible, as it reads
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


@pytest.mark.parametrize("text, fragment", [
    ("out.__class__", "not allowed"),
    ("__import__('os')", "not allowed"),
    ("open('x')", "not allowed"),
    ("(lambda: 1)()", "not allowed"),
    ("'a' * 3", "not allowed"),
    ("{1: 2}", "not allowed"),
    ("[*stages]", "not allowed"),
    ("round(x=1)", "not allowed"),
    ("width // 0", "division by zero"),
    ("1 / 0", "division by zero"),
    ("0 ** -1", "division by zero"),
    ("depth * 2", "unknown name 'depth'"),
    ("out *", "cannot parse"),
    ("10 ** 100", "out of range"),
    ("2 ** 64", "out of range"),
    ("10.0 ** 400", "out of range"),
    ("9 ** 9 ** 9", "out of range"),
    ("1e300 * 1e300", "out of range"),
    ("(-8) ** 0.5", "not a real number"),
    ("1000000000 * 1000000000 * 1000000000", "out of range"),
    ("stages[9]", "index 9 is out of range"),
    ("stages[0.5]", "is not an integer"),
    ("out[0]", "is not a list"),
    ("stages[::0]", "slice step cannot be zero"),
    ("stages + 1", "is not a number"),
    ("True + 1", "is not a number"),
    ("len(3)", "takes a list"),
    ("sqrt(-1)", "math domain error"),
    ("log(0)", "math domain error"),
    ("min()", "takes 1 to 64 arguments"),
    ("abs(1, 2)", "takes 1 argument"),
    ("int(stages)", "takes a number"),
    ("range(10 ** 6)", f"more than {MAX_LIST} items"),
    ("[x for x in range(9000) for y in range(9000)]", "one 'for'"),
    ("[[y for y in range(1000)] for x in range(1000)]", f"more than {MAX_STEPS} steps"),
    ("[x for x in out]", "is not a list"),
    ("[x.y for x in stages]", "not allowed"),
    ("float32(1e39)", "out of range"),
    ("x" * 300, "longer than 200"),
    ("(" * 150 + "1" + ")" * 150, "longer than 200"),
    ("(" * 99 + "1" + ")" * 99, ""),  # deep but legal nesting still evaluates
])
def test_refused(text, fragment):
    if not fragment:
        assert evaluate(text, NAMES) == 1
        return
    with pytest.raises(ExprError, match=fragment.replace("(", r"\(").replace("*", r"\*").replace(")", r"\)")):
        evaluate(text, NAMES)


def test_helper_calls_are_budgeted():
    """No recursion (a helper sees only what was defined before it), but a helper calling the one before twice,
    sixty times over, would be 2^60 calls: the budget stops it."""
    names: dict = {"h0": Helper("h0", ("x",), "x", {})}
    for k in range(1, 60):
        names[f"h{k}"] = Helper(f"h{k}", ("x",), f"h{k - 1}(x) + h{k - 1}(x)", dict(names))
    with pytest.raises(ExprError, match="steps"):
        evaluate("h59(1)", names)


def test_an_integer_field_refuses_a_float():
    from cnninspect.core.evaluate import field_value
    from cnninspect.core.layers.base import Field
    from cnninspect.errors import InputError

    assert field_value(Field("float"), "1 / 10 * 3", {}, "p") == 1 / 10 * 3
    assert field_value(Field("int"), "int(7 / 2)", {}, "out") == 3
    with pytest.raises(InputError, match="'out' must be an integer. Received out=3.5$"):
        field_value(Field("int"), "7 / 2", {}, "out")
    assert field_value(Field("ints"), "stages[1][:2]", NAMES, "kernel") == (6, 24)
