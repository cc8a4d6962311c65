"""--train for summary, compare and check: the flags read into a training step (or the batch that fits), and
--verify --train's real step on the CPU. Glue only: the figures are cnninspect.core.training's."""

from __future__ import annotations

from cnninspect.errors import InputError

DEFAULT_OPTIMIZER = "adamw"
DEFAULT_DEVICE = "cuda"


def config(batch: int, dtype: str, optimizer: str | None, device: str | None):
    from cnninspect.core.training import DEVICES, TrainConfig

    if device is not None and device not in DEVICES:
        raise InputError(f"training memory is predicted for {' or '.join(DEVICES)}. Received {device!r}",
                         where="--device")
    return TrainConfig(batch, dtype, optimizer or DEFAULT_OPTIMIZER, device or DEFAULT_DEVICE)


def training_view(analysis, batch: int, dtype: str, optimizer: str | None, fit_budget: str | None,
                  device: str | None):
    """The step at --batch, or with --fit the step at the largest batch under the budget (a TrainView whose
    summary the caller fills in at that batch)."""
    import click

    from cnninspect.core.sizes import BYTES, parse_limit
    from cnninspect.core.training import fit, train
    from cnninspect.core.training.view import TrainView

    chosen = config(batch, dtype, optimizer, device)
    if fit_budget is None:
        return TrainView(None, train(analysis, chosen))
    if click.get_current_context().get_parameter_source("batch") is click.core.ParameterSource.COMMANDLINE:
        raise InputError("--fit finds the batch; give --batch or --fit", where="--fit")
    try:
        budget = parse_limit(fit_budget, BYTES)
    except InputError as error:
        raise error.located("--fit") from None
    found = fit(analysis, chosen, budget.value)
    if found is None:
        from cnninspect.render import figures
        need = train(analysis, chosen._replace(batch=1)).peak.total
        raise InputError(f"not even batch 1 fits: its peak is {figures.size(need)} ({need:,} B), over "
                         f"{budget.text} ({budget.value:,} B)", where="--fit")
    over = train(analysis, found.config._replace(batch=found.config.batch + 1))
    return TrainView(None, found, budget, over)


def verify_training(analysis, view, notes: list[str], sections: dict):
    """--verify --train: one real step on the CPU, held against the prediction for the CPU."""
    from cnninspect.torch_backend import require_torch

    require_torch("--verify --train")
    import torch

    from cnninspect.render import figures
    from cnninspect.torch_backend.training import verify_step

    found = verify_step(analysis, view.training.config)
    m = found.measured
    lines = ["", f"--verify --train: one training step on the CPU (torch {torch.__version__}), "
             f"{'agrees' if found.ok else 'DISAGREES'}: saved {figures.size(sum(m.saved))} by "
             f"saved_tensors_hooks, backward {figures.exact(m.backward_flops // 2)} MACs by FlopCounterMode, "
             f"gradients {figures.size(m.grad_bytes)}, optimizer state {figures.size(m.optimizer_bytes)}"]
    lines += [f"  {d.path}: {d.what}: cnninspect {d.ours:,}, torch {d.torch:,}" for d in found.disagreements]
    section = {"ok": found.ok, "torch": torch.__version__, "device": "cpu",
               "saved_bytes": sum(m.saved), "backward_macs": m.backward_flops // 2, "grad_bytes": m.grad_bytes,
               "optimizer_bytes": m.optimizer_bytes,
               "disagreements": [{"path": d.path, "what": d.what, "ours": d.ours, "torch": d.torch}
                                 for d in found.disagreements]}
    return [*notes, *lines], {**sections, "train_verification": section}
