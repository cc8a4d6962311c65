"""The project's one error type for bad input. The CLI turns it into one line and exit status 2."""

from __future__ import annotations

from cnninspect.inert import inert

PREFIX = "cnninspect: error: "


class InputError(Exception):
    """Bad input: a flag value, a spec, or a layer that does not fit its input.

    `where` locates the problem for a human ("--s", "step 2 'pool:3/2/2'", "net.yaml:14:7: layer 'stem'");
    the domain code leaves it empty and the boundary that knows the context fills it in.
    """

    def __init__(self, message: str, *, where: str = "", param: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.param = param  # the domain parameter at fault ("stride", "input"), for mapping to a flag

    def located(self, where: str) -> "InputError":
        return InputError(self.message, where=where, param=self.param)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class Note(UserWarning):
    """Not an error: something a user should know, such as which of two things a model's name meant. The CLI
    prints it as one line on stderr (`cnninspect: note: ...`) and goes on; a library caller sees a warning."""


def received(message: str, **values: object) -> str:
    """Keras-style: say what is wrong, then what was received (text as the caller wrote it; other values as a spec
    writes them)."""
    from cnninspect.spell import spell

    got = ", ".join(f"{name}={value if isinstance(value, str) else spell(value)}" for name, value in values.items())
    return f"{message}. Received {got}" if got else message


def error_line(error: object) -> str:
    """`cnninspect: error: FILE:LINE:COL: message`, inert: one line whatever the file, key or flag held."""
    return PREFIX + inert(error)
