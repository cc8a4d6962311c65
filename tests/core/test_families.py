"""Families as models with arguments: one spec covers its family (every other model of it is the same walk with
other args), `let` values and helpers, overriding an included block, and the arithmetic the families copy from
torchvision checked against Python and torch themselves."""

from __future__ import annotations

import math
import random

import pytest

from cnninspect.core.engine import analyze
from cnninspect.core.evaluate import Let, bind_arguments, model_arguments
from cnninspect.errors import InputError
from cnninspect.spec.load import load_model

FAMILIES = {  # a family's first model, and the others most unlike it (the rest are in test_zoo_reference)
    "efficientnet_b0": ["efficientnet_b2", "efficientnet_b5"],  # b5: BN eps 1e-3, momentum 0.01
    "regnet_y_400mf": ["regnet_x_400mf", "regnet_y_8gf"],
    "resnet50": ["resnet18", "resnext101_64x4d", "wide_resnet50_2"],
    "convnext_tiny": ["convnext_base"],
    "densenet121": ["densenet161"],
    "mnasnet1_0": ["mnasnet0_5"],
    "shufflenet_v2_x1_0": ["shufflenet_v2_x2_0"],
}
CASES = [(base, other) for base, others in FAMILIES.items() for other in others]


def _layers(analysis):
    return [(r.path, r.type_name, r.output, r.params, r.buffers, r.macs, r.settings) for r in analysis.rows]


@pytest.mark.parametrize("base, other", CASES, ids=[f"{b}-as-{o}" for b, o in CASES])
def test_a_familys_first_model_with_another_models_args_is_that_model(base, other):
    """`summary efficientnet_b0 --set width_mult=1.1 --set depth_mult=1.2` is B2's network, layer by layer and
    setting by setting (every BN's eps and momentum included)."""
    target = load_model(other)
    args = {name: value for name, value in model_arguments(target.args).items()}
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}
    ours = analyze(load_model(base), target.input, args)
    assert _layers(ours) == _layers(analyze(target))


def test_the_zoo_lists_every_family_argument_and_no_let():
    model = load_model("efficientnet_b0")
    assert list(model_arguments(model.args)) == ["num_classes", "width_mult", "depth_mult", "dropout",
                                                 "stochastic_depth_prob", "norm_eps", "norm_momentum"]
    assert any(type(v) is Let for v in model.args.values())  # make_divisible, from _torchvision_ops.yaml


def _make_divisible(v, divisor):  # torchvision.models._utils._make_divisible, as it reads
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def test_make_divisible_is_torchvisions():
    env = bind_arguments(load_model("efficientnet_b0").args, {}, {}, {}, "model")
    from cnninspect.core.expr import evaluate

    values = [c * w for c in (8, 16, 24, 32, 40, 80, 112, 192, 320, 1280) for w in (0.25, 0.5, 1.0, 1.1, 1.4, 2.0)]
    values += [random.Random(0).uniform(1, 2000) for _ in range(200)]
    for v in values:
        for d in (8, 16, 24):
            assert evaluate(f"make_divisible({v!r}, {d})", env) == _make_divisible(v, d)


def _regnet_stages(args: dict) -> tuple:
    model = load_model("regnet_y_400mf")
    env = bind_arguments(model.args, args, {}, {}, "model")
    block = bind_arguments(model.blocks["regnet"].params, {}, {}, env, "regnet")
    return block["outs"], block["depths"], block["groups"]


@pytest.mark.torch
def test_regnet_stages_are_torchs_float32_arithmetic():
    """BlockParams.from_init_params as torchvision computes it, in torch's float32 tensors (the oracle here is
    torch itself, running the same operations), against the family's lets, over random settings."""
    import torch

    def reference(depth, w_0, w_a, w_m, group_width):
        widths_cont = torch.arange(depth) * w_a + w_0
        capacity = torch.round(torch.log(widths_cont / w_0) / math.log(w_m))
        widths = (torch.round(torch.divide(w_0 * torch.pow(w_m, capacity), 8)) * 8).int().tolist()
        stage_widths = [w for j, w in enumerate(widths) if j == 0 or widths[j - 1] != w]
        depths = [widths.count(w) for w in stage_widths]
        groups = [min(group_width, w) for w in stage_widths]
        return [_make_divisible(w, g) for w, g in zip(stage_widths, groups)], depths, groups

    rng = random.Random(16)
    for _ in range(150):
        depth, w_0 = rng.randint(5, 30), 8 * rng.randint(2, 60)
        w_a, w_m, group_width = round(rng.uniform(5, 200), 2), round(rng.uniform(1.5, 3), 2), rng.choice([8, 16, 48])
        args = {"depth": depth, "w_0": w_0, "w_a": w_a, "w_m": w_m, "group_width": group_width}
        assert list(map(list, _regnet_stages(args))) == list(reference(depth, w_0, w_a, w_m, group_width)), args


