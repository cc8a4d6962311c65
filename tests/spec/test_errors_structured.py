"""An InputError carries its place as data (loc, layer, where), prints exactly as a preformatted one did, and no
module but cnninspect/errors.py reads an error's text back (issue #18: "errors carry a structured location")."""

from __future__ import annotations

import ast
import pathlib

import pytest

from cnninspect.core.graph import Loc
from cnninspect.errors import InputError
from cnninspect.spec.load import load_model

ROOT = pathlib.Path(__file__).parent.parent.parent
PACKAGE = ROOT / "cnninspect"


@pytest.mark.parametrize("loc, where, text", [
    (Loc("a.yaml", 6, 5), "", "a.yaml:6:5: bad"),
    (Loc("a.yaml", 6), "", "a.yaml:6: bad"),
    (Loc("a.json", path="layers[0].conv"), "layer 'stem'", "a.json: layers[0].conv: layer 'stem': bad"),
    (Loc("a.toml"), "", "a.toml: bad"),
    (None, "--max-params", "--max-params: bad"),
])
def test_a_structured_error_prints_as_the_preformatted_one_did(loc, where, text):
    error = InputError("bad", loc=loc, where=where)
    assert str(error) == text


def test_unplaced_is_what_follows_the_file_line_and_column():
    assert InputError("bad", loc=Loc("a.yaml", 6, 5), where="layer 'x' (conv)").unplaced == "layer 'x' (conv): bad"
    assert InputError("bad", loc=Loc("a.json", path="layers[3]")).unplaced == "layers[3]: bad"  # no line: the path
    assert InputError("bad", where="--n").unplaced == "--n: bad"


def test_location_as_data():
    error = InputError("bad", loc=Loc("a.yaml", 6, 5), layer="layer1.0.conv1")
    assert error.location() == {"file": "a.yaml", "line": 6, "column": 5, "path": None, "layer": "layer1.0.conv1"}
    assert InputError("bad", loc=Loc("a.json", path="layers[3]")).location() == {
        "file": "a.json", "line": None, "column": None, "path": "layers[3]", "layer": None}
    assert InputError("bad", where="--n").location() is None


def test_located_keeps_the_structured_place():
    error = InputError("bad", loc=Loc("a.yaml", 2, 3), layer="fc").located("step 1")
    assert (error.loc, error.layer, str(error)) == (Loc("a.yaml", 2, 3), "fc", "a.yaml:2:3: step 1: bad")


@pytest.mark.parametrize("text, line, column, fragment", [
    ("name: n\ninput: [3, 8, 8]\nlayers:\n  - conv: {out: 8, kernel: [3\n", 4, 28, "YAML syntax error"),
    ("name: n\ninput: [3, 8, 8]\nlayers:\n  - conv: {out: 8, kernal: 3}\n", 4, 20, "conv has no field 'kernal'"),
    ("name: n\ninput: [3, 8, 8]\ninclude: [nothere.yaml]\nlayers: [relu]\n", 3, 10, "include 'nothere.yaml': no such"),
    ("name: n\ninput: [3, 8, 8]\nlayers:\n  - conv: {out: 8, kernel: 3}\n  - frob\n", 5, 5, "unknown layer or block"),
])
def test_the_loaders_errors_carry_their_place(tmp_path, text, line, column, fragment):
    spec = tmp_path / "net.yaml"
    spec.write_text(text)
    with pytest.raises(InputError) as caught:
        load_model(str(spec))
    assert caught.value.loc == Loc(str(spec), line, column), str(caught.value)
    assert caught.value.unplaced.startswith(fragment) and fragment not in str(caught.value.loc)


def test_the_loaders_json_errors_carry_their_data_path(tmp_path):
    spec = tmp_path / "net.json"
    spec.write_text('{"input": [3, 8, 8], "layers": [{"conv": {"out": 8, "kernal": 3, "name": "stem"}}]}')
    with pytest.raises(InputError) as caught:
        load_model(str(spec))
    error = caught.value
    assert (error.loc, error.where) == (Loc(str(spec), path="layers[0].conv.kernal"), "layer 'stem'")
    assert str(error) == f"{spec}: layers[0].conv.kernal: layer 'stem': conv has no field 'kernal' (did you mean " \
                         f"'kernel'?)"


FIT = "name: n\ninput: [3, 4, 4]\nlayers:\n  - conv: {out: 8, kernel: 7, name: stem}\n"


def test_a_layer_that_does_not_fit_carries_its_place_and_layer_path(tmp_path):
    from cnninspect.core.engine import analyze

    spec = tmp_path / "net.yaml"
    spec.write_text(FIT)
    with pytest.raises(InputError) as caught:
        analyze(load_model(str(spec)))
    assert caught.value.loc == Loc(str(spec), 4, 28) and caught.value.layer == "stem"


