"""The parsed-spec cache: a hit is the parse it replaces, exactly, without PyYAML; anything else is a miss."""

from __future__ import annotations

import json
import math
import os
import pathlib
import subprocess
import sys

import pytest

from cnninspect.errors import InputError
from cnninspect.spec import cache, source
from cnninspect.spec.load import ZOO
from cnninspect.spec.source import Located, LocatedList, read_spec

ROOT = pathlib.Path(__file__).parent.parent.parent
SPEC = "name: net\ninput: [3, 8, 8]\nargs: {width: 4, ratio: 0.5, flag: true, none: null}\nlayers:\n" \
       "  - conv: {out: width, kernel: 3, padding: 1}\n  - relu\n"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> pathlib.Path:
    """Each test its own empty cache, on, whatever the environment says."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CNNINSPECT_CACHE_DIR", str(folder))
    monkeypatch.delenv("CNNINSPECT_NO_CACHE", raising=False)
    return folder


def entries(folder: pathlib.Path) -> list[pathlib.Path]:
    """Everything in the cache's own subfolder: its entries, and anything left behind there."""
    own = folder / cache.SUBFOLDER
    return sorted(own.glob("*")) if own.exists() else []


def assert_same(got: object, expected: object, at: str = "data") -> None:
    """Equal values of the same types, keys in the same order, and every location equal."""
    assert type(got) is type(expected), at
    if isinstance(expected, Located):
        assert list(got) == list(expected), at
        assert got.loc == expected.loc, at
        assert list(got.key_locs.items()) == list(expected.key_locs.items()), at
        assert list(got.value_locs.items()) == list(expected.value_locs.items()), at
        for key in expected:
            assert_same(got[key], expected[key], f"{at}.{key}")
    elif isinstance(expected, LocatedList):
        assert len(got) == len(expected), at
        assert got.loc == expected.loc and got.item_locs == expected.item_locs, at
        for index, (item, expected_item) in enumerate(zip(got, expected)):
            assert_same(item, expected_item, f"{at}[{index}]")
    else:
        assert repr(got) == repr(expected), at  # repr: 1 is not 1.0 is not True, and -0.0 is not 0.0


def fresh(name: str, text: str) -> Located:
    return source._yaml(text, name)  # the parser itself, no cache on either side


def yaml_specs() -> list[tuple[str, pathlib.Path]]:
    """(display name, file) for every zoo file, as load_model names them, and the YAML specs of examples/ and of
    the tests' data: those the reader accepts (errors are tested apart)."""
    found = [(f"zoo/{path.name}", path) for path in sorted(ZOO.glob("*.yaml"))]
    for path in sorted([*(ROOT / "examples").glob("*.yaml"), *(ROOT / "tests").glob("**/data/**/*.yaml")]):
        try:
            data = fresh(str(path), path.read_text(encoding="utf-8"))
        except (InputError, UnicodeDecodeError):
            continue
        if isinstance(data, Located) and json_carries(data):
            found.append((str(path.relative_to(ROOT)), path))
    return found


def json_carries(value: object) -> bool:
    """No dates, no inf or nan: what a file must hold to be cached (the others are tested apart)."""
    if isinstance(value, (dict, list)):
        return all(json_carries(item) for item in (value.values() if isinstance(value, dict) else value))
    return type(value) in (str, int, bool, type(None)) or type(value) is float and math.isfinite(value)


SPECS = yaml_specs()


@pytest.mark.parametrize("name, path", SPECS, ids=[name for name, _ in SPECS])
def test_a_hit_is_the_fresh_parse_exactly(cache_dir, monkeypatch, name, path):
    text = path.read_text(encoding="utf-8")
    expected = fresh(name, text)
    assert_same(read_spec(name, text, read_from=path), expected)  # a miss: parsed and stored
    assert len(entries(cache_dir)) == 1
    monkeypatch.setattr(source, "_yaml", lambda *_: pytest.fail("parsed again: the entry was not used"))
    assert_same(read_spec(name, text, read_from=path), expected)


def test_the_exactness_test_covers_the_zoo_and_the_data():
    names = [name for name, _ in SPECS]
    assert "zoo/resnet18.yaml" in names and "zoo/_resnet.yaml" in names and "examples/tiny_net.yaml" in names
    assert len([n for n in names if n.startswith("tests/")]) >= 5


