"""Every expectation kind, held and failed, from the spec's `expect:` and from flags: the limits are set around
the engine's own figures (never typed in), so the boundary (≤, ≥) is tested exactly."""

from __future__ import annotations

import json
import pathlib

import pytest

from cnninspect.core.budget import KEYS, combine, evaluate, from_flags, from_spec
from cnninspect.core.engine import analyze
from cnninspect.core.summary import summarize
from cnninspect.render.check_text import failure
from cnninspect.spec.load import ZOO, load_model

LENET = summarize(analyze(load_model("lenet5")))
LAST_SPATIAL = next(r for r in reversed(LENET.analysis.rows) if r.footprint)
RF = LAST_SPATIAL.footprint[0].size
ACTUAL = {"max_params": LENET.totals.params, "max_macs": LENET.totals.macs, "max_flops": LENET.totals.flops,
          "max_param_memory": LENET.totals.param_bytes, "max_activation_memory": LENET.totals.activation_bytes}
OUTPUT = "x".join(map(str, LENET.analysis.output))

REFERENCE = json.loads((pathlib.Path(__file__).parent.parent / "data" / "reference" /
                        "tutorial-models.json").read_text())["models"]


def spec(tmp_path: pathlib.Path, **expect) -> pathlib.Path:
    """lenet5's spec with an expect: section (YAML, so every key has its line)."""
    text = (ZOO / "lenet5.yaml").read_text().rstrip("\n") + "\nexpect:\n"
    text += "".join(f"  {key}: {value}\n" for key, value in expect.items())
    path = tmp_path / "lenet.yaml"
    path.write_text(text)
    return path


def findings(path: pathlib.Path, **flags):
    model = load_model(str(path))
    return evaluate(summarize(analyze(model)), combine(from_spec(model), from_flags(flags)))


def test_the_figures_are_what_summary_reports():
    lenet = REFERENCE["lenet5"]  # measured from torch (tests/data/reference)
    assert ACTUAL == {"max_params": lenet["params"], "max_macs": lenet["macs_conv_linear"],
                      "max_flops": lenet["flop_counter_flops"], "max_param_memory": 4 * lenet["params"],
                      "max_activation_memory": LENET.totals.activation_bytes}
    assert OUTPUT == "10" and LAST_SPATIAL.path == "maxpool()" and RF == 16


@pytest.mark.parametrize("key", list(ACTUAL))
def test_budgets_hold_at_the_limit_and_fail_one_past_it(tmp_path, key):
    actual = ACTUAL[key]
    (held,) = findings(spec(tmp_path, **{key: actual}))
    assert held.ok and held.over is None and held.actual == actual
    (failed,) = findings(spec(tmp_path, **{key: actual - 1}))
    assert not failed.ok and failed.over == 1 and failed.actual == actual
    assert f"> {actual - 1:,}" in failure(failed) and "over by 1" in failure(failed)


