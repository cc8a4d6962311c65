"""A small, safe evaluator for integer arithmetic in block parameters: `out * 4`, `width // 2`,
`stride if i == 0 else 1`.

Python's own parser reads the text (ast.parse, mode 'eval'); nothing is executed. Only a whitelist of node
types is evaluated: integer and boolean literals, names bound by the spec, + − * // %, comparisons, and/or/not,
`a if c else b`, the functions min, max and abs, and `/`, whose exact ratio only fields that take a number accept
(a stochastic-depth probability: `1 / 10 * i / 17`). No attributes, subscripts, calls to anything else, strings,
floats or powers; the text is short and every result bounded, so no input can run code or exhaust memory.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from fractions import Fraction
from typing import Mapping

MAX_LENGTH = 200
MAX_MAGNITUDE = 10**18

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ORDERED = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)  # these compare numbers only; == and != compare any two values
_FUNCTIONS = {"min": min, "max": max, "abs": abs}


class ExprError(ValueError):
    """An expression that cannot be evaluated; the message says why."""


def evaluate(text: str, names: Mapping[str, int | bool]) -> int | bool:
    return _eval(_parse(text), names)


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> ast.AST:
    """A spec repeats its expressions in every block call: parse each text once."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters")
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExprError(f"cannot parse the expression {text!r}") from None


def _eval(node: ast.AST, names: Mapping[str, int | bool]) -> int | bool:
    if isinstance(node, ast.Constant) and type(node.value) in (int, bool):
        return _bounded(node.value)
    if isinstance(node, ast.Name):
        if node.id not in names:
            known = ", ".join(sorted(names)) or "none"
            raise ExprError(f"unknown name {node.id!r} (names here: {known})")
        return names[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # an exact ratio, for fields that take one
        left, right = _number(node.left, names), _number(node.right, names)
        if right == 0:
            raise ExprError("division by zero")
        return Fraction(left) / Fraction(right)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _number(node.left, names), _number(node.right, names)
        if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and right == 0:
            raise ExprError("division by zero")
        result = _BINARY[type(node.op)](left, right)
        return _bounded(result.numerator if isinstance(result, Fraction) and result.denominator == 1 else result)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_int(node.operand, names)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _eval(node.operand, names)
    if isinstance(node, ast.BoolOp):
        values = (_eval(value, names) for value in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        left, left_node = _eval(node.left, names), node.left
        for op, comparator in zip(node.ops, node.comparators):
            right = _eval(comparator, names)
            if isinstance(op, _ORDERED):
                _comparable(left, left_node), _comparable(right, comparator)
            if not _COMPARE[type(op)](left, right):
                return False
            left, left_node = right, comparator
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body, names) if _eval(node.test, names) else _eval(node.orelse, names)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and not node.keywords):
        name, count = node.func.id, len(node.args)
        if (name == "abs") != (count == 1) or count == 0:
            wanted = "one argument" if name == "abs" else "two or more arguments"
            raise ExprError(f"{name}() takes {wanted}: {ast.unparse(node)!r}")
        return _FUNCTIONS[name](*(_int(arg, names) for arg in node.args))
    raise ExprError(f"not allowed in an expression: {ast.unparse(node)!r} (integers, names, + - * / // %, "
                    f"comparisons, and/or/not, 'a if c else b', min, max, abs)")


def _int(node: ast.AST, names: Mapping[str, int | bool]) -> int:
    value = _eval(node, names)
    if type(value) is not int:
        raise ExprError(f"{_what(node, value)} is not an integer")
    return value


def _comparable(value: object, node: ast.AST) -> None:
    """< <= > >= order numbers: a list, null or 'same' has no place among them (Python would raise TypeError)."""
    if isinstance(value, (int, Fraction)) or type(value) is float and math.isfinite(value):
        return
    raise ExprError(f"{_what(node, value)} is not a number: < <= > >= compare numbers")


def _what(node: ast.AST, value: object) -> str:
    """The expression, and its value where that is not plain from the text: 'b' (which is [1, 2])."""
    from cnninspect.spell import spell

    text = repr(ast.unparse(node))
    return text if isinstance(node, ast.Constant) else f"{text} (which is {spell(value)})"


def _number(node: ast.AST, names: Mapping[str, int | bool]) -> int | Fraction:
    """An integer, or an exact ratio (from `/`); arithmetic on ratios stays exact."""
    value = _eval(node, names)
    if type(value) is int or isinstance(value, Fraction):
        return value
    if type(value) is float and math.isfinite(value):  # a model argument such as --set p=0.2: exactly its value
        return Fraction(value)
    raise ExprError(f"{_what(node, value)} is not a number")


def _bounded(value):
    from cnninspect.spell import spell

    if isinstance(value, Fraction) and (abs(value.numerator) > MAX_MAGNITUDE or value.denominator > MAX_MAGNITUDE):
        raise ExprError(f"value out of range: {spell(value)}")
    if type(value) is int and abs(value) > MAX_MAGNITUDE:
        raise ExprError(f"value out of range (|x| > 10^18): {spell(value)}")
    return value
