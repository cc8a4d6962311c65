"""What changed between two architectures: their layers matched old to new, each pair's differences, the deltas
per layer and per block, and the totals side by side. What `cnninspect diff` and its renderers read.

Pure: two Summaries (one batch, one dtype) in, a Diff out. The matching rule, in order (docs/diff.md):
 1. anchors: a layer at the same module path (its n-th application there) with the same structure (type,
    settings, input and output shapes) is the same layer;
 2. renames: between two anchors, layers with the same structure under other paths (a renumbered Sequential,
    a renamed block) are matched in order, the most of them that keep their order (a longest common subsequence);
 3. changes: what is left between those, at the same path and of the same type, is the same layer changed;
 4. the rest was removed (old) or added (new).
Every layer of either side is in exactly one entry, so the entries' deltas sum to the difference of the totals.
"""

from __future__ import annotations

import bisect
from typing import NamedTuple, Sequence

from cnninspect.core.engine import Row
from cnninspect.core.summary import Summary, _merge

STATUSES = ("added", "removed", "changed", "renamed", "unchanged")
MAX_EDITS = 600  # insertions and deletions past which renames match only by structures unique on both sides


class Change(NamedTuple):
    what: str  # a setting's name, or "input" (the shape coming in)
    old: object
    new: object


class Entry(NamedTuple):
    """A layer (or, folded, a block of layers) old and new; the figures are new − old, for the whole batch."""

    status: str  # one of STATUSES
    old: Row | None  # None: added
    new: Row | None  # None: removed
    match: str  # "path" or "structure"; "" for an added or removed layer
    changes: tuple[Change, ...]  # settings that differ, and the input shape where it does
    params: int
    macs: int
    activation_bytes: int  # the output kept
    layers: int = 1  # rows folded into this entry
    counts: tuple[tuple[str, int], ...] = ()  # folded: (status, rows) for each status present

    @property
    def path(self) -> str:
        return (self.new or self.old).path

    @property
    def renamed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.path != self.new.path


class Total(NamedTuple):
    key: str
    label: str
    old: object  # an int, or a shape (a tuple) for output and receptive field
    new: object

    @property
    def delta(self) -> int | None:
        numbers = all(type(v) is int for v in (self.old, self.new))
        return self.new - self.old if numbers else None


class Diff(NamedTuple):
    old_label: str  # as named on the command line (a zoo name, a file, REV:FILE)
    new_label: str
    old: Summary
    new: Summary
    entries: tuple[Entry, ...]  # inference layers in order, each removed one where it stood
    aux_entries: tuple[Entry, ...]  # auxiliary heads' layers
    layers: tuple[Entry, ...]  # the entries folded to `depth` (the entries themselves without one)
    blocks: tuple[Entry, ...]  # the entries (and aux entries) folded to the top-level modules
    totals: tuple[Total, ...]
    depth: int | None

    def count(self, status: str) -> int:
        return sum(e.status == status for e in (*self.entries, *self.aux_entries))

    @property
    def same(self) -> bool:
        """Nothing changed: every layer unchanged and every total equal."""
        return (all(e.status == "unchanged" for e in (*self.entries, *self.aux_entries))
                and all(t.old == t.new for t in self.totals))


def diff(old: Summary, new: Summary, old_label: str, new_label: str, depth: int | None = None) -> Diff:
    """`old` and `new` at the same batch and dtype, unfolded (summarize without a depth)."""
    main = _entries(old, new, [r for r in old.analysis.rows if not r.aux], [r for r in new.analysis.rows if not r.aux])
    aux = _entries(old, new, [r for r in old.analysis.rows if r.aux], [r for r in new.analysis.rows if r.aux])
    layers = fold(main, depth) if depth is not None else main
    return Diff(old_label, new_label, old, new, main, aux, layers, fold(main, 1) + fold(aux, 1), _totals(old, new),
                depth)


def _entries(old: Summary, new: Summary, a: list[Row], b: list[Row]) -> tuple[Entry, ...]:
    found = []
    for i, j, how in match(a, b):
        x, y = (a[i] if i is not None else None), (b[j] if j is not None else None)
        params = (y.params if y else 0) - (x.params if x else 0)
        macs = (y.macs * new.batch if y else 0) - (x.macs * old.batch if x else 0)
        memory = (new.output_bytes(y) if y else 0) - (old.output_bytes(x) if x else 0)  # a pool's indices too
        changes = _changes(x, y) if x and y and _structure(x) != _structure(y) else ()
        found.append(Entry(_status(x, y, changes), x, y, how, changes, params, macs, memory))
    return tuple(found)


def _status(x: Row | None, y: Row | None, changes: tuple[Change, ...]) -> str:
    if x is None or y is None:
        return "added" if x is None else "removed"
    if changes or _figures(x) != _figures(y) or not _same_field(x, y):
        return "changed"
    return "renamed" if x.path != y.path else "unchanged"


def _figures(row: Row) -> tuple:
    return (row.type_name, row.output, row.params, row.buffers, row.macs, row.ops)


