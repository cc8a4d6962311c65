"""A small, safe evaluator for the expressions of a spec: `out * 4`, `width // 2`, `stride if i == 0 else 1`,
`make_divisible(c * width_mult, 8)`, `sum(depths[:s])`.

Python's own parser reads the text (ast.parse, mode 'eval'); nothing is executed. Only a whitelist of node
types is evaluated, with Python's own semantics: integer, float and boolean literals, names bound by the spec,
+ − * / // % **, comparisons, and/or/not, `a if c else b`, lists (`[a, b]`, `stages[i][1]`, `stages[:s]`, one-`for`
comprehensions), a fixed set of functions (FUNCTIONS) and the spec's own helpers (`let: {f(x): ...}`). No
attributes, strings, or calls to anything else. The text is short, every number bounded (±10^18, floats finite),
every list at most MAX_LIST long, and comprehensions and helper calls share a budget of MAX_STEPS per
evaluation, so no input can run code, run long or exhaust memory.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import struct
from typing import Callable, Mapping, NamedTuple

MAX_LENGTH = 200
MAX_MAGNITUDE = 10**18
MAX_LIST = 10_000  # items in a list an expression builds
MAX_STEPS = 100_000  # comprehension items and helper calls in one evaluation
_BUDGET = "\0steps"  # where an evaluation that needs one keeps its budget: no name can spell it

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ORDERED = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)  # these compare numbers only; == and != compare any two values
_ALLOWED = ("integers, floats, names, lists and [index], + - * / // % **, comparisons, and/or/not, "
            "'a if c else b', one-for comprehensions, and the functions " )


class ExprError(ValueError):
    """An expression that cannot be evaluated; the message says why."""


class Helper(NamedTuple):
    """A named helper expression with parameters (`let: {make_divisible(v, d): ...}`): its body sees the names
    in scope where it is defined, and its parameters."""

    name: str
    params: tuple[str, ...]
    body: str
    scope: Mapping


class Budget:
    """What an evaluation that can loop may still spend (comprehension items and helper calls)."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_STEPS


Compiled = Callable[[Mapping[str, object]], object]  # an expression, compiled: its value in the names given


def evaluate(text: str, names: Mapping[str, object]) -> object:
    function, budgeted = compile_expression(text)
    if budgeted and _BUDGET not in names:
        names = {**names, _BUDGET: Budget()}
    return function(names)


