"""Max unpooling (MaxUnpool1d/2d/3d): the partial inverse of a max pool that returned its indices.

The unpool reads two tensors: the incoming one (the pooled values, or what the network made of them) and the
indices of an earlier `maxpool` with `indices: true`, named by its path (`indices: PATH`, resolved as `from:` is,
core/refs.py). The walk resolves the path into a `Pooled` value (core/paired.py) before the rule runs, so the rule
stays a function of its settings and one shape.
"""

from __future__ import annotations

import math

from cnninspect.core.layers.base import Field, Params, RuleOut, Shape, layer, refuse, require, show, spatial_rank
from cnninspect.core.window import AxisWindow, Kind


class Pooled:
    """What an unpool knows of the indices it reads: the pool's path, their shape (the pool's output), the pool's
    input shape (`size: input`), the largest flat index over one plane that the pool can write (`reach`), and the
    pool's window per axis (kernel, stride, left padding, dilation): where each index can point."""

    __slots__ = ("path", "shape", "input", "reach", "windows")

    def __init__(self, path: str, shape: Shape, input: Shape, reach: int, windows: tuple) -> None:
        self.path, self.shape, self.input, self.reach, self.windows = path, shape, input, reach, windows

    def _key(self) -> tuple:
        return self.path, self.shape, self.input, self.reach, self.windows

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pooled) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:  # as the spec names it (a diagram's settings)
        return self.path

    def __repr__(self) -> str:
        return f"Pooled({self.path!r}, {self.shape}, {self.input}, {self.reach}, {self.windows})"


def _spread(value, rank: int, name: str) -> tuple[int, ...]:
    values = value if isinstance(value, tuple) else (value,)
    require(len(values) in (1, rank), f"expected 1 or {rank} values (one per spatial axis)", param=name,
            **{name: "x".join(map(str, values))})
    return values * (rank // len(values))


@layer("maxunpool", aliases=("max_unpool", "maxunpool1d", "maxunpool2d", "maxunpool3d"),
       doc="Max unpooling (MaxUnpool1d/2d/3d): the values placed back where an earlier max pool found them, zeros "
           "elsewhere.",
       fields={"kernel": Field("ints", doc="window size, one number or one per spatial axis", low=1),
               "stride": Field("ints", None, "stride (default: the kernel size, as in PyTorch)", low=1),
               "padding": Field("ints", 0, "padding", low=0),
               "indices": Field("ref", doc="the path of the max pool (with indices: true) whose indices it reads"),
               "size": Field("outsize", None, "the output's spatial size (torch's output_size), or 'input': the "
                                              "size of that pool's input", low=1)})
def maxunpool(p: Params, x: Shape) -> RuleOut:
    """out = (n − 1)·s − 2p + k per axis; with `size`, that size, which torch takes strictly between out − s and
    out + s. No MACs and no ops: a scatter (FlopCounterMode counts none). Its windows are its pool's, transposed:
    an index points into the pool's window, whatever the unpool's own settings."""
    rank = spatial_rank(x, "maxunpool")
    pooled = p.indices
    if not isinstance(pooled, Pooled):  # a Params made outside a walk
        refuse("'indices' must name an earlier max pool", "indices", indices=str(pooled))
    require(pooled.shape == x, "the indices must have the input's shape (torch requires it)", "indices",
            indices=show(pooled.shape), input=show(x))
    size = _size(p, pooled, x, rank)
    require(pooled.reach < math.prod(size), f"the pool '{pooled.path}' writes indices up to {pooled.reach} (its "
            f"input is {show(pooled.input)}), past this output's {math.prod(size)} positions per channel: torch "
            f"fails on some inputs ('Found an invalid max index'); size: input gives the pool's input size back",
            "size", size="x".join(map(str, size)))
    return RuleOut((x[0], *size), f"MaxUnpool{rank}d", spatial=tuple(map(_scatter, pooled.windows, x[1:], size)))


def _size(p: Params, pooled: Pooled, x: Shape, rank: int) -> tuple[int, ...]:
    """torch's _unpool_output_size: the default (n − 1)·s − 2p + k, or the size given, strictly within the default
    ± the stride."""
    kernel, stride = _spread(p.kernel, rank, "kernel"), _spread(p.stride or p.kernel, rank, "stride")
    padding = _spread(p.padding, rank, "padding")
    default = tuple((n - 1) * s - 2 * q + k for n, s, q, k in zip(x[1:], stride, padding, kernel))
    size = default if p.size is None else pooled.input[1:] if p.size == "input" else _spread(p.size, rank, "size")
    for axis, (n, d, s) in enumerate(zip(size, default, stride)):
        if p.size is not None and not d - s < n < d + s:
            refuse(f"output size {n} on spatial axis {axis} is out of torch's range: it must be between "
                   f"{d - s} and {d + s}, both excluded ((n − 1)·s − 2p + k = {d}, ± the stride)", "size",
                   size="x".join(map(str, size)), input=show(x))
        if n < 1:
            refuse("the output size would be < 1: (n − 1)·s − 2p + k", "kernel", output=n, input=show(x))
    return size


def _scatter(window: tuple, n: int, out: int) -> AxisWindow:
    """An axis of the unpool as the transposed window of its pool: output o reads input i where o is in the pool's
    window i (its maximum was found there); the right side trimmed or extended to `out` positions."""
    kernel, stride, left, dilation = window
    reach = (n - 1) * stride - left + dilation * (kernel - 1) + 1  # the output the pool's windows span
    return AxisWindow(Kind.TRANSPOSED, kernel, stride, left, max(0, reach - out), dilation, max(0, out - reach))


KINDS = (maxunpool,)