def _same_field(x: Row, y: Row) -> bool:
    """The same receptive field (the footprints' sizes; the same footprint, the common case, at once)."""
    return x.footprint == y.footprint or receptive_field(x) == receptive_field(y)


def _changes(x: Row, y: Row) -> tuple[Change, ...]:
    old, new = _settings(x), _settings(y)
    found = [Change(name, old.get(name), new.get(name)) for name in {**old, **new}
             if old.get(name) != new.get(name)]
    if x.input != y.input:
        found.append(Change("input", x.input, y.input))
    return tuple(found)


def _settings(row: Row) -> dict:
    """A layer's evaluated fields by name (a merge has none)."""
    return dict(row.settings._values) if row.settings is not None else {}


def receptive_field(row: Row) -> tuple[int, ...] | None:
    """Per axis; None once every output reads the whole input; () without spatial axes."""
    return tuple(f.size for f in row.footprint) if row.footprint is not None else None


# --- matching ---------------------------------------------------------------------------------------------------

def match(a: Sequence[Row], b: Sequence[Row]) -> list[tuple[int | None, int | None, str]]:
    """(old index, new index, how) in order, by the rule in the module's docstring; an index is None where a layer
    has no counterpart. Each index of either side appears exactly once."""
    keys_a, keys_b = _keys(a), _keys(b)
    where = {key: j for j, key in enumerate(keys_b)}
    candidates = [(i, where[key]) for i, key in enumerate(keys_a)
                  if key in where and _structure(a[i]) == _structure(b[where[key]])]
    found: list = []
    start_a = start_b = 0
    for i, j in (*_increasing(candidates), (len(a), len(b))):
        found += _renames(a, b, keys_a, keys_b, start_a, i, start_b, j)
        if i < len(a):
            found.append((i, j, "path"))
        start_a, start_b = i + 1, j + 1
    return found


def _keys(rows: Sequence[Row]) -> list[tuple[str, int]]:
    """(path, n): the n-th application of the module at that path (torch runs a reused ReLU twice)."""
    seen: dict[str, int] = {}
    keys = []
    for row in rows:
        n = seen.get(row.path, 0)
        seen[row.path] = n + 1
        keys.append((row.path, n))
    return keys


def _structure(row: Row) -> tuple:
    """What a layer is, its name aside: its type, settings and shapes (the rest follows from them)."""
    return (row.kind, row.type_name, row.settings.key() if row.settings is not None else None, row.input, row.output)


def _renames(a, b, keys_a, keys_b, a0: int, a1: int, b0: int, b1: int) -> list:
    """A gap between anchors: the same structure under another path, in order; then `_changed` between those."""
    if a0 == a1 or b0 == b1:
        return _changed(a, b, keys_a, keys_b, a0, a1, b0, b1)
    ids: dict = {}
    old = [ids.setdefault(_structure(r), len(ids)) for r in a[a0:a1]]
    new = [ids.setdefault(_structure(r), len(ids)) for r in b[b0:b1]]
    found: list = []
    pairs = common(old, new)
    if pairs is None:  # too different for a shortest edit script: the structures that occur once on each side
        once_a, once_b = _unique(old), _unique(new)
        pairs = _increasing([(i, once_b[s]) for s, i in once_a.items() if s in once_b])
    start_a, start_b = a0, b0
    for i, j in (*((a0 + x, b0 + y) for x, y in pairs), (a1, b1)):
        found += _changed(a, b, keys_a, keys_b, start_a, i, start_b, j)
        if i < a1:
            found.append((i, j, "structure"))
        start_a, start_b = i + 1, j + 1
    return found


