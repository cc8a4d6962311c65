"""Sizes in readable units, and tables that fit a width: the units' rule, its agreement with the limits `check`
reads, and the fitting functions (fit.py, the summary's plan, compare's layout) on every zoo model."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from cnninspect.core.compare import Column, compare
from cnninspect.core.engine import analyze
from cnninspect.core.sizes import BYTES, COUNT, parse_limit
from cnninspect.core.summary import summarize
from cnninspect.render import compare_text, fit, summary_text
from cnninspect.render.figures import human, size
from cnninspect.spec.load import load_model, zoo_names

WIDTHS = (40, 60, 80, 100, 120, 200)


@pytest.mark.parametrize("value, text", [
    (0, "0 B"), (1, "1 B"), (512, "512 B"), (999, "999 B"),  # under a kilobyte: the bytes themselves
    (1000, "1.00 kB"), (4_096, "4.10 kB"), (999_994, "999.99 kB"),
    (999_995, "1.00 MB"),  # 999.995 kB rounds to 1000.00 kB: one unit up
    (3_211_264, "3.21 MB"), (46_758_048, "46.76 MB"), (553_432_081, "553.43 MB"), (1_143_110_000, "1.14 GB"),
    (153_142_730_000, "153.14 GB"), (10**12 - 1, "1.00 TB"), (10**15, "1,000.00 TB"),
    (2**63 - 1, "9,223,372.04 TB"),  # torch's largest tensor, in integers only
])
def test_size_picks_the_unit_that_reads_naturally(value, text):
    assert size(value) == text


@pytest.mark.parametrize("value, text", [(999_999, "1.00 M"), (999_994, "999.99 k"), (999_995_000, "1.00 G"),
                                         (-999_996, "-1.00 M"), (2.5e9, "2.50 G")])
def test_counts_round_into_the_next_unit_too(value, text):
    assert human(value) == text


@given(st.integers(0, 10**18))
def test_a_printed_size_reads_back_as_a_limit_within_its_rounding(value):
    """The printed units are the ones `--max-param-memory` reads (decimal: 1 kB = 1000 B): `check` reads back
    what `summary` printed, within half of the last digit."""
    text = size(value)
    number, unit = text.split(" ")
    scale = {"B": 1, "kB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}[unit]
    read = parse_limit(text.replace(" ", ""), BYTES).value
    assert abs(read - value) * 200 <= scale, (value, text)
    assert unit == "B" or float(number.replace(",", "")) >= 1 and (unit == "TB" or float(number) < 1000)


@given(st.integers(0, 10**18))
def test_a_printed_count_reads_back_as_a_limit_within_its_rounding(value):
    text = human(value)
    scale = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[text.partition(" ")[2]]
    assert abs(parse_limit(text.replace(" ", ""), COUNT).value - value) * 200 <= scale


@pytest.mark.parametrize("text, width, short", [
    ("layer4.1.conv1", 14, "layer4.1.conv1"),  # fits: itself
    ("features.denseblock3.denselayer24.conv2", 31, "feature…ock3.denselayer24.conv2"),
    ("features.denseblock3.denselayer24.conv2", 12, "fe…r24.conv2"),
    ("abcdef", 1, "…"), ("abcdef", 0, ""),
    ("数据数据.conv1", 10, "数….conv1"),  # a wide character is two cells: 2 + 1 + 6 (据 would pass 10)
])
def test_shorten_keeps_the_start_and_the_end(text, width, short):
    assert fit.shorten(text, width) == short and fit.cells(fit.shorten(text, width)) <= max(width, 0)


def test_shorten_with_a_share_keeps_more_of_the_start():
    assert fit.shorten("AdaptiveAvgPool2d", 15, 2) == "Adaptiv…gPool2d"


@pytest.mark.parametrize("line, width, lines", [
    ("memory       parameters 46.76 MB, input 602.11 kB, activations 32.92 MB (every output kept), largest 3.21 MB",
     80, ["memory       parameters 46.76 MB, input 602.11 kB, activations 32.92 MB (every",
          "             output kept), largest 3.21 MB"]),
    ("memory       parameters 46.76 MB, input 602.11 kB, activations 32.92 MB", 66,
     ["memory       parameters 46.76 MB, input 602.11 kB, activations",
      "             32.92 MB"]),  # the number keeps its unit: '32.92' is not left at the end of a line
    ("  ! stride 2 > window span 1: 1 of every 2 input positions is never read (between windows)", 60,
     ["  ! stride 2 > window span 1: 1 of every 2 input positions",
      "    is never read (between windows)"]),
    ("* best of the row", 10, ["* best of", "  the row"]),
    ("see https://pytorch.org/vision/0.29/models.html", 20, ["see", "  https://pytorch.org/vision/0.29/models.html"]),
])
def test_wrap_breaks_between_words_under_the_text(line, width, lines):
    assert fit.wrap(line, width) == lines


@given(st.lists(st.sampled_from(["1,814,073,344", "3.21 MB", "1.81 G", "x", "word", "6.000 ms", "512 B"]),
                min_size=1, max_size=30), st.integers(10, 90))
def test_wrap_never_parts_a_number_from_its_unit(words, width):
    line = "memory       " + " ".join(words)
    wrapped = fit.wrap(line, width)
    assert " ".join(wrapped).split() == line.split()
    for part in wrapped:
        assert part.split()[-1] not in ("3.21", "1.81", "6.000", "512") and part.split()[0] not in ("MB", "G", "ms")
        assert fit.cells(part) <= max(width, 13 + len("1,814,073,344"))  # a word longer than the width stays whole


def test_blocks_are_as_few_and_as_even_as_fit():
    # the label 12, seven columns of 10: 1 + 12 + 4 · (3 + 10) = 65 fits 70, five would be 78
    assert fit.blocks(12, [10] * 7, 70) == [[0, 1, 2, 3], [4, 5, 6]]
    assert fit.blocks(12, [10] * 7, 200) == [list(range(7))]
    assert fit.blocks(12, [10, 90, 10], 70) == [[0], [1], [2]]  # too wide alone: a table of its own
    for width in range(30, 120):
        for group in fit.blocks(12, [10, 14, 9, 30, 11, 10, 16], width):
            assert fit.table_width([12, *([10, 14, 9, 30, 11, 10, 16][i] for i in group)]) <= width or \
                len(group) == 1


def _summaries():
    return [pytest.param(name, summarize(analyze(load_model(name))), id=name) for name in zoo_names()]


SUMMARIES = _summaries()


@pytest.mark.parametrize("name, summary", SUMMARIES)
def test_every_summary_fits_every_width_and_keeps_its_numbers_whole(name, summary):
    full = summary_text.render_table(summary)
    cells = [summary_text.cells(row, summary) for row in (*summary.rows, *summary.aux_rows)]
    for width in WIDTHS:
        text = summary_text.render_table(summary, width=width)
        if width >= 80:  # under it, not every table: VGG's output shapes and numbers alone take 61 cells
            assert all(fit.cells(line) <= width or " " not in line.strip() for line in text.splitlines()), width
        head, tables, note = summary_text.fitted(summary_text.HEADER, [("", cells)], width)
        fitted_rows = tables[0][1]
        for row, fitted in zip(cells, fitted_rows):  # a number is whole or left out with its column
            kept = dict(zip(head, fitted))
            for column, value in zip(summary_text.HEADER, row):
                if column in kept and column not in ("Layer", "Type"):
                    assert kept[column] == value
        assert bool(note) == (text.split() != full.split())  # else only the prose is wrapped: the same words
        if note:
            assert "--format markdown or a wider terminal shows them" in " ".join(text.split())
    assert summary_text.render_table(summary, width=fit.table_width([1])) != full  # a width always applies


def test_the_summary_leaves_out_the_least_needed_first():
    summary = summarize(analyze(load_model("resnet18")))
    rows = [summary_text.cells(row, summary) for row in summary.rows]
    full = fit.table_width([max(map(len, column)) for column in zip(summary_text.HEADER, *rows)])  # 119
    assert summary_text.plan(summary_text.HEADER, rows, full) == (list(range(9)), {})
    keep, narrowed = summary_text.plan(summary_text.HEADER, rows, 100)  # 119 − Jump 7 − RF 10 = 102: Type 17 → 15
    assert [summary_text.HEADER[i] for i in keep] == ["Layer", "Type", "Output", "Memory", "Params", "MACs", "Lint"]
    assert narrowed == {1: 15}
    keep, narrowed = summary_text.plan(summary_text.HEADER, rows, 80)
    assert [summary_text.HEADER[i] for i in keep] == ["Layer", "Output", "Params", "MACs", "Lint"] and not narrowed


def _comparison(names):
    columns = []
    for name in names:
        spec = load_model(name)
        columns.append(Column(name, summarize(analyze(spec)), top1=spec.metadata.get("acc@1"),
                              top5=spec.metadata.get("acc@5")))
    return compare(columns)


FIVE = ("alexnet", "vgg16", "resnet18", "googlenet", "inception_v3")


@pytest.mark.parametrize("names", [FIVE, ("lenet5", "resnet18"), tuple(zoo_names())[:12]])
def test_compare_fits_every_width_and_keeps_its_numbers_whole(names):
    comparison = _comparison(names)
    full = compare_text.render_table(comparison)
    values = {compare_text.cell(m, i, False) for m in comparison.metrics for i in range(len(names))}
    for width in WIDTHS:
        text = compare_text.render_table(comparison, width=width)
        table = text.partition("\n* best of the row")[0].splitlines()
        assert max(map(fit.cells, table)) <= width
        assert width < 60 or max(map(fit.cells, text.splitlines())) <= width  # the accuracy's URL takes 45
        for line, below in zip(table, table[1:] + [""]):
            if line.strip() and not set(below.strip()) == {"─"} and not set(line.strip()) == {"─"}:
                found = re.split(r" {2,}", line.strip())[1:]  # the row's name, then its cells
                assert all(cell in values or "×" in cell for cell in found), (width, line)
        ratios, _, groups, _ = compare_text.layout(comparison, width)
        assert (_above_bars(text).split() == _above_bars(full).split()) == (ratios and len(groups) == 1)
        assert ratios or f"to fit {width} columns: the ratios left out" in " ".join(text.split())


def _above_bars(text: str) -> str:
    return text[:text.index("\n\n", text.index("* best of the row"))]


def test_compare_at_80_columns_keeps_five_models_side_by_side():
    """The issue's case: five models wrapped mid-number at COLUMNS=80; without the ratios and with short row names
    they fit in one table of 78 cells."""
    ratios, short, groups, narrowed = compare_text.layout(_comparison(FIVE), 80)
    assert (ratios, short, groups, narrowed) == (False, True, [[0, 1, 2, 3, 4]], {})


@pytest.mark.parametrize("name", ["resnet18", "googlenet", "efficientnet_b0"])
def test_the_training_table_fits_80_columns_too(name):
    """--train adds Saved and Bwd MACs: the backward MACs are left out last, after Type, Memory, RF and Jump."""
    from click.testing import CliRunner

    from cnninspect.cli import main

    done = CliRunner().invoke(main, ["summary", name, "--train"], env={"COLUMNS": "80"}, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    table = done.output.split("\n\n")[1]  # the layer table, between the header and the totals
    assert all(fit.cells(line) <= 80 for line in table.splitlines()), table
    assert "Saved" in table.splitlines()[0]
    assert "Bwd MACs" in " ".join(done.output.split()).split("to fit 80 columns:")[1].split(";")[0]
