"""How to install an optional extra, said once for every hint that names one.

cnninspect is not on PyPI yet, so `pip install 'cnninspect[torch]'` would find nothing: a hint names the extra's
packages (pyproject.toml's optional-dependencies; a test keeps the two equal) and the install from a checkout.
Once the package is published, `pip install 'cnninspect[NAME]'` belongs here instead.
"""

from __future__ import annotations

PACKAGES = {"torch": ("torch", "torchinfo", "numpy"), "plot": ("matplotlib",)}
PINNED = {"torch": " -c constraints.txt"}  # constraints.txt pins torch to the CPU wheel


def install_hint(extra: str) -> str:
    """`pip install torch torchinfo numpy, or from a checkout of cnninspect: pip install -e '.[torch]' -c ...`"""
    return (f"pip install {' '.join(PACKAGES[extra])}, or from a checkout of cnninspect: "
            f"pip install -e '.[{extra}]'{PINNED.get(extra, '')}")


LIBRARIES = ("torchvision", "timm")  # model libraries a source may name (spec/sources.py): not extras of ours


def library_hint(library: str) -> str:
    """How to install a model library beside torch, for a source that names it (`timm:resnet50d`)."""
    return f"pip install {library} (beside the torch extra: {install_hint('torch')})"
