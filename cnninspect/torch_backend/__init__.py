"""The torch backend: build the real nn.Module from a spec, cross-check every figure, time forward passes.

Imported only when asked for; torch and torchinfo come from the `torch` extra (cnninspect/extras.py says how).
"""

from __future__ import annotations

from cnninspect.errors import InputError
from cnninspect.extras import install_hint

EXTRA = install_hint("torch")


def require_torch(what: str, *, torchinfo: bool = False) -> None:
    """Say which extra to install, once, instead of a traceback."""
    import importlib

    for package in ("torch", "torchinfo") if torchinfo else ("torch",):
        try:
            importlib.import_module(package)
        except ImportError:
            raise InputError(f"{what} needs {package}, which is not installed: {EXTRA}") from None
