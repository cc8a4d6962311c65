"""`cnninspect summary --time` against torch.utils.benchmark used directly, on the same model, in one process.

Both time cnninspect's build of the model on the same input: `--time`'s sampler (cnninspect.torch_backend.timing,
one forward pass a sample after a warm-up) and a plain torch.utils.benchmark.Timer(...).blocked_autorange(),
alternately, several rounds. They should agree within a few percent. Writes
benchmarks/results/time_vs_benchmark.md.

    python benchmarks/time_vs_benchmark.py [--model resnet18] [--batch 8] [--device cpu] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics

from common import machine, write_report

RESULTS = pathlib.Path(__file__).parent / "results" / "time_vs_benchmark.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--device", default=None)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    import torch
    import torch.utils.benchmark as benchmark

    from cnninspect.core.engine import analyze
    from cnninspect.spec.load import load_model
    from cnninspect.torch_backend.build import SpecModel
    from cnninspect.torch_backend.timing import DTYPES, best_device, time_forward

    load_before = os.getloadavg()[0]
    device = args.device or best_device()
    analysis = analyze(load_model(args.model))
    model = SpecModel(analysis).to(device=device, dtype=DTYPES[args.dtype]).eval()
    x = torch.randn(args.batch, *analysis.input, device=device, dtype=DTYPES[args.dtype])
    ours, direct = [], []
    for _ in range(args.rounds):  # alternate, so that drift hits both alike
        ours.append(time_forward(analysis, device=device, dtype=args.dtype, batch=args.batch, channels_last=False,
                                 warmup=5, runs=args.runs, compile=False).median)
        with torch.inference_mode():
            timer = benchmark.Timer(stmt="model(x)", globals={"model": model, "x": x},
                                    num_threads=torch.get_num_threads())
            direct.append(timer.blocked_autorange(min_run_time=1.0).median)
    a, b = statistics.median(ours), statistics.median(direct)
    write_report(RESULTS, [
        "# `--time` against torch.utils.benchmark directly",
        "",
        f"{args.model}, batch {args.batch}, {device}, {args.dtype}; {args.rounds} alternating rounds. "
        f"{machine(load_before)} torch {torch.__version__}.",
        "",
        "| timer | median of the rounds' medians, ms | rounds |",
        "|---|---|---|",
        f"| `--time` ({args.runs} single-pass samples after 5 warm-up) | {a * 1e3:.3f} | "
        f"{', '.join(f'{t * 1e3:.2f}' for t in ours)} |",
        f"| `benchmark.Timer.blocked_autorange(min_run_time=1)` | {b * 1e3:.3f} | "
        f"{', '.join(f'{t * 1e3:.2f}' for t in direct)} |",
        "",
        f"**Ratio: {a / b:.3f}** (`--time` / direct; they agree within {abs(a / b - 1) * 100:.1f}%).",
        "",
    ])


if __name__ == "__main__":
    main()
