"""`cnninspect report`: one self-contained page whose table, charts and diagram hold every layer of the analysis,
whose block rows sum their layers, and which, for several models, carries the comparison and the accuracy chart."""

from __future__ import annotations

import html.parser
import pathlib
import re
import subprocess
import sys

import pytest

from cnninspect.cli import main
from cnninspect.core.summary import summarize
from tests.cli_support import bounded_refusal, runner
from cnninspect.render.diagram.structure import diagram
from tests.pictures.support import TUTORIAL, analysis, read_svg

ROOT = pathlib.Path(__file__).parent.parent.parent


class Page(html.parser.HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def rows(self, table: int, kind: str) -> list[dict]:
        """The <tr class=KIND> of the table #layersN, in order."""
        found, inside = [], False
        for tag, attrs in self.tags:
            if tag == "table":
                inside = attrs.get("id") == f"layers{table}"
            elif inside and tag == "tr" and kind in attrs.get("class", "").split():
                found.append(attrs)
        return found


def ran(args: list[str]) -> str:
    result = runner().invoke(main, args, prog_name="cnninspect")
    assert result.exit_code == 0, (result.stderr, result.exception)
    return result.stdout


@pytest.mark.parametrize("name", TUTORIAL)
def test_every_layer_in_the_table_and_the_charts(name):
    a = analysis(name)
    text = ran(["report", name])
    page = Page(text)
    layers = page.rows(0, "layer")
    assert [r["data-path"] for r in layers] == [r.path for r in a.rows]
    assert [int(r["data-params"]) for r in layers] == [r.params for r in a.rows]
    assert [int(r["data-macs"]) for r in layers] == [r.macs for r in a.rows]
    summary = summarize(a)
    assert [int(r["data-memory"]) for r in layers] == [summary.output_bytes(r) for r in a.rows]
    for block in page.rows(0, "block"):  # a block's row: its layers' sums
        prefix = block["data-block"]
        inside = [r for r in a.rows if r.path.startswith(prefix + ".")]
        assert inside and re.search(rf'data-block="{re.escape(prefix)}".*?<td class="num">'
                                    rf'{sum(r.params for r in inside):,}</td>', text)
    bars = [len(re.findall(r"<rect x=", figure)) for figure in re.findall(r'<figure class="bars">.*?</figure>', text)]
    assert bars == [sum(1 for r in a.rows if r.params), sum(1 for r in a.rows if r.macs), len(a.rows)]
    drawings = re.findall(r'<div class="diagram" data-index="(\d+)"( hidden)?>(.*?)</div>', text, re.S)
    assert [int(i) for i, _, _ in drawings] == list(range(len(drawings))) and drawings
    assert sum(not hidden for _, hidden, _ in drawings) == 1  # one shown
    for _, _, svg in drawings:  # each drawing holds every layer once
        _, boxes, _ = read_svg(svg)
        assert sorted(int(i) for b in boxes.values() for i in b["data-rows"].split()) == list(range(len(a.rows)))


def test_the_drawings_offered_and_the_one_shown():
    def shown(args):
        text = ran(["report", *args])
        names = re.findall(r'<button type="button" class="depth( on)?" data-index="\d+">([^<]*)</button>', text)
        return [name for _, name in names], next(name for on, name in names if on)

    assert shown(["lenet5"]) == (["every layer (12 boxes)"], "every layer (12 boxes)")
    offered, first = shown(["googlenet"])
    boxes = [len(diagram(analysis("googlenet"), d).boxes) for d in (1, 2, 3, None)]
    assert boxes[0] < boxes[1] < boxes[2] < boxes[3] and boxes[3] > 100
    assert offered == [*(f"depth {d} ({n} boxes)" for d, n in zip((1, 2, 3), boxes)), f"every layer ({boxes[3]} boxes)"]
    assert first == "depth 1 (22 boxes)"  # more than 100 boxes whole: folded first
    assert shown(["googlenet", "--depth", "2"])[1] == "depth 2 (76 boxes)"
    assert shown(["resnet18"])[1] == "every layer (69 boxes)"  # 100 boxes or fewer: whole first
    assert shown(["alexnet", "--depth", "5"]) == (["depth 1 (4 boxes)", "every layer (22 boxes)"],
                                                  "every layer (22 boxes)")  # depth 5 folds nothing


def test_self_contained():
    text = ran(["report", "googlenet", "resnet18"])
    page = Page(text)
    assert not [attrs for tag, attrs in page.tags if "src" in attrs or tag in ("link", "iframe", "object", "embed")]
    assert not [attrs["href"] for tag, attrs in page.tags if tag == "a" and not attrs["href"].startswith("#")]
    assert "url(" not in text and "@import" not in text and "fetch(" not in text and "XMLHttpRequest" not in text
    assert "default-src 'none'" in text  # and the page says so to the browser


def test_several_models_are_compared():
    text = ran(["report", "alexnet", "vgg16", "resnet18", "googlenet", "inception_v3", "lenet5", "--depth", "1"])
    assert text.count('<section class="model"') == 6 and '<section id="comparison">' in text
    comparison = text.split('<section id="comparison">')[1].split("</section>")[0]
    assert comparison.count('<g class="model">') == 5  # lenet5 has no published accuracy
    for name in ("alexnet", "vgg16", "resnet18", "googlenet", "inception_v3"):
        assert f">{name}</text>" in comparison
    assert "61.10 M" in comparison and "138.36 M ×2.26" in comparison  # compare's own cells


def test_output_file_and_stdout_agree(tmp_path):
    target = tmp_path / "r.html"
    assert ran(["report", "lenet5", "-o", str(target)]) == ""
    assert target.read_text(encoding="utf-8") == ran(["report", "lenet5"])


@pytest.mark.parametrize("args, fragments", [
    (["report", "lenet5", "--depth", "0"], ["--depth"]),
    (["report", "lenet5", "-o", "/no/such/folder/r.html"], ["no folder '/no/such/folder'"]),
    (["report", "lenet5", "--input", "3x0x0"], ["--input"]),
    (["report", *["lenet5"] * 65], ["a report holds up to 64 models"]),
    (["report"], ["Missing argument"]),
])
def test_bad_input_is_one_line(args, fragments):
    bounded_refusal(args, *fragments)


def test_a_real_process(tmp_path):
    target = tmp_path / "tiny.html"
    done = subprocess.run([sys.executable, "-m", "cnninspect", "report", str(ROOT / "examples" / "tiny_net.yaml"),
                           "-o", str(target)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stderr
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
