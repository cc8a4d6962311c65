"""The command line: a click group, its commands, and the single error boundary.

Exit status: 0 ok · 1 a check found a failure · 2 bad input (usage, spec, shape, missing extra).
Results go to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import sys
import warnings

import click

from cnninspect import __version__
from cnninspect.errors import InputError, Note

BAD_INPUT = 2


COMMANDS = {  # name -> module in cnninspect.commands; imported only when run, so each starts lean
    "shape": "shape",
    "summary": "summary",
    "zoo": "zoo",
    "schema": "schema",
    "verify": "verify",
    "compare": "compare",
    "check": "check",
}


class _Boundary(click.Group):
    """Turns bad input — click's usage errors and the project's InputError — into one line and exit 2.
    Commands load lazily: `cnninspect shape` never imports what `summary` needs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"cnninspect.commands.{COMMANDS[name]}")
        return getattr(module, name)

    def main(self, args=None, prog_name=None, **extra):  # noqa: D102 (click's signature)
        gc.disable()  # a short run over acyclic data: the cycle collector would only cost time (about 1/3)
        extra["standalone_mode"] = False
        try:
            with _notes_on_stderr():
                status = super().main(args, prog_name=prog_name or "cnninspect", **extra)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.exceptions.NoArgsIsHelpError as asked:
            click.echo(asked.ctx.get_help())
            sys.exit(0)
        except click.exceptions.Abort:
            click.echo("cnninspect: aborted", err=True)
            sys.exit(1)
        except click.ClickException as error:
            hint = f" (see '{error.ctx.command_path} --help')" if getattr(error, "ctx", None) else ""
            click.echo(f"cnninspect: error: {error.format_message()}{hint}", err=True)
            sys.exit(BAD_INPUT)
        except InputError as error:
            click.echo(f"cnninspect: error: {error}", err=True)
            sys.exit(BAD_INPUT)
        sys.exit(status if isinstance(status, int) else 0)


@contextlib.contextmanager
def _notes_on_stderr():
    """A Note (errors.py) is one line on stderr, `cnninspect: note: ...`, whatever PYTHONWARNINGS says."""
    with warnings.catch_warnings():
        warnings.simplefilter("default", Note)
        shown = warnings.showwarning

        def show(message, category, *rest, **options):
            if issubclass(category, Note):
                click.echo(f"cnninspect: note: {message}", err=True)
            else:
                shown(message, category, *rest, **options)

        warnings.showwarning = show
        yield


@click.group(cls=_Boundary, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog="Parsed YAML specs are cached as JSON in $CNNINSPECT_CACHE_DIR, else $XDG_CACHE_HOME/cnninspect, "
                    "else ~/.cache/cnninspect; CNNINSPECT_NO_CACHE=1 turns that off.")
@click.version_option(__version__, prog_name="cnninspect")
def main() -> None:
    """Inspect convolutional network architectures: sizes, parameters and MACs, exact to PyTorch."""