@functools.lru_cache(maxsize=8192)
def compile_expression(text: str) -> tuple[Compiled, bool]:
    """A spec repeats its expressions in every block call: parse and compile each text once, into closures that
    do only the arithmetic. The flag: whether the text can loop (a comprehension, a call to a helper), so its
    evaluation needs a budget."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExprError(f"cannot parse the expression {text!r}") from None
    loops = any(isinstance(node, (ast.ListComp, ast.GeneratorExp)) or isinstance(node, ast.Call)
                and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS) for node in ast.walk(tree))
    try:
        return _compile(tree), loops
    except RecursionError:  # nested past Python's own limit: no spec writes that
        raise ExprError(f"cannot parse the expression {text!r}") from None


def _compile(node: ast.AST) -> Compiled:
    """The closure that evaluates `node`: one per node type, each checking what Python's semantics would
    (numbers bounded, lists sized, names known) at evaluation, where the values are."""
    kind = type(node)
    if kind is ast.Constant and type(node.value) in (int, bool, float):
        return _constant(node.value)
    if kind is ast.Name:
        return _name(node.id)
    if kind is ast.BinOp and type(node.op) in _BINARY:
        return _binary(node, _compile_number(node.left), _compile_number(node.right))
    if kind is ast.UnaryOp:
        return _unary(node)
    if kind is ast.BoolOp:
        parts = [_compile(value) for value in node.values]
        if isinstance(node.op, ast.And):
            return lambda names: all(part(names) for part in parts)
        return lambda names: any(part(names) for part in parts)
    if kind is ast.Compare and all(type(op) in _COMPARE for op in node.ops):
        return _comparison(node)
    if kind is ast.IfExp:
        test, body, orelse = _compile(node.test), _compile(node.body), _compile(node.orelse)
        return lambda names: body(names) if test(names) else orelse(names)
    if kind is ast.Call and isinstance(node.func, ast.Name) and not node.keywords:
        return _call(node)
    if kind in (ast.List, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in node.elts):
        items = [_compile(e) for e in node.elts]
        return lambda names: _sized(tuple(item(names) for item in items))
    if kind is ast.Subscript:
        return _subscript(node)
    if kind in (ast.ListComp, ast.GeneratorExp):
        return _comprehension(node)
    return _refusal(node)


def _refusal(node: ast.AST) -> Compiled:
    """Refused where it is evaluated, not where it is read: `a if c else <refused>` refuses only if it runs."""
    message = f"not allowed in an expression: {ast.unparse(node)!r} ({_ALLOWED}{', '.join(FUNCTIONS)})"

    def refuse(names):
        raise ExprError(message)
    return refuse


def _constant(value) -> Compiled:
    try:
        _bounded(value)
    except ExprError as error:
        message = str(error)

        def refuse(names):
            raise ExprError(message)
        return refuse
    return lambda names: value


def _name(name: str) -> Compiled:
    def look_up(names):
        try:
            return names[name]
        except KeyError:
            known = ", ".join(sorted(n for n in names if n != _BUDGET)) or "none"
            raise ExprError(f"unknown name {name!r} (names here: {known})") from None
    return look_up


def _unary(node: ast.UnaryOp) -> Compiled:
    if isinstance(node.op, ast.Not):
        operand = _compile(node.operand)
        return lambda names: not operand(names)
    number = _compile_number(node.operand)
    if isinstance(node.op, ast.USub):
        return lambda names: -number(names)
    if isinstance(node.op, ast.UAdd):
        return number
    refuse = _refusal(node)
    return lambda names: (number(names), refuse(names))


def _binary(node: ast.BinOp, left: Compiled, right: Compiled) -> Compiled:
    op = type(node.op)
    function = _BINARY[op]
    if op is ast.Pow:
        return lambda names: _power(left(names), right(names))
    divides = op in (ast.Div, ast.FloorDiv, ast.Mod)
    shown = None  # the text for an overflow, made only if one happens

    def arithmetic(names):
        a, b = left(names), right(names)
        if divides and b == 0:
            raise ExprError("division by zero")
        try:
            value = function(a, b)
        except OverflowError:
            raise ExprError(f"value out of range: {shown or ast.unparse(node)!r}") from None
        kind = type(value)  # _bounded, inlined: arithmetic is most of what a spec's expressions do
        if kind is int and -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:
            return value
        return _bounded(value)
    return arithmetic


def _comparison(node: ast.Compare) -> Compiled:
    operands = [_compile(node.left), *map(_compile, node.comparators)]
    nodes = [node.left, *node.comparators]
    ops = [(type(op) in _ORDERED, _COMPARE[type(op)]) for op in node.ops]
    if len(ops) == 1:
        (ordered, compare), (first, second), (first_node, second_node) = ops[0], operands, nodes

        def single(names):
            a, b = first(names), second(names)
            if ordered:
                _comparable(a, first_node), _comparable(b, second_node)
            return compare(a, b)
        return single

    def chain(names):
        left, left_node = operands[0](names), nodes[0]
        for (ordered, compare), right_of, right_node in zip(ops, operands[1:], nodes[1:]):
            right = right_of(names)
            if ordered:
                _comparable(left, left_node), _comparable(right, right_node)
            if not compare(left, right):
                return False
            left, left_node = right, right_node
        return True
    return chain


def _subscript(node: ast.Subscript) -> Compiled:
    value_of = _compile(node.value)
    if isinstance(node.slice, ast.Slice):
        parts = [None if p is None else _compile_integer(p) for p in (node.slice.lower, node.slice.upper,
                                                                       node.slice.step)]

        def sliced(names):
            value = value_of(names)
            if type(value) is not tuple:
                raise ExprError(f"{_what(node.value, value)} is not a list: only a list takes [index]")
            bounds = [None if p is None else p(names) for p in parts]
            if bounds[2] == 0:
                raise ExprError("slice step cannot be zero")
            return value[slice(*bounds)]
        return sliced
    index_of = _compile_integer(node.slice)

    def indexed(names):
        value = value_of(names)
        if type(value) is not tuple:
            raise ExprError(f"{_what(node.value, value)} is not a list: only a list takes [index]")
        index = index_of(names)
        if not -len(value) <= index < len(value):
            raise ExprError(f"index {index} is out of range: {_what(node.value, value)} has {len(value)} items")
        return value[index]
    return indexed


def _comprehension(node) -> Compiled:
    """`[f(x) for x in xs if c]`, `sum(d for d in depths)`: one `for`, over a list, with a budget."""
    if len(node.generators) != 1 or node.generators[0].is_async:
        return _failing(f"a comprehension takes one 'for': {ast.unparse(node)!r}")
    generator = node.generators[0]
    targets = generator.target.elts if isinstance(generator.target, ast.Tuple) else [generator.target]
    if not all(isinstance(t, ast.Name) for t in targets):
        return _failing(f"a comprehension's 'for' names plain variables: {ast.unparse(generator.target)!r}")
    names_bound = [t.id for t in targets]
    items_of, element = _compile(generator.iter), _compile(node.elt)
    conditions = [_compile(condition) for condition in generator.ifs]

    def comprehension(names):
        items = items_of(names)
        if type(items) is not tuple:
            raise ExprError(f"{_what(generator.iter, items)} is not a list: a comprehension runs over a list")
        budget = names[_BUDGET]
        out = []
        for item in items:
            budget.left -= 1
            if budget.left < 0:
                raise ExprError(f"more than {MAX_STEPS} steps (comprehension items and helper calls)")
            if len(names_bound) == 1:
                scope = {**names, names_bound[0]: item}
            elif type(item) is tuple and len(item) == len(names_bound):
                scope = {**names, **dict(zip(names_bound, item))}
            else:
                raise ExprError(f"cannot unpack {_what(generator.iter, item)} into {ast.unparse(generator.target)}")
            if all(condition(scope) for condition in conditions):
                out.append(element(scope))
        return _sized(tuple(out))
    return comprehension


def _failing(message: str) -> Compiled:
    def refuse(names):
        raise ExprError(message)
    return refuse


def _call(node: ast.Call) -> Compiled:
    name = node.func.id
    args_of = [_compile(arg) for arg in node.args]
    function = FUNCTIONS.get(name)
    refuse = _refusal(node)

    def call(names):
        helper = names.get(name)
        if type(helper) is Helper:
            return _call_helper(node, helper, [arg(names) for arg in args_of], names)
        if function is None:
            return refuse(names)
        args = [arg(names) for arg in args_of]
        low, high, numbers = function[1:]
        if not low <= len(args) <= high:
            wanted = f"{low}" if low == high else f"{low} to {high}"
            raise ExprError(f"{name}() takes {wanted} argument{'s' if high > 1 else ''}: {ast.unparse(node)!r}")
        if numbers:
            for arg, value in zip(node.args, args):
                _check_number(arg, value)
        try:
            return _bounded(function[0](*args))
        except (ValueError, OverflowError, TypeError) as error:
            raise ExprError(f"{ast.unparse(node)!r}: {error}") from None
    return call


def _call_helper(node: ast.Call, helper: Helper, args: list, names):
    if len(args) != len(helper.params):
        count = len(helper.params)
        raise ExprError(f"{helper.name}() takes {count} argument{'' if count == 1 else 's'} "
                        f"({', '.join(helper.params)}): {ast.unparse(node)!r}")
    budget = names[_BUDGET]
    budget.left -= 1
    if budget.left < 0:
        raise ExprError(f"more than {MAX_STEPS} steps (comprehension items and helper calls)")
    body, _ = compile_expression(helper.body)
    return body({**helper.scope, **dict(zip(helper.params, args)), _BUDGET: budget})


def _power(base, exponent):
    """Python's `**`, bounded before it is computed: no huge integer is ever built."""
    if base == 0 and exponent < 0:
        raise ExprError("division by zero (0 to a negative power)")
    if type(base) is int and type(exponent) is int and exponent > 0 and abs(base) > 1 and exponent > 63:
        raise ExprError(f"value out of range (|x| > 10^18): {base} ** {exponent}")
    try:
        result = base ** exponent
    except OverflowError:
        raise ExprError(f"value out of range: {base} ** {exponent}") from None
    if type(result) is complex:
        raise ExprError(f"{base} ** {exponent} is not a real number")
    return _bounded(result)


