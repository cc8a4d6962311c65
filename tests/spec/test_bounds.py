"""Bounds on work, not only on what a spec adds: every stage's cost grows with its input at most linearly and
stops at a stated limit, with one located line (exit 2, < 1 s, bounded memory, as the bad-spec corpus).

- The walk counts steps of work (nodes visited, repeat runs, block calls), not only layers: a repeat or a call
  whose least work (least_work, from what the spec writes) would pass the budget is refused before it runs.
- Reading: a YAML file's events are read first (depth, value count, syntax: no tree built); JSON's duplicate
  keys in one pass; includes read once each, by real path, and only inside the spec's folder.
- Commands: `check`'s `**` does not follow links to folders; `--sweep` counts its sizes before building them.
- And no false refusal: brackets in comments and strings are text, not nesting.
"""

from __future__ import annotations

import json
import os
import pathlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnninspect.cli import main
from cnninspect.core import engine, naming, program, work
from cnninspect.core.evaluate import bind_arguments
from cnninspect.errors import InputError
from cnninspect.spec.build import build_model
from cnninspect.spec.load import load_model
from cnninspect.spec.source import read_spec
from tests.cli_support import MEMORY_LIMIT, TIME_LIMIT_S, bounded_refusal, measured, runner
from tests.spec.test_bad_specs import _check

# ---------------------------------------------------------------- the walk's work


@st.composite
def structures(draw, blocks: tuple[str, ...], depth: int = 0, literal: bool = False):
    """A node that keeps the tensor's shape (so any arrangement is valid): layers, seq, add, repeat, aux, calls;
    conditions and counts literal or (unless `literal`) expressions over the model argument k."""
    kinds = ["relu", "identity", "bn"] + (["seq", "add", "repeat", "aux"] if depth < 3 else []) + (
        ["call"] if blocks else [])
    kind = draw(st.sampled_from(kinds))
    conditions = [None, True, False] + ([] if literal else ["k > 1", "in_channels == 3"])
    when = draw(st.sampled_from(conditions))
    common = {} if when is None else {"if": when}

    def body(low: int = 0):
        return draw(st.lists(structures(blocks, depth + 1, literal), min_size=low, max_size=3))

    if kind in ("relu", "identity", "bn"):
        return {kind: common} if common else kind
    if kind == "call":
        return {draw(st.sampled_from(blocks)): common}
    if kind == "repeat":
        times = draw(st.sampled_from([0, 1, 2, 3] + ([] if literal else ["k", "k - 1"])))
        return {"repeat": {**common, "times": times, "layers": body()}}
    if kind == "add":
        return {"add": {**common, "branches": [body() for _ in range(draw(st.integers(2, 3)))]}}
    return {kind: {**common, "layers": body()}}


@st.composite
def programs(draw, literal: bool = False) -> dict:
    blocks: dict = {}
    for n in range(draw(st.integers(0, 3))):  # a block calls only blocks defined before it: no recursion
        blocks[f"b{n}"] = {"layers": draw(st.lists(structures(tuple(blocks), 1, literal), max_size=3))}
    layers = draw(st.lists(structures(tuple(blocks), 0, literal), min_size=1, max_size=4))
    return {"input": [3, 8, 8], "args": {"k": draw(st.integers(1, 3))}, "blocks": blocks, "layers": layers}


def steps_spent(model) -> int:
    env = bind_arguments(model.args, {}, {}, {}, "model")
    walk = engine._Walk(model, env)
    walk.sequence(model.body.children, program.start(model.input), naming.Scope(""), env, False)
    return work.MAX_WORK - walk.work


def least(model) -> int:
    memo: dict = {}
    return sum(work.least_work(child, model.blocks, memo) for child in model.body.children)


@settings(max_examples=150, deadline=None)
@given(programs())
def test_least_work_never_exceeds_the_walks_own_count(spec):
    """The look-ahead refuses only what the walk would refuse: its count is a lower bound, whatever the
    conditions and counts evaluate to."""
    model = build_model(read_spec("work.json", json.dumps(spec)), "work")
    assert least(model) <= steps_spent(model)


@settings(max_examples=150, deadline=None)
@given(programs(literal=True))
def test_least_work_is_the_walks_count_where_the_spec_is_literal(spec):
    model = build_model(read_spec("work.json", json.dumps(spec)), "work")
    assert least(model) == steps_spent(model)


def test_work_just_under_the_budget_is_answered(tmp_path):
    spec = tmp_path / "busy.yaml"  # 1 + (1 + 600 * (1 + 601 + 1)) + (1 + 300 * (1 + 1 + 228 * 2)) = 499,203 steps
    spec.write_text("input: [3, 8, 8]\nlayers:\n  - relu\n"
                    "  - repeat: {times: 600, layers: [{repeat: {times: 600, layers: []}}, {relu: {if: false}}]}\n"
                    "  - repeat: {times: 300, layers: [{repeat: {times: 228, layers: [{identity: {if: false}}]}}]}\n")
    assert len(engine.analyze(load_model(str(spec))).rows) == 1


