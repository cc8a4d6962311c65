"""The documentation stays true: every layer kind and field is in docs/spec.md, its example is the real file,
and torchvision's published "GFLOPS" are the engine's MACs."""

from __future__ import annotations

import csv
import pathlib

import pytest

from cnninspect.core.engine import analyze
from cnninspect.core.layers.catalog import KINDS
from cnninspect.core.summary import summarize
from cnninspect.spec.load import load_model, zoo_names

ROOT = pathlib.Path(__file__).parent.parent.parent
SPEC_DOC = (ROOT / "docs" / "spec.md").read_text()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_kind_and_field_is_documented(kind):
    line = next((line for line in SPEC_DOC.splitlines() if line.startswith(f"| `{kind.name}`")), None)
    assert line, f"docs/spec.md has no row for {kind.name}"
    for name in (*kind.aliases, *kind.fields):
        assert f"`{name}`" in line


def test_the_worked_example_is_the_example_file():
    assert (ROOT / "examples" / "tiny_net.yaml").read_text() in SPEC_DOC


def published():
    with open(ROOT / "tests" / "data" / "reference" / "weights-table.csv") as table:
        return {row["weights"]: float(row["gmacs_published_as_gflops"]) for row in csv.DictReader(table)}


@pytest.mark.parametrize("name", [n for n in zoo_names() if "gflops" in load_model(n).metadata])
def test_torchvisions_gflops_column_is_our_macs(name):
    """torchvision labels GMACs of conv and linear "GFLOPS" (batch 1, eval crop): ours, to its 3 decimals."""
    model = load_model(name)
    macs = summarize(analyze(model)).totals.macs
    weights = model.metadata["weights"]  # the spec's weights, at their eval crop (its input)
    assert round(macs / 1e9, 3) == published()[weights]
    assert model.metadata["gflops"] == published()[weights]
