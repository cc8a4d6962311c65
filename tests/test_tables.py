"""One table per fact (shared/STYLE.md, "One fact, one place"): where two registries must agree a test says so, and
a fact a renderer could re-derive is read from core by everyone who shows it.

- the layer kinds (core/layers/catalog.py) and their torch modules (torch_backend/modules.py BUILDERS);
- the element types (cnninspect/syntax.py ELEMENT_TYPES): every --dtype, the memory figures, the torch dtypes;
- summary's --time options: which they are is the options' own help, their defaults click's;
- the lint's verdict (core/lint.py), the layer whose receptive field is the model's and the totals
  (core/summary.py), whoever shows them.
"""

from __future__ import annotations

import ast
import json
import pathlib

import click
import pytest

from cnninspect.cli import COMMANDS, main
from cnninspect.core import lint
from cnninspect.core.compare import Column, compare
from cnninspect.core.engine import analyze
from cnninspect.core.layers.catalog import KINDS
from cnninspect.core.summary import receptive_row, summarize, totals
from cnninspect.spec.load import load_model, zoo_names
from cnninspect.syntax import DTYPE_BYTES, DTYPES, ELEMENT_TYPES, MASTER, MIXED
from tests.cli_support import runner

ROOT = pathlib.Path(__file__).parent.parent
PACKAGE = ROOT / "cnninspect"


def _modules(package: pathlib.Path = PACKAGE) -> list[tuple[str, ast.Module]]:
    return [(str(p.relative_to(package.parent)), ast.parse(p.read_text(encoding="utf-8")))
            for p in sorted(package.rglob("*.py"))]


def _cli(args: list[str]):
    return runner().invoke(main, args)


# --- the layer kinds and their torch modules ---------------------------------------------------------------------

@pytest.mark.torch
def test_every_layer_kind_has_its_torch_builder_and_every_builder_a_kind():
    """A kind added to the catalog needs its torch module in BUILDERS (one entry), and a builder names a kind."""
    from cnninspect.torch_backend.modules import BUILDERS

    kinds = {kind.name for kind in KINDS}
    assert not kinds - set(BUILDERS), f"layer kinds without a torch builder: {sorted(kinds - set(BUILDERS))}"
    assert not set(BUILDERS) - kinds, f"torch builders for no layer kind: {sorted(set(BUILDERS) - kinds)}"


@pytest.mark.torch
@pytest.mark.parametrize("command", [["summary", "lenet5", "--verify"], ["verify", "lenet5"],
                                     ["summary", "lenet5", "--time", "--runs", "1", "--warmup", "0", "--device",
                                      "cpu"]])
def test_a_kind_the_torch_backend_cannot_build_is_one_located_line_and_exit_2(monkeypatch, command):
    from cnninspect.torch_backend import modules

    monkeypatch.delitem(modules.BUILDERS, "relu")
    result = _cli(command)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stderr == ("cnninspect: error: zoo/lenet5.yaml:10:5: layer 'relu()' (relu): the torch backend has "
                             "no module for the layer kind 'relu', so it cannot build this model\n")


# --- the element types ---------------------------------------------------------------------------------------------

def _dtype_tables(package: pathlib.Path = PACKAGE) -> list[str]:
    """Every literal tuple, list, set or dict (keys) outside syntax.py holding two or more element type names."""
    found = []
    for path, tree in _modules(package):
        if path == "cnninspect/syntax.py":
            continue
        for node in ast.walk(tree):
            items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
            if not isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)) or items is None:
                continue
            names = [n.value for n in items if isinstance(n, ast.Constant) and n.value in DTYPE_BYTES]
            if len(names) >= 2:
                found.append(f"{path}:{node.lineno}: {', '.join(names)}")
    return found


def test_the_element_types_are_listed_once():
    """No second table of dtypes anywhere in the package: every consumer derives from cnninspect.syntax."""
    assert _dtype_tables() == []


