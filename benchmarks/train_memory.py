"""Training memory, four ways, for the tutorial's models at several batches: cnninspect's prediction of a step
(parameters + gradients + AdamW state + what autograd saves; and its peak), torchinfo's "estimated total size"
(mode="train"), an accelerate-style parameter rule (parameters × 4 bytes × 4 for Adam: weights, gradients, two
moments), and the measured truth: what autograd saves, measured with saved_tensors_hooks in one training step
(the meta device, which saves what the CPU saves: tests/training/), plus the parameters, gradients and AdamW
state torch allocates for them. Beside it the peak: cnninspect's against the live tensor memory of a real,
steady-state CPU step (torch.distributed._tools.mem_tracker.MemTracker, the second step). A GPU's
torch.cuda.max_memory_allocated is the last column: not measured (no GPU was lent when this ran).

Writes benchmarks/results/train_memory.md.

    python benchmarks/train_memory.py [--batches 1,8,32] [--models alexnet,resnet18,vgg16,googlenet] [--size 224]
"""

from __future__ import annotations

import argparse
import pathlib

MODELS = "alexnet,resnet18,vgg16,googlenet"
RESULT = pathlib.Path(__file__).parent / "results" / "train_memory.md"


def _row(name: str, batch: int, side: int) -> str:
    import torch
    import torchinfo

    from cnninspect.core.engine import analyze
    from cnninspect.core.training import TrainConfig, train
    from cnninspect.render.figures import size
    from cnninspect.spec.load import load_model
    from cnninspect.torch_backend.build import SpecModel
    from cnninspect.torch_backend.training import measure, measure_peak

    spec = load_model(name)
    analysis = analyze(spec, (spec.input[0], side, side))
    config = TrainConfig(batch, "float32", "adamw", "cpu")
    ours = train(analysis, config)
    found = measure(analysis, config, "meta")
    params = sum(r.params for r in analysis.rows)
    truth = sum(found.saved) + 4 * params * 4  # saved + weights, gradients, AdamW's two moments (float32)
    predicted = ours.saved_bytes + ours.param_bytes + ours.grad_bytes + ours.optimizer_bytes
    with torch.device("meta"):
        model = SpecModel(analysis)
    info = torchinfo.summary(model, input_size=(batch, *analysis.input), device="meta", mode="train", verbose=0)
    torchinfo_total = info.total_input + info.total_output_bytes + info.total_param_bytes
    accelerate = params * 4 * 4
    peak = measure_peak(analysis, config)["total"]

    def cell(value: int) -> str:
        return f"{size(value)} ({100 * (value - truth) / truth:+.1f} %)"

    gap = 100 * (ours.peak.total - peak) / peak
    return (f"| {name} | {batch} | {size(truth)} | {cell(predicted)} | {cell(torchinfo_total)} | {cell(accelerate)} | "
            f"{size(peak)} | {size(ours.peak.total)} ({gap:+.1f} %, {ours.peak.phase}) | not measured |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--models", default=MODELS)
    parser.add_argument("--size", type=int, default=224)
    args = parser.parse_args()
    lines = ["# Training memory: prediction, peers and the measured truth", "",
             f"float32, AdamW, {args.size}×{args.size}, the CPU. Truth: saved_tensors_hooks (unique storages, "
             "parameters excluded) in one step, plus parameters, gradients and AdamW state; in brackets each "
             "estimate's difference to it. Peak: the live tensor memory of a real steady-state CPU step (MemTracker) "
             "against cnninspect's predicted peak (the phase it falls in). GPU: torch.cuda.max_memory_allocated, not "
             "measured (no GPU this session).", "",
             "| model | batch | truth: saved + params, grads, AdamW | cnninspect | torchinfo estimated total | "
             "params × 16 B (accelerate-style) | CPU peak (MemTracker) | cnninspect peak | GPU max allocated |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in args.models.split(","):
        for batch in map(int, args.batches.split(",")):
            lines.append(_row(name, batch, args.size))
            print(lines[-1], flush=True)
    RESULT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULT}")


if __name__ == "__main__":
    main()
