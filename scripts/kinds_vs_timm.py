"""The layer kinds that stand for timm's modules, built by cnninspect, against timm's own modules.

For each case: cnninspect.build of a one-layer spec and timm's module, given the same weights, must have the same
class name, the same state_dict (keys and shapes) and compute the same output, bit for bit, on random inputs of
many sizes; and the analysis's output shape, parameters and MACs (FlopCounterMode) must be timm's. Where cnninspect refuses an input size,
timm must fail on it too. Run it where timm is installed (never a
test dependency): PYTHONPATH=. python scripts/kinds_vs_timm.py — it prints one line per case and a total, and exits
1 on any difference.
"""

from __future__ import annotations

import itertools
import json
import sys

import torch
from torch.utils.flop_counter import FlopCounterMode
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
    for k, s, g in [(1, 1, 1), (3, 1, 2), (3, 2, 1), (4, 2, 4), (7, 2, 1)]:
        padding = ((s - 1) + (k - 1)) // 2  # timm's get_padding, its default
        common = {"out": 8, "kernel": k, "stride": s, "groups": g}
        yield ({"std_conv": {**common, "padding": padding}}, lambda k=k, s=s, g=g: layers.StdConv2d(4, 8, k, s, groups=g))
        yield ({"std_conv": {**common, "dynamic_same": True, "bias": True, "eps": 1e-5}},
               lambda k=k, s=s, g=g: _dynamic(layers.StdConv2dSame(4, 8, k, s, groups=g, bias=True, eps=1e-5)))
        yield ({"scaled_std_conv": {**common, "padding": padding, "gamma": 1.7, "gain_init": 0.5}},
               lambda k=k, s=s, g=g: layers.ScaledStdConv2d(4, 8, k, s, groups=g, gamma=1.7, gain_init=0.5))
        yield ({"scaled_std_conv": {**common, "dynamic_same": True, "eps": 1e-5}},
               lambda k=k, s=s, g=g: _dynamic(layers.ScaledStdConv2dSame(4, 8, k, s, groups=g, eps=1e-5)))
    yield ({"space_to_depth": {}}, lambda: layers.SpaceToDepth())
    for f, stride, mode, channels in [(3, 2, "reflect", 4), (3, 2, "reflect", None), (5, 2, "constant", None),
                                      (4, 1, "constant", 4), (2, 3, "reflect", None)]:
        yield ({"blur_pool": {"filt_size": f, "stride": stride, "pad_mode": mode, "channels": channels}},
               lambda f=f, s=stride, m=mode, c=channels: layers.BlurPool2d(c, f, s, m))
    yield ({"layerscale": {"init": 0.1}}, lambda: layers.LayerScale(16, 0.1))  # over the last axis
    yield ({"layerscale": {"init": 0.1, "channels_first": True}}, lambda: layers.LayerScale2d(4, 0.1))


def _dynamic(module):
    """timm makes a Same class's padding static where it can (stride 1, odd span): keep only the dynamic ones."""
    return module if module.same_pad else None


def check(layer: dict, make) -> list[str]:
    problems = []
    sizes = [(4, 8), (8, 8), (16, 12)] if "space_to_depth" in layer else [(1, 1), (5, 7), (8, 8), (9, 16), (13, 4)]
    for h, w in sizes:
        shape = (4, h, w) if "layerscale" not in layer or layer["layerscale"].get("channels_first") else (h, w, 16)
        text = json.dumps({"name": "case", "input": list(shape), "layers": [layer]})
        model = build_model(read_spec("case.json", text), "case")
        theirs = make()
        if theirs is None:
            continue  # timm chose static padding: that module is a plain one
        theirs = theirs.double().eval()
        try:
            (row,) = analyze(model).rows
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            try:  # cnninspect refuses: so must timm
                theirs(torch.randn(2, *shape, dtype=torch.float64))
            except (RuntimeError, ValueError):
                continue
            problems.append(f"{shape}: cnninspect refuses what timm runs: {error}")
            continue
        ours = cnninspect.build(model).double().eval()
        ours.load_state_dict({f"0.{k}": v for k, v in theirs.state_dict().items()}, strict=True)
        x = torch.randn(2, *shape, dtype=torch.float64)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            expected = theirs(x)
        with torch.no_grad():
            got = ours(x)
        if 2 * 2 * row.macs != counter.get_total_flops():  # batch 2, FLOPs = 2 × MACs
            problems.append(f"{shape}: MACs {row.macs} per sample vs FlopCounterMode {counter.get_total_flops()}")
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
