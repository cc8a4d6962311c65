"""Find a model by zoo name or file and build it: the one entry point from a name on the command line to a Model."""

from __future__ import annotations

import contextlib
import difflib
import gc
import pathlib

from cnninspect.core.graph import Model
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.source import FORMATS, read_spec

ZOO = pathlib.Path(__file__).parent.parent / "zoo"


def zoo_names() -> list[str]:
    return sorted(path.stem for path in ZOO.glob("*.yaml"))


def load_model(name_or_path: str) -> Model:
    """A zoo name (resnet18) or a spec file (my_net.yaml, .json, .toml)."""
    with _collector_paused():  # a spec becomes many small acyclic objects: the cycle collector only costs time
        return _load(name_or_path)


@contextlib.contextmanager
def _collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(name_or_path: str) -> Model:
    path = pathlib.Path(name_or_path)
    if path.suffix.lower() in FORMATS or path.exists():
        if not path.is_file():
            raise InputError(f"{name_or_path}: no such file")
        return build_model(read_spec(path), path.stem)
    if name_or_path in zoo_names():  # named zoo/NAME.yaml in messages, wherever the package is installed
        text = (ZOO / f"{name_or_path}.yaml").read_text(encoding="utf-8")
        return build_model(read_spec(f"zoo/{name_or_path}.yaml", text), name_or_path)
    close = difflib.get_close_matches(name_or_path.lower(), zoo_names(), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; the zoo has {', '.join(zoo_names())}"
    raise InputError(f"unknown model '{name_or_path}' (not a zoo name, not a file){hint}")