def test_running_out_of_work_names_the_place(tmp_path, monkeypatch):
    """Work the look-ahead cannot see (a body under a condition that is an expression) stops at the budget,
    located where it ran out: 2000 runs of 6 steps, where the look-ahead knew of 2 each."""
    monkeypatch.setattr(work, "MAX_WORK", 5000)
    spec = tmp_path / "guarded.yaml"
    spec.write_text("input: [3, 8, 8]\nargs: {n: 2000}\nlayers:\n  - repeat:\n      times: n\n      layers:\n"
                    "        - seq: {if: 'in_channels > 0', layers: [relu, relu, relu, relu]}\n")
    with pytest.raises(InputError) as refused:
        engine.analyze(load_model(str(spec)))
    assert str(refused.value) == (f"{spec}:7:67: more than 5000 steps of work (nodes visited, repeat runs, block "
                                  f"calls); cnninspect stops here")


def test_calls_fanning_out_under_conditions_stop_at_the_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(work, "MAX_WORK", 5000)
    lines = ["input: [3, 8, 8]", "blocks:", "  b0: {layers: [relu]}"]
    lines += [f"  b{n}: {{layers: [{{b{n - 1}: {{if: 'in_channels > 0'}}}}, {{b{n - 1}: {{if: 'in_channels > 0'}}}}]}}"
              for n in range(1, 41)]
    spec = tmp_path / "fanout.yaml"
    spec.write_text("\n".join([*lines, "layers: [b40]"]) + "\n")
    with pytest.raises(InputError, match=r"fanout\.yaml:\d+:\d+: .* 5000 steps of work \(nodes visited, repeat runs, "
                                         r"block calls\); cnninspect stops here$"):
        engine.analyze(load_model(str(spec)))


def test_a_repeat_that_would_run_out_of_work_is_refused_before_it_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(work, "MAX_WORK", 5000)
    spec = tmp_path / "repeat.yaml"
    spec.write_text("input: [3, 8, 8]\nargs: {n: 1000}\nlayers:\n  - relu\n  - repeat: {times: n, layers: [bn, bn]}\n"
                    "  - repeat: {times: n, layers: [bn, bn, bn, bn]}\n")
    with pytest.raises(InputError) as refused:
        engine.analyze(load_model(str(spec)))
    assert str(refused.value) == (f"{spec}:6:5: repeat 1000 times would pass 5000 steps of work (nodes visited, "
                                  f"repeat runs, block calls); cnninspect stops here")


# ---------------------------------------------------------------- the CLI's guarantees on generated files


def summary(path: pathlib.Path, *extra: str):
    """`cnninspect summary PATH`, timed, its refusal checked against the file's `# expect:` line (the corpus'
    convention, tests/spec/test_bad_specs.py)."""
    start = time.perf_counter()
    result = runner().invoke(main, ["summary", str(path), *extra])
    elapsed = time.perf_counter() - start
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    _check(path, result.exit_code, result.stdout, result.stderr)
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.2f} s"


LAYERS = "  - conv: {out: 64, kernel: 3, padding: 1}\n  - relu\n"
FOUR_MB = 4 * 1024 * 1024 - 100


