"""One training step, walked symbolically: what each layer saves for backward (unique storages, each counted at
the first layer that saves it, in forward order) and the backward MACs it costs, as FlopCounterMode counts them.

The walk follows the analysis' program, auxiliary heads included (they run in training, and their loss is part
of the step). The model's input requires no grad; a tensor requires grad once it depends on a parameter.
"""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core.engine import Analysis, Aux, Merge, Program, Row
from cnninspect.core.layers.base import numel
from cnninspect.core.paired import Paired, yields_indices
from cnninspect.core.refs import Read
from cnninspect.core.training.saved import SAVES, Step, Sym


class LayerStep(NamedTuple):
    """One row's share of a training step."""

    saved: int  # bytes of the storages this layer is the first to save
    backward_macs: int  # FlopCounterMode's backward count (its FLOPs / 2), for the whole batch
    input_grad: bool  # its input requires grad (so backward computes a gradient for it)


def _groups(row: Row) -> int:
    p = row.settings
    return row.input[0] if getattr(p, "depthwise", False) else p.groups


def _conv_backward(row: Row, input_grad: bool, batch: int) -> int:
    """convolution_backward: the input's gradient (a transposed convolution, as many MACs as the forward) when
    the input requires grad; the weight's, which FlopCounterMode counts over all input channels (groups × the
    forward's)."""
    forward = row.macs * batch
    return forward * _groups(row) + (forward if input_grad else 0)


def _linear_backward(row: Row, input_grad: bool, batch: int) -> int:
    """mm for the weight's gradient, another for the input's when it requires grad: each the forward's MACs."""
    return row.macs * batch * (2 if input_grad else 1)


def _input_only_backward(row: Row, input_grad: bool, batch: int) -> int:
    """A convolution whose filter is a buffer (BlurPool2d): only the input's gradient, when it requires grad."""
    return row.macs * batch if input_grad else 0


BACKWARD = {"conv": _conv_backward, "tconv": _conv_backward, "conv_same": _conv_backward, "std_conv": _conv_backward,
            "scaled_std_conv": _conv_backward, "blur_pool": _input_only_backward,
            "linear": _linear_backward}  # others: no matmul


def walk(analysis: Analysis, batch: int, size: int, mixed: bool, device: str) -> tuple[tuple[LayerStep, ...], Step]:
    """Every row's LayerStep (in the order of analysis.rows), and the step's storages."""
    step = Step(batch, size, mixed, device)
    found: list[LayerStep | None] = [None] * len(analysis.rows)
    seen: set[int] = set()
    inputs = [shape for _, shape in analysis.inputs] or [analysis.input]
    kept = {-1 - k: Sym(step.new(batch * numel(shape), 4 if mixed else size), False, 4 if mixed else size)
            for k, shape in enumerate(inputs)}  # the inputs, the outputs that Read steps take again, and by
    # ("indices", step) the storage of a max pool's indices
    _program(analysis.program, analysis.rows, kept[-1], step, found, seen, kept, analysis.reads)
    return tuple(f if f is not None else LayerStep(0, 0, False) for f in found), step


def _program(program: Program, rows, x: Sym, step: Step, found: list, seen: set, kept: dict, reads) -> Sym:
    for item in program:
        if type(item) is int or type(item) is Paired:
            item, pool = (item, None) if type(item) is int else item
            row = rows[item]
            if pool is None:
                saves, out = SAVES[row.kind](step, row, x)
                if yields_indices(row):  # a max pool's indices, last of its saves
                    kept["indices", item] = saves[-1]  # what an unpool reads
            else:  # a max unpool saves its pool's indices (max_pool_double_backward needs them)
                saves, out = [kept["indices", pool]], step.output(row, x)
            if not (x.grad or row.params):  # no backward node: nothing is saved
                saves = []
            backward = BACKWARD.get(row.kind)
            macs = backward(row, x.grad, step.batch) if backward else 0
            found[item] = LayerStep(_first(saves, step, seen), macs, x.grad)
            x = out
            if item in reads:
                kept[item] = x
        elif isinstance(item, Merge):
            outs = [_program(branch, rows, x, step, found, seen, kept, reads) for branch in item.branches]
            x, saves = _merged(item.op, rows[item.row], outs, step)
            found[item.row] = LayerStep(_first(saves, step, seen), 0, any(o.grad for o in outs))
            if item.row in reads:
                kept[item.row] = x
        elif isinstance(item, Read):
            x = kept[item.source]
        else:  # Aux: the head runs in training on the tensor, which passes on unchanged
            _program(item.body, rows, x, step, found, seen, kept, reads)
    return x


def _merged(op: str, row: Row, outs: list[Sym], step: Step) -> tuple[Sym, list[int]]:
    """concat and add save nothing; each product of mul saves either factor the other's gradient needs. Several
    branches are added or multiplied one after another, as the builder does."""
    elements = step.batch * numel(row.output)
    if op == "concat":
        size = max(o.size for o in outs)
        return Sym(step.new(elements, size), any(o.grad for o in outs), size), []
    saves, acc = [], outs[0]
    for other in outs[1:]:
        if op == "mul":
            saves += [acc.storage] if other.grad else []
            saves += [other.storage] if acc.grad else []
        size = max(acc.size, other.size)
        acc = Sym(step.new(elements, size), acc.grad or other.grad, size)
    return acc, saves


def _first(saves: list[int], step: Step, seen: set) -> int:
    """The bytes of the storages not saved before."""
    total = 0
    for storage in saves:
        if storage not in seen:
            seen.add(storage)
            total += step.storages[storage]
    return total
