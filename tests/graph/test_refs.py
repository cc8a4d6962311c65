"""References without torch: how paths resolve (scope outward, `/` from the top, the latest output, aux heads),
`share` in the totals, several inputs, and the replay plan, which must give what a first walk gives at every
size, for every spec of tests/graph/specs.py and docs/wiring.yaml."""

from __future__ import annotations

import pathlib

import pytest

from cnninspect.core import plan as plans
from cnninspect.core.engine import analyze, clear_caches
from cnninspect.core.refs import Read
from cnninspect.core.summary import summarize
from cnninspect.errors import InputError
from tests.graph import specs
from tests.graph.oracle import model_of

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPECS = {name: getattr(specs, name) for name in ("DENSE", "RES2", "DPN", "SHARED", "TWO", "HRNET")}
SPECS["wiring"] = (ROOT / "docs" / "wiring.yaml").read_text()


def answer(model, shape):
    try:
        return analyze(model, shape)
    except InputError as error:
        return str(error)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_replays_of_references_equal_first_walks(name):
    model = model_of(SPECS[name])
    first = model.inputs[0][1] if model.inputs else model.input
    c, *spatial = first
    sizes = [first, (c, *(n + 7 for n in spatial)), (c, *(max(1, n - 5) for n in spatial)), (c, 3, 5), first]
    if model.inputs:  # several inputs: each follows the first's spatial size
        sizes = [{n: (s[0], *size[1:]) for n, s in model.inputs} for size in sizes]
    clear_caches()
    answer(model, None)
    replayed = [answer(model, size) for size in sizes]
    walked = []
    for size in sizes:
        clear_caches()
        walked.append(answer(model, size))
    assert replayed == walked
    assert any(not isinstance(a, str) for a in walked)
    plan = plans._PLANS[id(model)].analysis
    assert plans.replay(plan, plan.inputs) is not None  # the plan replays: references do not defeat it


def test_a_path_is_looked_up_from_its_module_outward_and_from_the_top_with_a_slash():
    analysis = analyze(model_of("""
input: [3, 8, 8]
blocks:
  unit:
    layers:
      - conv: {name: conv, out: 4, kernel: 1}
      - conv: {name: other, out: 2, kernel: 1, from: conv}     # its own conv: 'b.conv'
      - conv: {name: third, out: 5, kernel: 1, from: /conv}    # the model's conv
      - conv: {name: fourth, out: 6, kernel: 1, from: stem}    # not in the block: found outside
layers:
  - conv: {name: conv, out: 7, kernel: 1}
  - conv: {name: stem, out: 9, kernel: 1}
  - unit: {name: b}
"""))
    rows = {r.path: r for r in analysis.rows}
    assert rows["b.other"].input[0] == 4
    assert rows["b.third"].input == rows["conv"].output == (7, 8, 8)  # /conv: the model's conv
    assert rows["b.fourth"].input[0] == 9


def test_a_path_run_twice_reads_the_latest_and_as_names_one_output():
    analysis = analyze(model_of("""
input: [3, 8, 8]
layers:
  - conv: {name: a, out: 4, kernel: 3}
  - relu: {name: act, as: first}
  - conv: {name: b, out: 4, kernel: 3}
  - relu: {name: act}
  - conv: {name: c, out: 2, kernel: 1, from: act}
  - conv: {name: d, out: 2, kernel: 1, from: first}
"""))
    rows = {r.path: r for r in analysis.rows}
    assert rows["c"].input == (4, 4, 4) and rows["d"].input == (4, 6, 6)
    assert rows["c"].footprint[0].size == 5 and rows["d"].footprint[0].size == 3  # footprints flow through refs


def test_an_aux_head_reads_earlier_outputs_and_its_own():
    analysis = analyze(model_of("""
input: [3, 8, 8]
layers:
  - conv: {name: stem, out: 4, kernel: 3}
  - conv: {name: body, out: 6, kernel: 1}
  - aux: {name: side, layers: [from: stem, conv: {name: conv, out: 2, kernel: 1}, relu: {from: conv}]}
"""))
    side = [r for r in analysis.rows if r.aux]
    assert side[0].input == (4, 6, 6) and side[1].input == (2, 6, 6)
    assert analysis.output == (6, 6, 6)


def test_a_shared_module_counts_its_parameters_once():
    analysis = analyze(model_of(specs.SHARED))
    summary = summarize(analysis)
    assert summary.totals.params == 224 + 584 + 18
    assert summary.totals.macs == sum(r.macs for r in analysis.rows)
    shared = [r for r in analysis.rows if r.shared]
    assert len(shared) == 2 and all(r.macs == shared[0].macs > 0 for r in shared)


def test_reads_are_kept_only_where_a_reference_takes_them():
    analysis = analyze(model_of(specs.DENSE))
    reads = sorted(analysis.reads)
    assert [analysis.rows[i].path for i in reads] == ["stem", "l1.conv", "l2.conv", "l3.conv"]
    assert _reads(analysis.program) == 2 + 3 + 4  # each operand of the three concats is a branch that reads


def _reads(program) -> int:
    return sum(1 if type(step) is Read else _reads([s for b in step.branches for s in b]) if hasattr(step, "branches")
               else 0 for step in program)


def test_several_inputs_by_name():
    model = model_of(specs.TWO)
    assert analyze(model, {"mask": (1, 5, 5), "image": (3, 5, 5)}).output == (4, 5, 5)
    assert analyze(model, (5, 8, 8)).inputs == (("image", (5, 8, 8)), ("mask", (1, 8, 8)))  # the first alone
    with pytest.raises(InputError, match="do not broadcast: 8x6x6, 8x8x8"):
        analyze(model, (3, 6, 6))
    with pytest.raises(InputError, match="unknown input 'mak'"):
        analyze(model, {"mak": (1, 5, 5)})


def test_the_worked_example_is_docs_wiring_yaml_and_the_schema_takes_every_spec_here():
    import jsonschema
    import yaml

    from cnninspect.spec.schema import json_schema

    assert f"```yaml\n{SPECS['wiring']}```" in (ROOT / "docs" / "spec.md").read_text()
    validator = jsonschema.Draft202012Validator(json_schema())
    for name, text in SPECS.items():
        assert list(validator.iter_errors(yaml.safe_load(text))) == [], name
    bad = {"input": [3, 8, 8], "layers": [{"concat": {"inputs": ["a"]}}]}  # one operand
    assert list(validator.iter_errors(bad))


def test_a_skipped_node_labels_what_it_passes_on_and_share_refuses_a_label():
    text = """
input: [3, 8, 8]
args: {project: false}
layers:
  - conv: {name: stem, out: 4, kernel: 3}
  - conv: {name: proj, out: 6, kernel: 1, if: project, as: shortcut}
  - conv: {name: body, out: 5, kernel: 1}
  - concat: {inputs: [shortcut], branches: [[]]}
"""
    assert analyze(model_of(text)).output == (9, 6, 6)  # the stem's 4 channels, labelled 'shortcut'
    assert analyze(model_of(text), None, {"project": True}).output == (11, 6, 6)
    with pytest.raises(InputError, match="'shortcut' is not a layer's module"):
        analyze(model_of(text.replace("  - concat: {inputs: [shortcut], branches: [[]]}", "  - share: shortcut")))
