"""Parsing of the command line's small languages: per-axis sizes (224x160) and chain steps (conv:7/2/3).

Pure functions; every failure is an InputError that names where the bad text came from.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cnninspect.core.window import MAX_DIMS, Kind, Window, make_window

if TYPE_CHECKING:
    from cnninspect.core.chain import Step
from cnninspect.errors import InputError
from cnninspect.spell import spell  # the text quoted, inert and cut short: it may hold thousands of digits
from cnninspect.syntax import STEP_SYNTAX

MAX_DIGITS = 18  # sizes up to 10^18: far past any real tensor, and still cheap to compute with
MAX_STEPS = 10_000

KINDS = {
    "conv": Kind.CONV,
    "tconv": Kind.TRANSPOSED, "transposed": Kind.TRANSPOSED, "deconv": Kind.TRANSPOSED,
    "pool": Kind.MAXPOOL, "maxpool": Kind.MAXPOOL, "max": Kind.MAXPOOL,
    "avgpool": Kind.AVGPOOL, "avg": Kind.AVGPOOL,
}
SHORT_NAMES = {Kind.CONV: "conv", Kind.TRANSPOSED: "tconv", Kind.MAXPOOL: "maxpool", Kind.AVGPOOL: "avgpool"}
_STEP = re.compile(r"(?P<kind>[a-z]+):(?P<args>[^:*]*)(?P<options>(?::[^:*]*)*)(?:\*(?P<repeat>[^*]*))?")
_INT = re.compile(r"[-+]?[0-9]{1,%d}" % MAX_DIGITS)  # ASCII digits only: str.isdigit() also takes '²' and '٣'


def read_int(text: str) -> int | None:
    """The integer that `text` writes in ASCII digits (an optional sign, at most MAX_DIGITS digits, spaces around
    allowed), or None. The one reader of integers from flags and spec text: int() alone takes '٣' and '1_000',
    and raises on '²' or on thousands of digits."""
    text = text.strip()
    return int(text) if _INT.fullmatch(text) else None


def parse_int(text: str, where: str, what: str = "an integer") -> int:
    """read_int, or an InputError that says why the text is not one."""
    value = read_int(text)
    if value is None:
        problem = f"numbers have at most {MAX_DIGITS} digits" if _too_long(text) else f"expected {what}"
        raise InputError(f"{problem}. Received {spell(text)}", where=where)
    return value


def parse_sizes(text: str, where: str, most: int = MAX_DIMS) -> tuple[int, ...]:
    """'224' → (224,); '224x160' → (224, 160). Separators: x, X or ×; at most `most` numbers."""
    parts = re.split(r"[xX×]", text.strip())
    values = [read_int(part) for part in parts]
    if len(parts) > most or None in values:
        problem = f"numbers have at most {MAX_DIGITS} digits" if any(map(_too_long, parts)) else (
            f"expected an integer, or up to {most} integers joined by 'x' (224x160)")
        raise InputError(f"{problem}. Received {spell(text)}", where=where)
    return tuple(values)


def _too_long(text: str) -> bool:
    return re.fullmatch(r"[-+]?[0-9]{%d,}" % (MAX_DIGITS + 1), text.strip()) is not None


def parse_padding(text: str, where: str) -> tuple[int, ...] | str:
    word = text.strip().lower()
    return word if word in ("same", "valid") else parse_sizes(text, where)


def parse_steps(texts: tuple[str, ...], ndim: int) -> "tuple[Step, ...]":
    steps: list[Step] = []
    for index, text in enumerate(texts, start=1):
        step, repeat = parse_step(text, ndim, where=f"step {index} {text!r}")
        if len(steps) + repeat > MAX_STEPS:
            raise InputError(f"a chain has at most {MAX_STEPS} steps", where=f"step {index} {text!r}")
        steps.extend([step] * repeat)
    return tuple(steps)


def parse_step(text: str, ndim: int, where: str) -> "tuple[Step, int]":
    """One chain step and its repeat count."""
    from cnninspect.core.chain import Step  # the chain's walk is only needed once there are steps

    match = _STEP.fullmatch(text.strip())
    if not match:
        raise InputError(f"cannot parse the step; expected {STEP_SYNTAX}", where=where)
    kind = KINDS.get(match["kind"])
    if kind is None:
        raise InputError(f"unknown kind {match['kind']!r}; expected one of {', '.join(KINDS)}", where=where)
    fields = match["args"].split("/")
    if len(fields) > 4 or not fields[0]:
        raise InputError(f"expected f[/s[/p[/d]]] after '{match['kind']}:'. Received {match['args']!r}", where=where)
    kernel, stride, padding, dilation = (fields + [None] * 4)[:4]
    options = _parse_options(match["options"], where)
    repeat = _parse_repeat(match["repeat"], where)
    try:
        window = make_window(
            kind,
            kernel=parse_sizes(kernel, where),
            stride=parse_sizes(stride, where) if stride else None,
            padding=parse_padding(padding, where) if padding else 0,
            dilation=parse_sizes(dilation, where) if dilation else 1,
            output_padding=options.get("op", 0),
            ceil_mode=options.get("ceil", False),
            ndim=ndim,
        )
    except InputError as error:
        raise error.located(where) from None
    label = text.strip() if match["repeat"] is None else text.strip().rsplit("*", 1)[0]
    return Step(label, window), repeat


def _parse_options(text: str, where: str) -> dict:
    options: dict = {}
    for option in filter(None, text.split(":")):
        if option == "ceil":
            options["ceil"] = True
        elif option.startswith("op="):
            options["op"] = parse_sizes(option[3:], where)
        else:
            raise InputError(f"unknown option {option!r}; expected 'ceil' (pooling) or 'op=N' (transposed)",
                             where=where)
    return options


def _parse_repeat(text: str | None, where: str) -> int:
    if text is None:
        return 1
    if not re.fullmatch(r"[0-9]{1,6}", text) or not 1 <= int(text) <= MAX_STEPS:
        raise InputError(f"repeat count must be an integer from 1 to {MAX_STEPS}. Received {text!r}", where=where)
    return int(text)


def step_label(window: Window) -> str:
    """The chain-step spelling of a window: the inverse of parse_step."""
    def show(values: tuple[int, ...] | str) -> str:
        return values if isinstance(values, str) else (
            str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values)))

    fields = [window.kernel, window.stride, window.padding, window.dilation]
    label = f"{SHORT_NAMES[window.kind]}:" + "/".join(show(v) for v in fields)
    if window.ceil_mode:
        label += ":ceil"
    if any(window.output_padding):
        label += f":op={show(window.output_padding)}"
    return label


def parse_range(text: str, where: str, example: str = "160:512:32", step: int | None = None) -> tuple[int, int, int]:
    """START:STOP:STEP, integers, START and STEP positive (compare --sweep, --input's ranges): (start, stop, step).
    With `step`, START:STOP alone takes that step. Whether the range is empty or too long is the caller's to say."""
    parts = text.split(":")
    values = [read_int(part) for part in parts]
    if step is not None and len(values) == 2:
        values.append(step)
    if len(values) != 3 or None in values or min(values[0], values[2]) < 1:
        form = "START:STOP or START:STOP:STEP" if step is not None else "START:STOP:STEP"
        raise InputError(f"expected {form} with positive integers (up to {MAX_DIGITS} digits), e.g. {example}. "
                         f"Received {spell(text)}", where=where)  # spelt: thousands of digits are cut short
    start, stop, every = values
    return start, stop, every
