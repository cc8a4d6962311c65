"""Diffs between zoo relatives, checked against their own summaries: what each diff says was added, removed and
changed is derived here from the two analyses, never typed in."""

from __future__ import annotations

import pathlib
import shutil

import pytest

from cnninspect.core.diff import diff
from tests.diff.support import assert_invariants, diff_of, summary

RELATIVES = [("resnet18", "resnet34"), ("resnet34", "resnet18"), ("vgg11", "vgg11_bn"), ("vgg11_bn", "vgg11"),
             ("resnet50", "resnext50_32x4d"), ("mobilenet_v3_small", "mobilenet_v3_large"),
             ("googlenet", "googlenet"), ("squeezenet1_0", "squeezenet1_1"), ("densenet121", "densenet169")]


@pytest.mark.parametrize("old, new", RELATIVES)
@pytest.mark.parametrize("depth", [None, 1, 3])
def test_deltas_sum_to_the_difference_of_totals(old, new, depth):
    assert_invariants(diff_of(old, new, depth))


def test_a_model_against_itself_is_the_same():
    d = diff_of("googlenet", "googlenet")
    assert d.same and {e.status for e in (*d.entries, *d.aux_entries)} == {"unchanged"}
    assert d.aux_entries, "googlenet's auxiliary heads are matched too"


def test_resnet34_adds_the_blocks_resnet18_lacks():
    d = diff_of("resnet18", "resnet34")
    old_paths = {r.path for r in d.old.analysis.rows}
    extra = [r.path for r in d.new.analysis.rows if r.path not in old_paths]
    assert [e.new.path for e in d.entries if e.status == "added"] == extra
    assert d.count("removed") == 0 and d.count("renamed") == 0
    changed = [e for e in d.entries if e.status == "changed"]
    assert changed and all(e.old.path == e.new.path and e.params == 0 and e.macs == 0 for e in changed), \
        "what follows a new block changes only its receptive field"
    assert {b.path for b in d.blocks if b.status == "changed"} >= {"layer1", "layer2", "layer3", "layer4"}
    assert [b.path for b in d.blocks if b.status == "unchanged"][:4] == ["conv1", "bn1", "relu", "maxpool"]


def test_vgg11_bn_adds_its_batch_norms_and_renumbers_the_rest():
    d = diff_of("vgg11", "vgg11_bn")
    norms = [r for r in d.new.analysis.rows if r.type_name == "BatchNorm2d"]
    assert [e.new for e in d.entries if e.status == "added"] == norms
    assert d.count("removed") == 0 and d.count("changed") == 0
    renamed = [e for e in d.entries if e.status == "renamed"]
    assert renamed and all(e.match == "structure" for e in renamed)
    features = [r for r in d.old.analysis.rows if r.path.startswith("features.") and r.path != "features.0"]
    assert [e.old for e in renamed] == features, "every later feature layer keeps its structure under a new index"


def test_efficientnet_with_another_head_changes_only_the_classifier():
    d = diff_of("efficientnet_b0", "efficientnet_b0", new_args={"num_classes": 10})
    assert_invariants(d)
    changed = [e for e in d.entries if e.status != "unchanged"]
    last = d.new.analysis.rows[-1]
    assert [e.new for e in changed] == [last]
    assert [(c.what, c.old, c.new) for c in changed[0].changes] == [("out", 1000, 10)]
    assert changed[0].params == last.params - d.old.analysis.rows[-1].params


def test_an_efficientnet_variant_spec(tmp_path: pathlib.Path):
    """efficientnet_b0 over a copy of its family file whose B0 table gives the first stage kernel 5: that stage's
    depthwise convolutions change (settings and MACs), the rest of the network only where the receptive field
    moved."""
    zoo = pathlib.Path(__file__).parent.parent.parent / "cnninspect" / "zoo"
    for family in zoo.glob("_*.yaml"):  # the blocks it includes, and theirs
        shutil.copy(family, tmp_path)
    shutil.copy(zoo / "efficientnet_b0.yaml", tmp_path / "variant.yaml")
    family = tmp_path / "_efficientnet.yaml"
    text = family.read_text()
    first_row = "b0: [[1, 3, 1, 32, 16, 1]"  # expand_ratio, kernel, stride, in, out, num_layers
    assert first_row in text, "_efficientnet.yaml writes B0's stage table"
    family.write_text(text.replace(first_row, "b0: [[1, 5, 1, 32, 16, 1]", 1))
    d = diff(summary("efficientnet_b0"), summary(str(tmp_path / "variant.yaml")), "b0", "variant")
    assert_invariants(d)
    kernels = [e for e in d.entries if any(c.what == "kernel" for c in e.changes)]
    assert kernels and all(e.status == "changed" and e.new.type_name == "Conv2d" for e in kernels)
    assert all((c.old, c.new) == (3, 5) for e in kernels for c in e.changes if c.what == "kernel")
    assert d.new.totals.params > d.old.totals.params


def test_batch_scales_macs_and_memory_not_params():
    one, eight = diff_of("resnet18", "resnet34"), diff_of("resnet18", "resnet34", batch=8)
    assert_invariants(eight)
    assert [(e.params, e.macs * 8, e.activation_bytes * 8) for e in one.entries] == \
        [(e.params, e.macs, e.activation_bytes) for e in eight.entries]
