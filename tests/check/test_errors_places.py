"""Every consumer of an invalid spec's error reads its structured place, never its text: check's GitHub annotations
(file, line, col), JUnit (message without the place, text with it), check's JSON (`location`, `message`) and
compare's column for a size at which a layer stops fitting — for a YAML syntax error, a bad field, a layer that
does not fit, a bad include, an error inside an included file and a JSON spec (a data path, no lines)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import cnninspect.cli
from cnninspect.core.budget import SpecCheck
from cnninspect.core.graph import Loc
from cnninspect.errors import PREFIX, InputError

HEAD = "name: n\ninput: [3, 8, 8]\n"
FAMILY = "blocks:\n  pair:\n    layers:\n      - conv: {out: 8, kernal: 3}\n"
# name -> (the spec's text, line, column, the message without its place)
CASES = {
    "syntax": (HEAD + "layers:\n  - conv: {out: 8, kernel: [3\n", 4, 28, "YAML syntax error: while parsing a flow "
               "sequence; expected ',' or ']', but got '<stream end>' (line 5)"),
    "field": (HEAD + "layers:\n  - conv: {out: 8, kernal: 3}\n", 4, 20,
              "conv has no field 'kernal' (did you mean 'kernel'?)"),
    "fit": ("name: n\ninput: [3, 4, 4]\nlayers:\n  - conv: {out: 8, kernel: 7, name: stem}\n", 4, 28,
            "layer 'stem' (conv), input 3x4x4: kernel does not fit: its span d·(f − 1) + 1 is larger than the padded "
            "input. Received span=7, padded_input=4"),
    "include": (HEAD + "include: [nothere.yaml]\nlayers: [relu]\n", 3, 10, "include 'nothere.yaml': no such file in "
                "{folder}"),
}
ANNOTATION = re.compile(r"::error (?P<properties>[^:]*)::(?P<message>.*)")


def run(*args: str):
    return CliRunner().invoke(cnninspect.cli.main, list(args))


@pytest.fixture
def specs(tmp_path):
    """{case: path} for every case, plus 'included' (the error is in fam.yaml) and 'json' (no lines)."""
    paths = {}
    for name, (text, *_) in CASES.items():
        paths[name] = tmp_path / f"{name}.yaml"
        paths[name].write_text(text)
    (tmp_path / "fam.yaml").write_text(FAMILY)
    paths["included"] = tmp_path / "included.yaml"
    paths["included"].write_text(HEAD + "include: [fam.yaml]\nlayers: [pair]\n")
    paths["json"] = tmp_path / "net.json"
    paths["json"].write_text('{"input": [3, 8, 8], "layers": [{"conv": {"out": 8, "kernal": 3, "name": "stem"}}]}')
    return paths


def expected(name: str, path) -> tuple[int, int, str]:
    _, line, column, message = CASES[name]
    return line, column, message.format(folder=path.parent)


def annotations(result) -> list[tuple[dict, str]]:
    found = []
    for text in result.stdout.splitlines()[:-1]:
        match = ANNOTATION.fullmatch(text)
        assert match, text
        found.append((dict(p.split("=", 1) for p in match["properties"].split(",")), match["message"]))
    return found


@pytest.mark.parametrize("name", CASES)
def test_github_annotation_at_the_errors_line_and_column(specs, name):
    path = specs[name]
    line, column, message = expected(name, path)
    result = run("check", str(path), "--format", "github")
    assert result.exit_code == 2, result.output
    (properties, shown), = annotations(result)
    assert properties == {"file": str(path), "line": str(line), "col": str(column), "title": "cnninspect check"}
    assert shown == message  # the place is in the properties, not repeated in the message


def test_github_annotation_for_an_error_in_an_included_file(specs):
    """The included file's place is named in the message; the annotation stays on the spec file."""
    result = run("check", str(specs["included"]), "--format", "github")
    (properties, shown), = annotations(result)
    assert properties == {"file": str(specs["included"]), "line": "1", "title": "cnninspect check"}
    assert shown == f"{specs['included'].parent / 'fam.yaml'}:4:24: conv has no field 'kernal' (did you mean 'kernel'?)"


def test_github_annotation_for_a_json_spec_names_the_data_path(specs):
    result = run("check", str(specs["json"]), "--format", "github")
    (properties, shown), = annotations(result)
    assert properties == {"file": str(specs["json"]), "line": "1", "title": "cnninspect check"}
    assert shown == "layers[0].conv.kernal: layer 'stem': conv has no field 'kernal' (did you mean 'kernel'?)"


@pytest.mark.parametrize("name", CASES)
def test_junit_error_message_without_its_place_and_text_with_it(specs, name):
    path = specs[name]
    line, column, message = expected(name, path)
    result = run("check", str(path), "--format", "junit")
    case, = ET.fromstring(result.stdout.encode()).iter("testcase")
    error = case.find("error")
    assert case.get("file") == str(path) and error.get("type") == "invalid spec"
    assert error.get("message") == message
    assert error.text == f"{path}:{line}:{column}: {message}"


