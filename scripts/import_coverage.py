"""Import every torchvision classification CNN and a broad timm sample, and compare each spec with torch itself.

For each model: `cnninspect import` (the importer checks itself against torch and refuses what it cannot make
exact); then, independently of the importer, a fresh build of the source module is compared with the imported
spec's analysis: the parameters, every module's output shape (forward hooks, eval mode), the MACs
(FlopCounterMode / 2), and `cnninspect.build(spec)`'s state_dict keys and shapes (what a strict load of the
source's weights checks). Writes benchmarks/results/import_coverage.md: how many exact, how many refused, and
why each refused.

torchvision and timm are never dependencies of cnninspect: run this in a scratch environment.

    PYTHONPATH=. /work/scratch-tv/bin/python scripts/import_coverage.py [SOURCE ...]
    PYTHONPATH=. /work/scratch-tv/bin/python scripts/import_coverage.py --table LOG ...   # from printed runs
"""

from __future__ import annotations

import pathlib
import re
import sys
import time
import warnings

import torch

import cnninspect
from cnninspect.core.engine import analyze
from cnninspect.errors import InputError
from cnninspect.torch_backend.importer import import_source, verdict
from cnninspect.torch_backend.sources import example_input, load_module

OUT = pathlib.Path(__file__).parent.parent / "benchmarks" / "results" / "import_coverage.md"
NOT_CNNS = ("vit_", "swin_", "maxvit_")  # torchvision's transformers: not this issue's
TIMM = """resnet10t resnet18 resnet50 resnet26d resnet50d resnext50_32x4d wide_resnet50_2 resnetrs50 resnetv2_50
seresnet18 seresnext26d_32x4d ecaresnet26t skresnet18 resnest14d legacy_seresnet18 gcresnet33ts
efficientnet_b0 efficientnet_lite0 efficientnetv2_rw_t tf_efficientnet_b0 tf_efficientnetv2_b0 mixnet_s
mnasnet_100 spnasnet_100 mobilenetv2_100 mobilenetv3_large_100 mobilenetv3_small_050 mobilenetv4_conv_small
fbnetc_100 hardcorenas_a tinynet_e lcnet_050 ghostnet_100 ghostnetv2_100 repghostnet_050
regnetx_002 regnety_002 regnetz_005 rexnet_100 tresnet_m dpn68 hrnet_w18_small dla34 vovnet39a ese_vovnet19b_dw
res2net50_26w_4s res2next50 selecsls42b inception_resnet_v2 inception_v3 inception_v4 xception41
nf_resnet26 nfnet_f0 dm_nfnet_f0 eca_nfnet_l0 convnext_atto convnext_nano cspresnet50 cspdarknet53
cs3darknet_focus_s darknet17 densenet121 repvgg_a0 mobileone_s0 gernet_s hgnetv2_b0 vgg11""".split()


NOTE = """(A table from printed runs, `--table`.) Run on a shared 2-core CPU under heavy load, in parts (the times include that load: the same model took
2 s in one part and 18 min in another). The rows come from several runs of this branch's importer (the last
printed line of a source wins, `--table`): the timm sample whole, then again the families the later changes
touched (Res2Net, HRNet, MobileOne, ReXNet, DPN, timm's VGG, TResNet, ConvNeXt); torchvision's 17 models not run
before, and the families whose code the changes touch (GoogLeNet, Inception v3, ShuffleNet, SqueezeNet,
MobileNet, RegNet, MNASNet, ResNet, AlexNet, ConvNeXt, EfficientNet, DenseNet); the other torchvision rows are
from the importer before this branch (nothing they run is an op this branch maps differently)."""


def sources(argv: list[str]) -> list[str]:
    if argv:
        return argv
    import torchvision.models as tvm

    names = [n for n in tvm.list_models(module=tvm) if not n.startswith(NOT_CNNS)]
    return [f"torchvision:{n}" for n in sorted(names)] + [f"timm:{n}" for n in TIMM]


def _meta(module):
    torch.__future__.set_swap_module_params_on_conversion(True)
    return module.to(torch.device("meta")).eval()


