"""`cnninspect check` as users run it: exit codes, every output format against its golden file (each golden also
checked by an invariant), bad specs among good ones, directories and globs, and bad arguments."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from tests.check.conftest import ROOT

MIXED = ("examples/over_budget.yaml examples/small_cnn.yaml tests/data/bad/unknown_layer.yaml "
         "tests/check/data/over_budget.json tests/data/bad/toml_unknown_field.toml resnet18 resnet19 --max-macs 1G")
GOLDEN_CASES = {
    "check_examples.txt": ("examples/", 1),
    "check_mixed.txt": (MIXED, 2),
    "check_mixed.json": (MIXED + " --format json", 2),
    "check_mixed_github.txt": (MIXED + " --format github", 2),
    "check_mixed_junit.xml": (MIXED + " --format junit", 2),
    "check_small_cnn_64.txt": ("examples/small_cnn.yaml --input 3x64x64 --no-lint-warnings", 1),
}


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_golden(check, assert_golden, name):
    args, status = GOLDEN_CASES[name]
    result = check(args)
    assert result.exit_code == status, result.output
    assert result.stderr == ""
    assert_golden(name, result.stdout)
    if name.endswith(".txt") and "github" not in name:  # invariant: a line per spec, counted in the total
        marks = [line[0] for line in result.stdout.splitlines() if line[0] in "✓✗"]
        passed, failed = marks.count("✓"), result.stdout.count("expectations failed") + result.stdout.count(
            "expectation failed")
        assert result.stdout.splitlines()[-1].startswith(f"{len(marks)} spec")
        assert f": {passed} passed, {failed} failed" in result.stdout.splitlines()[-1]


def test_exit_status_0_when_everything_holds(check):
    result = check("examples/small_cnn.yaml examples/tiny_net.yaml lenet5")
    assert result.exit_code == 0 and result.stdout.endswith("3 specs: 3 passed, 0 failed\n")
    assert "✓ examples/tiny_net.yaml  no expectations; params 138,602" in result.stdout  # a plain check passes


def test_exit_status_1_when_an_expectation_fails(check):
    result = check("examples/small_cnn.yaml examples/over_budget.yaml")
    assert result.exit_code == 1 and result.stdout.endswith("2 specs: 1 passed, 1 failed\n")


def test_the_text_report_locates_each_failure(check):
    """A spec's own limit points at its line (editors jump there); a flag's at the layer concerned, or the file."""
    result = check("examples/over_budget.yaml --expect-output 1000 --max-flops 100M")
    line = _line_of("examples/over_budget.yaml", "max_params:")
    fc2 = _line_of("examples/over_budget.yaml", "name: fc2")
    assert result.stdout.splitlines()[1:4] == [
        f"  examples/over_budget.yaml:{line}:15: max_params: params 8,467,082 > 1M (1,000,000), over by 7,467,082 "
        f"(+747%)",
        "  examples/over_budget.yaml: --max-flops: FLOPs 181,933,056 > 100M (100,000,000), over by 81,933,056 (+82%)",
        f"  examples/over_budget.yaml:{fc2}:5: --expect-output: output 10 at fc2, expected 1000",
    ]


def test_json_invariants(check):
    result = check(MIXED + " --format json")
    data = json.loads(result.stdout)
    assert data["exit_status"] == result.exit_code == 2 and data["ok"] is False
    counts, specs = data["counts"], data["specs"]
    assert counts["specs"] == len(specs) == counts["passed"] + counts["failed"] + counts["invalid"]
    for spec in specs:
        assert (spec["error"] is not None) == (spec["status"] == "invalid")
        if spec["status"] != "invalid":
            assert spec["status"] == ("pass" if all(c["ok"] for c in spec["checks"]) else "fail")
        for c in spec["checks"]:
            if isinstance(c["limit"], dict):  # a budget: over is exactly actual − limit when it fails
                assert c["over"] == (None if c["ok"] else c["actual"] - c["limit"]["value"])
                assert c["ok"] == (c["actual"] <= c["limit"]["value"])
    assert list(data) == ["version", "ok", "exit_status", "input", "batch", "dtype", "counts", "specs"]
    macs = next(c for c in specs[0]["checks"] if c["expectation"] == "max_macs")
    assert macs["source"] == "flag" and macs["origin"] == "--max-macs" and macs["where"] == "examples/over_budget.yaml"


ANNOTATION = re.compile(r"::error (?P<properties>[^:]*)::(?P<message>.*)")


def test_github_annotations_point_at_the_right_file_and_line(check):
    result = check(MIXED + " --format github")
    found = {}
    for text in result.stdout.splitlines()[:-1]:
        match = ANNOTATION.fullmatch(text)
        assert match, text
        properties = dict(p.split("=", 1) for p in match["properties"].split(","))
        assert properties.pop("title") == "cnninspect check"
        found.setdefault(properties.get("file"), []).append((properties, match["message"]))
    # the spec's own max_params: its line and column in the spec file
    (properties, message), = found["examples/over_budget.yaml"]
    line = _line_of("examples/over_budget.yaml", "max_params: 1M")
    assert properties == {"file": "examples/over_budget.yaml", "line": str(line), "col": "15"}
    assert message == "max_params: params 8,467,082 > 1M (1,000,000), over by 7,467,082 (+747%25)"  # % escaped
    # an invalid YAML spec: the line of its error, the message without the location it repeats
    (properties, message), = found["tests/data/bad/unknown_layer.yaml"]
    assert properties == {"file": "tests/data/bad/unknown_layer.yaml", "line": "6", "col": "5"}
    assert message.startswith("unknown layer or block 'conv2x'")
    assert "conv2x" in (ROOT / "tests/data/bad/unknown_layer.yaml").read_text().splitlines()[5]
    # JSON and TOML keep no lines: the file, at line 1, and the data path in the message
    (properties, message), = found["tests/check/data/over_budget.json"]
    assert properties == {"file": "tests/check/data/over_budget.json", "line": "1"}
    (properties, message), = found["tests/data/bad/toml_unknown_field.toml"]
    assert message.startswith("layers[0].conv.kernal: layer 'stem'")
    # a zoo model is no file of the repository: no file property
    macs, unknown = [m for _, m in found[None]]
    assert macs == "--max-macs: MACs 1,814,073,344 > 1G (1,000,000,000), over by 814,073,344 (+81%25)"
    assert unknown.startswith("resnet19: unknown model 'resnet19' (not a zoo name, not a file); did you mean resnet18")
    assert result.stdout.splitlines()[-1] == "7 specs: 1 passed, 3 failed, 3 invalid"


def test_github_escapes_per_the_workflow_command_rules():
    from cnninspect.core.graph import Loc
    from cnninspect.render.check_ci import annotation
    assert annotation(Loc("a,b:c%.yaml", 3, 7), "100% over\r\nnext: line, ok") == (
        "::error file=a%2Cb%3Ac%25.yaml,line=3,col=7,title=cnninspect check::100%25 over%0D%0Anext: line, ok")


def test_junit_parses_back(check):
    result = check(MIXED + " --format junit")
    root = ET.fromstring(result.stdout.encode())
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "examples/over_budget.yaml", "examples/small_cnn.yaml", "tests/data/bad/unknown_layer.yaml",
        "tests/check/data/over_budget.json", "tests/data/bad/toml_unknown_field.toml", "resnet18", "resnet19"]
    assert {c.get("classname") for c in cases} == {"cnninspect.check"}
    failures = [c for c in cases if c.find("failure") is not None]
    errors = [c for c in cases if c.find("error") is not None]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == (
        str(len(cases)), str(len(failures)), str(len(errors))) == ("7", "3", "3")
    over = cases[0].find("failure")
    assert over.get("type") == "max_params"
    assert over.get("message") == "max_params: params 8,467,082 > 1M (1,000,000), over by 7,467,082 (+747%)"
    assert cases[0].find("system-out").text.splitlines() == [
        "MACs 90,966,528 ≤ 1G (1,000,000,000)", "output 10", "every input read"]
    invalid = cases[2].find("error")  # the message as a failure's: without the place; the text: located
    assert invalid.get("message").startswith("unknown layer or block 'conv2x'")
    assert invalid.text.startswith("tests/data/bad/unknown_layer.yaml:6:5: unknown layer or block 'conv2x'")
    assert cases[1].get("file") == "examples/small_cnn.yaml" and cases[5].get("file") is None


def test_output_file_gets_the_format_and_stdout_the_text(check, tmp_path):
    target = tmp_path / "check.xml"
    result = check(f"examples/ --format junit --output {target}")
    assert result.exit_code == 1
    assert result.stdout == check("examples/").stdout
    assert ET.parse(target).getroot().find("testsuite").get("tests") == "3"


def test_bad_specs_among_good_ones_are_reported_and_the_rest_checked(check):
    result = check("tests/data/bad/kernel_too_large.yaml examples/small_cnn.yaml tests/data/bad/json_syntax.json "
                   "tests/data/bad/alias_bomb.yaml")
    assert result.exit_code == 2 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "✗ tests/data/bad/kernel_too_large.yaml  invalid"
    assert lines[1].startswith("  tests/data/bad/kernel_too_large.yaml:7:") and "kernel does not fit" in lines[1]
    assert lines[2].startswith("✓ examples/small_cnn.yaml  params 24,346 ≤ 50k")
    assert lines[3:5] == ["✗ tests/data/bad/json_syntax.json  invalid", lines[4]]
    assert lines[-1] == "4 specs: 1 passed, 0 failed, 3 invalid"


def test_an_invalid_spec_wins_over_a_failure(check):
    assert check("examples/over_budget.yaml tests/data/bad/empty.yaml").exit_code == 2


@pytest.mark.parametrize("path, message", [
    ("tests/check/data/bad_expect_key.yaml", "tests/check/data/bad_expect_key.yaml:6:14: expect: unknown expectation "
     "'max_param' (did you mean 'max_params'?); the expectations are max_params, max_macs, max_flops, "),
    ("tests/check/data/bad_expect_value.yaml", "tests/check/data/bad_expect_value.yaml:6:15: expect.max_params: MB is "
     "a unit of bytes, and this limit is a count such as 5M or 1.5G (k, M, G, T: powers of 1000). Received '5MB'"),
])
def test_bad_expectations_in_a_spec_are_located(check, path, message):
    result = check(path)
    assert result.exit_code == 2 and result.stdout.splitlines()[1].startswith("  " + message)


@pytest.mark.parametrize("args, message", [
    ("lenet5 --max-params 5MB", "--max-params: MB is a unit of bytes, and this limit is a count"),
    ("lenet5 --max-activation-memory 200M", "--max-activation-memory: M is a unit of counts (did you mean MB?)"),
    ("lenet5 --max-macs -1G", "--max-macs: a limit must be ≥ 0. Received '-1G'"),
    ("lenet5 --max-flops ''", "--max-flops: expected a count such as 5M or 1.5G"),
    ("lenet5 --max-params 1.5", "--max-params: a limit must be a whole number. Received '1.5'"),
    ("lenet5 --expect-output 0", "--expect-output: expected an output shape without the batch, e.g. 10 or 512x7x7"),
    ("lenet5 --min-receptive-field 3x", "--min-receptive-field: expected a receptive field, e.g. 32"),
    ("lenet5 --input 3x", "--input: expected an integer"),
    ("lenet5 --set width", "--set: expected NAME=VALUE"),
    ("lenet5 --format xml", "Invalid value for '--format'"),
])
def test_bad_arguments_exit_2_before_any_check(check, args, message):
    result = check(args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("cnninspect: error: " + message), result.stderr


def test_nothing_to_check_is_a_usage_error(check):
    result = check("")
    assert result.exit_code == 2 and "Missing argument 'FILES_OR_NAMES...'" in result.stderr


def test_directories_are_searched_recursively_in_order_skipping_hidden_ones(check, tmp_path):
    spec = (ROOT / "examples/small_cnn.yaml").read_text()
    for name in ("b.yaml", "a/z.json", "a/c.yml", ".git/x.yaml", "a/.hidden.yaml", "notes.txt", "a/d.toml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(spec if name.endswith((".yaml", ".yml")) else "{}")
    result = check([str(tmp_path)])
    names = [line.split()[1] for line in result.stdout.splitlines() if line[0] in "✓✗"]
    assert names == [str(tmp_path / n) for n in ("a/c.yml", "a/d.toml", "a/z.json", "b.yaml")]


def test_empty_directories_and_patterns_that_match_nothing_are_errors(check, tmp_path):
    result = check([str(tmp_path), "no/such/*.yaml", "examples/small_cnn.yaml"])
    assert result.exit_code == 2
    assert f"  {tmp_path}: no spec files (*.yaml, *.yml, *.json, *.toml) in this directory" in result.stdout
    assert "  no/such/*.yaml: the pattern matches no file" in result.stdout
    assert result.stdout.endswith("3 specs: 1 passed, 0 failed, 2 invalid\n")


def test_quoted_globs_are_expanded_and_duplicates_checked_once(check):
    result = check(["examples/*.yaml", "examples/", "examples/small_cnn.yaml", "./examples/tiny_net.yaml"])
    names = [line.split()[1] for line in result.stdout.splitlines() if line[0] in "✓✗"]
    assert names == ["examples/over_budget.yaml", "examples/small_cnn.yaml", "examples/tiny_net.yaml"]


def test_input_set_batch_and_dtype_apply_to_every_spec(check):
    """At 3x64x64 small_cnn's activations pass its 1MB; --set width=64 its parameters; batch and dtype scale."""
    result = check("examples/small_cnn.yaml --set width=64")
    assert result.exit_code == 1 and "max_params: params 373,834 > 50k (50,000)" in result.stdout
    lenet = "lenet5 --max-macs 416520 --max-activation-memory {}"
    # every output kept, 4 bytes each: conv1 and its relu, pool, conv2 and its relu, pool, flatten, fc1 and its relu,
    # fc2 and its relu, fc3
    activations = 4 * (2 * 6 * 28 * 28 + 6 * 14 * 14 + 2 * 16 * 10 * 10 + 2 * 16 * 5 * 5 + 2 * 120 + 2 * 84 + 10)
    assert check(lenet.format(activations)).exit_code == 0
    assert check(lenet.format(activations) + " --batch 2").stdout.splitlines()[1].endswith("over by 416,520 (+100%)")
    result = check(lenet.format(activations // 2) + " --dtype float16")
    assert result.exit_code == 0 and result.stdout.endswith("1 spec at float16: 1 passed, 0 failed\n")


def test_a_spec_and_a_flag_for_a_spec_without_spatial_axes(check, tmp_path):
    path = tmp_path / "mlp.yaml"
    path.write_text("input: [784]\nlayers:\n  - linear: {out: 10}\n")
    result = check([str(path), "--min-receptive-field", "3"])
    assert result.exit_code == 2
    assert "--min-receptive-field: no layer has spatial axes, so there is no receptive field to check" in result.stdout


def _line_of(path: str, text: str) -> int:
    return next(n for n, line in enumerate((ROOT / path).read_text().splitlines(), 1) if text in line)


def test_the_whole_bad_corpus_is_invalid_and_nothing_escapes(check):
    """Every file of tests/data/bad/ is one invalid entry with its located message; none stops the others."""
    result = check("tests/data/bad/ examples/small_cnn.yaml --format json")
    assert result.exit_code == 2, result.exception  # an exception escaping would make it 1
    specs = json.loads(result.stdout)["specs"]
    bad = sorted((ROOT / "tests/data/bad").iterdir())
    assert [s["spec"] for s in specs[:-1]] == [f"tests/data/bad/{p.name}" for p in bad]
    assert all(s["status"] == "invalid" and s["error"].startswith(s["spec"]) for s in specs[:-1])
    assert specs[-1]["status"] == "pass"