def common(a: list, b: list, most: int = MAX_EDITS) -> list[tuple[int, int]] | None:
    """A longest common subsequence of `a` and `b` as index pairs, by Myers' O((N + M)·D) shortest edit script
    (the algorithm of git diff); None when more than `most` insertions and deletions separate them."""
    n, m = len(a), len(b)
    most = min(most, n + m)
    counts: dict = {}
    for item in a:
        counts[item] = counts.get(item, 0) + 1
    shared = 0  # the most items a common subsequence can hold: past `most` edits already, no search
    for item in b:
        if counts.get(item, 0) > 0:
            counts[item] -= 1
            shared += 1
    if n + m - 2 * shared > most:
        return None
    v = [0] * (2 * most + 3)  # v[k + most + 1]: the furthest x on diagonal k = x - y
    trace = []
    for d in range(most + 1):
        trace.append(v[most + 1 - d: most + 2 + d])  # the diagonals -d..d as the round before left them
        for k in range(-d, d + 1, 2):
            at = k + most + 1
            x = v[at + 1] if k == -d or (k != d and v[at - 1] < v[at + 1]) else v[at - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            v[at] = x
            if x >= n and y >= m:
                return _back(trace, n, m)
    return None


def _back(trace: list[list[int]], x: int, y: int) -> list[tuple[int, int]]:
    """The diagonal moves of the edit script that ends at (x, y), from the rounds' furthest points."""
    pairs = []
    for d in range(len(trace) - 1, 0, -1):
        v, k = trace[d], x - y  # v[i]: diagonal i - d
        down = k == -d or (k != d and v[k - 1 + d] < v[k + 1 + d])
        before = k + 1 if down else k - 1
        px = v[before + d]
        py = px - before
        while x > px and y > py:
            x, y = x - 1, y - 1
            pairs.append((x, y))
        x, y = px, py
    while x > 0 and y > 0:
        x, y = x - 1, y - 1
        pairs.append((x, y))
    return pairs[::-1]


def _changed(a, b, keys_a, keys_b, a0: int, a1: int, b0: int, b1: int) -> list:
    """What is left: the same path (and application) and type on both sides, in order; the rest removed, then
    added."""
    if a0 == a1 or b0 == b1:
        return [(k, None, "") for k in range(a0, a1)] + [(None, k, "") for k in range(b0, b1)]
    where = {keys_b[j]: j for j in range(b0, b1)}
    pairs = _increasing([(i, where[keys_a[i]]) for i in range(a0, a1)
                         if keys_a[i] in where and a[i].type_name == b[where[keys_a[i]]].type_name])
    found: list = []
    start_a, start_b = a0, b0
    for i, j in (*pairs, (a1, b1)):
        found += [(k, None, "") for k in range(start_a, i)] + [(None, k, "") for k in range(start_b, j)]
        if i < a1:
            found.append((i, j, "path"))
        start_a, start_b = i + 1, j + 1
    return found


def _unique(items: list) -> dict:
    counts: dict = {}
    for index, item in enumerate(items):
        counts[item] = -1 if item in counts else index
    return {item: index for item, index in counts.items() if index >= 0}


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of `pairs` (increasing in their first item) increasing in the second: patience
    sorting, O(n log n)."""
    pairs = sorted(pairs)
    tails: list[int] = []  # tails[k]: the smallest second item ending an increasing run of k + 1
    ends: list[int] = []  # the index in `pairs` of that run's last pair
    back = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        back[index] = ends[k - 1] if k else -1
        if k == len(tails):
            tails.append(j)
            ends.append(index)
        else:
            tails[k], ends[k] = j, index
    run, index = [], ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = back[index]
    return run[::-1]


# --- folding and totals -----------------------------------------------------------------------------------------

def fold(entries: Sequence[Entry], depth: int) -> tuple[Entry, ...]:
    """Consecutive entries deeper than `depth` whose (new, else old) paths share the prefix of that depth become one
    entry, as `summary --depth` folds rows (core/summary.py's fold, whose merge builds each side's block)."""
    groups: list[tuple[list[Entry], str | None]] = []
    for entry in entries:
        path = entry.path
        prefix = ".".join(path.split(".")[:depth]) if path.count(".") >= depth else None
        if prefix is not None and groups and groups[-1][1] == prefix:
            groups[-1][0].append(entry)
        else:
            groups.append(([entry], prefix))
    return tuple(_folded(group, depth) if prefix is not None else group[0] for group, prefix in groups)


def _folded(group: list[Entry], depth: int) -> Entry:
    old = [e.old for e in group if e.old is not None]
    new = [e.new for e in group if e.new is not None]
    counts = tuple((s, n) for s in STATUSES if (n := sum(e.status == s for e in group)))
    statuses = {s for s, _ in counts}
    status = statuses.pop() if len(statuses) == 1 else "changed"
    old_row, new_row = (_merge(old, depth) if old else None), (_merge(new, depth) if new else None)
    if status == "renamed" and old_row is not None and new_row is not None and old_row.path == new_row.path:
        status = "unchanged"  # renamed inside the block: the block itself is where it was
    how = "path" if old and new else ""
    return Entry(status, old_row, new_row, how, (), sum(e.params for e in group), sum(e.macs for e in group),
                 sum(e.activation_bytes for e in group), len(group), counts)


def last_receptive_field(summary: Summary) -> tuple[int, ...] | None:
    """At the last inference layer that still has spatial axes, as summary's totals give it."""
    last = summary.receptive_row
    return receptive_field(last) if last else None


def _totals(old: Summary, new: Summary) -> tuple[Total, ...]:
    a, b = old.totals, new.totals
    found = [Total("params", "parameters", a.params, b.params)]
    if a.aux_params or b.aux_params:
        found.append(Total("aux_params", "auxiliary parameters", a.aux_params, b.aux_params))
    found += [
        Total("buffers", "buffers", a.buffers, b.buffers),
        Total("macs", "MACs", a.macs, b.macs),
        Total("flops", "FLOPs", a.flops, b.flops),
    ]
    if a.aux_macs or b.aux_macs:
        found.append(Total("aux_macs", "auxiliary MACs", a.aux_macs, b.aux_macs))
    found += [
        Total("param_bytes", "parameter memory", a.param_bytes, b.param_bytes),
        Total("activation_bytes", "activation memory", a.activation_bytes, b.activation_bytes),
        Total("largest_activation_bytes", "largest activation", a.largest_activation_bytes,
              b.largest_activation_bytes),
        Total("layers", "layers", len(old.analysis.rows), len(new.analysis.rows)),
        Total("output", "output", old.analysis.output, new.analysis.output),
        Total("receptive_field", "receptive field", last_receptive_field(old), last_receptive_field(new)),
    ]
    return tuple(found)
