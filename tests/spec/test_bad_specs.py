"""A corpus of bad spec files (tests/data/bad/), each refused with one clear message and exit status 2.

Every file in tests/data/bad/ is one broken spec. What `cnninspect summary FILE` must print is written next to
it, in one convention for every format:

    # expect: LINE: FRAGMENT
    # expect: -: FRAGMENT

- YAML and TOML files carry it as their first line (a comment). JSON has no comments, so JSON files have the
  same two parts in the JSON table below: file name -> (LINE or None, FRAGMENT).
- LINE is the 1-based line the error must be reported at: stderr must read
  `cnninspect: error: PATH:LINE:` (a column may follow). `-` (None in the table) means the message has no
  line: stderr reads `cnninspect: error: PATH: ...`. YAML keeps positions, so YAML files give a line unless the
  error is about the whole file (empty, binary, not a mapping); JSON and TOML give a line only for syntax errors
  (their parsers keep no positions), and then give the layer path in the message instead.
- FRAGMENT must appear verbatim in the message. Several fragments, all required, are joined by ` && `.

Each file is run in-process (click's CliRunner) and must give: exit status 2, nothing on stdout, exactly one
line on stderr starting with `cnninspect: error: ` and the file's path, the line as above, the fragments, no
traceback (no exception escaping the CLI's boundary), and all of it in under a second (a robustness bound:
nothing may hang, however large the numbers in the file; not a benchmark).

Where cnninspect's current behaviour falls short, the file still states what should hold and the case is listed
in KNOWN_FAILURES, run as a strict xfail: it turns into a failure, asking for this entry to be removed, as soon
as the behaviour is fixed.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import time

import pytest

from cnninspect.cli import main
from tests.cli_support import MEMORY_LIMIT, PREFIX, TIME_LIMIT_S, measured, runner

BAD = pathlib.Path(__file__).parent.parent / "data" / "bad"
ROOT = pathlib.Path(__file__).parent.parent.parent
_EXPECT = re.compile(r"# expect: (?P<line>\d+|-): (?P<fragments>.+)")

JSON = {
    "json_syntax.json": (7, "JSON syntax error"),
    "json_empty.json": (None, "the file is empty"),
    "json_list.json": (None, "a spec is a mapping (name, input, layers, ...); this file holds a list"),
    "json_duplicate_key.json": (None, "duplicate key 'kernel'"),
    "json_unknown_layer.json": (None, "unknown layer or block 'conv2x' && 'head'"),
    "json_add_mismatch.json": (None, "add in 'res': the branches' shapes differ: 32x32x32, 16x32x32"),
    "json_linear_features.json": (None, "layer 'fc' (linear), input 256: expects 512 input features but receives 256"),
    "json_upsample_nan.json": (None, "layers[0].upsample.scale: 'scale' must be a finite number && scale=nan"),
    "json_number_too_long.json": (None, "a number of thousands of digits"),
}

KNOWN_FAILURES: dict[str, str] = {
    # file name -> what is wrong today; run as a strict xfail until fixed. Empty: every case holds.
}


def _expectation(path: pathlib.Path) -> tuple[int | None, list[str]]:
    if path.suffix == ".json":
        line, fragments = JSON[path.name]
    else:
        first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
        match = _EXPECT.fullmatch(first.rstrip("\r"))
        assert match, f"{path.name}: the first line must be '# expect: LINE: FRAGMENT' or '# expect: -: FRAGMENT'"
        line = None if match["line"] == "-" else int(match["line"])
        fragments = match["fragments"]
    return line, [f.strip() for f in fragments.split(" && ")]


def _check(path: pathlib.Path, status: int, stdout: str, stderr: str) -> None:
    line, fragments = _expectation(path)
    assert "Traceback" not in stdout + stderr, stderr
    assert status == 2, f"exit status {status}; stderr: {stderr!r}"
    assert stdout == "", f"stdout: {stdout!r}"
    assert stderr.endswith("\n") and stderr.count("\n") == 1, f"not exactly one line: {stderr!r}"
    head = f"{PREFIX}{path}"
    assert stderr.startswith(head), f"expected {head!r} first: {stderr!r}"
    rest = stderr[len(head):]
    if line is None:
        assert rest.startswith(": "), f"expected no line after the path: {stderr!r}"
    else:
        assert re.match(rf":{line}(:\d+)?: ", rest), f"expected line {line}: {stderr!r}"
    for fragment in fragments:
        assert fragment in stderr, f"missing {fragment!r}: {stderr!r}"


FILES = sorted(p for p in BAD.iterdir() if p.is_file())


def _param(path: pathlib.Path):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[path.name])] if path.name in KNOWN_FAILURES else []
    return pytest.param(path, id=path.name, marks=marks)


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_bad_spec_gives_one_located_message(path: pathlib.Path):
    start = time.perf_counter()
    result = runner().invoke(main, ["summary", str(path)])
    elapsed = time.perf_counter() - start
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    assert escaped is None, f"an exception escaped the CLI: {escaped!r}"
    _check(path, result.exit_code, result.stdout, result.stderr)
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.2f} s"


@pytest.mark.parametrize("name", ["unknown_layer.yaml", "json_syntax.json", "toml_kernel_too_large.toml"])
def test_bad_spec_from_a_real_process(name: str):
    """The same, as users run it. The time bound is looser: it includes starting Python."""
    path = BAD / name
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "cnninspect", "summary", str(path)], capture_output=True,
                            text=True, encoding="utf-8", timeout=60, cwd=ROOT)
    elapsed = time.perf_counter() - start
    _check(path, result.returncode, result.stdout, result.stderr)
    assert elapsed < 10 * TIME_LIMIT_S, f"took {elapsed:.2f} s"


def test_the_corpus_is_complete():
    assert len(FILES) >= 45
    for path in FILES:
        assert path.suffix in (".yaml", ".json", ".toml"), path.name
        _expectation(path)  # every file states what it expects
    names = {p.name for p in FILES}
    assert set(JSON) == {n for n in names if n.endswith(".json")}
    assert set(KNOWN_FAILURES) <= names


@pytest.mark.parametrize("size", [10**12, 10**18])
def test_enormous_input_works_or_is_refused_cleanly(tmp_path: pathlib.Path, size: int):
    """Sizes are Python ints: an input of 10^12 or 10^18 per axis must neither hang nor allocate."""
    spec = tmp_path / "huge.yaml"
    spec.write_text(f"""\
name: huge
input: [3, {size}, {size}]
layers:
  - conv: {{out: 64, kernel: 7, stride: 2, padding: 3}}
  - bn
  - relu
  - maxpool: {{kernel: 3, stride: 2, padding: 1, ceil_mode: true}}
  - conv: {{out: 64, kernel: 3, padding: 1, groups: 64}}
  - upsample: {{scale: 2}}
  - adaptive_avgpool: {{size: 7}}
  - flatten
  - linear: {{out: 10}}
""", encoding="utf-8")
    start = time.perf_counter()
    result = runner().invoke(main, ["summary", str(spec), "--batch", "1000000000"])
    elapsed = time.perf_counter() - start
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith(f"{PREFIX}{spec}") and result.stderr.count("\n") == 1
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.2f} s"


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_bad_spec_uses_bounded_memory(path: pathlib.Path):
    """tracemalloc counts what Python allocates while the CLI reads, walks and refuses the file."""
    _, _, peak = measured(["summary", str(path)])
    assert peak < MEMORY_LIMIT, f"{path.name}: {peak / 2**20:.1f} MiB"