def test_a_4mb_yaml_with_a_syntax_error_at_its_end_is_refused_at_once(tmp_path):
    """Too many values to be a spec: refused where the count passes, without composing any of it."""
    head = "# expect: 40002: more than 200000 values; a spec holds at most 200000\ninput: [3, 8, 8]\nlayers:\n"
    path = tmp_path / "big.yaml"
    path.write_text(head + LAYERS * ((FOUR_MB - len(head)) // len(LAYERS) - 1) + "  - [unclosed\n")
    assert path.stat().st_size > 4_000_000
    summary(path)
    _, _, peak = measured(["summary", str(path)])  # traced apart: tracemalloc slows the parse past the time bound
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.1f} MiB"


def test_a_4mb_yaml_of_few_values_with_a_syntax_error_at_its_end(tmp_path):
    """Comments and long strings cost libyaml little; the pure-Python parser is asked only about small files."""
    comment = "# " + "x" * 1000 + "\n"
    head = "# expect: 4003: YAML syntax error: while parsing a flow sequence\ninput: [3, 8, 8]\nlayers:\n"
    path = tmp_path / "commented.yaml"
    path.write_text(head + comment * 3998 + "  - relu\n  - [unclosed, {a: 1}\n")
    assert path.stat().st_size > 4_000_000
    summary(path)


def test_the_syntax_error_of_a_small_file_is_explained_by_the_pure_python_parser(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text("# expect: 3: YAML syntax error: && found character '\\t' that cannot start any token\n"
                    "input: [3, 8, 8]\n\tlayers: [relu]\n")
    summary(path)


@pytest.mark.parametrize("where", [
    "name: n  # {brackets}\n",
    'description: "{brackets}"\n',
    "description: '{brackets}'\n",
    "description: |\n  {brackets}\n  and more\n",
    "metadata: {{note: \"{brackets}\"}}\n",
])
def test_brackets_in_comments_and_strings_are_text(tmp_path, where):
    path = tmp_path / "brackets.yaml"
    path.write_text(where.format(brackets="[" * 40 + "{" * 40) + "input: [3, 8, 8]\nlayers: [relu]\n")
    assert engine.analyze(load_model(str(path))).output == (3, 8, 8)


def test_brackets_in_json_and_toml_strings_are_text(tmp_path):
    text = "[" * 70 + "{" * 70
    (tmp_path / "a.json").write_text(json.dumps({"description": text, "input": [3, 8, 8], "layers": ["relu"]}))
    (tmp_path / "a.toml").write_text(f"description = {json.dumps(text)}  # {text}\ninput = [3, 8, 8]\n"
                                     f"layers = ['relu']\n")
    for name in ("a.json", "a.toml"):
        assert engine.analyze(load_model(str(tmp_path / name))).output == (3, 8, 8)


def test_real_nesting_is_refused_where_it_passes_the_limit(tmp_path):
    path = tmp_path / "deep.yaml"  # block style, no bracket: the 63rd '- ' opens a list at depth 65
    path.write_text("# expect: 6: nested deeper than 64 levels\ninput: [3, 8, 8]\nlayers: [relu]\nmetadata:\n"
                    "  note:\n    " + "- " * 70 + "1\n")
    summary(path)


def test_20000_json_keys_with_a_duplicate_are_refused_at_once(tmp_path):
    keys = ", ".join(f'"k{n}": {n}' for n in range(20_000))
    path = tmp_path / "keys.json"
    path.write_text(f'{{"input": [3, 8, 8], "metadata": {{{keys}, "k7": 0}}, "layers": ["relu"]}}')
    bounded_refusal(["summary", str(path)], "duplicate key 'k7'", where=f"{path}: ")


# ---------------------------------------------------------------- includes

FAMILY = "blocks:\n  cbr:\n    layers: [conv: {out: 4, kernel: 3, padding: 1}, relu]\n"


def net(folder: pathlib.Path, *includes: str) -> pathlib.Path:
    path = folder / "net.yaml"
    path.write_text(f"include: [{', '.join(includes)}]\ninput: [3, 8, 8]\nlayers:\n  - cbr\n")
    return path


def test_a_diamond_of_includes_gives_each_block_once(tmp_path):
    (tmp_path / "_d.yaml").write_text(FAMILY)
    (tmp_path / "_b.yaml").write_text("include: [_d.yaml]\nblocks: {}\n")
    (tmp_path / "_c.yaml").write_text("include: [_d.yaml, _d.yaml]\n")
    assert engine.analyze(load_model(str(net(tmp_path, "_b.yaml", "_c.yaml", "_d.yaml")))).output == (4, 8, 8)


def test_includes_fanning_out_are_read_once_each(tmp_path):
    """Eight files each including every later one: 2^7 paths to the last, eight reads."""
    names = [f"_f{n}.yaml" for n in range(8)]
    for n, name in enumerate(names):
        (tmp_path / name).write_text(f"include: [{', '.join(names[n + 1:])}]\n" + (FAMILY if n == 7 else ""))
    start = time.perf_counter()
    assert engine.analyze(load_model(str(net(tmp_path, *names)))).output == (4, 8, 8)
    assert time.perf_counter() - start < TIME_LIMIT_S


def test_more_included_files_than_the_limit_are_refused(tmp_path):
    names = [f"_f{n}.yaml" for n in range(70)]
    for name in names:
        (tmp_path / name).write_text("blocks: {}\n")
    (tmp_path / "_all.yaml").write_text(FAMILY)
    with pytest.raises(InputError, match=r"net\.yaml:1:\d+: include '_f63\.yaml': more than 64 included files"):
        load_model(str(net(tmp_path, "_all.yaml", *names)))


@pytest.fixture
def outside(tmp_path) -> pathlib.Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (tmp_path / "secret.yaml").write_text("blocks:\n  cbr: {layers: [relu]}\n")
    return folder


@pytest.mark.parametrize("target", ["../secret.yaml", "/proc/self/pagemap", "/etc/passwd", "/dev/zero"])
def test_an_include_that_links_outside_the_folder_is_refused_unread(outside, target):
    (outside / "_fam.yaml").symlink_to(target)
    path = net(outside, "_fam.yaml")
    bounded_refusal(["summary", str(path)], "include '_fam.yaml' is a link to a file outside the spec's folder",
                    where=f"{path}:1:")


def test_an_include_through_a_linked_folder_outside_is_refused(outside):
    (outside.parent / "elsewhere").mkdir()
    (outside.parent / "elsewhere" / "_fam.yaml").write_text(FAMILY)
    (outside / "_fam.yaml").symlink_to(outside.parent / "elsewhere" / "_fam.yaml")
    with pytest.raises(InputError, match="outside the spec's folder"):
        load_model(str(net(outside, "_fam.yaml")))


def test_a_link_inside_the_folder_is_its_target_and_read_once(tmp_path):
    (tmp_path / "_fam.yaml").write_text(FAMILY)
    (tmp_path / "_alias.yaml").symlink_to("_fam.yaml")
    assert engine.analyze(load_model(str(net(tmp_path, "_alias.yaml", "_fam.yaml")))).output == (4, 8, 8)


@pytest.mark.parametrize("make, message", [
    (lambda p: p.symlink_to("_missing.yaml"), "include '_fam.yaml': no such file"),
    (lambda p: p.symlink_to(p.name), "include '_fam.yaml': no such file"),  # a link to itself
    (lambda p: os.mkfifo(p), "include '_fam.yaml': not a regular file"),  # never opened: it would block
    (lambda p: p.mkdir(), "include '_fam.yaml': not a regular file"),
])
def test_an_include_that_is_no_file_is_refused(tmp_path, make, message):
    make(tmp_path / "_fam.yaml")
    with pytest.raises(InputError, match=message):
        load_model(str(net(tmp_path, "_fam.yaml")))


# ---------------------------------------------------------------- commands


def test_check_globs_do_not_follow_links_to_folders(tmp_path, monkeypatch):
    """A link to '.' and one to '..': glob.glob's '**' would recurse until the paths grow too long, then
    again for every combination of the two."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d" / "sub").mkdir(parents=True)
    for name in ("d/a.yaml", "d/sub/b.yaml"):
        (tmp_path / name).write_text("input: [3, 8, 8]\nlayers: [relu]\n")
    (tmp_path / "d" / "self").symlink_to(".")
    (tmp_path / "d" / "sub" / "up").symlink_to("..")
    start = time.perf_counter()
    result = runner().invoke(main, ["check", "d/**/*.yaml", "--format", "json"])
    assert time.perf_counter() - start < TIME_LIMIT_S
    assert result.exit_code == 0, result.output
    assert [spec["file"] for spec in json.loads(result.stdout)["specs"]] == ["d/a.yaml", "d/sub/b.yaml"]
    result = runner().invoke(main, ["check", "d/", "--format", "json"])
    assert [spec["file"] for spec in json.loads(result.stdout)["specs"]] == ["d/a.yaml", "d/sub/b.yaml"]


@pytest.mark.parametrize("pattern, expected", [
    ("d/*.yaml", ["d/a.yaml"]),  # hidden files only where the pattern names them, as glob.glob
    ("d/.*.yaml", ["d/.h.yaml"]),
    ("d/a**.yaml", ["d/a.yaml"]),  # '**' inside a name is '*', as in glob.glob
    ("*/a.yaml", ["d/a.yaml"]),
])
def test_check_globs_match_as_glob_does(tmp_path, monkeypatch, pattern, expected):
    from cnninspect.commands.check import _matches

    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    for name in ("d/a.yaml", "d/.h.yaml"):
        (tmp_path / name).write_text("x")
    assert _matches(pattern) == expected


@pytest.mark.parametrize("sweep, fragment", [
    ("1:100000000:1", "a sweep has 1 to 64 sizes; '1:100000000:1' gives 100000000"),
    ("1:" + "9" * 40 + ":1", "positive integers (up to 18 digits)"),
    ("1" * 5000 + ":1:1", "positive integers (up to 18 digits)"),
    ("²:3:1", "positive integers"),
])
def test_a_sweep_is_counted_before_it_is_built(sweep, fragment):
    line = bounded_refusal(["compare", "resnet18", "--sweep", sweep], fragment, where="--sweep: ")
    assert len(line) < 400  # not echoed whole


def test_a_link_and_a_file_from_a_relative_folder(tmp_path, monkeypatch):
    """The folder as the user wrote it (relative here): a file in it is in it, a link is judged by its real path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "_fam.yaml").write_text(FAMILY)
    (tmp_path / "specs" / "_link.yaml").symlink_to("_fam.yaml")
    (tmp_path / "specs" / "_more.yaml").write_text("blocks:\n  other: {layers: [relu]}\n")
    path = net(tmp_path / "specs", "_link.yaml", "_more.yaml")
    assert engine.analyze(load_model(str(path.relative_to(tmp_path)))).output == (4, 8, 8)
