"""--train for summary, compare and check: the flags read into a training step (or the batch that fits), and
--verify --train's real step on the CPU. Glue only: the figures are cnninspect.core.training's."""

from __future__ import annotations

import click

from cnninspect.errors import InputError
from cnninspect.syntax import DEFAULT_OPTIMIZER, OPTIMIZER_STATES

DEFAULT_DEVICE = "cuda"
MAX_AXES = 4  # --input's axes, as commands/options.py reads one shape

optimizer_option = click.option("--optimizer", type=click.Choice(tuple(OPTIMIZER_STATES)),
                                help=f"--train: the optimizer whose state is counted [default: {DEFAULT_OPTIMIZER}].")


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
    from cnninspect.core.training import fit, train
    from cnninspect.core.training.view import TrainView

    chosen = config(batch, dtype, optimizer, device)
    if fit_budget is None:
        return TrainView(None, train(analysis, chosen))
    if _batch_given():
        raise InputError("--fit finds the batch; give --batch or --fit (or an --input range: --fit finds the "
                         "largest size at --batch)", where="--fit")
    budget = _budget(fit_budget)
    found = fit(analysis, chosen, budget.value)
    if found is None:
        from cnninspect.render import figures
        need = train(analysis, chosen._replace(batch=1)).peak.total
        raise InputError(f"not even batch 1 fits: its peak is {figures.size(need)} ({need:,} B), over "
                         f"{budget.text} ({budget.value:,} B)", where="--fit")
    over = train(analysis, found.config._replace(batch=found.config.batch + 1))
    return TrainView(None, found, budget, over)


def _batch_given() -> bool:
    import click

    return click.get_current_context().get_parameter_source("batch") is click.core.ParameterSource.COMMANDLINE


def _budget(text: str):
    from cnninspect.core.sizes import BYTES, parse_limit

    try:
        return parse_limit(text, BYTES)
    except InputError as error:
        raise error.located("--fit") from None


def input_range(text: str | None, model, searched: bool):
    """--input as a range (a SizeRange), or None for one shape: START:STOP[:STEP] alone is square (the spec's
    channels, every other axis the size, as compare --sweep); axes joined by x take a range where they vary, the
    same range on each (3x160:1024x160:1024, 3x224x160:1024:32). `searched`: --train --fit is given, which
    searches it; else a range is refused."""
    import re

    from cnninspect.commands.rank import AXES
    from cnninspect.core.training.fitsize import SizeRange, check_range
    from cnninspect.inert import inert
    from cnninspect.parse import parse_range, parse_sizes
    from cnninspect.spell import spell

    if text is None or ":" not in text:
        return None
    if not searched:
        raise InputError("a range of sizes is searched by --train --fit SIZE --batch N (the largest input that "
                         f"fits); give one shape. Received {spell(text)}", where="--input")
    if "=" in text or len(model.inputs or ()) > 1:
        raise InputError(f"a range is searched for a model of one input; give NAME=SHAPE pairs without ranges. "
                         f"Received {spell(text)}", where="--input")
    parts = re.split(r"[xX×]", text.strip())
    if len(parts) > MAX_AXES:
        raise InputError(f"one sample has at most {MAX_AXES} axes. Received {spell(text)}", where="--input")
    ranges = {parse_range(part, "--input", "3x160:1024:32", step=1) for part in parts if ":" in part}
    if len(ranges) > 1:
        raise InputError(f"the ranged axes take one size together: give the same range on each (e.g. "
                         f"3x160:1024x160:1024). Received {spell(text)}", where="--input")
    (start, stop, step), = ranges
    if len(parts) == 1:
        shape = (model.input[0], *[None] * (len(model.input) - 1))
    else:
        shape = tuple(None if ":" in part else parse_sizes(part, "--input", most=1)[0] for part in parts)
        if min((n for n in shape if n is not None), default=1) < 1:
            raise InputError(f"sizes must be > 0. Received {spell(text)}", where="--input")
    sizes = SizeRange(shape, start, stop, step)
    check_range(sizes)
    if model.ranks and len(shape) not in model.ranks:
        ranged = next(part.strip() for part in parts if ":" in part)
        example = "x".join([str(model.input[0]), *[ranged] * (len(model.input) - 1)])
        raise InputError(f"{inert(model.name)} takes {' or '.join(AXES[r] for r in model.ranks)}, the range on the "
                         f"axes that vary, e.g. {example}. Received {spell(text)}", where="--input")
    return sizes


def size_view(model, sizes, given: dict, batch: int, dtype: str, optimizer: str | None, fit_budget: str,
              device: str | None):
    """--fit over an --input range: (the analysis at the largest size whose step fits at --batch, its TrainView
    whose summary the caller fills in)."""
    from cnninspect.core.engine import analyze
    from cnninspect.core.training.fitsize import NothingFits, fit_size
    from cnninspect.core.training.view import TrainView
    from cnninspect.render import figures

    if not _batch_given():
        raise InputError("an --input range is searched at one batch: give --batch N (with one --input shape "
                         "and no --batch, --fit finds the largest batch)", where="--fit")
    chosen, budget = config(batch, dtype, optimizer, device), _budget(fit_budget)
    found = fit_size(lambda shape: analyze(model, shape, given), sizes, chosen, budget.value)
    if isinstance(found, NothingFits):
        if found.smallest is None:
            raise InputError(f"no size of {sizes.text} is valid for the network: at {found.invalid[-1].last}, "
                             f"{found.invalid[-1].error}", where="--input")
        need = found.smallest.peak.total
        raise InputError(f"no size of {sizes.text} fits at batch {batch}: the smallest valid, "
                         f"{'x'.join(map(str, sizes.at(found.size)))}, needs {figures.size(need)} ({need:,} B), "
                         f"over {budget.text} ({budget.value:,} B)", where="--fit")
    return found.analysis, TrainView(None, found.training, budget, found.over, found)


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