def run_python(code: str, folder: pathlib.Path) -> str:
    env = {**os.environ, "CNNINSPECT_CACHE_DIR": str(folder)}
    env.pop("CNNINSPECT_NO_CACHE", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_hit_does_not_import_yaml(cache_dir):
    code = "import sys\nfrom cnninspect.spec.load import load_model\nload_model('resnet18')\n" \
           "print(sorted(m for m in ('yaml', 'tomllib') if m in sys.modules))"
    assert run_python(code, cache_dir) == "['yaml']"  # the first run parses, and stores both files
    assert len(entries(cache_dir)) == 2  # zoo/resnet18.yaml and the zoo/_resnet.yaml it includes
    assert run_python(code, cache_dir) == "[]"


def test_the_command_line_does_not_import_yaml_on_a_hit(cache_dir):
    code = "import sys\nfrom cnninspect.cli import main\n" \
           "sys.argv = ['cnninspect', 'summary', 'resnet18', '--format', 'json']\n" \
           "try:\n    main()\nexcept SystemExit as end:\n    assert not end.code, end.code\n" \
           "print('yaml' in sys.modules, file=sys.stderr)"
    env = {**os.environ, "CNNINSPECT_CACHE_DIR": str(cache_dir)}
    env.pop("CNNINSPECT_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
            for _ in range(2)]
    assert [run.stderr.strip() for run in runs] == ["True", "False"], runs[-1].stderr
    assert runs[0].stdout == runs[1].stdout and json.loads(runs[1].stdout)["model"]["name"] == "resnet18"


def test_a_changed_text_is_a_miss_and_replaces_the_entry(cache_dir, tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    read_spec(spec)
    [entry] = entries(cache_dir)
    changed = SPEC.replace("width: 4", "width:   8")
    spec.write_text(changed)
    data = read_spec(spec)
    assert data["args"]["width"] == 8 and data["args"].value_locs["width"].column == 17
    assert_same(data, fresh(str(spec), changed))
    assert entries(cache_dir) == [entry]  # one entry per file, whatever the edits
    assert cache.fetch(str(spec), spec, SPEC) is None
    assert_same(cache.fetch(str(spec), spec, changed), data)


@pytest.mark.parametrize("what", ["parser", "python", "reader", "cnninspect", "format"])
def test_an_entry_another_parser_or_reader_made_is_a_miss(cache_dir, tmp_path, monkeypatch, what):
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    data = read_spec(spec)
    assert_same(cache.fetch(str(spec), spec, SPEC), data)
    assert cache.HEADER["parser"] is not None  # PyYAML found: its stamp is in every entry
    monkeypatch.setitem(cache.HEADER, what, ["another"])
    assert cache.fetch(str(spec), spec, SPEC) is None


@pytest.mark.parametrize("change", ["group-writable", "other-writable", "someone else's"])
def test_a_folder_others_could_write_to_is_not_used(cache_dir, tmp_path, change):
    """Anyone who can write an entry could make a spec read as something else: such a folder is no cache."""
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    read_spec(spec)
    assert cache.fetch(str(spec), spec, SPEC) is not None
    if change == "someone else's":
        if not hasattr(os, "chown") or os.getuid() != 0:
            pytest.skip("giving a folder away takes root")
        os.chown(cache_dir, os.getuid() + 1, -1)
    else:
        cache_dir.chmod(0o770 if change == "group-writable" else 0o707)
    assert cache.fetch(str(spec), spec, SPEC) is None
    before = {entry: entry.read_bytes() for entry in entries(cache_dir)}
    spec.write_text(SPEC + "# changed\n")
    read_spec(spec)
    assert {entry: entry.read_bytes() for entry in entries(cache_dir)} == before  # nothing written there either


def test_an_entry_that_is_not_a_regular_file_is_a_miss_not_a_wait(cache_dir, tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    (cache_dir / cache.SUBFOLDER).mkdir(mode=0o700, parents=True)
    os.mkfifo(cache._entry_path(str(cache_dir), str(spec), spec))  # a FIFO with no writer: open() would block
    assert_same(read_spec(spec), fresh(str(spec), SPEC))


def test_the_cache_keeps_a_bounded_number_of_entries_the_newest(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 4)
    specs = []
    for i in range(5):
        spec = tmp_path / f"net{i}.yaml"
        spec.write_text(SPEC)
        specs.append(spec)
        read_spec(spec)
        path = cache._entry_path(str(cache_dir), str(spec), spec)
        if i < 4:
            os.utime(path, ns=(i * 10**9, i * 10**9))  # written in this order, a second apart
    assert len(entries(cache_dir)) == 2  # five, past four: down to half of four, the two written last
    assert [cache.fetch(str(spec), spec, SPEC) is not None for spec in specs] == [False, False, False, True, True]


def test_the_same_file_under_two_names_keeps_each_names_locations(cache_dir, tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    for _ in range(2):
        first, second = read_spec("a/net.yaml", SPEC, read_from=spec), read_spec("b/net.yaml", SPEC, read_from=spec)
    assert first.loc.file == "a/net.yaml" and second.loc.file == "b/net.yaml"
    assert len(entries(cache_dir)) == 2


def rewrite(entry: pathlib.Path, change) -> None:
    content = json.loads(entry.read_bytes())
    change(content)
    entry.write_text(json.dumps(content))


DAMAGES = {
    "truncated": lambda entry: entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2]),
    "empty": lambda entry: entry.write_bytes(b""),
    "not utf-8": lambda entry: entry.write_bytes(b"\xff\xfe\x00garbage"),
    "not json": lambda entry: entry.write_text("{'format': 1}"),
    "a list": lambda entry: entry.write_text("[1, 2, 3]"),
    "too deep": lambda entry: entry.write_text("[" * 100_000 + "]" * 100_000),
    "another format": lambda entry: rewrite(entry, lambda c: c.update(format=c["format"] + 1)),
    "another version": lambda entry: rewrite(entry, lambda c: c.update(cnninspect="0.0.0")),
    "another reader": lambda entry: rewrite(entry, lambda c: c.update(reader=[None, None])),
    "other Loc fields": lambda entry: rewrite(entry, lambda c: c.update(loc_fields=["file", "line"])),
    "another name": lambda entry: rewrite(entry, lambda c: c.update(name="other.yaml")),
    "another text": lambda entry: rewrite(entry, lambda c: c.update(text=c["text"] + "\n")),
    "no data": lambda entry: rewrite(entry, lambda c: c.pop("data")),
    "data a list": lambda entry: rewrite(entry, lambda c: c.update(data=[c["data"]])),
    "data a string": lambda entry: rewrite(entry, lambda c: c.update(data="net")),
    "no locations": lambda entry: rewrite(entry, lambda c: c.pop("locations")),
    "a location too few": lambda entry: rewrite(entry, lambda c: c.update(locations=c["locations"][:-2])),
    "a location too many": lambda entry: rewrite(entry, lambda c: c["locations"].extend([1, 1])),
    "half a location more": lambda entry: rewrite(entry, lambda c: c["locations"].append(1)),
    "a line as text": lambda entry: rewrite(entry, lambda c: c["locations"].__setitem__(0, "1")),
    "a line as a boolean": lambda entry: rewrite(entry, lambda c: c["locations"].__setitem__(0, True)),
    "a folder": lambda entry: (entry.unlink(), entry.mkdir()),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_entry_is_a_miss_and_is_rewritten(cache_dir, tmp_path, damage):
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    read_spec(spec)
    [entry] = entries(cache_dir)
    written = entry.read_bytes()
    DAMAGES[damage](entry)
    assert cache.fetch(str(spec), spec, SPEC) is None
    assert_same(read_spec(spec), fresh(str(spec), SPEC))
    if damage != "a folder":  # a folder in its place cannot be replaced: the entry is simply never used
        assert entry.read_bytes() == written
    assert entries(cache_dir) == [entry]  # no temporary file left behind


@pytest.mark.parametrize("where", ["under a file", "is a file"])
def test_an_unwritable_cache_folder_is_no_error(tmp_path, monkeypatch, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("CNNINSPECT_CACHE_DIR", str(blocker / "cache" if where == "under a file" else blocker))
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    for _ in range(2):
        assert_same(read_spec(spec), fresh(str(spec), SPEC))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "net.yaml"] and blocker.read_text() == ""


@pytest.mark.parametrize("value, on", [("1", False), ("yes", False), ("0", True), ("", True)])
def test_cnninspect_no_cache_turns_it_off(cache_dir, tmp_path, monkeypatch, value, on):
    monkeypatch.setenv("CNNINSPECT_NO_CACHE", value)
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    for _ in range(2):
        assert_same(read_spec(spec), fresh(str(spec), SPEC))
    assert len(entries(cache_dir)) == (1 if on else 0)


@pytest.mark.parametrize("text, message", [
    ("layers: [conv\n", "YAML syntax error"),
    ("a: 1\na: 2\n", "duplicate key 'a'"),
    ("a: !!python/object:os.system {}\n", "the tag tag:yaml.org,2002:python/object:os.system is not allowed"),
    ("- conv\n- relu\n", "a spec is a mapping"),
    ("# nothing\n", "the file is empty"),
    ("a: &x [1, 2]\nb: {<<: *x}\n", "merge keys"),
])
def test_an_error_is_never_cached_and_keeps_its_message(cache_dir, tmp_path, text, message):
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    messages = []
    for _ in range(2):
        with pytest.raises(InputError) as refused:
            read_spec(spec)
        messages.append(str(refused.value))
    assert messages[0] == messages[1] and message in messages[0]
    assert entries(cache_dir) == []


@pytest.mark.parametrize("value", ['!!timestamp "2020-01-01"', ".nan", "-.inf"])
def test_a_value_json_cannot_carry_exactly_is_not_cached(cache_dir, tmp_path, value):
    spec = tmp_path / "net.yaml"
    spec.write_text(f"name: net\nvalue: {value}\n")
    first, second = read_spec(spec), read_spec(spec)
    assert repr(first["value"]) == repr(second["value"])
    assert entries(cache_dir) == []


def test_exact_scalars_round_trip(cache_dir, tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("a: -0.0\nb: 1.0\nc: 1\nd: true\ne: null\nf: '1'\ng: 0x1F\nh: 1e400\n"
                    "i: 123456789012345678901234567890\nj: \"\\u00e9\\ud800 \\t\"\nk: 2020-01-01\nl: {}\nm: []\n"
                    "'': empty key\n")
    read_spec(spec)
    assert_same(cache.fetch(str(spec), spec, spec.read_text()), fresh(str(spec), spec.read_text()))


def test_json_and_toml_are_not_cached(cache_dir, tmp_path):
    for name, text in {"net.json": '{"name": "net", "layers": []}', "net.toml": 'name = "net"\nlayers = []\n'}.items():
        (tmp_path / name).write_text(text)
        read_spec(tmp_path / name)
    assert entries(cache_dir) == []


def test_a_text_without_a_file_is_not_cached(cache_dir):
    read_spec("net.yaml", SPEC)
    assert entries(cache_dir) == []


def test_where_the_cache_lives(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNINSPECT_NO_CACHE", raising=False)
    monkeypatch.setenv("CNNINSPECT_CACHE_DIR", "/somewhere/else")
    assert cache.folder() == "/somewhere/else"
    monkeypatch.delenv("CNNINSPECT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert cache.folder() == os.path.join("/xdg", "cnninspect")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # the XDG rules: ignored
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.folder() == os.path.join(str(tmp_path), ".cache", "cnninspect")
    monkeypatch.setenv("CNNINSPECT_NO_CACHE", "1")
    assert cache.folder() is None


def test_the_suite_keeps_its_cache_out_of_the_home_folder(monkeypatch):
    monkeypatch.delenv("CNNINSPECT_NO_CACHE", raising=False)
    suites = cache.folder()
    monkeypatch.delenv("CNNINSPECT_CACHE_DIR")
    assert suites and pathlib.Path(suites).name.startswith("cnninspect-test-cache-") and suites != cache.folder()


def test_a_folder_of_other_files_loses_none_of_them(cache_dir, tmp_path, monkeypatch):
    """CNNINSPECT_CACHE_DIR pointed at a folder of someone's JSON files: pruning deletes only the cache's entries."""
    monkeypatch.setattr(cache, "MAX_ENTRIES", 4)
    cache_dir.mkdir()
    theirs = [cache_dir / f"{i:04d}.json" for i in range(2100)]
    theirs += [cache_dir / "spec-0123456789abcdef.json", cache_dir / cache.SUBFOLDER / "notes.json",
               cache_dir / cache.SUBFOLDER / "spec-0123456789ABCDEF.json", cache_dir / cache.SUBFOLDER / "spec-1.json"]
    (cache_dir / cache.SUBFOLDER).mkdir(mode=0o700)
    for path in theirs:
        path.write_text("{}")
        os.utime(path, ns=(0, 0))  # older than any entry: the first to go, were they counted
    for i in range(9):
        spec = tmp_path / f"net{i}.yaml"
        spec.write_text(SPEC)
        read_spec(spec)
    assert all(path.read_text() == "{}" for path in theirs)
    ours = [p for p in entries(cache_dir) if p not in theirs]
    assert 2 <= len(ours) <= 4 and all(cache._is_entry_name(p.name) for p in ours)


def test_entries_are_named_so_and_kept_apart(cache_dir, tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    read_spec(spec)
    assert [p.name for p in cache_dir.iterdir()] == [cache.SUBFOLDER]
    [entry] = entries(cache_dir)
    assert entry.name.startswith("spec-") and cache._is_entry_name(entry.name)
    assert (cache_dir / cache.SUBFOLDER).stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("chosen", ["cache", "./cache", "sub/cache", "~user-who-does-not-exist/cache"])
def test_a_relative_cache_dir_is_no_cache_and_makes_no_folder(tmp_path, monkeypatch, chosen):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("CNNINSPECT_NO_CACHE", raising=False)
    monkeypatch.setenv("CNNINSPECT_CACHE_DIR", chosen)
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    for _ in range(2):
        assert_same(read_spec(spec), fresh(str(spec), SPEC))
    assert cache.folder() is None and list(work.iterdir()) == []


def test_a_cache_dir_with_a_tilde_is_the_home_folders(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNINSPECT_NO_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CNNINSPECT_CACHE_DIR", "~/specs")
    assert cache.folder() == str(tmp_path / "specs")