# ---- nobody parses an error's text back

PARSERS = {"split", "rsplit", "partition", "rpartition", "index", "rindex", "find", "rfind", "startswith",
           "removeprefix", "endswith", "removesuffix"}


def text_parsers(source: str) -> list[int]:
    """Lines where an InputError's text (str(error), error.message, error.where, a SpecCheck's `.error`) is taken
    apart with a string method, or matched with a regular expression."""
    tree = ast.parse(source)
    caught = {handler.name for handler in ast.walk(tree) if isinstance(handler, ast.ExceptHandler) and handler.name
              and "InputError" in ast.unparse(handler.type or ast.Name("BaseException"))}

    def is_error_text(node: ast.AST) -> bool:
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "str" and node.args:
            node = node.args[0]
        elif isinstance(node, ast.Attribute) and node.attr in ("message", "where"):
            node = node.value
        elif isinstance(node, ast.Attribute) and node.attr == "error":  # SpecCheck.error, the located line
            return True
        return isinstance(node, ast.Name) and node.id in caught

    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method = node.func
        if method.attr in PARSERS and is_error_text(method.value):
            found.append(node.lineno)
        if getattr(method.value, "id", None) == "re" and any(is_error_text(a) for a in node.args):
            found.append(node.lineno)
    return found


def test_the_checker_finds_the_old_ways():
    old_compare = ("try:\n    f()\nexcept InputError as error:\n    text = str(error).split(': ', 1)[-1]\n")
    old_check_ci = "m = _LOCATED.match(spec.error, 3)\nx = spec.error.index(': ', 3)\n"
    old_regex = "try:\n    f()\nexcept (InputError, OSError) as e:\n    re.match('x', str(e))\n"
    assert text_parsers(old_compare) == [4] and text_parsers(old_check_ci) == [2] and text_parsers(old_regex) == [4]
    assert text_parsers("try:\n    f()\nexcept ValueError as error:\n    str(error).split(': ')\n") == []


ENGINE = ("core/engine.py", "core/refs.py", "core/evaluate.py")  # the lead's, converted in its own branch


def parsers_in(paths) -> dict[str, list[int]]:
    found = {}
    for path in paths:
        source = path.read_text(encoding="utf-8")
        lines = text_parsers(source) + [n for n, line in enumerate(source.splitlines(), 1)
                                        if "_LOCATED" in line or "_unlocated" in line]
        if lines:
            found[str(path.relative_to(ROOT))] = lines
    return found


def test_no_module_but_errors_py_parses_an_errors_text():
    paths = [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).as_posix() not in ("errors.py", *ENGINE)]
    assert parsers_in(paths) == {}


def test_nor_does_the_engine():
    assert parsers_in(PACKAGE / name for name in ENGINE) == {}  # core/evaluate.py: `error.message.removeprefix`


# ---- nor writes a place into an error's text

def preformatted_places(source: str) -> list[int]:
    """Lines that raise an InputError with a place written into its text: a message or `where` that starts with
    an f-string field such as `{loc}: ` or `{file}: `, or `where=str(...)`: a place goes in `loc=`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "InputError"):
            continue
        texts = node.args[:1] + [k.value for k in node.keywords if k.arg == "where"]
        for text in texts:
            if isinstance(text, ast.Call) and getattr(text.func, "id", None) == "str":
                found.append(node.lineno)
            elif isinstance(text, ast.JoinedStr) and len(text.values) > 1 and \
                    isinstance(text.values[0], ast.FormattedValue) and isinstance(text.values[1], ast.Constant) and \
                    str(text.values[1].value).startswith(": ") and \
                    any(word in ast.unparse(text.values[0].value) for word in ("loc", "file", "where", "path")):
                found.append(node.lineno)
    return found


def test_the_place_checker_finds_the_old_ways():
    assert preformatted_places('raise InputError(f"{loc}: bad")\n') == [1]
    assert preformatted_places('raise InputError("bad", where=str(model.file))\n') == [1]
    assert preformatted_places('raise InputError(f"{where}: \'{key}\' is bad")\n') == [1]
    assert preformatted_places('raise InputError(f"{name}: bad", loc=loc)\n') == []


def test_no_error_is_raised_with_its_place_in_its_text():
    found = {str(p.relative_to(ROOT)): lines for p in PACKAGE.rglob("*.py")
             if (lines := preformatted_places(p.read_text(encoding="utf-8")))}
    assert found == {}
