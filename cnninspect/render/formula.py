"""The output-size formulas written out with the user's numbers: the teaching view of one axis."""

from __future__ import annotations

from cnninspect.core.window import AxisWindow, Kind


def symbolic(axis: AxisWindow) -> str:
    """The formula in letters, in the tutorial's form where dilation and padding allow it."""
    if axis.kind is Kind.TRANSPOSED:
        return "out = (n − 1)·s − 2p + d·(f − 1) + output_padding + 1"
    floor_l, floor_r = ("⌈", "⌉") if axis.ceil_mode else ("⌊", "⌋")
    pad = "2p" if axis.pad_left == axis.pad_right else "p_left + p_right"
    room = f"n − f + {pad}" if axis.dilation == 1 else f"n + {pad} − d·(f − 1) − 1"
    return f"out = {floor_l}({room})/s{floor_r} + 1"


def worked(axis: AxisWindow, n: int) -> str:
    """The formula with numbers, step by step, ending in the output size."""
    out = axis.output(n)
    if axis.kind is Kind.TRANSPOSED:
        p = axis.pad_left
        return (f"({n} − 1)·{axis.stride} − 2·{p} + {axis.dilation}·({axis.kernel} − 1) + "
                f"{axis.output_padding} + 1 = {out}")
    floor_l, floor_r = ("⌈", "⌉") if axis.ceil_mode else ("⌊", "⌋")
    pad = f"2·{axis.pad_left}" if axis.pad_left == axis.pad_right else f"{axis.pad_left} + {axis.pad_right}"
    if axis.dilation == 1:
        room = f"{n} − {axis.kernel} + {pad}"
    else:
        room = f"{n} + {pad} − {axis.dilation}·({axis.kernel} − 1) − 1"
    quotient = -(-axis.room(n) // axis.stride) if axis.ceil_mode else axis.room(n) // axis.stride
    text = (f"{floor_l}({room})/{axis.stride}{floor_r} + 1 = {floor_l}{axis.room(n)}/{axis.stride}{floor_r} + 1"
            f" = {quotient} + 1 = {quotient + 1}")
    if out != quotient + 1:
        text += (f", but window {quotient + 1} would start at {quotient * axis.stride} ≥ n + p = "
                 f"{n + axis.pad_left}, inside the right padding, so PyTorch drops it: {out}")
    return text
