"""What the torch backend found, in words and in JSON: the cross-check's verdict per layer, and the timing.
Layer paths come from the spec: the lines are inert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnninspect.core.engine import Analysis, Row
from cnninspect.inert import inert
from cnninspect.render import figures

if TYPE_CHECKING:  # the renderers stay importable without torch
    from cnninspect.torch_backend.crosscheck import Verification
    from cnninspect.torch_backend.timing import Timing

PASS, FAIL = "✓", "✗"


def checks_by_path(analysis: Analysis, verification: "Verification") -> dict[str, bool]:
    """Module path -> whether torch agreed on it (inference modules only: torch runs no aux head in eval)."""
    checks: dict[str, bool] = {}
    for index, row in enumerate(analysis.rows):
        if row.module and not row.aux:
            checks[row.path] = checks.get(row.path, True) and index in verification.checked
    return checks


def mark(row: Row, checks: dict[str, bool]) -> str:
    """✓ or ✗ for a module or a folded block (all of its modules); blank for functions, merges and aux heads."""
    members = [ok for path, ok in checks.items() if path == row.path or path.startswith(row.path + ".")]
    if row.aux or not members or not (row.module or row.kind == "block"):
        return ""
    return PASS if all(members) else FAIL


def verification_lines(verification: "Verification", torch_version: str) -> list[str]:
    if verification.ok:
        return [f"{PASS} torch {torch_version} agrees: {verification.layers} layers' types, output shapes and "
                f"parameters (torchinfo), {verification.torch_params:,} parameters, and the MACs "
                f"(FlopCounterMode: {verification.torch_flops:,} FLOPs)"]
    lines = [f"{FAIL} torch {torch_version} disagrees in {len(verification.mismatches)} place(s):"]
    lines += [inert(f"  {m.path}: {m.what}: cnninspect {m.ours}, torch {m.torch}") for m in verification.mismatches]
    return lines


def verification_json(verification: "Verification", torch_version: str) -> dict:
    return {"ok": verification.ok, "torch": torch_version, "layers": verification.layers,
            "torch_flops": verification.torch_flops, "torch_params": verification.torch_params,
            "mismatches": [{"path": m.path, "what": m.what, "cnninspect": m.ours, "torch": m.torch}
                           for m in verification.mismatches]}


def timing_lines(timing: "Timing", param_bytes: int, largest_step: int) -> list[str]:
    setup = ", ".join(x for x in (timing.device, timing.dtype, f"batch {timing.batch}",
                                  "channels-last" if timing.channels_last else "",
                                  "torch.compile" if timing.compiled else "") if x)
    lines = [
        f"time         {timing.median * 1e3:.3f} ms median, IQR {timing.iqr * 1e3:.3f} ms, over {len(timing.samples)} "
        f"forward passes after {timing.warmup} warm-up ({setup}; torch.utils.benchmark, inference mode)",
        f"throughput   {timing.throughput:,.1f} samples/s; {timing.gflops:,.2f} GFLOP/s achieved "
        f"({figures.human(timing.flops)}FLOPs a pass)",
    ]
    if timing.peak_bytes is not None:
        lines.append(f"GPU memory   peak allocated {figures.size(timing.peak_bytes)}; analytic floor "
                     f"{figures.size(param_bytes + largest_step)}: parameters {figures.size(param_bytes)} + the "
                     f"largest layer's input and output {figures.size(largest_step)} (kernels' workspaces come on "
                     f"top)")
    return lines


def timing_json(timing: "Timing") -> dict:
    return {"device": timing.device, "dtype": timing.dtype, "batch": timing.batch,
            "channels_last": timing.channels_last, "compiled": timing.compiled, "warmup": timing.warmup,
            "runs": len(timing.samples), "median_s": timing.median, "iqr_s": timing.iqr,
            "throughput_per_s": timing.throughput, "gflops_per_s": timing.gflops, "flops": timing.flops,
            "peak_bytes": timing.peak_bytes, "samples_s": list(timing.samples)}
