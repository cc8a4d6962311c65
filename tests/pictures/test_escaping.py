"""Names are data, not markup: a hostile spec's texts in the SVG, the mermaid, the dot and the HTML report come
out inert (bidi characters spelt as \\u202e) and escaped for each format, and each still parses."""

from __future__ import annotations

import html.parser
import xml.etree.ElementTree as ElementTree

import pytest

from cnninspect.cli import main
from tests.cli_support import runner
from tests.pictures import hostile
from tests.pictures.support import SVG, read_dot, read_mermaid, read_svg


@pytest.fixture
def spec(tmp_path) -> str:
    return str(hostile.write(tmp_path))


def ran(args: list[str]) -> str:
    result = runner().invoke(main, args, prog_name="cnninspect")
    assert result.exit_code == 0, (result.stderr, result.exception)
    return result.stdout


def _no_raw(text: str) -> None:
    assert not any(c in text for c in hostile.BIDI), "a bidi character printed raw"
    assert "\\u202e" in text  # spelt, so the reader sees it is there


def test_svg(spec):
    text = ran(["draw", spec, "--figures"])
    _no_raw(text)
    root, boxes, _ = read_svg(text)
    assert not [e for e in root.iter() if e.tag in (f"{SVG}script", f"{SVG}img", "script", "img")]
    assert all(not name.startswith("on") for e in root.iter() for name in e.attrib)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "c<script>alert(1)</script>\"'\\u202e" in [t.removeprefix("! ") for t in texts]  # the text, as text
    assert "f</svg><img/src=x/onerror=alert(4)>" in texts and "l&lt;\\u2067#quot;`x\\" in texts
    assert root.find(f"{SVG}title").text == 'm<script>alert(1)</script>"\'&amp;\\u202e\\u2066x'


def test_mermaid(spec):
    text = ran(["draw", spec, "--format", "mermaid"])
    _no_raw(text)
    nodes, _ = read_mermaid(text)  # every line one of the forms written: no quote ends a label early
    labels = " ".join(nodes.values())
    assert "<script" not in text and "<img" not in text and "#lt;script#gt;" in labels
    assert "#35;quot;" in labels and "#96;" in labels and "#quot;'" in labels  # # ` " as codes


def test_dot(spec):
    text = ran(["draw", spec, "--format", "dot"])
    _no_raw(text)
    nodes, _ = read_dot(text)
    assert any(label.startswith('! c<script>alert(1)</script>"\'') for label in nodes.values())
    assert any("#quot;`x\\\\" in label or "#quot;`x\\" in label for label in nodes.values())


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_report(spec):
    text = ran(["report", spec, "lenet5"])
    _no_raw(text)
    parsed = _Elements()
    parsed.feed(text)
    tags = [tag for tag, _ in parsed.tags]
    assert tags.count("script") == 1 and "img" not in tags
    assert not [name for _, attrs in parsed.tags for name in attrs if name.startswith("on")]
    words = "".join(parsed.text)
    assert "c<script>alert(1)</script>" in words and "s<b>bold</b>" in words  # shown as text
    paths = [attrs["data-path"] for tag, attrs in parsed.tags
             if tag == "tr" and "layer" in attrs.get("class", "").split()]
    assert paths[:3] == ["c<script>alert(1)</script>\"'\\u202e", "f</svg><img/src=x/onerror=alert(4)>",
                         "l&lt;\\u2067#quot;`x\\"]
