"""A training step's totals as lines under the summary (text, markdown) and as JSON's "training" section."""

from __future__ import annotations

from cnninspect.core.training.memory import OPTIMIZERS, Peak, Training
from cnninspect.core.training.view import TrainView
from cnninspect.inert import inert
from cnninspect.render import figures

SHOWN_RUNS = 5  # --fit over a range: the runs of invalid sizes the text lists (JSON: all)
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
    if view.sized is not None:
        out += _size_lines(view)
    elif view.budget is not None:
        over = f"; batch {view.over.config.batch} would need {figures.size(view.over.peak.total)}" if view.over else ""
        out.append(f"  fits             batch {t.config.batch} is the largest under {view.budget.text} "
                   f"({view.budget.value:,} B){over}")
    return out


def _shape(shape) -> str:
    return "x".join(map(str, shape))


def _size_lines(view: TrainView) -> list[str]:
    """--fit over an --input range: the size found, the next one's need, what was analysed, the invalid sizes."""
    found, budget = view.sized, view.budget
    sizes = found.sizes
    if found.above is None:
        after = "; it is the range's top"
    elif found.over is None:
        after = f"; {_shape(sizes.at(found.above))} is invalid"
    else:
        after = f"; {_shape(sizes.at(found.above))} would need {figures.size(found.over.peak.total)}"
    out = [f"  fits             input {_shape(sizes.at(found.size))} is the largest of {sizes.text} under "
           f"{budget.text} ({budget.value:,} B) at batch {view.training.config.batch}{after}",
           f"  sizes            {found.analysed:,} analysed" + (f", every one above {found.size} over the budget or "
                                                               f"invalid" if found.above is not None else "")]
    for run in found.invalid[:SHOWN_RUNS]:
        sizes_text = f"{run.last}" if run.first == run.last else f"{run.first} to {run.last}; at {run.last}"
        out.append(f"  invalid          S = {sizes_text}: {inert(run.error)}")
    if len(found.invalid) > SHOWN_RUNS:
        out.append(f"  invalid          and {len(found.invalid) - SHOWN_RUNS} more runs of sizes (--format json lists "
                   f"them all)")
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
    if view.sized is not None:
        found["fit"] = _size_section(view)
    elif view.budget is not None:
        found["fit"] = {"budget": view.budget.value, "budget_text": view.budget.text, "batch": t.config.batch,
                        "next_peak": view.over.peak.total if view.over else None}
    return found


def _size_section(view: TrainView) -> dict:
    found = view.sized
    sizes = found.sizes
    return {"budget": view.budget.value, "budget_text": view.budget.text, "batch": view.training.config.batch,
            "range": {"shape": list(sizes.shape), "start": sizes.start, "stop": sizes.stop, "step": sizes.step},
            "size": found.size, "input": list(sizes.at(found.size)),
            "next_input": list(sizes.at(found.above)) if found.above is not None else None,
            "next_peak": found.over.peak.total if found.over else None, "analysed": found.analysed,
            "invalid": [{"first": run.first, "last": run.last, "error": str(run.error)} for run in found.invalid]}
