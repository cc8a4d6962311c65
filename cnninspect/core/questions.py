"""Answers to the shape command's inverse questions, per axis: `--out M` and `--same`."""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core.inverse import Span, inputs_for, paddings_for, same_asymmetric, same_target
from cnninspect.core.window import AxisWindow, Kind, Window
from cnninspect.errors import InputError


class AxisAnswer(NamedTuple):
    target: int
    paddings: Span | None  # symmetric paddings that give the target at the input size (None: none do)
    inputs: Span | None  # input sizes that give the target with the layer's own padding (None: none do)
    asymmetric: tuple[int, int] | None  # 'same' only: left and right padding when no symmetric one works
    output_padding: int | None = None  # transposed only: the output_padding the answers assume


class Inverse(NamedTuple):
    question: str  # "out" or "same"
    axes: tuple[AxisAnswer, ...]


def solve_out(window: Window, targets: tuple[int, ...], sizes: tuple[int, ...] | None) -> Inverse:
    """Which paddings (at the given input) and which input sizes (at the given padding) give the targets."""
    if min(targets) < 1:
        raise InputError(f"the wanted output size must be > 0. Received {_show(targets)}", param="out")
    answers = []
    for i, axis in enumerate(window.axes()):
        answers.append(_solve_axis(axis, targets[i], sizes[i] if sizes else None))
    return Inverse("out", tuple(answers))


def _solve_axis(axis: AxisWindow, target: int, n: int | None) -> AxisAnswer:
    """For a transposed conv whose output_padding cannot reach the target, try the other allowed values."""
    choices = [axis.output_padding]
    if axis.kind is Kind.TRANSPOSED:
        choices += [op for op in range(max(axis.stride, axis.dilation)) if op != axis.output_padding]
    for op in choices:
        trial = axis._replace(output_padding=op)
        paddings = paddings_for(trial, n, target) if n is not None else None
        inputs = inputs_for(trial, target)
        if paddings or (inputs and n is None):
            return AxisAnswer(target, paddings, inputs, None, op)
    return AxisAnswer(target, None, inputs_for(axis, target), None, axis.output_padding)


def solve_same(window: Window, sizes: tuple[int, ...]) -> Inverse:
    """The padding that keeps ⌈n/s⌉, symmetric where one exists, else as (left, right)."""
    if window.kind is Kind.TRANSPOSED:
        raise InputError("'same' padding applies to convolution and pooling, not transposed convolution",
                         param="same")
    answers = []
    for axis, n in zip(window.axes(), sizes):
        target = same_target(axis, n)
        paddings = paddings_for(axis, n, target)
        asymmetric = None if paddings else same_asymmetric(axis, n)
        answers.append(AxisAnswer(target, paddings, None, asymmetric))
    return Inverse("same", tuple(answers))


def _show(values: tuple[int, ...]) -> str:
    return "x".join(map(str, values))