@pytest.mark.parametrize("key", list(ACTUAL))
def test_budgets_from_flags_with_human_sizes(tmp_path, key):
    """The flag overrides the spec's own limit; a human size that is just under the actual figure fails."""
    actual = ACTUAL[key]
    unit = "B" if KEYS[key] == "bytes" else ""
    under = f"{actual // 1000 - 1}k{unit}" if unit else f"{actual // 1000 - 1}k"  # (actual // 1000 − 1) · 1000
    (failed,) = findings(spec(tmp_path, **{key: actual * 2}), **{key: under})
    assert not failed.ok and failed.expectation.origin == "--" + key.replace("_", "-")
    assert failed.over == actual - (actual // 1000 - 1) * 1000
    (held,) = findings(spec(tmp_path, **{key: 1}), **{key: f"{actual}"})
    assert held.ok


def test_over_by_in_percent(tmp_path):
    (failed,) = findings(spec(tmp_path, max_params="20k"))  # 61,706 − 20,000 = 41,706 = 208.53% of 20,000
    assert failure(failed) == "max_params: params 61,706 > 20k (20,000), over by 41,706 (+209%)"
    (failed,) = findings(spec(tmp_path, max_params="60k"))  # 1,706 / 60,000 = 2.843%
    assert failure(failed).endswith("over by 1,706 (+2.8%)")
    (failed,) = findings(spec(tmp_path, max_param_memory="0.2MB"))  # 246,824 − 200,000 = 46,824 = 23.4%
    assert failure(failed) == ("max_param_memory: parameter memory 246.82 kB (246,824 B) > 0.2MB (200,000 B), "
                               "over by 46.82 kB (+23%)")
    (failed,) = findings(spec(tmp_path, max_params=0))  # no percentage of nothing
    assert failure(failed) == "max_params: params 61,706 > 0, over by 61,706"


@pytest.mark.parametrize("value, ok", [(OUTPUT, True), ([10], True), ("'10'", True), (1000, False),
                                       ("10x1", False), ("[1, 10]", False)])
def test_output_shape(tmp_path, value, ok):
    (found,) = findings(spec(tmp_path, expect_output=value))
    assert found.ok is ok and found.actual == LENET.analysis.output
    assert found.layer.path == "fc3"
    if not ok:
        assert failure(found).startswith(f"expect_output: output {OUTPUT} at fc3, expected ")


@pytest.mark.parametrize("value, ok", [(RF, True), (f"{RF}x{RF}", True), ([RF - 1, RF], True),
                                       (RF + 1, False), (f"{RF}x{RF + 1}", False)])
def test_receptive_field_at_the_last_spatial_layer(tmp_path, value, ok):
    (found,) = findings(spec(tmp_path, min_receptive_field=value))
    assert found.ok is ok and found.actual == (RF, RF) and found.layer.path == "maxpool()"


def test_receptive_field_axes_must_match(check, tmp_path):
    result = check(f"{spec(tmp_path, min_receptive_field='16x16x16')}")
    assert result.exit_code == 2
    assert "lenet.yaml:22:24: 16x16x16 has 3 axes, and the receptive field at maxpool() has 2" in result.stdout


def test_lint_warnings(check):
    """resnet18's 1x1 stride-2 projections read one pixel in four (the lint's '!'); lenet5 reads everything."""
    result = check("resnet18 lenet5 --no-lint-warnings")
    assert result.exit_code == 1
    assert ("resnet18: --no-lint-warnings: 3 layers never read some of their input: layer2.0.downsample.0 "
            "(Conv2d, zoo/_resnet.yaml:30:21), layer3.0.downsample.0") in result.stdout
    assert "✓ lenet5  every input read" in result.stdout


def test_padding_only_remainders_are_no_lint_failure(tmp_path):
    """'~' (only padding unread) holds: resnet18's stem drops padding, never input."""
    (found,) = findings(spec(tmp_path, no_lint_warnings="true"))
    assert found.ok and found.actual == ()
    assert findings(spec(tmp_path, no_lint_warnings="false")) == ()  # false: not checked


def test_flags_override_the_spec(tmp_path):
    path = spec(tmp_path, max_params=1, expect_output=1000)
    params, output = findings(path, max_params="1M", expect_output="10")
    assert params.ok and output.ok and params.expectation.loc is None
    params, output = findings(path)
    assert not params.ok and not output.ok and params.expectation.loc.line == 22


def test_every_kind_at_once_in_the_order_of_keys(tmp_path):
    path = spec(tmp_path, no_lint_warnings="true", max_params="100k", expect_output=10, min_receptive_field=16,
                max_macs="1M", max_flops="1M", max_param_memory="1MB", max_activation_memory="1MiB",
                max_train_memory="1GB")
    found = findings(path)
    assert [f.expectation.key for f in found] == list(KEYS)
    assert all(f.ok for f in found)


def test_many_unread_layers_are_counted_and_the_first_named(tmp_path):
    """Seven 1x1 stride-2 convolutions each skip every other position (a gap of 1 between windows)."""
    path = tmp_path / "strided.yaml"
    path.write_text("input: [3, 256, 256]\nlayers:\n" + "  - conv: {out: 4, kernel: 1, stride: 2}\n" * 7 +
                    "expect:\n  no_lint_warnings: true\n")
    (found,) = findings(path)
    assert not found.ok and [r.path for r in found.actual] == [str(i) for i in range(7)]
    assert found.layer.loc.line == 3
    assert failure(found) == (f"no_lint_warnings: 7 layers never read some of their input: 0 (Conv2d, {path}:3:5), "
                              f"1 (Conv2d, {path}:4:5), 2 (Conv2d, {path}:5:5), 3 (Conv2d, {path}:6:5), "
                              f"4 (Conv2d, {path}:7:5), and 2 more")