def test_the_scan_for_a_second_dtype_table_finds_one(tmp_path):
    """The scan above can fail: a module with its own tuple of dtypes is found."""
    (tmp_path / "cnninspect").mkdir()
    (tmp_path / "cnninspect" / "second.py").write_text('MIXED = ("bfloat16", "float16")\nSIZE = {"float32": 4}\n')
    assert _dtype_tables(tmp_path / "cnninspect") == ["cnninspect/second.py:1: bfloat16, float16"]


def _commands() -> list[click.Command]:
    with click.Context(main) as ctx:
        return [main.get_command(ctx, name) for name in COMMANDS]


def test_every_dtype_option_takes_every_element_type():
    options = [(command.name, p) for command in _commands() for p in command.params if p.name == "dtype"]
    assert {name for name, _ in options} >= {"summary", "compare", "check", "diff", "report"}
    for name, option in options:
        assert tuple(option.type.choices) == DTYPES, name
        assert option.default in DTYPES, name


def test_training_reads_mixed_precision_and_the_master_type_from_the_table():
    from cnninspect.core.training import MIXED as TRAINING_MIXED
    from cnninspect.core.training import TrainConfig

    assert TRAINING_MIXED == MIXED == tuple(t.name for t in ELEMENT_TYPES if t.mixed)
    for t in ELEMENT_TYPES:
        config = TrainConfig(dtype=t.name)
        assert config.mixed == t.mixed
        assert config.weight_bytes == (DTYPE_BYTES[MASTER] if t.mixed else t.bytes)


def test_the_memory_figures_read_the_bytes_from_the_table():
    analysis = analyze(load_model("lenet5"))
    for t in ELEMENT_TYPES:
        assert summarize(analysis, 3, t.name).totals.param_bytes == totals(analysis).params * t.bytes


@pytest.mark.torch
def test_the_torch_dtypes_are_the_tables():
    import torch

    from cnninspect.torch_backend.build import torch_dtype
    from cnninspect.torch_backend.timing import DTYPES as TIMING_DTYPES

    assert tuple(TIMING_DTYPES) == DTYPES
    for t in ELEMENT_TYPES:
        dtype = torch_dtype(t.name)
        assert dtype is getattr(torch, t.torch) and TIMING_DTYPES[t.name] is dtype
        assert dtype.itemsize == t.bytes and dtype.is_floating_point


def test_the_optimizers_are_listed_once():
    from cnninspect.core.training import OPTIMIZERS, TrainConfig
    from cnninspect.syntax import DEFAULT_OPTIMIZER, OPTIMIZER_STATES

    assert OPTIMIZERS is OPTIMIZER_STATES and TrainConfig().optimizer == DEFAULT_OPTIMIZER
    options = [(command.name, p) for command in _commands() for p in command.params if p.name == "optimizer"]
    assert {name for name, _ in options} == {"summary", "compare"}
    for name, option in options:
        assert tuple(option.type.choices) == tuple(OPTIMIZER_STATES), name
        assert f"[default: {DEFAULT_OPTIMIZER}]" in option.help, name


def test_the_devices_are_listed_once():
    from cnninspect.core.training import DEVICES as TRAINING_DEVICES
    from cnninspect.syntax import TIME_DEVICES

    options = [(command.name, p) for command in _commands() for p in command.params if p.name == "device"]
    assert {name for name, _ in options} >= {"summary", "compare"}
    for name, option in options:
        assert tuple(option.type.choices) == TIME_DEVICES, name
    assert set(TRAINING_DEVICES) <= set(TIME_DEVICES)


@pytest.mark.torch
def test_the_timing_knows_every_device_of_the_table():
    from cnninspect.syntax import TIME_DEVICES
    from cnninspect.torch_backend.timing import available_devices

    assert tuple(available_devices()) == TIME_DEVICES


@pytest.mark.torch
def test_the_torch_optimizers_are_the_tables():
    from cnninspect.syntax import OPTIMIZER_STATES
    from cnninspect.torch_backend.training import OPTIMIZERS as TORCH_OPTIMIZERS

    assert tuple(TORCH_OPTIMIZERS) == tuple(OPTIMIZER_STATES)


# --- summary's --time options ----------------------------------------------------------------------------------

