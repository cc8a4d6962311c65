""""Did you mean": the options and commands a mistyped one was meant to be, for the group in cli.py.

click suggests only for a long option (`--fromat` → `--format`). Here also: a single dash before a long option's
name (`-n` → `--n`, `-input` → `--input`, which click would read as `-i nput`), a short option a command lacks
(`-f` in shape: its `--f`, or `--format`), and a mistyped command (`summray` → `summary`).
"""

from __future__ import annotations

import click

from cnninspect.commands.formats import SHORT


def option_names(ctx: click.Context) -> list[str]:
    """Every visible spelling of the command's options, --help included."""
    return [name for param in ctx.command.get_params(ctx) if isinstance(param, click.Option) and not param.hidden
            for name in (*param.opts, *param.secondary_opts)]


def meant(names: list[str], typed: str) -> list[str]:
    """The options `typed` (an unknown option, as typed: `-n`, `-n224`, `--fromat=json`) was likely meant to be."""
    import difflib  # here: only a mistake needs it, and every run passes through this module

    word = typed.split("=", 1)[0]
    if word.startswith("--"):
        return difflib.get_close_matches(word, names, n=3)
    found = [name for name in ("-" + word, "-" + word[:2]) if name in names][:1]  # -kind → --kind; -n224 → --n
    found += [SHORT[word[:2]]] if SHORT.get(word[:2]) in names else []  # -f where only --format is: --format
    return list(dict.fromkeys(found)) or difflib.get_close_matches("-" + word, names, n=3)


def no_such_option(typed: str, found: list[str], ctx: click.Context) -> click.UsageError:
    """click's words, the same under every click version (8.5 drops the suggestions that do not look alike)."""
    quoted = [repr(name) for name in found]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return click.UsageError(f"No such option {typed!r}. Did you mean {listed}?", ctx)


def single_dash_long(ctx: click.Context, args: list[str]) -> click.UsageError | None:
    """`-input` where `--input` exists: refused, not read as `-i nput` (or `-out 55` as `-o ut`)."""
    names = option_names(ctx)
    for arg in args:
        if arg == "--":
            break
        word = arg.split("=", 1)[0]
        if len(word) > 2 and word[0] == "-" and word[1] != "-" and "-" + word in names:
            return no_such_option(word, ["-" + word], ctx)
    return None


def hinted(error: click.NoSuchOption, args: list[str]) -> click.UsageError:
    """`error` with suggestions where click gave none; the option named as typed (`-kind`, not its `-k`)."""
    if error.possibilities or error.ctx is None:
        return error
    typed = next((arg for arg in args if arg.split("=", 1)[0] == error.option_name), None) or next(
        (arg for arg in args if arg.startswith(error.option_name) and not arg.startswith("--")), error.option_name)
    found = meant(option_names(error.ctx), typed)
    return no_such_option(typed.split("=", 1)[0], found, error.ctx) if found else error


def command_hint(commands: list[str], typed: str) -> str:
    """' Did you mean 'summary'?' for a mistyped command; for a model's name, the command that shows it."""
    import difflib
    import shlex

    close = difflib.get_close_matches(typed, commands, n=1)
    if close:
        return f" Did you mean {close[0]!r}?"
    import os

    from cnninspect.spec.load import ZOO_PREFIX, zoo_names
    from cnninspect.spec.source import FORMATS

    spec_file = os.path.splitext(typed)[1].lower() in FORMATS and os.path.isfile(typed)
    return f" To inspect the model: cnninspect summary {shlex.quote(typed)}" if (
        spec_file or typed.removeprefix(ZOO_PREFIX) in zoo_names()) else ""
