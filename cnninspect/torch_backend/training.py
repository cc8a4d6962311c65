"""Measure a training step in torch, to hold the prediction (cnninspect.core.training) against it: what autograd
saves for backward, layer by layer (torch.autograd.graph.saved_tensors_hooks: unique storages, parameters and
buffers excluded, each counted at the first layer that saves it); the backward FLOPs
(torch.utils.flop_counter.FlopCounterMode); and, in a real step, the gradients and the optimizer's state.

The model runs in training mode (auxiliary heads included: their outputs join the loss, the sum of every output).
On the meta device nothing is computed, so any model and batch is free to measure; on the CPU the step is real.
bfloat16 and float16 run under torch.autocast with float32 weights, as the prediction assumes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from cnninspect.core.engine import Analysis
from cnninspect.core.training import TrainConfig, train
from cnninspect.syntax import DTYPE_BYTES, MASTER
from cnninspect.torch_backend.build import SpecModel, example_inputs, refuse_oversized, torch_dtype


class _Attributed(SpecModel):
    """The spec's model, remembering which row runs (`current`), so that a saved tensor is put to its layer."""

    current = -1

    def _layer(self, step, x, *more):
        self.current = step
        return super()._layer(step, x, *more)

    def _merge(self, step, outs):
        self.current = step.row
        return super()._merge(step, outs)


@dataclass(frozen=True, slots=True)
class Measured:
    saved: tuple[int, ...]  # bytes first saved by each analysis row
    forward_flops: int
    backward_flops: int
    grad_bytes: int | None  # None on the meta device (no real step)
    optimizer_bytes: int | None


OPTIMIZERS = {"sgd": lambda p: torch.optim.SGD(p, lr=0.01), "momentum": lambda p: torch.optim.SGD(p, 0.01, 0.9),
              "adam": lambda p: torch.optim.Adam(p), "adamw": lambda p: torch.optim.AdamW(p)}


def measure(analysis: Analysis, config: TrainConfig, device: str = "meta", optimizer_step: bool = True) -> Measured:
    """One training step of `analysis` at the config's batch and dtype, on `device` (meta or cpu); on the CPU,
    the optimizer's step too unless `optimizer_step` is false."""
    mixed = config.mixed
    dtype = torch_dtype(MASTER if mixed else config.dtype)
    refuse_oversized(analysis, config.batch, DTYPE_BYTES[config.dtype])
    with torch.device(device):
        previous = torch.get_default_dtype()
        torch.set_default_dtype(dtype)
        try:
            model = _Attributed(analysis)
        finally:
            torch.set_default_dtype(previous)
    model.train()
    xs = example_inputs(analysis, config.batch, torch.randn if device != "meta" else torch.empty, device=device,
                        dtype=dtype)  # every input of the spec, in forward's order
    owned = {t.untyped_storage()._cdata for t in (*model.parameters(), *model.buffers())}
    saved: dict[int, tuple[int, int]] = {}  # storage -> (row, bytes)

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage._cdata not in owned and storage._cdata not in saved:
            saved[storage._cdata] = (model.current, storage.nbytes())
        return tensor

    from torch.utils.flop_counter import FlopCounterMode

    cast = torch.autocast("cpu", dtype=torch_dtype(config.dtype)) if mixed else _Nothing()
    with FlopCounterMode(display=False) as counter:
        with cast, torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            outputs = [model(*xs), *model.aux_outputs]
        forward = counter.get_total_flops()
        loss = sum(out.float().sum() for out in outputs)
        loss.backward()
        backward = counter.get_total_flops() - forward
    rows = [0] * len(analysis.rows)
    for row, size in saved.values():
        rows[row] += size
    if device == "meta" or not optimizer_step:
        return Measured(tuple(rows), forward, backward, None, None)
    grads = sum(p.grad.untyped_storage().nbytes() for p in model.parameters() if p.grad is not None)
    optimizer = OPTIMIZERS[config.optimizer](list(model.parameters()))
    optimizer.step()
    state = sum(value.untyped_storage().nbytes() for entry in optimizer.state.values()
                for key, value in entry.items() if torch.is_tensor(value) and key != "step")
    return Measured(tuple(rows), forward, backward, grads, state)


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@dataclass(frozen=True, slots=True)
class Disagreement:
    path: str
    what: str
    ours: int
    torch: int


@dataclass(frozen=True, slots=True)
class TrainVerification:
    measured: Measured
    disagreements: tuple[Disagreement, ...]

    @property
    def ok(self) -> bool:
        return not self.disagreements


def verify_step(analysis: Analysis, config: TrainConfig) -> TrainVerification:
    """One real training step on the CPU against the prediction for the CPU: every layer's saved bytes, the
    total, the backward MACs, the gradients and the optimizer's state."""
    config = config._replace(device="cpu")
    predicted = train(analysis, config)
    found = measure(analysis, config, "cpu")
    wrong = [Disagreement(row.path, "saved for backward", ours.saved, theirs)
             for row, ours, theirs in zip(analysis.rows, predicted.layers, found.saved) if ours.saved != theirs]
    pairs = (("saved for backward", predicted.saved_bytes, sum(found.saved)),
             ("backward MACs", predicted.backward_macs, found.backward_flops // 2),
             ("forward MACs", predicted.forward_macs, found.forward_flops // 2),
             ("gradients", predicted.grad_bytes, found.grad_bytes),
             ("optimizer state", predicted.optimizer_bytes, found.optimizer_bytes))
    wrong += [Disagreement("(total)", what, ours, theirs) for what, ours, theirs in pairs if ours != theirs]
    return TrainVerification(found, tuple(wrong))


def measure_peak(analysis: Analysis, config: TrainConfig) -> dict[str, int]:
    """The most live tensor memory of a steady-state training step on the CPU (the second step: the optimizer's
    state exists, gradients are set to None before the forward), by torch.distributed._tools.mem_tracker:
    every tensor's storage as torch allocates it, no allocator. Its categories, in bytes, and 'total'."""
    from torch.distributed._tools.mem_tracker import MemTracker

    refuse_oversized(analysis, config.batch, DTYPE_BYTES[config.dtype])
    model = SpecModel(analysis)
    model.train()
    optimizer = OPTIMIZERS[config.optimizer](list(model.parameters()))
    xs = example_inputs(analysis, config.batch, torch.randn)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        sum(out.sum() for out in (model(*xs), *model.aux_outputs)).backward()
        optimizer.step()

    step()
    tracker = MemTracker()
    tracker.track_external(model, optimizer)
    with tracker:
        step()
    found = next(snap for device, snap in tracker.get_tracker_snapshot("peak").items() if device.type == "cpu")
    return {("total" if key == "Total" else key.value.lower()): value for key, value in found.items() if value}
