"""The diagram's colours, one pair (fill, stroke) per kind group: SVG, mermaid, dot and the report read them."""

from __future__ import annotations

COLOURS = {
    "conv": ("#dbeafe", "#2563eb"),
    "pool": ("#dcfce7", "#16a34a"),
    "norm": ("#fef9c3", "#ca8a04"),
    "activation": ("#ffedd5", "#ea580c"),
    "linear": ("#f3e8ff", "#9333ea"),
    "merge": ("#e5e7eb", "#374151"),
    "other": ("#f8fafc", "#64748b"),
    "block": ("#e0f2fe", "#0f766e"),
    "terminal": ("#1f2937", "#111827"),
}
LINT = {"!": ("#dc2626", "some input is never read"), "~": ("#d97706", "the last window ends in the padding")}
MERGE_SIGN = {"add": "+", "mul": "×", "concat": "‖"}
