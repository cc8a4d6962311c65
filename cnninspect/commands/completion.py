"""Shell completion: `cnninspect completion bash|zsh|fish` prints the script, click's machinery answers it.

Commands, options and choices complete from their click declarations; a MODEL completes to the zoo's names
(`zoo:NAME` too) and to paths, both at once. click's own bash script drops the paths as soon as one name
matches (its `file` answer clears the names and asks for readline's paths only when nothing else matched), and
it reads `zoo:NAME` as three words (bash breaks words at a colon): `Bash` below fixes both.
"""

from __future__ import annotations

import os

import click
from click.shell_completion import BashComplete, CompletionItem, add_completion_class, split_arg_string

PROG, COMPLETE_VAR = "cnninspect", "_CNNINSPECT_COMPLETE"
SHELLS = ("bash", "zsh", "fish")

BASH_SOURCE = """\
%(complete_func)s() {
    local IFS=$'\\n' response completion type value
    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD COMP_LINE="${COMP_LINE:0:COMP_POINT}" \\
        COMP_WORDBREAKS="$COMP_WORDBREAKS" %(complete_var)s=bash_complete $1)
    for completion in $response; do
        IFS=',' read -r type value <<< "$completion"
        case $type in
            plain) COMPREPLY+=("$value") ;;
            dir) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -d -- "$value")) ;;
            file) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -f -- "$value")) ;;
        esac
    done
    return 0
}

complete -o nosort -F %(complete_func)s %(prog_name)s
"""


class Bash(BashComplete):
    """click's bash completion with names and paths together, and the words read from the line as typed."""

    source_template = BASH_SOURCE

    def get_completion_args(self) -> tuple[list[str], str]:
        line = os.environ.get("COMP_LINE")
        if line is None:  # called as click documents it: COMP_WORDS and COMP_CWORD only
            self._typed = None
            return super().get_completion_args()
        words = split_arg_string(line)
        if len(split_arg_string(line + "x")) > len(words):  # the line ends between words: a new one begins
            words.append("")
        self._typed = words[-1]
        return words[1:-1], words[-1]

    def format_completion(self, item: CompletionItem) -> str:
        value, typed = item.value, self._typed
        if item.type == "plain" and typed and ":" in typed and ":" in os.environ.get("COMP_WORDBREAKS", ":"):
            value = value.removeprefix(typed[:typed.rindex(":") + 1])  # bash replaces only the text after the colon
        return f"{item.type},{value}"


def register() -> None:
    """Before click answers a completion request: our bash in place of click's."""
    add_completion_class(Bash, "bash")


def complete_model(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The zoo's names that start with `incomplete` (`zoo:` names after `zoo:`), then the shell's paths."""
    from cnninspect.spec.load import ZOO_PREFIX, zoo_names

    prefix = ZOO_PREFIX if incomplete.startswith(ZOO_PREFIX) else ""
    stem = incomplete[len(prefix):]
    names = [CompletionItem(prefix + name) for name in zoo_names() if name.startswith(stem)]
    return names if prefix else [*names, CompletionItem(incomplete, type="file")]


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL: commands, options, their choices, zoo names and paths.

    \b
    In ~/.bashrc (bash 4.4 or later), or in ~/.zshrc after compinit:
      eval "$(cnninspect completion bash)"
      eval "$(cnninspect completion zsh)"
    For fish, a file to move into ~/.config/fish/completions/:
      cnninspect completion fish > cnninspect.fish
    """
    from click.shell_completion import get_completion_class

    register()
    root = click.get_current_context().find_root().command
    click.echo(get_completion_class(shell)(root, {}, PROG, COMPLETE_VAR).source(), nl=False)
