"""A chain of windowed layers walked over an input size: sizes, coverage and receptive field after each step."""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

from cnninspect.core.coverage import Coverage, ExactAlternatives, coverage, exact_alternatives
from cnninspect.core.receptive import Footprint
from cnninspect.core.window import AxisWindow, Window
from cnninspect.errors import InputError, received


class Step(NamedTuple):
    label: str  # how the user wrote it, for messages and tables
    window: Window


class StepResult(NamedTuple):
    step: Step
    axes: tuple[AxisWindow, ...]
    input: tuple[int, ...]
    output: tuple[int, ...]
    coverage: tuple[Coverage, ...]
    footprint: tuple[Footprint, ...]  # from the chain's input to this step's output, per axis
    alternatives: tuple[ExactAlternatives | None, ...]  # for each inexact axis, what would make it exact


def walk(sizes: tuple[int, ...], steps: Sequence[Step],
         where: Callable[[int, Step], str] | None = None) -> tuple[StepResult, ...]:
    """Every step's sizes, coverage and receptive field; an InputError is located by `where(index, step)`."""
    footprints = tuple(Footprint.identity() for _ in sizes)
    results = []
    for index, step in enumerate(steps):
        try:
            if step.window.ndim != len(sizes):
                raise InputError(received(f"a {step.window.ndim}-D step after a {len(sizes)}-D input",
                                          input="x".join(map(str, sizes))), param="kernel")
            axes = step.window.axes()
            output = tuple(axis.output(n) for axis, n in zip(axes, sizes))
        except InputError as error:
            raise error.located(where(index, step)) if where else error
        footprints = tuple(f.through(axis) for f, axis in zip(footprints, axes))
        covers = tuple(coverage(axis, n) for axis, n in zip(axes, sizes))
        alternatives = tuple(None if c.exact else exact_alternatives(axis, n)
                             for c, axis, n in zip(covers, axes, sizes))
        results.append(StepResult(step, axes, sizes, output, covers, footprints, alternatives))
        sizes = output
    return tuple(results)
