"""How a command delivers its result: the formats it prints, named once here, and the options built from them —
--format/-f (with --json, the older spelling of --format json) and -o/--output FILE."""

from __future__ import annotations

import os

import click

from cnninspect.errors import InputError

FORMATS: dict[str, tuple[str, ...]] = {  # command -> the formats it prints its result in; the default first
    "shape": ("table", "json"),
    "verify": ("table", "json"),
    "zoo": ("table", "json", "markdown", "csv"),
    "summary": ("table", "json", "markdown", "csv"),
    "compare": ("table", "json", "markdown", "csv"),
    "check": ("table", "json", "github", "junit"),
    "diff": ("table", "json", "markdown", "github"),
}
PICTURES: dict[str, tuple[str, ...]] = {  # command -> the picture formats it writes, the default first; without
    "draw": ("svg", "mermaid", "dot", "png", "pdf"),  # --format, -o's suffix chooses (commands/draw.py)
}
ALIASES = {"text": "table"}  # older spellings, still accepted; completion and --help offer only the names
NO_SHORT = ("shape",)  # its one-letter --n --f --s --p --d own the short names: -f there is not --format
SHORT = {"-f": "--format", "-o": "--output", "-i": "--input"}  # the short options, where a command has the long
HELP = {"json": "json: docs/json.md", "github": "github: workflow annotations", "junit": "junit: JUnit XML"}
_JSON_ASKED = "cnninspect.formats.json"  # ctx.meta key: --json was given


class FormatChoice(click.Choice):
    """A format's name, in any case, or one of its older spellings (ALIASES)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__(names, case_sensitive=False)

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            value = ALIASES.get(value.lower(), value)
        return super().convert(value, param, ctx)


def format_option(command: str):
    """--format/-f NAME over the command's formats, default the first; where json is one, a hidden --json too."""
    names = FORMATS[command]
    spellings = ("--format",) if command in NO_SHORT else ("--format", "-f")
    described = "; ".join(HELP[name] for name in names if name in HELP)
    option = click.option(*spellings, "fmt", type=FormatChoice(names), default=names[0], show_default=True,
                          callback=_json_or, help="Output format" + (f" ({described})." if described else "."))
    if "json" not in names:
        return option
    json_flag = click.option("--json", is_flag=True, hidden=True, expose_value=False, is_eager=True,
                             callback=_remember_json, help="The same as --format json.")
    return lambda function: json_flag(option(function))


def _remember_json(ctx: click.Context, param: click.Parameter, given: bool) -> None:
    if given:  # eager: seen before --format, wherever it stands on the line
        ctx.meta[_JSON_ASKED] = True


def _json_or(ctx: click.Context, param: click.Parameter, fmt: str) -> str:
    if not ctx.meta.get(_JSON_ASKED) or fmt == "json":
        return fmt
    if ctx.get_parameter_source(param.name) is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError(f"--json and --format {fmt} ask for two formats; give one")
    return "json"


def output_option(help_text: str = "Write the result to FILE instead of stdout (- is stdout)."):
    """-o/--output FILE: refused before any work when FILE is a folder or its folder is missing."""
    return click.option("--output", "-o", "output_file", metavar="FILE", type=click.Path(allow_dash=True),
                        callback=_writable, help=help_text)


def _writable(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    if path is None or path == "-":
        return path
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise InputError("is a folder; name a file to write", where=f"--output {path}")
    if not os.path.isdir(folder):
        raise InputError(f"no folder {folder!r} to write the file in", where=f"--output {path}")
    if not os.access(path if os.path.exists(path) else folder, os.W_OK):
        what = "the file" if os.path.exists(path) else f"the folder {folder!r}"
        raise InputError(f"{what} cannot be written to", where=f"--output {path}")
    return path


def on_terminal(output_file: str | None) -> bool:
    """Whether the result goes to a terminal (and so may be coloured)."""
    import sys

    return output_file in (None, "-") and sys.stdout.isatty()


def table_width(output_file: str | None) -> int | None:
    """The width a table must fit: COLUMNS where it is set (a positive integer), else the terminal's where the
    result goes to one; None (no limit: the whole table) for a pipe or a file."""
    import shutil

    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size().columns if on_terminal(output_file) else None


def emit(text: str, output_file: str | None) -> None:
    """The result on stdout, or in `output_file` (every write failure one located line)."""
    if output_file is None or output_file == "-":
        click.echo(text, nl=False)
        return
    try:
        with open(output_file, "w", encoding="utf-8", errors="backslashreplace", newline="") as out:
            out.write(text)
    except OSError as error:
        raise InputError(f"cannot write the report: {error.strerror or error}", where=f"--output {output_file}") \
            from None
