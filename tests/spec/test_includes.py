"""include: a family's blocks shared between spec files, from the spec's own folder only."""

from __future__ import annotations

import pytest

from cnninspect.core.engine import analyze
from cnninspect.errors import InputError
from cnninspect.spec.load import load_model, zoo_names

FAMILY = ("description: shared\nblocks:\n  cbr:\n    params: {out: null}\n"
          "    layers: [conv: {name: conv, out: out, kernel: 3, padding: 1}, bn: {name: bn}, relu]\n")


def write(folder, **files):
    for name, text in files.items():
        (folder / name.replace("__", ".")).write_text(text)


def test_a_spec_calls_an_included_familys_blocks(tmp_path):
    write(tmp_path, _fam__yaml=FAMILY,
          net__yaml="include: [_fam.yaml]\ninput: [3, 8, 8]\nlayers:\n  - cbr: {name: a, out: 4}\n")
    rows = analyze(load_model(str(tmp_path / "net.yaml"))).rows
    assert [r.path for r in rows] == ["a.conv", "a.bn", "a.2"]
    assert str(rows[0].loc).endswith("_fam.yaml:5:14")  # errors and rows point into the family's file


@pytest.mark.parametrize("include, files, message", [
    ("[../_fam.yaml]", {}, "a .yaml, .json or .toml file in the spec's own folder, by its name alone"),
    ("[/etc/passwd]", {}, "in the spec's own folder"),
    ("[missing.yaml]", {}, "include 'missing.yaml': no such file"),
    ("[a.yaml]", {"a__yaml": "include: [b.yaml]\n", "b__yaml": "include: [a.yaml]\n"}, "is a cycle (a.yaml → b.yaml"),
    ("[_fam.yaml, _fam2.yaml]", {"_fam2__yaml": FAMILY}, "block 'cbr' is defined twice"),
    ("[model.yaml]", {"model__yaml": "input: [3, 8, 8]\nlayers: [relu]\n"}, "an included file (it shares blocks) "
                                                                            "has no key 'input'"),
])
def test_bad_includes(tmp_path, include, files, message):
    write(tmp_path, _fam__yaml=FAMILY, **files,
          net__yaml=f"include: {include}\ninput: [3, 8, 8]\nlayers:\n  - cbr: {{out: 4}}\n")
    with pytest.raises(InputError) as refused:
        load_model(str(tmp_path / "net.yaml"))
    assert message in str(refused.value)


@pytest.mark.parametrize("content, message", [
    (b"blocks: {}\n\xff\xfe\n", "_fam.yaml:2: not UTF-8 text"),
    (b"blocks: {}\n\0\n", "_fam.yaml: not a text file"),
    (b"\xef\xbb\xbf" + FAMILY.encode(), None),  # a byte-order mark, as some editors write: read as text
])
def test_an_included_file_is_read_as_carefully_as_the_spec(tmp_path, content, message):
    (tmp_path / "_fam.yaml").write_bytes(content)
    write(tmp_path, net__yaml="include: [_fam.yaml]\ninput: [3, 8, 8]\nlayers:\n  - cbr: {out: 4}\n")
    if message is None:
        assert analyze(load_model(str(tmp_path / "net.yaml"))).output == (4, 8, 8)
        return
    with pytest.raises(InputError) as refused:
        load_model(str(tmp_path / "net.yaml"))
    assert message in str(refused.value)


def test_family_files_are_not_zoo_models():
    assert not [name for name in zoo_names() if name.startswith("_")]
