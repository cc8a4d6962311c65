"""Cross-check the analytic figures against torch: build the model on the meta device (shapes only, no memory,
so any input size is free), run it under torchinfo and torch.utils.flop_counter.FlopCounterMode, and compare,
layer by layer, output shapes, classes and parameters, and the total MACs.

The layers compared are the modules torch runs (torchinfo's executed leaves, the model itself never: a spec of
functions only has no leaves) against the analysis' module rows, in order. A layer torch refuses to build or to
run, though the analysis accepts it, is a disagreement, reported at that layer; what no torch tensor can hold is
bad input (build.py says so, located).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import torch
import torchinfo
from torch.utils.flop_counter import FlopCounterMode

from cnninspect.core.engine import Analysis, Row
from cnninspect.core.graph import Loc
from cnninspect.core.layers.base import numel, show
from cnninspect.core.summary import totals
from cnninspect.errors import InputError
from cnninspect.torch_backend.build import (TORCH_REFUSALS, SpecModel, TorchRefused, example_inputs, first_line,
                                            refuse_oversized)


@dataclass(frozen=True, slots=True)
class Mismatch:
    path: str
    what: str  # output shape, type, params, layer (missing on one side), MACs, total params
    ours: str
    torch: str


@dataclass(frozen=True, slots=True)
class Verification:
    layers: int  # module applications compared
    torch_flops: int  # FlopCounterMode's total
    torch_params: int
    mismatches: tuple[Mismatch, ...]
    checked: frozenset[int]  # indexes of the analysis rows torch confirmed

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify(analysis: Analysis, batch: int = 1) -> Verification:
    itemsize = torch.get_default_dtype().itemsize
    refuse_oversized(analysis, batch, itemsize)
    _refuse_unmeasurable_input(analysis, batch, itemsize)
    ours = [(index, row) for index, row in enumerate(analysis.rows) if row.module and not row.aux]
    try:
        with torch.device("meta"):
            model = SpecModel(analysis)
    except TorchRefused as refused:
        return _refused(analysis, ours, batch, refused.index, "refuses to build it", refused.detail, 0)
    model.eval()
    try:
        with FlopCounterMode(display=False) as counter:
            info = torchinfo.summary(model, input_data=example_inputs(analysis, batch, torch.empty, device="meta"),
                                     device="meta", verbose=0)
    except Exception as error:  # torchinfo wraps what the forward pass raised
        cause = _refusal(error)
        if cause is None:
            raise
        if not isinstance(cause, TORCH_REFUSALS):
            raise cause  # not torch saying no: a bug in a layer (the note names it), which keeps its traceback
        return _refused(analysis, ours, batch, cause.cnninspect_row, "refuses to run it", first_line(cause),
                        sum(p.numel() for p in model.parameters()))
    theirs = [layer for layer in info.summary_list
              if layer.is_leaf_layer and layer.executed and layer.parent_info is not None]  # never the model
    return _compared(analysis, ours, theirs, batch, counter.get_total_flops(),
                     sum(p.numel() for p in model.parameters()))


def _compared(analysis: Analysis, ours, theirs, batch: int, flops: int, params: int) -> Verification:
    mismatches = [m for (_, row), layer in zip(ours, theirs) for m in _compare(row, layer, batch)]
    for index, row in ours[len(theirs):]:
        mismatches.append(Mismatch(row.path, "layer", row.type_name, "not run by torch"))
    for layer in theirs[len(ours):]:
        mismatches.append(Mismatch(_path(layer), "layer", "not in the analysis", layer.class_name))
    summed = totals(analysis, batch)  # the summary's own totals, summed once in core
    if summed.flops != flops:
        mismatches.append(Mismatch("(total)", "MACs", f"{summed.macs:,}",
                                   f"{flops // 2:,} (FlopCounterMode {flops:,} FLOPs)"))
    if params != summed.params:
        mismatches.append(Mismatch("(total)", "params", f"{summed.params:,}", f"{params:,}"))
    failed = {m.path for m in mismatches}
    checked = frozenset(i for (i, row), _ in zip(ours, theirs) if row.path not in failed)
    return Verification(len(ours), flops, params, tuple(mismatches), checked)


def _refuse_unmeasurable_input(analysis: Analysis, batch: int, itemsize: int) -> None:
    """torchinfo measures the input with sys.getsizeof of its storage, a Py_ssize_t: the bytes plus the storage
    object's own must stay below 2^63 (a little less than what a tensor may hold)."""
    size = numel(analysis.input) * batch * itemsize + sys.getsizeof(torch.empty(0, device="meta").untyped_storage())
    if size > sys.maxsize:
        raise InputError(f"torchinfo, which the cross-check runs, cannot measure an input of "
                         f"{batch}x{show(analysis.input)} elements of {itemsize} bytes: with its storage object it "
                         f"takes {size:,} bytes, past sys.getsizeof's {sys.maxsize:,}", loc=Loc(str(analysis.model.file)))


def _refusal(error: BaseException | None) -> BaseException | None:
    """What a layer of the forward pass raised (build.py marks it with the layer's row), if that is the cause."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if hasattr(error, "cnninspect_row"):
            return error
        error = error.__cause__ or error.__context__
    return None


def _refused(analysis: Analysis, ours, batch: int, index: int, verb: str, detail: str, params: int) -> Verification:
    row = analysis.rows[index]
    found = Mismatch(row.path, "layer", f"accepts it ({row.type_name}, output {show((batch, *row.output))})",
                     f"{verb}: {detail}")
    return Verification(len(ours), 0, params, (found,), frozenset())


def _compare(row: Row, layer, batch: int) -> list[Mismatch]:
    found = []
    path = _path(layer)
    if path != row.path:
        return [Mismatch(row.path, "layer", row.path, path)]
    pairs = (("type", row.type_name, getattr(layer.module, "type_name", layer.class_name)),  # modules.py: stand-ins
             ("output shape", "x".join(map(str, (batch, *row.output))), "x".join(map(str, layer.output_size))),
             ("params", f"{row.params:,}", f"{layer.num_params:,}"))[: 2 if row.shared else 3]  # shared: in totals
    for what, ours, theirs in pairs:
        if ours != theirs:
            found.append(Mismatch(row.path, what, ours, theirs))
    return found


def _path(layer) -> str:
    """torchinfo keeps each layer's attribute name and its parent: the module path, rebuilt."""
    parts = []
    while layer is not None and layer.parent_info is not None:
        parts.append(layer.var_name)
        layer = layer.parent_info
    return ".".join(reversed(parts))
