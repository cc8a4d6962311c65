"""A spec whose every text is hostile to a page or a drawing: script and markup in names, quotes of both kinds,
entities that would decode, bidi overrides and isolates, mermaid's #quot; and backtick, dot's backslash."""

from __future__ import annotations

import json
import pathlib

SCRIPT = "<script>alert(1)</script>"
BIDI = ("\u202e", "\u2066", "\u2067")
NAME = f'm{SCRIPT}"\'&amp;\u202e\u2066x'
LAYERS = (f"c{SCRIPT}\"'\u202e", "f</svg><img/src=x/onerror=alert(4)>", "l&lt;\u2067#quot;`x\\")


def write(folder: pathlib.Path) -> pathlib.Path:
    spec = {"name": NAME, "description": f"d{SCRIPT}\u202e", "source": "s<b>bold</b>", "input": [3, 8, 8],
            "metadata": {"acc@1": 50.0, "page": f"p{SCRIPT}"},
            "layers": [{"conv": {"name": LAYERS[0], "out": 4, "kernel": 3, "stride": 2}},  # a row never read: !
                       {"flatten": {"name": LAYERS[1]}},
                       {"linear": {"name": LAYERS[2], "out": 10}}]}
    path = folder / "hostile.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path
