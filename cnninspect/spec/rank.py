"""The input ranks a spec is written for: its `rank` key, or else the rank of its own `input`.

A rank counts the axes of one sample, channels included (3 for C x H x W). A layer such as `conv` follows the
rank of what it receives (Conv1d, 2d or 3d), so a spec written for images would silently become another
network at another rank: the default is the rank of the spec's `input`, and a spec meant for several says so.
"""

from __future__ import annotations

from cnninspect.errors import InputError
from cnninspect.spec.source import Located
from cnninspect.spec.values import input_shape, show

KEY = "rank"
ANY = "any"
MOST = 4  # as 'input': 1 to 4 numbers


def input_ranks(data: Located) -> tuple[int, ...]:
    """The ranks the spec accepts, sorted; () for any rank."""
    own = len(input_shape(data))
    if KEY not in data:
        return (own,)
    value, loc = data[KEY], data.value_locs[KEY]
    if value == ANY:
        return ()
    ranks = value if isinstance(value, list) else [value]
    if not ranks or not all(type(r) is int and 1 <= r <= MOST for r in ranks) or len(set(ranks)) < len(ranks):
        raise InputError(f"'{KEY}' is the number of axes of one sample, channels included (3 for C x H x W): 1 to "
                         f"{MOST}, a list of them, or '{ANY}'. Received {show(value)}", loc=loc)
    if own not in ranks:
        raise InputError(f"'{KEY}' {show(value)} leaves out the rank of the spec's own 'input' ({own})", loc=loc)
    return tuple(sorted(ranks))
