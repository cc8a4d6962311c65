"""The memory of a training step: parameters, gradients, optimizer state, what autograd saves, and the peak of
the step (forward, backward, optimizer step) with what fills it; and the largest batch under a budget.

Conventions (docs/training.md): float32 and float64 train in that type throughout. bfloat16 and float16 are
mixed precision, as torch.autocast: float32 master weights, gradients and optimizer state; activations in the
16-bit type, with a 16-bit copy of each conv and linear weight saved for backward and the norms' statistics
in float32. Counted are tensors, as torch allocates them; allocator rounding and caching, fragmentation, cuDNN
workspaces and the CUDA context are not (docs/training.md says how large they were measured to be).
"""

from __future__ import annotations

from typing import NamedTuple

from cnninspect.core.engine import Analysis
from cnninspect.core.layers.base import numel
from cnninspect.core.summary import totals
from cnninspect.core.training.step import LayerStep, walk
from cnninspect.errors import InputError
from cnninspect.syntax import DEFAULT_OPTIMIZER, DTYPE_BYTES, MASTER, MIXED, OPTIMIZER_STATES  # the one table of each

OPTIMIZERS = OPTIMIZER_STATES  # state tensors per parameter (momentum: SGD's)
# The optimizer step's temporaries, in parameter tensors: Adam's sqrt(v) / bias correction is two temporaries of
# one tensor at a time on the CPU (the for-loop implementation, measured); one of every tensor at once on CUDA
# (foreach, the default there: one list of sqrt(v), then in place; unmeasured). SGD works in place.
STEP_TEMPORARIES = {"cpu": {"adam": 2, "adamw": 2}, "cuda": {"adam": 1, "adamw": 1}}
COUNTERS = {"batchnorm": 1}  # int64 buffers (num_batches_tracked) among a kind's buffers
COUNTER_BYTES = 8
BIASED = {"conv": 0, "tconv": 0, "linear": -1}  # kinds whose params are a weight and a bias of the output axis
MASTER_BYTES = DTYPE_BYTES[MASTER]
DEVICES = ("cuda", "cpu")  # where the step runs: dropout's mask differs (docs/training.md)
MAX_BATCH = 10**9


class TrainConfig(NamedTuple):
    batch: int = 1
    dtype: str = "float32"
    optimizer: str = DEFAULT_OPTIMIZER
    device: str = "cuda"

    @property
    def mixed(self) -> bool:
        return self.dtype in MIXED

    @property
    def weight_bytes(self) -> int:
        """Bytes per element of the parameters, their gradients and the optimizer state."""
        return MASTER_BYTES if self.mixed else DTYPE_BYTES[self.dtype]


class Peak(NamedTuple):
    """The most memory the step holds at once, and what holds it then."""

    phase: str  # forward, backward, optimizer step
    params: int  # the parameters and the buffers
    grads: int
    optimizer: int
    saved: int  # saved for backward and not yet freed
    transient: int  # gradients flowing through the layer in backward; the forward's output; the step's temporaries

    @property
    def total(self) -> int:
        return self.params + self.grads + self.optimizer + self.saved + self.transient


class Training(NamedTuple):
    config: TrainConfig
    layers: tuple[LayerStep, ...]  # one per analysis row
    params: int  # parameter elements
    param_bytes: int
    buffer_bytes: int
    grad_bytes: int
    optimizer_bytes: int
    saved_bytes: int  # everything autograd saves (unique storages; parameters and buffers excluded)
    forward_macs: int  # the training forward: auxiliary heads included
    backward_macs: int
    peak: Peak

    @property
    def step_flops(self) -> int:
        """FLOPs of one step, forward and backward (2 × MACs, as FlopCounterMode)."""
        return 2 * (self.forward_macs + self.backward_macs)