@pytest.mark.parametrize("name", CASES)
def test_json_location_beside_the_message(specs, name):
    path = specs[name]
    line, column, message = expected(name, path)
    spec, = json.loads(run("check", str(path), "--format", "json").stdout)["specs"]
    assert spec["error"] == f"{path}:{line}:{column}: {message}"  # the old key, as it was
    assert spec["message"] == message
    assert {k: v for k, v in spec["location"].items() if k != "layer"} == {
        "file": str(path), "line": line, "column": column, "path": None}


def test_json_location_of_an_error_in_an_included_file_and_of_a_json_spec(specs):
    included, = json.loads(run("check", str(specs["included"]), "--format", "json").stdout)["specs"]
    assert included["location"] == {"file": str(specs["included"].parent / "fam.yaml"), "line": 4, "column": 24,
                                    "path": None, "layer": None}
    assert included["error"].startswith(f"{specs['included']}: {specs['included'].parent / 'fam.yaml'}:4:24: ")
    spec, = json.loads(run("check", str(specs["json"]), "--format", "json").stdout)["specs"]
    assert spec["location"] == {"file": str(specs["json"]), "line": None, "column": None,
                                "path": "layers[0].conv.kernal", "layer": None}


def test_json_location_of_a_bad_field_has_no_layer_path(specs):
    """The loader knows no module paths (a layer's path comes from the walk): layer is null, not a guess."""
    spec, = json.loads(run("check", str(specs["field"]), "--format", "json").stdout)["specs"]
    assert spec["location"]["layer"] is None


def test_json_location_of_a_layer_that_does_not_fit_has_its_layer_path(specs):
    spec, = json.loads(run("check", str(specs["fit"]), "--format", "json").stdout)["specs"]
    assert spec["location"]["layer"] == "stem"


def test_json_location_of_a_layer_that_does_not_fit_in_a_json_spec_has_its_data_path(tmp_path):
    path = tmp_path / "fit.json"
    path.write_text('{"input": [3, 4, 4], "layers": [{"conv": {"out": 8, "kernel": 7, "name": "stem"}}]}')
    spec, = json.loads(run("check", str(path), "--format", "json").stdout)["specs"]
    assert spec["location"] == {"file": str(path), "line": None, "column": None, "path": "layers[0].conv.kernel",
                                "layer": "stem"}


def test_compare_column_says_why_a_size_does_not_fit_without_the_file(specs):
    result = run("compare", str(specs["fit"]), "--input", "3x4x4", "--input", "3x16x16", "--format", "json")
    assert result.exit_code == 0, result.output
    failures = {c["label"]: c["failure"] for c in json.loads(result.stdout)["columns"]}
    assert failures == {"3x4x4": expected("fit", specs["fit"])[2], "3x16x16": None}


def test_compare_column_of_a_json_spec_keeps_the_data_path(tmp_path):
    path = tmp_path / "fit.json"
    path.write_text('{"input": [3, 4, 4], "layers": [{"conv": {"out": 8, "kernel": 7, "name": "stem"}}]}')
    result = run("compare", str(path), "--input", "3x4x4", "--input", "3x16x16", "--format", "json")
    failure = json.loads(result.stdout)["columns"][0]["failure"]
    assert failure.startswith("layers[0].conv.kernel: layer 'stem' (conv), input 3x4x4: kernel does not fit"), failure


@pytest.mark.parametrize("name", ["syntax", "field", "include"])
def test_compare_refuses_a_bad_spec_with_the_located_line(specs, name):
    """Before any column: one line, the same as every command's for that spec."""
    path = specs[name]
    line, column, message = expected(name, path)
    result = run("compare", str(path), "--input", "3x4x4", "--input", "3x16x16")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"{PREFIX}{path}:{line}:{column}: {message}\n" == run("summary", str(path)).stderr


def test_a_spec_check_keeps_the_structured_error():
    """Its located line puts the spec's name first only where the error's place does not name the spec."""
    in_file = SpecCheck("a.yaml", "a.yaml", problem=InputError("bad", loc=Loc("a.yaml", 2, 3)))
    assert (in_file.error, in_file.status, in_file.problem.loc) == ("a.yaml:2:3: bad", "invalid", Loc("a.yaml", 2, 3))
    zoo = SpecCheck("resnet18", None, problem=InputError("bad", loc=Loc("zoo/resnet18.yaml", 2, 3)))
    assert zoo.error == "resnet18: zoo/resnet18.yaml:2:3: bad"
    assert SpecCheck("resnet19", None, problem=InputError("unknown model")).error == "resnet19: unknown model"
    assert SpecCheck("x/", None, problem=InputError("no spec files", where="x/")).error == "x/: no spec files"
    assert SpecCheck("a.yaml", "a.yaml").error == "" and SpecCheck("a.yaml", "a.yaml").status == "pass"