def _spec(tmp_path, text, **files):
    for name, body in files.items():
        (tmp_path / f"{name}.yaml").write_text(body)
    (tmp_path / "net.yaml").write_text(text)
    return load_model(str(tmp_path / "net.yaml"))


def test_let_values_and_helpers_at_model_and_block_level(tmp_path):
    model = _spec(tmp_path, """
input: [3, 16, 16]
args: {width: 1.5, stages: [[8, 1], [16, 2]]}
let:
  twice(x): 2 * x
  widths: "[int(c * width) for c, n in stages]"
blocks:
  unit:
    params: {out: null}
    let: {wide: "twice(out) if in_channels < out else out"}
    layers: [conv: {out: wide, kernel: 3, padding: 1}]
layers:
  - repeat:
      times: len(stages)
      var: s
      layers: [unit: {out: "widths[s]"}]
""")
    rows = analyze(model).rows
    assert [r.output[0] for r in rows] == [24, 24]  # widths 12 and 24; doubled where the unit widens
    assert [r.output[0] for r in analyze(model, None, {"width": 1.0}).rows] == [16, 16]
    with pytest.raises(InputError, match="'widths' is computed by the spec \\(let\\), not an argument"):
        analyze(model, None, {"widths": (1, 2)})


def test_a_spec_overrides_an_included_block_everywhere(tmp_path):
    family = """
blocks:
  stem:
    params: {}
    layers: [conv: {out: 8, kernel: 3}]
  net:
    inline: true
    params: {}
    layers: [stem, relu]
"""
    model = _spec(tmp_path, """
include: [_fam.yaml]
input: [3, 16, 16]
blocks:
  stem:
    override: true
    params: {}
    layers: [conv: {out: 4, kernel: 1}]
layers: [net]
""", _fam=family)
    assert [r.output for r in analyze(model).rows] == [(4, 16, 16), (4, 16, 16)]  # the family's call took it
    with pytest.raises(InputError, match="'override: true' replaces an included block"):
        _spec(tmp_path, "include: [_fam.yaml]\ninput: [3, 8, 8]\nblocks:\n  stem: {params: {}, layers: [relu]}\n"
                        "layers: [net]\n", _fam=family)
    with pytest.raises(InputError, match="overrides no block of the included files"):
        _spec(tmp_path, "include: [_fam.yaml]\ninput: [3, 8, 8]\nblocks:\n  other: {override: true, layers: "
                        "[relu]}\nlayers: [net]\n", _fam=family)


def test_set_values_show_in_the_summary_header_and_json():
    import json

    from cnninspect.cli import main
    from tests.cli_support import runner

    args = ["summary", "efficientnet_b0", "--set", "width_mult=1.1", "--set", "depth_mult=1.2"]
    text = runner().invoke(main, args)
    assert text.exit_code == 0 and text.stdout.splitlines()[1] == "set width_mult=1.1, depth_mult=1.2"
    data = json.loads(runner().invoke(main, [*args, "-f", "json"]).stdout)
    assert data["model"]["args"] == {"width_mult": 1.1, "depth_mult": 1.2}
    assert data["totals"]["params"] == 9_109_994  # torchvision's efficientnet_b2
    listed = runner().invoke(main, ["summary", "resnet50", "--set", "layers=[3, 4, 23, 3]", "--set", "groups=64",
                                    "--set", "width_per_group=4", "-f", "json"])
    assert json.loads(listed.stdout)["totals"]["params"] == 83_455_272  # resnext101_64x4d


def test_zoo_lists_a_models_arguments_with_their_defaults():
    from cnninspect.cli import main
    from tests.cli_support import runner

    result = runner().invoke(main, ["zoo", "regnet_x_400mf"])
    assert result.exit_code == 0
    assert [line.split()[1:4] for line in result.stdout.splitlines()[1:]] == [
        ["num_classes", "default", "1000"], ["depth", "default", "22"], ["w_0", "default", "24"],
        ["w_a", "default", "24.48"], ["w_m", "default", "2.54"], ["group_width", "default", "16"],
        ["se_ratio", "default", "0"]]
    refused = runner().invoke(main, ["zoo", "regnet_z"])
    assert refused.exit_code == 2 and "no zoo model 'regnet_z'" in refused.stderr
