"""The project's one error type for bad input. The CLI turns it into one line and exit status 2."""

from __future__ import annotations

from cnninspect.inert import inert

PREFIX = "cnninspect: error: "


class InputError(Exception):
    """Bad input: a flag value, a spec, or a layer that does not fit its input.

    Where it is, structured, so that no caller parses a message back:
    - `loc`: the place in a file (cnninspect.core.graph.Loc: file, line, column, data path), or None;
    - `layer`: the module path of the layer at fault ("layer1.0.conv1"), "" for none;
    - `where`: what else a human needs to find it, as text ("--s", "step 2 'pool:3/2/2'", "layer 'stem' (conv),
      input 3x224x224").
    The domain code leaves them empty and the boundary that knows the context fills them in (located).
    str() writes them compiler-style: `FILE:LINE:COL: WHERE: message`; a consumer that shows the place its own way
    (a CI annotation, a JSON report) reads `loc` and `layer` and shows `unplaced`, or `location()`.
    """

    def __init__(self, message: str, *, where: str = "", param: str = "", loc: object = None,
                 layer: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.param = param  # the domain parameter at fault ("stride", "input"), for mapping to a flag
        self.loc = loc
        self.layer = layer

    def located(self, where: str = "", *, loc: object = None, layer: str | None = None) -> "InputError":
        """The same error, placed: `where` replaces the text; `loc` and `layer` replace the old ones if given."""
        return InputError(self.message, where=where, param=self.param, loc=self.loc if loc is None else loc,
                          layer=self.layer if layer is None else layer)

    def __str__(self) -> str:
        return ": ".join(part for part in (str(self.loc) if self.loc is not None else "", self.where, self.message)
                         if part)

    @property
    def unplaced(self) -> str:
        """The error read at its place: what str() writes after `FILE:LINE:COL: `. Where the format keeps no
        lines (JSON, TOML) the loc's data path stays in front: nothing else finds the place in the file."""
        path = self.loc.path if self.loc is not None and self.loc.line is None else ""
        return ": ".join(part for part in (path, self.where, self.message) if part)

    def location(self) -> dict | None:
        """Its place as data (check's JSON): file, line, column, data path, layer path; None when it has none."""
        loc = self.loc
        if loc is None and not self.layer:
            return None
        file, line, column, path = (loc.file, loc.line, loc.column, loc.path or None) if loc is not None else [None] * 4
        return {"file": file, "line": line, "column": column, "path": path, "layer": self.layer or None}


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
