"""Cross-check the analytic figures against torch: build the model on the meta device (shapes only, no memory,
so any input size is free), run it under torchinfo and torch.utils.flop_counter.FlopCounterMode, and compare,
layer by layer, output shapes, classes and parameters, and the total MACs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torchinfo
from torch.utils.flop_counter import FlopCounterMode

from cnninspect.core.engine import Analysis, Row
from cnninspect.torch_backend.build import SpecModel


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
    with torch.device("meta"):
        model = SpecModel(analysis)
    model.eval()
    x = torch.empty(batch, *analysis.input, device="meta")
    with FlopCounterMode(display=False) as counter:
        info = torchinfo.summary(model, input_data=x, device="meta", verbose=0)
    theirs = [layer for layer in info.summary_list if layer.is_leaf_layer and layer.executed]
    ours = [(index, row) for index, row in enumerate(analysis.rows) if row.module and not row.aux]
    mismatches = [m for (_, row), layer in zip(ours, theirs) for m in _compare(row, layer, batch)]
    for index, row in ours[len(theirs):]:
        mismatches.append(Mismatch(row.path, "layer", row.type_name, "not run by torch"))
    for layer in theirs[len(ours):]:
        mismatches.append(Mismatch(_path(layer), "layer", "not in the analysis", layer.class_name))
    macs = sum(r.macs for r in analysis.rows if not r.aux) * batch
    flops = counter.get_total_flops()
    if 2 * macs != flops:
        mismatches.append(Mismatch("(total)", "MACs", f"{macs:,}", f"{flops // 2:,} (FlopCounterMode {flops:,} FLOPs)"))
    params = sum(p.numel() for p in model.parameters())
    if params != sum(r.params for r in analysis.rows):
        mismatches.append(Mismatch("(total)", "params", f"{sum(r.params for r in analysis.rows):,}", f"{params:,}"))
    failed = {m.path for m in mismatches}
    checked = frozenset(i for (i, row), _ in zip(ours, theirs) if row.path not in failed)
    return Verification(len(ours), flops, params, tuple(mismatches), checked)


def _compare(row: Row, layer, batch: int) -> list[Mismatch]:
    found = []
    path = _path(layer)
    if path != row.path:
        return [Mismatch(row.path, "layer", row.path, path)]
    pairs = (("type", row.type_name, layer.class_name),
             ("output shape", "x".join(map(str, (batch, *row.output))), "x".join(map(str, layer.output_size))),
             ("params", f"{row.params:,}", f"{layer.num_params:,}"))
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