def compare(source: str, text: str, shape) -> list[str]:
    """What the fresh source module and the imported spec disagree on (nothing: exact)."""
    try:
        module = load_module(source, device="meta").eval()
    except InputError:
        module = _meta(load_module(source))
    analysis = analyze(verdict.spec_model(text, "imported"), shape)
    rows = {row.path: row.output for row in reversed(analysis.rows) if row.module and not row.aux}
    seen: dict[str, tuple] = {}

    def hook(name):
        def record(_, __, output):
            if isinstance(output, torch.Tensor) and name not in seen:
                seen[name] = tuple(output.shape[1:])
        return record

    for name, sub in module.named_modules():
        if name in rows:
            sub.register_forward_hook(hook(name))
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        module(torch.zeros(1, *shape, device="meta"))
    found = []
    bad = [p for p in rows if p in seen and tuple(rows[p]) != seen[p]]
    if bad:
        found.append(f"shape at {bad[0]}: {rows[bad[0]]} vs torch {seen[bad[0]]}")
    missing = [p for p in rows if p not in seen]
    if missing:
        found.append(f"{len(missing)} spec modules torch never ran, first {missing[0]}")
    params = sum(p.numel() for p in module.parameters())
    if sum(r.params for r in analysis.rows) != params:
        found.append(f"params {sum(r.params for r in analysis.rows):,} vs torch {params:,}")
    macs = sum(r.macs for r in analysis.rows if not r.aux)
    if 2 * macs != counter.get_total_flops():
        found.append(f"MACs {macs:,} vs FlopCounterMode/2 {counter.get_total_flops() // 2:,}")
    with torch.device("meta"):
        built = cnninspect.build(verdict.spec_model(text, "imported"), shape)
    ours = {k: tuple(v.shape) for k, v in built.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    if ours != theirs:
        extra = sorted(set(ours) ^ set(theirs)) or [k for k in ours if ours[k] != theirs[k]]
        found.append(f"state_dict differs at {extra[0]}")
    return found


def run(source: str) -> tuple[str, str, float, int]:
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                module = load_module(source, device="meta")
            except InputError:
                module = load_module(source)
            shape = example_input(source, module)
            del module
            imported = import_source(source, None, shape)
            problems = compare(source, imported.text, shape)
    except InputError as error:
        return source, "refused", time.perf_counter() - start, error.message
    except Exception as error:  # noqa: BLE001 - a bug in the importer: report it, go on
        return source, "error", time.perf_counter() - start, f"{type(error).__name__}: {str(error)[:200]}"
    if problems:
        return source, "DIFFERS", time.perf_counter() - start, "; ".join(problems)
    tracer = imported.tracer.split(" (")[0]  # torch.fx, or torch.export where fx failed
    return source, "exact", time.perf_counter() - start, f"{imported.layers} layers, {imported.blocks} blocks, {tracer}"


def from_logs(paths: list[str]) -> list[tuple]:
    """The results printed by earlier runs (one line each: source, result, seconds, detail)."""
    found = {}
    for path in paths:
        for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
            parts = line.split(None, 3)
            if len(parts) >= 3 and ":" in parts[0] and parts[2].endswith("s"):
                found[parts[0]] = (parts[0], parts[1], float(parts[2][:-1]), parts[3] if len(parts) > 3 else "")
    return list(found.values())


def main(argv: list[str]) -> None:
    import timm
    import torchvision

    tabled = argv[:1] == ["--table"]
    if tabled:  # the table of runs already made (their printed lines), e.g. two halves in parallel
        results = from_logs(argv[1:])
        argv = []
    else:
        results = []
        for source in sources(argv):
            result = run(source)
            results.append(result)
            print(f"{result[0]:40} {result[1]:8} {result[2]:6.1f}s  {result[3]}", flush=True)
    lines = [f"# Import coverage: torch {torch.__version__}, torchvision {torchvision.__version__}, "
             f"timm {timm.__version__}", ""]
    for library in ("torchvision", "timm"):
        mine = [r for r in results if r[0].startswith(library)]
        if not mine:
            continue
        exact = sum(r[1] == "exact" for r in mine)
        lines += [f"**{library}**: {exact} of {len(mine)} exact, {sum(r[1] == 'refused' for r in mine)} refused, "
                  f"{sum(r[1] not in ('exact', 'refused') for r in mine)} other.", ""]
    refused = [r for r in results if r[1] != "exact"]
    if refused:
        lines += ["Not exact, each with its first reason:", ""]
        lines += [f"- {s}: {re.sub(r'^cannot import .*? writes no spec: ', '', d).split('; ')[0][:240]}"
                  for s, _, _, d in refused] + [""]
    lines += [NOTE, ""] if tabled else []  # how the parts were run
    lines += ["| source | result | time | detail |", "|---|---|---|---|"]
    lines += [f"| {s} | {r} | {t:.1f} s | {d.replace('|', '/')} |" for s, r, t, d in results]
    if not argv:
        OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