def _summary() -> click.Command:
    from cnninspect.commands.summary import summary
    return summary


def test_the_time_options_are_those_whose_help_says_so():
    from cnninspect.commands.summary import TIMING_OPTIONS

    said = {p.name for p in _summary().params if (getattr(p, "help", "") or "").startswith("--time:")}
    assert set(TIMING_OPTIONS) == said


@pytest.mark.parametrize("name", ["device", "channels_last", "warmup", "runs", "compile_"])
def test_a_time_option_given_without_time_is_refused_even_at_its_default(name):
    """Refused because it was given, whatever its value: no copy of click's defaults to fall out of step."""
    option = next(p for p in _summary().params if p.name == name)
    value = "cpu" if name == "device" else str(option.default)  # --device has no default: the best there is
    given = [option.opts[0]] if option.is_flag else [option.opts[0], value]
    result = _cli(["summary", "lenet5", *given])
    assert result.exit_code == 2
    assert result.stderr == f"cnninspect: error: {option.opts[0]}: {option.opts[0]} applies to --time; add --time\n"


def test_without_time_options_summary_runs_and_train_takes_device():
    assert _cli(["summary", "lenet5"]).exit_code == 0
    assert _cli(["summary", "lenet5", "--train", "--device", "cpu"]).exit_code == 0


# --- the lint's verdict, the model's receptive field, the totals: core's, for everyone ----------------------

LINT_CASES = """
name: lint_cases
input: [3, 9, 9]
layers:
  - conv: {name: gap, out: 4, kernel: 1, stride: 2}
  - conv: {name: padding_only, out: 4, kernel: 2, stride: 2, padding: 1}
  - maxpool: {name: remainder, kernel: 2, stride: 2}
  - flatten
  - linear: {name: fc, out: 2}
"""
# gap: 9 − 1 = 8 divides by 2, but the 1x1 window skips every other position; padding_only: 5 + 2 − 2 = 5 leaves
# one position, which is padding; remainder: 3 − 2 = 1 leaves the last real row and column
EXPECTED = {"gap": "!", "padding_only": "~", "remainder": "!", "3": "", "fc": ""}  # flatten: unnamed, its index


@pytest.fixture
def lint_spec(tmp_path) -> pathlib.Path:
    path = tmp_path / "lint_cases.yaml"
    path.write_text(LINT_CASES)
    return path


def test_the_lint_verdict_follows_the_conventions(lint_spec):
    analysis = analyze(load_model(str(lint_spec)))
    assert {r.path: lint.mark(r) for r in analysis.rows} == EXPECTED
    assert [r.path for r in analysis.rows if lint.never_reads(r)] == ["gap", "remainder"]


def test_every_output_shows_the_one_lint_verdict(lint_spec):
    never = [p for p, m in EXPECTED.items() if m == "!"]
    data = json.loads(_cli(["summary", str(lint_spec), "--format", "json"]).stdout)
    assert {layer["path"]: layer["lint"] for layer in data["layers"]} == EXPECTED
    text = _cli(["summary", str(lint_spec)]).stdout
    section = text[text.index("\nlint\n"):]
    assert [line.split(" ")[0] for line in section.splitlines() if line and not line.startswith(" ")][1:] == never
    check = json.loads(_cli(["check", str(lint_spec), "--no-lint-warnings", "--format", "json"]).stdout)
    finding = next(f for spec in check["specs"] for f in spec["checks"] if f["expectation"] == "no_lint_warnings")
    assert [layer["path"] for layer in finding["actual"]] == never
    summary = summarize(analyze(load_model(str(lint_spec))))
    swept = compare([Column("3x9x9", summary)], sweep=True)  # compare's sweep: once it missed the gap
    assert next(m for m in swept.metrics if m.key == "inexact").values == (tuple(never),)


