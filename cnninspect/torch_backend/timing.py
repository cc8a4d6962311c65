"""Forward-pass timing with torch.utils.benchmark: warm up, then one sample per forward pass, synchronised.

Median and interquartile range of the latency, throughput (batch / median), and achieved GFLOP/s from the
analytic FLOPs (2 × conv/linear MACs). On CUDA, the peak memory torch allocated.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable

import torch
import torch.utils.benchmark as benchmark

from cnninspect.core.engine import Analysis
from cnninspect.core.summary import totals
from cnninspect.errors import InputError
from cnninspect.syntax import ELEMENT_TYPE
from cnninspect.torch_backend.build import (TORCH_REFUSALS, SpecModel, example_inputs, first_line, refuse_oversized,
                                            torch_dtype, where)

DTYPES = {name: torch_dtype(name) for name in ELEMENT_TYPE}  # cnninspect.syntax's table (tests/test_tables.py)


@dataclass(frozen=True, slots=True)
class Timing:
    device: str
    dtype: str
    batch: int
    channels_last: bool
    compiled: bool
    warmup: int
    samples: tuple[float, ...]  # seconds, one forward pass each
    flops: int  # analytic, for the whole batch
    peak_bytes: int | None  # CUDA only: torch.cuda.max_memory_allocated

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def iqr(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        low, _, high = statistics.quantiles(self.samples, n=4)
        return high - low

    @property
    def throughput(self) -> float:
        """Samples (images) per second."""
        return self.batch / self.median

    @property
    def gflops(self) -> float:
        return self.flops / self.median / 1e9


def best_device() -> str:
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def time_forward(analysis: Analysis, *, device: str, dtype: str, batch: int, channels_last: bool, warmup: int,
                 runs: int, compile: bool, progress: Callable[[str, int], None] | None = None) -> Timing:
    """`progress(phase, done)` is called after every pass ("warmup" or "timed")."""
    return time_interleaved([analysis], device=device, dtype=dtype, batch=batch, channels_last=channels_last,
                            warmup=warmup, runs=runs, compile=compile, progress=progress)[0]


def time_interleaved(analyses: list[Analysis], *, device: str, dtype: str, batch: int, channels_last: bool,
                     warmup: int, runs: int, compile: bool,
                     progress: Callable[[str, int], None] | None = None) -> list[Timing]:
    """Several models on the same device, batch and dtype: warmed up in turn, then one sample of each per round,
    so that drift in the machine hits them alike. (CUDA's peak memory is then the largest of them.)"""
    check(analyses, device=device, dtype=dtype, batch=batch, channels_last=channels_last, compile=compile,
          warmup=warmup)
    progress = progress or (lambda phase, done: None)
    sync = _synchronizer(device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    running = analyses[0]
    try:
        with torch.inference_mode():
            timers = []
            for running in analyses:
                timers.append(_prepared(running, device, dtype, batch, channels_last, compile, sync))
            for done in range(1, warmup + 1):
                for running, timer in zip(analyses, timers):
                    timer.timeit(1)
                progress("warmup", done)
            samples: list[list[float]] = [[] for _ in timers]
            for done in range(1, runs + 1):
                for running, timer, taken in zip(analyses, timers, samples):
                    taken.append(timer.timeit(1).raw_times[0])
                progress("timed", done)
    except TORCH_REFUSALS as error:
        row = getattr(error, "cnninspect_row", None)  # build.py names the layer that raised
        at = where(running.rows[row]) if row is not None else str(running.model.file)
        raise InputError(f"torch could not run the model on {device} in {dtype}: {first_line(error)}",
                         where=at) from None
    peak = torch.cuda.max_memory_allocated() if device == "cuda" else None
    return [Timing(device, dtype, batch, channels_last, compile, warmup, tuple(taken),
                   totals(a, batch).flops, peak)
            for a, taken in zip(analyses, samples)]


def check(analyses: list[Analysis], *, device: str, dtype: str, batch: int, channels_last: bool, compile: bool,
          warmup: int) -> None:
    """What timing refuses before it starts (and before a caller shows progress): a device this machine lacks,
    --compile without a warm-up pass, channels-last without 2 or 3 spatial axes, a tensor no torch tensor holds."""
    _check_device(device)
    if compile and warmup < 1:  # torch.compile compiles in the first pass: it must not be a timed one
        raise InputError("--compile needs at least one warm-up pass (compilation happens in the first)",
                         where="--warmup")
    for analysis in analyses:
        if channels_last and len(analysis.input) - 1 not in _CHANNELS_LAST:
            raise InputError(f"channels-last needs a 2-D or 3-D input; this one has {len(analysis.input) - 1} "
                             f"spatial axes", where="--channels-last")
        refuse_oversized(analysis, batch, DTYPES[dtype].itemsize)


def _prepared(analysis: Analysis, device: str, dtype: str, batch: int, channels_last: bool, compile: bool,
              sync: Callable[[], None]) -> benchmark.Timer:
    model = SpecModel(analysis).to(device=device, dtype=DTYPES[dtype]).eval()
    x, *more = example_inputs(analysis, batch, torch.randn, device=device, dtype=DTYPES[dtype])
    if channels_last:
        x, model = _channels_last(x, model)
    if compile:
        model = torch.compile(model)
    return benchmark.Timer(stmt="model(x, *more)", globals={"model": model, "x": x, "more": more}, timer=_clock(sync),
                           num_threads=torch.get_num_threads())


def available_devices() -> dict[str, bool]:
    """Each of --device's choices (syntax.TIME_DEVICES), and whether this machine has it."""
    return {"cpu": True, "cuda": torch.cuda.is_available(),
            "mps": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())}


def _check_device(device: str) -> None:
    available = available_devices()
    if not available.get(device, False):
        here = ", ".join(d for d, ok in available.items() if ok)
        raise InputError(f"device {device!r} is not available here (available: {here})", where="--device")


_CHANNELS_LAST = {2: "channels_last", 3: "channels_last_3d"}  # spatial axes -> torch's memory format


def _channels_last(x: torch.Tensor, model: torch.nn.Module):
    memory_format = getattr(torch, _CHANNELS_LAST[x.dim() - 2])
    return x.contiguous(memory_format=memory_format), model.to(memory_format=memory_format)


def _synchronizer(device: str) -> Callable[[], None]:
    if device == "cuda":
        return torch.cuda.synchronize
    if device == "mps":
        return torch.mps.synchronize
    return lambda: None


def _clock(sync: Callable[[], None]) -> Callable[[], float]:
    """benchmark.Timer's clock, synchronised first, so that each sample ends when the device is done."""
    import timeit

    def clock() -> float:
        sync()
        return timeit.default_timer()

    return clock
