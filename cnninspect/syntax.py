"""The command line's words, as constants: importable by `--help` without the arithmetic behind them."""

from typing import NamedTuple

STEP_SYNTAX = "KIND:f[/s[/p[/d]]][:ceil][:op=N][*REPEAT], e.g. conv:7/2/3, pool:3/2/1:ceil, tconv:4/2/1, conv:3/1/1*3"
KIND_NAMES = ("conv", "transposed", "maxpool", "avgpool")  # core.window.Kind's values (a test keeps them equal)


class ElementType(NamedTuple):
    """An element type, as --dtype names it."""

    name: str  # the flag's word
    bytes: int  # per element: every memory figure
    torch: str  # the torch dtype's attribute (torch.float32, ...): --time, --train --verify
    mixed: bool  # trained as torch.autocast does: float32 master weights, 16-bit activations (docs/training.md)


# The element types, written once. Every command's --dtype takes every one of them (a test walks the commands);
# the memory figures (core.summary, core.training), --time's and --train's torch dtypes derive from this table.
ELEMENT_TYPES = (
    ElementType("float32", 4, "float32", False),
    ElementType("float16", 2, "float16", True),
    ElementType("bfloat16", 2, "bfloat16", True),
    ElementType("float64", 8, "float64", False),
)
ELEMENT_TYPE = {t.name: t for t in ELEMENT_TYPES}
DTYPES = tuple(ELEMENT_TYPE)  # --dtype's choices
DTYPE_BYTES = {t.name: t.bytes for t in ELEMENT_TYPES}
MIXED = tuple(t.name for t in ELEMENT_TYPES if t.mixed)
MASTER = "float32"  # the master weights' type under mixed precision
OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}  # --optimizer: state tensors per parameter
DEFAULT_OPTIMIZER = "adamw"
TIME_DEVICES = ("cpu", "cuda", "mps")  # --device: where --time runs (--train takes a part: core.training.DEVICES)
