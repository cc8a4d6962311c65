"""The layer kinds that stand for timm's modules, built by cnninspect, against timm's own modules.

For each case: cnninspect.build of a one-layer spec and timm's module, given the same weights, must have the same
class name, the same state_dict (keys and shapes) and compute the same output, bit for bit, on random inputs of
many sizes; and the analysis's output shape and parameters must be timm's. Run it where timm is installed (never a
test dependency): PYTHONPATH=. python scripts/kinds_vs_timm.py — it prints one line per case and a total, and exits
1 on any difference.
"""

from __future__ import annotations

import itertools
import json
import sys

import torch
from timm import layers
from timm.layers.pool2d_same import MaxPool2dSame

import cnninspect
from cnninspect.core.engine import analyze
from cnninspect.spec.build import build_model
from cnninspect.spec.source import read_spec


def cases():
    for k, s, d in itertools.product([1, 2, 3, 5], [1, 2, 3], [1, 2]):
        yield ({"conv_same": {"out": 4, "kernel": k, "stride": s, "dilation": d, "groups": 2}},
               lambda k=k, s=s, d=d: layers.Conv2dSame(4, 4, k, s, dilation=d, groups=2))
        yield ({"maxpool_same": {"kernel": k, "stride": s, "dilation": d}},
               lambda k=k, s=s, d=d: MaxPool2dSame(k, s, dilation=d))
        if d == 1:
            yield ({"avgpool_same": {"kernel": k, "stride": s}}, lambda k=k, s=s: layers.AvgPool2dSame(k, s))
    yield from EXTRA


EXTRA: list = []  # further kinds add their cases here


def check(layer: dict, make) -> list[str]:
    problems = []
    for h, w in [(1, 1), (5, 7), (8, 8), (9, 16), (13, 4)]:
        shape = (4, h, w)
        text = json.dumps({"name": "case", "input": list(shape), "layers": [layer]})
        model = build_model(read_spec("case.json", text), "case")
        try:
            (row,) = analyze(model).rows
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            problems.append(f"{shape}: cnninspect refuses: {error}")
            continue
        theirs = make().double().eval()
        ours = cnninspect.build(model).double().eval()
        ours.load_state_dict({f"0.{k}": v for k, v in theirs.state_dict().items()}, strict=True)
        x = torch.randn(2, *shape, dtype=torch.float64)
        with torch.no_grad():
            expected, got = theirs(x), ours(x)
        params = sum(p.numel() for p in theirs.parameters())
        if type(theirs).__name__ != type(ours.get_submodule("0")).__name__:
            problems.append(f"{shape}: class {type(theirs).__name__} vs {type(ours.get_submodule('0')).__name__}")
        if row.type_name != type(theirs).__name__ or (2, *row.output) != tuple(expected.shape) or row.params != params:
            problems.append(f"{shape}: analysis {row.type_name} {row.output} {row.params} vs timm "
                            f"{type(theirs).__name__} {tuple(expected.shape)} {params}")
        if got.shape != expected.shape or not torch.equal(got, expected):
            problems.append(f"{shape}: outputs differ")
    return problems


def main() -> int:
    failed = total = 0
    for layer, make in cases():
        total += 1
        problems = check(layer, make)
        failed += bool(problems)
        print(("✗ " if problems else "✓ ") + json.dumps(layer) + "".join(f"\n    {p}" for p in problems))
    print(f"{total - failed} of {total} cases agree with timm {sys.modules['timm'].__version__}, "
          f"torch {torch.__version__}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
