"""A training step's totals as lines under the summary (text, markdown) and as JSON's "training" section."""

from __future__ import annotations

from cnninspect.core.training.memory import OPTIMIZERS, Peak, Training
from cnninspect.core.training.view import TrainView
from cnninspect.render import figures

PHASES = {"forward": "the forward's end", "backward": "backward", "optimizer step": "the optimizer step"}


def describe(training: Training) -> str:
    c = training.config
    precision = (f"{c.dtype} mixed precision (float32 weights, gradients and optimizer state)" if c.mixed
                 else c.dtype)
    return f"batch {c.batch}, {precision}, {c.optimizer}, on {c.device}"


def lines(view: TrainView) -> list[str]:
    t = view.training
    states = OPTIMIZERS[t.config.optimizer]
    out = [
        "",
        f"training     {describe(t)}",
        f"  parameters       {figures.size(t.param_bytes)}",
        f"  gradients        {figures.size(t.grad_bytes)}",
        f"  optimizer state  {figures.size(t.optimizer_bytes)} ({t.config.optimizer}: {states} per parameter)",
        f"  saved            {figures.size(t.saved_bytes)} for backward (what autograd keeps, unique storages)",
        f"  peak             {figures.size(t.peak.total)} at {PHASES[t.peak.phase]}: {breakdown(t.peak)}",
        f"  backward MACs    {figures.exact(t.backward_macs)} ({figures.human(t.backward_macs)}), as FlopCounterMode",
        f"  step FLOPs       {figures.exact(t.step_flops)} ({figures.human(t.step_flops)}): 2 × (forward "
        f"{figures.human(t.forward_macs)} + backward {figures.human(t.backward_macs)} MACs)",
    ]
    if view.budget is not None:
        over = f"; batch {view.over.config.batch} would need {figures.size(view.over.peak.total)}" if view.over else ""
        out.append(f"  fits             batch {t.config.batch} is the largest under {view.budget.text} "
                   f"({view.budget.value:,} B){over}")
    return out


def breakdown(peak: Peak) -> str:
    parts = (("parameters and buffers", peak.params), ("gradients", peak.grads), ("optimizer", peak.optimizer),
             ("saved", peak.saved), ("in flight", peak.transient))
    return ", ".join(f"{name} {figures.size(value)}" for name, value in parts if value)


def section(view: TrainView) -> dict:
    """JSON: the step's figures in bytes and MACs."""
    t, peak = view.training, view.training.peak
    found = {
        "batch": t.config.batch, "dtype": t.config.dtype, "mixed_precision": t.config.mixed,
        "optimizer": t.config.optimizer, "device": t.config.device, "params": t.params,
        "param_bytes": t.param_bytes, "grad_bytes": t.grad_bytes, "optimizer_bytes": t.optimizer_bytes,
        "saved_bytes": t.saved_bytes, "forward_macs": t.forward_macs, "backward_macs": t.backward_macs,
        "step_flops": t.step_flops,
        "buffer_bytes": t.buffer_bytes,
        "peak": {"phase": peak.phase, "bytes": peak.total, "params_and_buffers": peak.params, "grads": peak.grads,
                 "optimizer": peak.optimizer, "saved": peak.saved, "in_flight": peak.transient},
    }
    if view.budget is not None:
        found["fit"] = {"budget": view.budget.value, "budget_text": view.budget.text, "batch": t.config.batch,
                        "next_peak": view.over.peak.total if view.over else None}
    return found
