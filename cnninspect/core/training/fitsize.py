"""The largest input size whose training step fits a budget: --fit over an --input range (docs/training.md).

Memory is not assumed to grow with the size: sizes where a layer no longer fits its input are invalid, and
whether a tensor is a view or a copy can change with the size (a size-1 axis). So the range is scanned from its
top down: every size above the answer is analysed and its step counted (over the budget or invalid, each one),
which makes "the largest" exact whatever the network; below the answer the sizes are only analysed, to say which
are invalid. Analysing one size costs about what counting its step does (docs/training.md gives the times).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from cnninspect.core.engine import Analysis
from cnninspect.core.training.memory import TrainConfig, Training, train
from cnninspect.errors import InputError

MAX_SIZES = 4096  # sizes in one range: a full scan of ResNet-50 over that many takes about 10 s


class SizeRange(NamedTuple):
    """Input shapes from START to STOP by STEP: the ranged axes (None in `shape`) all take the size."""

    shape: tuple[int | None, ...]
    start: int
    stop: int
    step: int

    @property
    def sizes(self) -> range:
        return range(self.start, self.stop + 1, self.step)

    def at(self, size: int) -> tuple[int, ...]:
        return tuple(size if n is None else n for n in self.shape)

    @property
    def text(self) -> str:
        """3xSxS for S = 160 to 1024 (by 32)."""
        step = f" by {self.step}" if self.step != 1 else ""
        return f"{'x'.join('S' if n is None else str(n) for n in self.shape)} for S = {self.start} to {self.stop}{step}"


class Invalid(NamedTuple):
    """Consecutive sizes of the range at which the network does not fit its input."""

    first: int
    last: int
    error: InputError  # at the largest of them


class SizeFit(NamedTuple):
    sizes: SizeRange
    size: int  # the largest size whose step fits
    analysis: Analysis  # at that size
    training: Training
    above: int | None  # the range's next size (None: the answer is the range's top)
    over: Training | None  # the step there, over the budget (None: that size is invalid, or there is none)
    invalid: tuple[Invalid, ...]  # in increasing size
    analysed: int  # sizes analysed: every size of the range


class NothingFits(NamedTuple):
    """No size of the range fits: the smallest valid size's step (None: no size is valid)."""

    sizes: SizeRange
    smallest: Training | None
    size: int | None
    invalid: tuple[Invalid, ...]


def check_range(sizes: SizeRange, where: str = "--input") -> None:
    count = len(sizes.sizes)
    if count == 0:
        raise InputError(f"the range {sizes.start}:{sizes.stop} is empty: STOP is below START", where=where)
    if count > MAX_SIZES:
        raise InputError(f"a range has at most {MAX_SIZES} sizes; {sizes.start}:{sizes.stop}:{sizes.step} "
                         f"has {count:,} (a larger STEP takes fewer)", where=where)


def fit_size(analyze_at: Callable[[tuple[int, ...]], Analysis], sizes: SizeRange, config: TrainConfig,
             budget: int) -> SizeFit | NothingFits:
    """The largest size of `sizes` whose step (at the config's batch) peaks at most `budget` bytes.
    `analyze_at(shape)` analyses the network at one input shape, raising InputError where it does not fit."""
    check_range(sizes)
    found: tuple | None = None  # (size, analysis, training)
    above: tuple = (None, None)  # the size after the answer, and its step when valid
    last_valid: tuple = (None, None)
    runs: list[list] = []  # [first, last, error], built from the top down
    previous = None
    for size in reversed(sizes.sizes):
        try:
            analysis = analyze_at(sizes.at(size))
        except InputError as error:
            if runs and runs[-1][0] == previous:
                runs[-1][0] = size
            else:
                runs.append([size, size, error])
            previous = size
            if found is None:
                above = (size, None)
            continue
        previous = size
        if found is None:
            step = train(analysis, config)
            if step.peak.total <= budget:
                found = (size, analysis, step)
            else:
                above = (size, step)
                last_valid = (size, step)
    invalid = tuple(Invalid(first, last, error) for first, last, error in reversed(runs))
    if found is None:
        return NothingFits(sizes, last_valid[1], last_valid[0], invalid)
    size, analysis, step = found
    return SizeFit(sizes, size, analysis, step, above[0], above[1], invalid, len(sizes.sizes))
