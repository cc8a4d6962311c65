"""What the shape command found: the plain result object its renderers read."""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core.chain import StepResult
from cnninspect.core.questions import Inverse
from cnninspect.core.window import Window


class ShapeReport(NamedTuple):
    input: tuple[int, ...] | None  # None when only an inverse question was asked (--out without --n)
    steps: tuple[StepResult, ...]
    single: Window | None  # the one layer given by flags; None for a chain of steps
    inverse: Inverse | None

    @property
    def output(self) -> tuple[int, ...] | None:
        return self.steps[-1].output if self.steps else None
