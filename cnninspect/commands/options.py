"""Options shared by the commands that read a model: --input and --set."""

from __future__ import annotations

import re

import click

from cnninspect.errors import InputError

input_option = click.option("--input", "-i", "input_text", metavar="CxHxW",
                            help="One sample's input shape, e.g. 3x224x224 [default: the spec's]; for a spec of "
                                 "several inputs, NAME=SHAPE pairs, e.g. image=3x224x224,mask=1x224x224.")
set_option = click.option("--set", "settings", metavar="NAME=VALUE", multiple=True,
                          help="Override one of the model's arguments (repeatable; a PyTorch source's: its "
                               "constructor's), e.g. --set aux_logits=false.")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")  # --set: ASCII, as a spec writes it


def parse_input(text: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    from cnninspect.parse import parse_sizes

    if text is None:
        return default
    shape = parse_sizes(text, "--input", most=4)
    if min(shape) < 1:
        raise InputError(f"sizes must be > 0. Received {text!r}", where="--input")
    return shape


def model_input(text: str | None, model) -> "tuple[int, ...] | dict[str, tuple[int, ...]]":
    """--input for `model`: its spec's input when not given; refused at a rank the model is not written for.
    NAME=SHAPE pairs, comma-separated, give inputs by name (a spec's `inputs`): a mapping for the engine."""
    from cnninspect.commands.rank import fit_rank

    if text is not None and "=" in text:
        return _named_inputs(text, model)
    shape = parse_input(text, model.input)
    fit_rank(shape, model)
    return shape


def _named_inputs(text: str, model) -> dict[str, tuple[int, ...]]:
    """--input image=3x224x224,mask=1x224x224: each input at the rank the spec gives it."""
    from cnninspect.inert import inert
    from cnninspect.spell import spell

    declared = dict(model.inputs or (("input", tuple(model.input)),))
    shapes: dict[str, tuple[int, ...]] = {}
    for pair in text.split(","):
        name, _, shape_text = pair.partition("=")
        name = name.strip()
        if name not in declared:
            raise InputError(f"{inert(model.name)} has no input {spell(name)} (its inputs: {', '.join(declared)}); "
                             f"write NAME=SHAPE pairs joined by commas", where="--input")
        if name in shapes:
            raise InputError(f"the input '{name}' is given twice", where="--input")
        shape = parse_input(shape_text, declared[name])
        if len(shape) != len(declared[name]):
            raise InputError(f"the input '{name}' has {len(declared[name])} axes (channels first, as "
                             f"{'x'.join(map(str, declared[name]))}). Received {spell(shape_text)}", where="--input")
        shapes[name] = shape
    return shapes


def parse_settings(settings: tuple[str, ...]) -> dict[str, object]:
    """NAME=VALUE: true, false, an integer or a decimal number, within ±10^18 as every number in a spec; or a list
    of them, [3, 4, 23, 3] (ResNet's layers)."""
    from cnninspect.spell import spell

    values: dict[str, object] = {}
    for setting in settings:
        name, sep, text = setting.partition("=")
        if not sep or not name.strip():
            raise InputError(f"expected NAME=VALUE. Received {spell(setting)}", where="--set")
        text = text.strip()
        if text.startswith("[") and text.endswith("]"):
            items = [item for item in text[1:-1].split(",")]
            items = [] if items == [""] else items
            if len(items) > 64:
                raise InputError(f"a list holds at most 64 values. Received {spell(setting)}", where="--set")
            values[name.strip()] = tuple(_setting_value(item, setting) for item in items)
        else:
            values[name.strip()] = _setting_value(text, setting)
    return values


def _setting_value(text: str, setting: str) -> object:
    from cnninspect.core.expr import MAX_MAGNITUDE
    from cnninspect.parse import read_int
    from cnninspect.spell import spell

    text = text.strip()
    word = text.lower()
    if word in ("true", "false"):
        return word == "true"
    number = read_int(text)
    if number is not None:
        return number
    if _DECIMAL.fullmatch(text) and abs(float(text)) <= MAX_MAGNITUDE:
        return float(text)
    problem = "a number is within ±10^18" if _DECIMAL.fullmatch(text) else "a value is true, false or a number"
    raise InputError(f"{problem}. Received {spell(setting)}", where="--set")


def complete_model(ctx, param, incomplete: str) -> list:
    """A MODEL argument's completions (commands/completion.py): imported only when a shell asks, not every run."""
    from cnninspect.commands.completion import complete_model as complete

    return complete(ctx, param, incomplete)
