"""A layer that reads a second, earlier output besides the incoming tensor: a max unpool and its pool's indices.

A kind says so with a field of type `ref` (core/fields.py): the path of the earlier output. The walk resolves it
as `from:` is resolved (core/refs.py: the same scopes, auxiliary heads and messages), checks that it names a max
pool that returns its indices, and gives the rule a Pooled (core/layers/unpool.py) in place of the path. The program
records the pair as a Paired step; the replay (core/plan.py) makes the Pooled again from the replayed pool's row,
and the builders (torch_backend/build.py, core/training/step.py) hand the pool's indices to the layer.
"""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core import receptive
from cnninspect.core.layers.base import LayerKind, Params
from cnninspect.core.layers.catalog import KINDS
from cnninspect.core.layers.unpool import Pooled
from cnninspect.core.refs import expand
from cnninspect.errors import InputError

READS = {kind.name: name for kind in KINDS for name, field in kind.fields.items() if field.type == "ref"}
"""The kinds that read an earlier output, and the field that names it."""


class Paired(NamedTuple):
    """A step: the layer of row `row` runs on the tensor, with the indices that the step `source` (a max pool
    with indices: true) yielded besides its output."""

    row: int
    source: int


def yields_indices(row) -> bool:
    """Whether a layer's row also yields indices (a max pool with indices: true): what memory counts, and what an
    unpool may read."""
    return getattr(row.settings, "indices", None) is True


def resolve(kind: LayerKind, params: Params, x, outputs, rows, scope: str, head, loc, env) -> tuple:
    """The layer's settings with its reference resolved to a Pooled, the step of the pool it reads, and x as the
    layer reads it (joined). InputError (param: the field) where the path names nothing computed before, or no
    max pool with indices."""
    field = READS[kind.name]
    written = getattr(params, field)
    try:
        tensor = outputs.resolve(expand(written, env, loc), scope, head, loc, field, written)
    except InputError as error:
        raise InputError(error.message, param=field) from None
    said = f"'{field}: {written}'"
    if tensor.source < 0:
        raise InputError(f"{said} names an input of the model, not a max pool: a {kind.name} reads the indices of "
                         f"a maxpool with indices: true", param=field)
    row = rows[tensor.source]
    if row.kind != "maxpool":
        raise InputError(f"{said}: '{row.path}' is a {row.kind} layer ({row.type_name}), not a max pool: a "
                         f"{kind.name} reads the indices of a maxpool with indices: true", param=field)
    if not yields_indices(row):
        raise InputError(f"{said}: the max pool '{row.path}' does not return its indices: give it indices: true",
                         param=field)
    return bind(kind, params, pooled(row)), tensor.source, joined(x, tensor)


def joined(x, pool):
    """x, reading what the pool's output reads too: an unpool's output depends on its values (x) and on where
    the pool found its maxima (the indices, of the pool's output's footprint), position for position."""
    return x._replace(axes=receptive.merged([(x.shape, x.axes), (pool.shape, pool.axes)], x.shape))


def pooled(row) -> Pooled:
    """What a max pool's row says of its indices: their shape, the pool's input, and the largest flat index per
    plane it can write (that of the last position its last window covers, row-major as torch counts)."""
    reach = 0
    for n, o, w in zip(row.input[1:], row.output[1:], row.windows):
        reach = reach * n + min(n - 1, (o - 1) * w.stride - w.pad_left + w.span - 1)
    windows = tuple((w.kernel, w.stride, w.pad_left, w.dilation) for w in row.windows)
    return Pooled(row.path, row.output, row.input, reach, windows)


def bind(kind: LayerKind, params: Params, value: Pooled) -> Params:
    """The settings with the reference field holding `value`."""
    return Params({**dict(zip(kind.fields, params.key())), READS[kind.name]: value})


def module_key(kind: LayerKind, params: Params) -> tuple:
    """What makes two applications one module (a parameter-free module called again): the settings, without what
    torch passes at each call, the indices and the output size (SegNet's one `self.unpool` reads another pool's
    indices at each call)."""
    return tuple(v for name, v in zip(kind.fields, params.key()) if name not in (READS[kind.name], "size"))


def refuse_shared(row, loc) -> None:
    """`share:` of a layer that reads an earlier output: it reads its own; another layer of the kind is the way."""
    if row.kind in READS:
        raise InputError(f"'share: {row.path}': a {row.kind} reads the indices of its own pool and holds no "
                         f"parameters: write another {row.kind} instead", loc=loc)
