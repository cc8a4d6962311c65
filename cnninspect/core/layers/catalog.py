"""Every layer kind, by name and alias: one registry, built explicitly, refusing duplicates."""

from __future__ import annotations

from cnninspect.core.layers import activation, conv, dense, narrow, norm, pad, pool, reduce, reshape, same, scale, stdconv, unpool
from cnninspect.core.layers.base import LayerKind


def _index(kinds: tuple[LayerKind, ...]) -> dict[str, LayerKind]:
    index: dict[str, LayerKind] = {}
    for kind in kinds:
        for name in (kind.name, *kind.aliases):
            if name in index:
                raise RuntimeError(f"layer name {name!r} is registered twice")
            index[name] = kind
    return index


KINDS = (*conv.KINDS, *same.KINDS, *stdconv.KINDS, *pool.KINDS, *pad.KINDS, *norm.KINDS, *activation.KINDS, *dense.KINDS, *reduce.KINDS,
         *reshape.KINDS, *scale.KINDS, *narrow.KINDS, *unpool.KINDS)
BY_NAME = _index(KINDS)
