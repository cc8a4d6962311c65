"""The HTML report as a person sees it, in headless Chromium (Debian's package; skipped with the reason where it
is absent): no console error, warning or uncaught exception, no request beyond the file itself, the page's own
self-test passes (#selftest: sorting, filtering, folding), a click on a column sorts the table, typing filters
it, a block folds, and a screenshot shows the page. One browser for the module: each launch costs about a second.

CNNINSPECT_SCREENSHOTS=FOLDER keeps the screenshots there, to look at them."""

from __future__ import annotations

import os
import pathlib
import struct

import pytest

from cnninspect.cli import main
from tests.cli_support import runner
from tests.pictures import hostile
from tests.pictures.browser import MISSING, Browser

pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def browser():
    with Browser() as opened:
        yield opened


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> pathlib.Path:
    """A report of three models: the hostile spec, LeNet-5 and ResNet-18 (its diagram folded at depth 2)."""
    folder = tmp_path_factory.mktemp("report")
    target = folder / "report.html"
    result = runner().invoke(main, ["report", str(hostile.write(folder)), "lenet5", "resnet18", "--depth", "2",
                                    "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    return target


def _visible(browser: Browser, key: str, table: int = 2) -> list[str]:
    return browser.evaluate(f"Array.from(document.querySelectorAll('#layers{table} tbody tr.layer:not(.hidden)'))"
                            f".map(r => r.dataset.{key})")


def test_the_page_checks_itself_without_a_complaint(browser, page):
    browser.open(page.as_uri() + "#selftest")
    verdict = browser.evaluate("document.getElementById('selftest').textContent")
    assert verdict.startswith("PASS"), verdict
    assert browser.problems() == []
    assert browser.requests() == [page.as_uri() + "#selftest"] or browser.requests() == [page.as_uri()]
    assert browser.evaluate("document.scripts.length") == 1
    assert browser.evaluate("document.title").startswith("cnninspect report: m<script>alert(1)</script>")


def test_a_click_sorts_typing_filters_a_toggle_folds(browser, page):
    browser.open(page.as_uri())
    order = [int(v) for v in _visible(browser, "order")]
    assert order == sorted(order) and len(order) == 69  # ResNet-18, forward order
    browser.click('#layers2 th[data-key="params"]')
    params = [int(v) for v in _visible(browser, "params")]
    assert params == sorted(params, reverse=True) and params[0] == 2359296
    browser.click('#layers2 th[data-key="params"]')
    assert [int(v) for v in _visible(browser, "params")] == sorted(params)
    browser.click('#layers2 th[data-key="order"]')
    browser.click('#layers2 th[data-key="order"]')
    assert [int(v) for v in _visible(browser, "order")] == order
    browser.click("#m2 .controls input.filter")
    browser.call("Input.insertText", session=True, text="downsample")
    assert _visible(browser, "path") == [f"layer{k}.0.downsample.{i}" for k in (2, 3, 4) for i in (0, 1)]
    browser.evaluate("(() => { const f = document.querySelector('#m2 .filter'); f.value = '';"
                     " f.dispatchEvent(new Event('input')); })()")
    browser.click('#layers2 tr.block[data-block="layer1"] button.toggle')
    assert not [p for p in _visible(browser, "path") if p.startswith("layer1.")]
    assert len(_visible(browser, "path")) == 69 - 14
    shown = "Array.from(document.querySelectorAll('#m2 div.diagram')).filter(d => !d.hidden).map(d => d.dataset.index)"
    assert browser.evaluate(shown) == ["1"]  # --depth 2: depth 1, then 2, shown first
    browser.click('#m2 button.depth[data-index="0"]')
    assert browser.evaluate(shown) == ["0"]
    assert browser.problems() == []


def test_a_screenshot(browser, page, tmp_path):
    browser.open(page.as_uri())
    keep = os.environ.get("CNNINSPECT_SCREENSHOTS")
    target = pathlib.Path(keep) / "report.png" if keep else tmp_path / "report.png"
    browser.screenshot(str(target))
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 900)
    assert len(data) > 30_000  # text, tables and charts, not a blank page (about 5 kB)


def test_a_broken_page_is_seen(browser, tmp_path):
    """The checks can fail: an exception and a console error on a page are found."""
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><p>x</p><script>console.error('seen'); null.f();</script>", encoding="utf-8")
    browser.open(broken.as_uri())
    found = browser.problems()
    assert any("console.error: seen" in p for p in found) and any("TypeError" in p for p in found), found