def check_config(config: TrainConfig) -> None:
    if config.optimizer not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {config.optimizer!r}; expected one of {', '.join(OPTIMIZERS)}")
    if config.device not in DEVICES:
        raise InputError(f"training memory is predicted for {' or '.join(DEVICES)}. Received {config.device!r}")
    if config.dtype not in DTYPE_BYTES:
        raise InputError(f"unknown dtype {config.dtype!r}")


def train(analysis: Analysis, config: TrainConfig) -> Training:
    """The training step's figures for `analysis` at the config's batch, dtype, optimizer and device."""
    check_config(config)
    size = DTYPE_BYTES[config.dtype]
    layers, _ = walk(analysis, config.batch, size, config.mixed, config.device)
    counted = totals(analysis, config.batch)
    params = counted.params
    weights = params * config.weight_bytes
    buffers = sum(_buffer_bytes(r, config) for r in analysis.rows)
    optimizer = OPTIMIZERS[config.optimizer] * weights
    saved = sum(layer.saved for layer in layers)
    return Training(config, layers, params, weights, buffers, weights, optimizer, saved,
                    counted.macs + counted.aux_macs, sum(l.backward_macs for l in layers),  # aux heads train too
                    _peak(analysis, layers, config, weights, buffers, optimizer, saved, size))


def _buffer_bytes(row, config: TrainConfig) -> int:
    counters = COUNTERS.get(row.kind, 0) if row.buffers else 0
    return (row.buffers - counters) * config.weight_bytes + counters * COUNTER_BYTES


def _step_temporaries(analysis: Analysis, config: TrainConfig, weights: int) -> int:
    """Bytes the optimizer step allocates for a moment (STEP_TEMPORARIES)."""
    tensors = STEP_TEMPORARIES[config.device].get(config.optimizer, 0)
    if not tensors:
        return 0
    if config.device == "cuda":
        return tensors * weights
    return tensors * max((_largest(r) for r in analysis.rows), default=0) * config.weight_bytes


def _largest(row) -> int:
    """A row's largest parameter tensor, in elements: a weight without its bias."""
    if row.kind in BIASED and row.params and row.settings.bias:
        return row.params - row.output[BIASED[row.kind]]
    return row.params


def _peak(analysis: Analysis, layers, config: TrainConfig, weights: int, buffers: int, optimizer: int, saved: int,
          size: int) -> Peak:
    """The forward's end (everything saved, and the output); then backward, layer by layer in reverse: each
    layer's gradients of its output and its input live beside the saved tensors not yet freed and the
    parameters' gradients made so far; then the optimizer step (parameters, gradients, state and its
    temporaries). Parameters and buffers are there throughout."""
    per = config.batch * size
    model = weights + buffers
    best = Peak("forward", model, 0, optimizer, saved, numel(analysis.output) * per)
    live, grads = saved, 0
    for row, layer in zip(reversed(analysis.rows), reversed(layers)):
        grads += row.params * config.weight_bytes
        flowing = numel(row.output) * per + (numel(row.input) * per if layer.input_grad else 0)
        now = Peak("backward", model, grads, optimizer, live, flowing)
        if now.total > best.total:
            best = now
        live -= layer.saved
    step = Peak("optimizer step", model, weights, optimizer, 0, _step_temporaries(analysis, config, weights))
    return step if step.total > best.total else best


def fit(analysis: Analysis, config: TrainConfig, budget: int) -> Training | None:
    """The step at the largest batch whose peak is at most `budget` bytes (None: not even batch 1 fits). The
    peak grows with the batch, so a bisection finds it."""
    if train(analysis, config._replace(batch=1)).peak.total > budget:
        return None
    low, high = 1, 2
    while high <= MAX_BATCH and train(analysis, config._replace(batch=high)).peak.total <= budget:
        low, high = high, high * 2
    high = min(high, MAX_BATCH + 1)
    while high - low > 1:
        middle = (low + high) // 2
        if train(analysis, config._replace(batch=middle)).peak.total <= budget:
            low = middle
        else:
            high = middle
    return train(analysis, config._replace(batch=low))