def _float32(x):
    """x rounded to the nearest float32, as torch stores it (torchvision computes RegNet's widths in float32)."""
    if abs(x) > 3.4028234663852886e38:
        raise ValueError("out of float32's range")
    return struct.unpack("f", struct.pack("f", x))[0]


def _list_or_numbers(function):
    """min, max, sum: of several numbers, or of one list of them (Python's min([3, 1]))."""
    def apply(*args):
        values = args[0] if len(args) == 1 else args
        if type(values) is not tuple:
            raise ValueError("takes a list or two or more numbers")
        for value in values:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"takes numbers. Received an item {_spell(value)}")
        if function is not sum and not values:
            raise ValueError("of an empty list")
        return function(values)
    return apply


def _length(value):
    if type(value) is not tuple:
        raise ValueError(f"takes a list. Received {_spell(value)}")
    return len(value)


def _range(*args):
    for value in args:
        if type(value) is not int:
            raise ValueError(f"takes integers. Received {_spell(value)}")
    numbers = range(*args)
    _sized(numbers)
    return tuple(numbers)


def _convert(function):
    def apply(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"takes a number. Received {_spell(value)}")
        return function(value)
    return apply


# name: (function, least and most arguments, whether every argument must be a number)
FUNCTIONS = {
    "min": (_list_or_numbers(min), 1, 64, False), "max": (_list_or_numbers(max), 1, 64, False),
    "sum": (_list_or_numbers(sum), 1, 1, False), "len": (_length, 1, 1, False), "range": (_range, 1, 3, False),
    "abs": (abs, 1, 1, True), "round": (round, 1, 2, True), "int": (_convert(int), 1, 1, False),
    "float": (_convert(float), 1, 1, False), "float32": (_convert(_float32), 1, 1, False),
    "ceil": (math.ceil, 1, 1, True), "floor": (math.floor, 1, 1, True), "sqrt": (math.sqrt, 1, 1, True),
    "log": (math.log, 1, 2, True), "pow": (lambda a, b: _power(a, b), 2, 2, True),
}


