"""Training memory, four ways, for the tutorial's models at several batches: cnninspect's prediction of a step
(parameters + gradients + AdamW state + what autograd saves; and its peak), torchinfo's "estimated total size"
(mode="train"), an accelerate-style parameter rule (parameters × 4 bytes × 4 for Adam: weights, gradients, two
moments), and the measured truth: what autograd saves, measured with saved_tensors_hooks in one training step
(the meta device, which saves what the CPU saves: tests/training/), plus the parameters, gradients and AdamW
state torch allocates for them. A GPU's torch.cuda.max_memory_allocated is the last column: not measured (no GPU
was lent when this ran).

Writes benchmarks/results/train_memory.md.

    python benchmarks/train_memory.py [--batches 1,8,32] [--models alexnet,resnet18,vgg16,googlenet]
"""

from __future__ import annotations

import argparse
import pathlib

MODELS = "alexnet,resnet18,vgg16,googlenet"
RESULT = pathlib.Path(__file__).parent / "results" / "train_memory.md"


def _row(name: str, batch: int) -> str:
    import torch
    import torchinfo

    from cnninspect.core.engine import analyze
    from cnninspect.core.training import TrainConfig, train
    from cnninspect.render.figures import size
    from cnninspect.spec.load import load_model
    from cnninspect.torch_backend.build import SpecModel
    from cnninspect.torch_backend.training import measure

    analysis = analyze(load_model(name))
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

    def cell(value: int) -> str:
        return f"{size(value)} ({100 * (value - truth) / truth:+.1f} %)"

    return (f"| {name} | {batch} | {size(truth)} | {cell(predicted)} | {size(ours.peak.total)} | "
            f"{cell(torchinfo_total)} | {cell(accelerate)} | not measured |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--models", default=MODELS)
    args = parser.parse_args()
    lines = ["# Training memory: prediction, peers and the measured truth", "",
             "float32, AdamW, 224×224 (Inception-free tutorial models). Truth: saved_tensors_hooks (unique storages, "
             "parameters excluded) in one step, plus parameters, gradients and AdamW state. In brackets: the "
             "difference to the truth. Peak: cnninspect's predicted peak of the step. GPU: "
             "torch.cuda.max_memory_allocated, not measured (no GPU this session).", "",
             "| model | batch | truth (CPU step) | cnninspect | cnninspect peak | torchinfo estimated total | "
             "params × 16 B (accelerate-style) | GPU max allocated |",
             "|---|---|---|---|---|---|---|---|"]
    for name in args.models.split(","):
        for batch in map(int, args.batches.split(",")):
            lines.append(_row(name, batch))
            print(lines[-1], flush=True)
    RESULT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULT}")


if __name__ == "__main__":
    main()
