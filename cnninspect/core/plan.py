"""A model's last analysis kept as a plan, and replayed at another input size without walking the spec again.

Why a replay gives the walk's answer: the walk's choices (which layers run, their settings, names and wiring)
come from the spec's expressions, and the one value of those that comes from the tensor is `in_channels`. So
while every step's input keeps the channels, the rank and the presence of parameters it had in the walk, the
walk would choose the same, and the rules (pure functions of settings and shape) give the rest. `_same_layout`
is that invariant, checked at every step: where it fails, or a rule or a merge refuses, replay returns None and
a walk gives the answer (or says where and why not). The steps run through core/program.py's run_layer and
run_merge, as in the walk; a Paired step (a max unpool) takes its indices' shapes from its pool's replayed row.
"""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core.layers.base import Shape
from cnninspect.core.layers.catalog import BY_NAME
from cnninspect.core.paired import Paired, bind, joined, pooled
from cnninspect.core.program import Analysis, Merge, Row, Tensor, has_state, run_layer, run_merge, start
from cnninspect.core.receptive import shown
from cnninspect.core.refs import Read
from cnninspect.errors import InputError

MAX_PLANS = 32  # models whose last walk is kept for replay
MAX_PLAN_ROWS = 100_000  # rows kept over all plans: some tens of MB at most


class Plan(NamedTuple):
    model: object  # held, so that its id is not reused while the plan is kept
    args: tuple  # the model arguments it was walked with, sorted
    analysis: Analysis


class _NotAsWalked(Exception):
    """A step the walk would not have taken the same way: the replay gives up."""


def find(model, args: tuple) -> Plan | None:
    plan = _PLANS.get(id(model))
    return plan if plan is not None and plan.model is model and plan.args == args else None


def keep(model, args: tuple, analysis: Analysis) -> None:
    """The model's last walk becomes its plan; the oldest plans go first, within MAX_PLANS and MAX_PLAN_ROWS."""
    _PLANS.pop(id(model), None)
    if len(analysis.rows) > MAX_PLAN_ROWS:
        return
    while _PLANS and (len(_PLANS) >= MAX_PLANS
                      or sum(len(kept.analysis.rows) for kept in _PLANS.values()) + len(analysis.rows) > MAX_PLAN_ROWS):
        _PLANS.pop(next(iter(_PLANS), None), None)  # pop, not del: another thread may have taken it
    _PLANS[id(model)] = Plan(model, args, analysis)


def replay(plan: Analysis, inputs: tuple[tuple[str, Shape], ...]) -> Analysis | None:
    """The plan's program at these inputs; None where the walk could choose differently (see the module's
    docstring) or a rule refuses."""
    if any(not _same_layout(shape, old) for (_, shape), (_, old) in zip(inputs, plan.inputs)):
        return None
    rows = list(plan.rows)
    kept = {-1 - k: start(shape, -1 - k) for k, (_, shape) in enumerate(inputs)}  # what Read steps take again
    try:
        end = _run(plan.program, plan.rows, rows, kept[-1], kept)
    except (InputError, _NotAsWalked):
        return None
    return plan._replace(input=inputs[0][1], output=end.shape, footprint=shown(end.axes), rows=tuple(rows),
                         inputs=inputs)


def _same_layout(shape: Shape, walked: Shape) -> bool:
    """The invariant: what the walk's expressions could see of this tensor (its channels) and what its checks
    could see (its rank) are as they were."""
    return shape[0] == walked[0] and len(shape) == len(walked)


def _run(program, old: tuple[Row, ...], new: list[Row], x: Tensor, kept: dict) -> Tensor:
    """`kept`: the outputs met so far (and the inputs), by step, for the Read steps."""
    for step in program:
        if type(step) is int or type(step) is Paired:
            step, pool = (step, None) if type(step) is int else step
            row = old[step]
            kind = BY_NAME[row.kind]
            if pool is not None:  # its indices: their shapes and footprints as replayed
                settings, x = bind(kind, row.settings, pooled(new[pool])), joined(x, kept[pool])
            else:
                settings = row.settings
            new[step], x = run_layer(kind, settings, x, row.path, row.aux, row.module, row.loc, row.shared, step)
            if not _same_layout(x.shape, row.output) or (has_state(new[step]) != has_state(row)):
                raise _NotAsWalked
            kept[step] = x
        elif type(step) is Merge:
            outs = [_run(branch, old, new, x, kept) for branch in step.branches]
            row = old[step.row]
            new[step.row], x = run_merge(step.op, x, outs, row.path, row.aux, row.loc, step.row)
            if not _same_layout(x.shape, row.output):
                raise _NotAsWalked
            kept[step.row] = x
        elif type(step) is Read:
            x = kept[step.source]
        else:  # Aux: a training-only head reads the tensor and passes it on
            _run(step.body, old, new, x, kept)
    return x


def clear() -> None:
    _PLANS.clear()


_PLANS: dict = {}  # id(model) -> Plan