def test_every_zoo_model_has_one_lint_verdict():
    """The summary's JSON, check's --no-lint-warnings and compare's inexact layers are core's verdict, model by
    model (the zoo has every kind of remainder: ResNet's gaps, AlexNet's padding)."""
    from cnninspect.core.budget import evaluate, from_flags

    seen = set()
    for name in zoo_names():
        summary = summarize(analyze(load_model(name)))
        marks = {r.path: lint.mark(r) for r in summary.analysis.rows}
        seen |= set(marks.values())
        never = tuple(p for p, m in marks.items() if m == lint.NEVER_READ)
        found = evaluate(summary, tuple(from_flags({"no_lint_warnings": True}).values()))
        assert tuple(layer.path for layer in found[0].actual) == never, name
        inexact = compare([Column(name, summary)], sweep=True).metrics
        assert next(m for m in inexact if m.key == "inexact").values == (never,), name
    assert seen == {"!", "~", ""}


AUX_LAST = """
name: aux_last
input: [3, 32, 32]
layers:
  - conv: {name: stem, out: 8, kernel: 3}
  - aux:
      name: head
      layers: [conv: {name: c, out: 4, kernel: 5}]
"""


def test_the_models_receptive_field_is_never_an_auxiliary_heads(tmp_path):
    """The last inference layer with spatial axes (docs/check.md): the summary's output line named the auxiliary
    head's conv once, where check, compare, diff and the report named the stem."""
    from cnninspect.core.diff import diff

    spec = tmp_path / "aux_last.yaml"
    spec.write_text(AUX_LAST)
    summary = summarize(analyze(load_model(str(spec))))
    assert summary.receptive_row.path == receptive_row(summary.analysis).path == "stem"
    assert "output       1x8x30x30; receptive field 3x3 (jump 1) at stem" in _cli(["summary", str(spec)]).stdout
    checked = _cli(["check", str(spec), "--min-receptive-field", "4"])
    assert "receptive field 3x3 at stem < 4" in checked.stdout
    assert next(m for m in compare([Column("a", summary)]).metrics if m.key == "receptive_field").values == ((3, 3),)
    assert next(t for t in diff(summary, summary, "a", "b").totals if t.key == "receptive_field").old == (3, 3)
    report = tmp_path / "report.html"
    assert _cli(["report", str(spec), "-o", str(report)]).exit_code == 0
    assert "3x3 at stem" in report.read_text()


def _row_sums() -> list[str]:
    """sum(r.macs for r in analysis.rows ...) and the like: a total summed again outside core/summary.py."""
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "sum" and node.args
                    and isinstance(node.args[0], ast.GeneratorExp)):
                continue
            gen = node.args[0]
            over_rows = any(isinstance(n, ast.Attribute) and n.attr == "rows" for n in ast.walk(gen.generators[0].iter))
            figures = {n.attr for n in ast.walk(gen.elt) if isinstance(n, ast.Attribute)} & {"macs", "params", "ops",
                                                                                             "buffers"}
            if over_rows and figures:
                found.append(path)
    return sorted(set(found))


def test_the_totals_are_summed_in_core_only():
    assert set(_row_sums()) == {"cnninspect/core/summary.py"}


@pytest.mark.torch
def test_the_cross_check_and_the_timing_compare_the_cores_totals(monkeypatch):
    """--verify's total MACs and params and --time's FLOPs are core/summary.py's totals, read there."""
    from cnninspect.torch_backend import crosscheck, timing

    analysis = analyze(load_model("lenet5"))
    assert crosscheck.verify(analysis, 2).ok
    off = totals(analysis, 2)._replace(macs=totals(analysis, 2).macs + 1, params=totals(analysis).params + 1)
    monkeypatch.setattr(crosscheck, "totals", lambda a, batch=1, dtype="float32": off)
    found = {m.what: m.ours for m in crosscheck.verify(analysis, 2).mismatches if m.path == "(total)"}
    assert found == {"MACs": f"{off.macs:,}", "params": f"{off.params:,}"}
    monkeypatch.setattr(timing, "totals", lambda a, batch=1, dtype="float32": off)
    timed = timing.time_forward(analysis, device="cpu", dtype="float32", batch=2, channels_last=False, warmup=0,
                                runs=1, compile=False)
    assert timed.flops == off.flops
