"""The matching rule on small specs written here: anchors by path, renames by structure, changes by path, the rest
added or removed; the shortest edit script against a brute-force LCS; and the speed on 10,000 layers."""

from __future__ import annotations

import itertools
import pathlib
import random
import time

from hypothesis import given, strategies as st

from cnninspect.core.diff import common, diff
from tests.diff.support import assert_invariants, summary

HEAD = "name: {name}\ninput: [3, 16, 16]\nlayers:\n"


def spec(tmp_path: pathlib.Path, name: str, layers: list[str]) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(HEAD.format(name=name) + "".join(f"  - {layer}\n" for layer in layers))
    return str(path)


def diffed(tmp_path, old: list[str], new: list[str]):
    d = diff(summary(spec(tmp_path, "old", old)), summary(spec(tmp_path, "new", new)), "old", "new")
    assert_invariants(d)
    return [(e.status, e.old.path if e.old else None, e.new.path if e.new else None) for e in d.entries], d


CONV = "conv: {out: 8, kernel: 3, padding: 1}"


def test_an_inserted_layer_renumbers_the_rest(tmp_path):
    found, _ = diffed(tmp_path, [CONV, "relu", "maxpool: {kernel: 2}"], [CONV, "bn", "relu", "maxpool: {kernel: 2}"])
    assert found == [("unchanged", "0", "0"), ("added", None, "1"), ("renamed", "1", "2"), ("renamed", "2", "3")]


def test_a_changed_setting_at_the_same_path(tmp_path):
    found, d = diffed(tmp_path, [CONV, "relu"], [CONV.replace("out: 8", "out: 16"), "relu"])
    assert found == [("changed", "0", "0"), ("changed", "1", "1")]
    assert [(c.what, c.old, c.new) for c in d.entries[0].changes] == [("out", 8, 16)]
    assert [c.what for c in d.entries[1].changes] == ["input"]


def test_a_named_layer_renamed(tmp_path):
    found, d = diffed(tmp_path, ["conv: {name: stem, out: 8, kernel: 3}", "relu: {name: act}"],
                      ["conv: {name: first, out: 8, kernel: 3}", "relu: {name: act}"])
    assert found == [("renamed", "stem", "first"), ("unchanged", "act", "act")]
    assert d.entries[0].match == "structure"


def test_another_type_at_the_same_path_is_removed_and_added(tmp_path):
    found, _ = diffed(tmp_path, [CONV, "relu"], [CONV, "gelu"])
    assert found == [("unchanged", "0", "0"), ("removed", "1", None), ("added", None, "1")]


def test_a_reused_module_is_matched_application_by_application(tmp_path):
    """torch runs a parameter-free module twice where code calls it twice: each run is its own row."""
    twice = ["conv: {name: a, out: 8, kernel: 3, padding: 1}", "relu: {name: act}",
             "conv: {name: b, out: 8, kernel: 3, padding: 1}", "relu: {name: act}"]
    found, _ = diffed(tmp_path, twice, twice[:2] + [twice[2].replace("out: 8", "out: 4"), twice[3]])
    assert found == [("unchanged", "a", "a"), ("unchanged", "act", "act"), ("changed", "b", "b"),
                     ("changed", "act", "act")]


def test_only_the_receptive_field_moved(tmp_path):
    found, d = diffed(tmp_path, [CONV, "relu"], [CONV.replace("kernel: 3, padding: 1", "kernel: 5, padding: 2"),
                                                 "relu"])
    assert found[1] == ("changed", "1", "1") and d.entries[1].changes == ()


def _lcs(a, b) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, j in itertools.product(range(len(a) - 1, -1, -1), range(len(b) - 1, -1, -1)):
        table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    return table[0][0]


@given(st.lists(st.integers(0, 3), max_size=14), st.lists(st.integers(0, 3), max_size=14))
def test_the_shortest_edit_script_is_a_longest_common_subsequence(a, b):
    pairs = common(a, b)
    assert all(a[i] == b[j] for i, j in pairs)
    assert all(p[0] < q[0] and p[1] < q[1] for p, q in zip(pairs, pairs[1:]))
    assert len(pairs) == _lcs(a, b)


def test_too_many_edits_gives_up():
    assert common(list(range(50)), list(range(50, 100)), most=20) is None
    assert common([1] * 30 + [2], [1] * 30 + [3], most=2) == [(i, i) for i in range(30)]


def test_ten_thousand_layers(tmp_path):
    """Two 10,000-layer specs, a layer inserted in the middle (the rest renumbered): well under a second beyond the
    analyses (about 0.1 s alone on a 2020 laptop; the bound leaves room for a shared machine)."""
    unit = ["conv: {out: 8, kernel: 3, padding: 1, bias: false}", "bn", "relu", "conv: {out: 8, kernel: 1}"]

    def body(extra: list[str]) -> list[str]:
        lines = ["repeat:", "      times: 1250", "      layers:", *(f"        - {u}" for u in unit)]
        return ["\n".join(lines), *extra, "\n".join(lines)]
    old = summary(spec(tmp_path, "big_old", body([])))
    new = summary(spec(tmp_path, "big_new", body(["relu"])))
    assert len(old.analysis.rows) == 10_000
    best = min(_timed(old, new) for _ in range(3))
    d = diff(old, new, "old", "new")
    assert (d.count("added"), d.count("renamed"), d.count("unchanged")) == (1, 5000, 5000)
    assert best < 1.0, f"{best:.2f} s"


def _timed(old, new) -> float:
    start = time.perf_counter()
    diff(old, new, "old", "new")
    return time.perf_counter() - start