def _check_number(node: ast.AST, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"{_what(node, value)} is not a number")


def _compile_integer(node: ast.AST) -> Compiled:
    value_of = _compile(node)

    def integer(names):
        value = value_of(names)
        if type(value) is not int:
            raise ExprError(f"{_what(node, value)} is not an integer")
        return value
    return integer


def _comparable(value: object, node: ast.AST) -> None:
    """< <= > >= order numbers: a list, null or 'same' has no place among them (Python would raise TypeError)."""
    if type(value) is int or type(value) is float and math.isfinite(value):
        return
    raise ExprError(f"{_what(node, value)} is not a number: < <= > >= compare numbers")


def _spell(value: object) -> str:
    from cnninspect.spell import spell

    return spell(value)


def _what(node: ast.AST, value: object) -> str:
    """The expression, and its value where that is not plain from the text: 'b' (which is [1, 2])."""
    text = repr(ast.unparse(node))
    return text if isinstance(node, ast.Constant) else f"{text} (which is {_spell(value)})"


def _compile_number(node: ast.AST) -> Compiled:
    """An integer or a finite float; true and false are no numbers here."""
    value_of = _compile(node)

    def number(names):
        value = value_of(names)
        if type(value) is int or type(value) is float and math.isfinite(value):
            return value
        raise ExprError(f"{_what(node, value)} is not a number")
    return number


def _sized(value):
    if len(value) > MAX_LIST:
        raise ExprError(f"a list of more than {MAX_LIST} items")
    return value


def _bounded(value):
    kind = type(value)
    if kind is int and abs(value) > MAX_MAGNITUDE:
        raise ExprError(f"value out of range (|x| > 10^18): {_spell(value)}")
    if kind is float and not (math.isfinite(value) and abs(value) <= MAX_MAGNITUDE):
        raise ExprError(f"value out of range (|x| > 10^18, or not finite): {_spell(value)}")
    return value
