"""The command line: a click group, its commands, and the single error boundary.

Exit status: 0 ok · 1 a check found a failure · 2 bad input (usage, spec, shape, missing extra) or output that
cannot be written (a full disk) · 141 the reader of stdout went away (a closed pipe), quietly.
Results go to stdout, diagnostics to stderr, every message on one line with text from files and flags inert.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
import warnings

import click

from cnninspect import __version__, streams
from cnninspect.errors import InputError, Note, error_line
from cnninspect.inert import inert

BAD_INPUT = 2
BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a program that stops when its reader goes (`| head`)
COMPLETE_VAR = "_CNNINSPECT_COMPLETE"  # click's: _{PROG}_COMPLETE


COMMANDS = {  # name -> module in cnninspect.commands; imported only when run, so each starts lean
    "shape": "shape",
    "summary": "summary",
    "zoo": "zoo",
    "schema": "schema",
    "verify": "verify",
    "compare": "compare",
    "check": "check",
    "diff": "diff",
    "completion": "completion",
    "draw": "draw",
    "report": "report",
    "import": "import_",
}


class _Boundary(click.Group):
    """Turns bad input — click's usage errors and the project's InputError — into one line and exit 2, and so
    output that cannot be written. Commands load lazily: `cnninspect shape` never imports what `summary` needs.
    A mistyped option or command gets a "did you mean" (commands/suggest.py)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"cnninspect.commands.{COMMANDS[name]}")
        return getattr(module, COMMANDS[name] if name == "import" else name)  # a keyword: import_

    def resolve_command(self, ctx: click.Context, args: list[str]):
        from cnninspect.commands import suggest

        if ctx.resilient_parsing:  # shell completion: no refusals
            return super().resolve_command(ctx, args)
        if args and not args[0].startswith("-") and args[0] not in COMMANDS:
            ctx.fail(f"No such command {args[0]!r}.{suggest.command_hint(list(COMMANDS), args[0])}")
        name, command, rest = super().resolve_command(ctx, args)
        refused = suggest.single_dash_long(click.Context(command, info_name=name, parent=ctx), rest)
        if refused:
            raise refused
        return name, command, rest

    def main(self, args=None, prog_name=None, **extra):  # noqa: D102 (click's signature)
        gc.disable()  # a short run over acyclic data: the cycle collector would only cost time (about 1/3)
        extra["standalone_mode"] = False
        if COMPLETE_VAR in os.environ:  # a shell asks for completions (commands/completion.py)
            from cnninspect.commands.completion import register
            register()
        with streams.guarded():
            status = self._run(args, prog_name or "cnninspect", extra)
        sys.exit(status)

    def _run(self, args, prog_name: str, extra: dict) -> int:
        """The exit status; every message printed inert, on one line. A failed write to stdout or stderr (a full
        disk, a closed pipe) ends the run: one line and exit 2, or quietly for a closed pipe."""
        try:
            try:
                return self._invoke(args, prog_name, extra)
            finally:
                streams.flush()
        except streams.OutputError as failed:
            if failed.broken_pipe:
                return BROKEN_PIPE
            if failed.stream != "stderr":
                _say(error_line(failed))
            return BAD_INPUT

    def _invoke(self, args, prog_name: str, extra: dict) -> int:
        try:
            with _notes_on_stderr():
                status = super().main(args, prog_name=prog_name, **extra)
        except click.exceptions.Exit as done:
            return done.exit_code
        except SystemExit as done:  # a command's sys.exit(status)
            if done.code is None or isinstance(done.code, int):
                return done.code or 0
            raise
        except click.exceptions.NoArgsIsHelpError as asked:
            click.echo(asked.ctx.get_help())
            return 0
        except click.exceptions.Abort:
            _say("cnninspect: aborted")
            return 1
        except click.ClickException as error:
            if isinstance(error, click.NoSuchOption):
                from cnninspect.commands.suggest import hinted
                error = hinted(error, list(sys.argv[1:] if args is None else args))
            hint = f" (see '{error.ctx.command_path} --help')" if getattr(error, "ctx", None) else ""
            _say(error_line(f"{error.format_message()}{hint}"))
            return BAD_INPUT
        except InputError as error:
            _say(error_line(error))
            return BAD_INPUT
        return status if isinstance(status, int) else 0


def _say(line: str) -> None:
    """A diagnostic on stderr; if stderr itself cannot be written, there is no one to tell."""
    try:
        click.echo(line, err=True)
    except streams.OutputError:
        pass


@contextlib.contextmanager
def _notes_on_stderr():
    """A Note (errors.py) is one line on stderr, `cnninspect: note: ...`, whatever PYTHONWARNINGS says."""
    with warnings.catch_warnings():
        warnings.simplefilter("default", Note)
        shown = warnings.showwarning

        def show(message, category, *rest, **options):
            if issubclass(category, Note):
                _say(f"cnninspect: note: {inert(message)}")
            else:
                shown(message, category, *rest, **options)

        warnings.showwarning = show
        yield


@click.group(cls=_Boundary, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog="Parsed YAML specs are cached as JSON in a subfolder cnninspect-specs of $CNNINSPECT_CACHE_DIR (an "
                    "absolute path; a relative one turns caching off), else of $XDG_CACHE_HOME/cnninspect, else of "
                    "~/.cache/cnninspect; CNNINSPECT_NO_CACHE=1 turns that off.")
@click.version_option(__version__, prog_name="cnninspect")
def main() -> None:
    """Inspect convolutional network architectures: sizes, parameters and MACs, exact to PyTorch."""

