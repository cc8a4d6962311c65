"""cnninspect's first analysis of every zoo model against the peers on the same model, in one process (issue #18).

For each zoo model (`cnninspect zoo`), the spec is loaded once and the torch model built once from it
(`cnninspect.build`, eval mode, its parameter count checked against the analysis', or the script stops). Then:

- ours, median of `--repeat` timeit repeats (each a loop of >= 0.2 s, after one warm-up call):
  first = `clear_caches(); analyze(model)` (no kept rule result, no plan: every call a first analysis),
  load + first = `clear_caches(); analyze(load_model('zoo:NAME'))` (the spec read through the parsed-spec cache,
  a hit), re-analysis = `analyze(model)` (caches warm);
- the peers, on the torch model at the spec's default input, batch 1, CPU, under torch.no_grad, their output
  captured (none printed): torchinfo.summary(verbose=0), torch.utils.flop_counter.FlopCounterMode(display=False)
  around a forward pass, ptflops.get_model_complexity_info with its pytorch and its aten backend,
  fvcore FlopCountAnalysis(...).total() (its warnings off), thop.profile. Each gets one unmeasured warm-up call,
  then the median of `--repeat` single calls (timeit, the collector paused as for ours). A peer that raises
  (or, for ptflops, returns nothing) on a model is reported failed there, with its one-line reason; a peer that
  is not installed is said once, and the others run.

Ratio = the fastest peer's median / our first analysis' median; goal >= 100x on every model. A second section
times a 10,000-layer spec (benchmarks/scaling.py's flat conv + relu chain): load, first analysis and
re-analysis apart; goal: analysed in < 0.2 s.

The peers live in the benchmark's own venv, never in cnninspect's dependencies:

    python -m venv /work/bench-venv
    /work/bench-venv/bin/pip install -e . -r benchmarks/peers.txt -c constraints.txt
    /work/bench-venv/bin/python benchmarks/first_analysis.py [--repeat 5] [--threads 1] [--json FILE]

On a quiet machine leave torch its threads. On a busy one (other work on the cores) pass `--threads 1`: a forward
pass over a thread pool that waits for cores it shares can take 20x longer (measured: squeezenet1_1, 1.5 s on
2 threads against 83 ms on 1, niced, at a load average of 9), which would flatter cnninspect.

A full run writes benchmarks/results/first_analysis.md; one over some models only (`--quick`, a handful of small
ones for a smoke run, or `--models a,b`) prints its report and writes a file only where `--output FILE` says.
The script uses only cnninspect's public names (analyze, clear_caches, load_model, zoo_names, cnninspect.build,
the Analysis' rows), so it runs unchanged whatever the engine's internals become.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import io
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time
import timeit
import warnings
from typing import Callable, NamedTuple

sys.path.insert(0, str(pathlib.Path(__file__).parent))  # common.py and scaling.py sit beside this script

from common import machine, per_call, verdict, write_report  # noqa: E402
from scaling import chain_spec  # noqa: E402

RESULTS = pathlib.Path(__file__).parent / "results" / "first_analysis.md"
TARGET_SPEEDUP = 100
DEEP_LAYERS = 10_000
TARGET_DEEP_SECONDS = 0.2
QUICK = ("lenet5", "squeezenet1_1", "shufflenet_v2_x0_5", "mnasnet0_5", "mobilenet_v3_small", "resnet18")
ZOO = "zoo:"  # `zoo:NAME` is always the zoo's model, whatever files here share its name


class Peer(NamedTuple):
    name: str
    package: str  # what must be importable
    call: str  # the call as the report shows it
    make: Callable  # (torch model, input tensors) -> a zero-argument call, or raises


def _torchinfo(model, inputs):
    import torchinfo

    return lambda: torchinfo.summary(model, input_data=list(inputs), verbose=0, device="cpu")


def _flop_counter(model, inputs):
    from torch.utils.flop_counter import FlopCounterMode

    def call():
        with FlopCounterMode(display=False) as counter:
            model(*inputs)
        return counter.get_total_flops()
    return call


def _ptflops(backend: str):
    def make(model, inputs):
        from ptflops import get_model_complexity_info

        if len(inputs) != 1:
            raise ValueError("ptflops builds one input from input_res: this model takes several")
        shape = tuple(inputs[0].shape[1:])

        def call():
            said = io.StringIO()  # ptflops catches the model's error, prints it, and returns None
            with contextlib.redirect_stdout(said):
                macs, _ = get_model_complexity_info(model, shape, as_strings=False, print_per_layer_stat=False,
                                                    verbose=False, backend=backend)
            if macs is None:
                raise RuntimeError(f"no count; it printed: {' '.join(said.getvalue().split())[-150:]}")
            return macs
        return call
    return make


def _fvcore(model, inputs):
    from fvcore.nn import FlopCountAnalysis

    return lambda: (FlopCountAnalysis(model, tuple(inputs)).unsupported_ops_warnings(False)
                    .uncalled_modules_warnings(False).tracer_warnings("none").total())


def _thop(model, inputs):
    import thop

    return lambda: thop.profile(model, inputs=tuple(inputs), verbose=False)


PEERS = (
    Peer("torchinfo", "torchinfo", "torchinfo.summary(model, input_data=[x], verbose=0)", _torchinfo),
    Peer("FlopCounterMode", "torch", "with FlopCounterMode(display=False): model(x)", _flop_counter),
    Peer("ptflops", "ptflops", "get_model_complexity_info(model, shape, backend='pytorch', ...)",
         _ptflops("pytorch")),
    Peer("ptflops aten", "ptflops", "get_model_complexity_info(model, shape, backend='aten', ...)",
         _ptflops("aten")),
    Peer("fvcore", "fvcore", "FlopCountAnalysis(model, (x,)).total()", _fvcore),
    Peer("thop", "thop", "thop.profile(model, inputs=(x,), verbose=False)", _thop),
)


class Result(NamedTuple):
    name: str
    layers: int
    peers: dict  # peer name -> median seconds, or a str: why it has none ("not installed" or its failure)
    first: float
    loaded: float
    again: float

    def fastest(self) -> tuple[str, float] | None:
        timed = [(seconds, name) for name, seconds in self.peers.items() if isinstance(seconds, float)]
        return (min(timed)[1], min(timed)[0]) if timed else None

    def ratio(self) -> float | None:
        fastest = self.fastest()
        return fastest[1] / self.first if fastest else None


NOT_INSTALLED = "not installed"


def installed(peer: Peer) -> bool:
    return importlib.util.find_spec(peer.package) is not None


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    line = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
    return line if len(line) <= 160 else line[:157] + "..."


def time_peer(peer: Peer, model, inputs, repeat: int) -> float | str:
    """Median seconds of `repeat` single calls after one unmeasured warm-up, or why the peer has none."""
    import torch

    if not installed(peer):
        return NOT_INSTALLED
    captured = io.StringIO()  # a peer's prints and warnings go nowhere: in its favour, and the report stays clean
    try:
        with (torch.no_grad(), contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured),
              warnings.catch_warnings()):
            warnings.simplefilter("ignore")
            call = peer.make(model, inputs)
            call()  # warm-up: the peer's first-call costs (imports, tracing set-up) are not per-call costs
            return statistics.median(timeit.Timer(call).repeat(repeat=repeat, number=1))
    except Exception as error:  # a peer failing on a model is a result to report, whatever it raised
        return one_line(error)


def params_of(analysis) -> int:
    return sum(row.params for row in analysis.rows)


def measure(name: str, repeat: int, peers: tuple[Peer, ...] = PEERS) -> Result:
    """One zoo model: our three timings, then every peer's, on the torch model built once from the spec."""
    import torch

    import cnninspect
    from cnninspect.core.engine import analyze, clear_caches
    from cnninspect.spec.load import load_model

    spec = load_model(ZOO + name)
    analysis = analyze(spec)

    def first():
        clear_caches()
        return analyze(spec)

    def loaded():
        clear_caches()
        return analyze(load_model(ZOO + name))

    timings = [per_call(fn, repeat) for fn in (first, loaded, lambda: analyze(spec))]
    torch.manual_seed(0)
    model = cnninspect.build(spec).eval()
    counted = sum(p.numel() for p in model.parameters())
    if counted != params_of(analysis):  # not assert: -O must not skip it
        sys.exit(f"{name}: not the same model: the analysis counts {params_of(analysis):,} parameters, "
                 f"the torch model built from it {counted:,}")
    inputs = [torch.randn(1, *shape) for _, shape in analysis.inputs or (("input", analysis.input),)]
    times = {peer.name: time_peer(peer, model, inputs, repeat) for peer in peers}
    del model, inputs
    gc.collect()
    return Result(name, len(analysis.rows), times, *timings)


@contextlib.contextmanager
def cache_off():
    """The parsed-spec cache off (CNNINSPECT_NO_CACHE=1) for a while: every load parses its YAML."""
    before = os.environ.get("CNNINSPECT_NO_CACHE")
    os.environ["CNNINSPECT_NO_CACHE"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["CNNINSPECT_NO_CACHE"]
        else:
            os.environ["CNNINSPECT_NO_CACHE"] = before


def deep_spec(repeat: int) -> dict[str, float]:
    """The 10,000-layer flat spec: seconds for its load (parse, then a cache hit), first analysis and re-analysis."""
    from cnninspect.core.engine import analyze, clear_caches
    from cnninspect.spec.load import load_model

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / f"chain{DEEP_LAYERS}.yaml"
        path.write_text(chain_spec(DEEP_LAYERS))
        model = load_model(str(path))
        rows = len(analyze(model).rows)
        if rows != DEEP_LAYERS:
            sys.exit(f"{path.name}: expected {DEEP_LAYERS} rows, cnninspect gives {rows}")
        with cache_off():
            parse = per_call(lambda: load_model(str(path)), repeat)
        hit = per_call(lambda: load_model(str(path)), repeat)  # the first call (per_call's warm-up) stores it

        def first():
            clear_caches()
            return analyze(model)

        return {"load, cache off (YAML parsed)": parse, "load, parsed-spec cache hit": hit,
                "first analysis: `clear_caches(); analyze(model)`": per_call(first, repeat),
                "re-analysis: `analyze(model)`": per_call(lambda: analyze(model), repeat)}


def ms(seconds) -> str:
    return f"{seconds * 1000:.2f}" if isinstance(seconds, float) else ("n/i" if seconds == NOT_INSTALLED else "failed")


def table(results: list[Result], peers: tuple[Peer, ...] = PEERS) -> list[str]:
    names = [peer.name for peer in peers]
    lines = ["| model | layers | " + " | ".join(names) + " | fastest peer | first | load + first | re-analysis "
             "| ratio | goal |",
             "|---|---:|" + "---:|" * len(names) + "---|---:|---:|---:|---:|---|"]
    for r in results:
        fastest, ratio = r.fastest(), r.ratio()
        lines.append(f"| {r.name} | {r.layers} | " + " | ".join(ms(r.peers[n]) for n in names) +
                     f" | {fastest[0] if fastest else '—'} | {ms(r.first)} | {ms(r.loaded)} | {ms(r.again)} | " +
                     (f"{ratio:.1f}x | {'✓' if ratio >= TARGET_SPEEDUP else '✗'} |" if ratio else "— | ✗ |"))
    return lines


def summary(results: list[Result]) -> list[str]:
    ratios = sorted((r.ratio(), r.name) for r in results if r.ratio() is not None)
    met = sum(ratio >= TARGET_SPEEDUP for ratio, _ in ratios)
    lines = [f"**First analysis >= {TARGET_SPEEDUP}x faster than the fastest peer: {met} of {len(results)} models** "
             f"(goal: every one: {verdict(met == len(results))})."]
    if ratios:
        loaded = [r.fastest()[1] / r.loaded for r in results if r.fastest()]
        lines[0] += (f" Ratio min {ratios[0][0]:.1f}x ({ratios[0][1]}), median "
                     f"{statistics.median(ratio for ratio, _ in ratios):.1f}x, max {ratios[-1][0]:.1f}x "
                     f"({ratios[-1][1]}); load + first analysis: min {min(loaded):.1f}x, median "
                     f"{statistics.median(loaded):.1f}x.")
    wins: dict[str, list[str]] = {}
    for r in results:
        if r.fastest():
            wins.setdefault(r.fastest()[0], []).append(r.name)
    lines += ["", "Fastest peer: " + "; ".join(f"{peer} on {len(models)} ({', '.join(models)})"
                                               for peer, models in sorted(wins.items(), key=lambda w: -len(w[1])))
              + "." if wins else "No peer ran."]
    return lines


def failures(results: list[Result], peers: tuple[Peer, ...]) -> list[str]:
    absent = [peer.name for peer in peers if not installed(peer)]
    lines = [f"Not installed here (their columns say n/i): {', '.join(absent)}; "
             f"`pip install -r benchmarks/peers.txt -c constraints.txt` brings them."] if absent else []
    failed = [f"- {r.name}, {name}: {why}" for r in results for name, why in r.peers.items()
              if isinstance(why, str) and why != NOT_INSTALLED]
    if failed:
        lines += ["" if lines else None, "Failed (no time for that peer on that model):", "", *failed]
    return [line for line in lines if line is not None]


def deep_section(deep: dict[str, float]) -> list[str]:
    first = deep["first analysis: `clear_caches(); analyze(model)`"]
    load = deep["load, parsed-spec cache hit"]
    return [
        f"## {DEEP_LAYERS:,}-layer spec",
        "",
        (f"benchmarks/scaling.py's flat chain: {DEEP_LAYERS:,} layers (conv 3x3 and relu, alternating, over "
         f"8x32x32), one a line. Median ms per call."),
        "",
        "| step | ms |",
        "|---|---:|",
        *(f"| {step} | {seconds * 1000:.1f} |" for step, seconds in deep.items()),
        "",
        (f"**{DEEP_LAYERS:,} layers, first analysis: {first:.3f} s** (goal < {TARGET_DEEP_SECONDS} s: "
         f"{verdict(first < TARGET_DEEP_SECONDS)}); with its load from the parsed-spec cache: {first + load:.3f} s "
         f"({verdict(first + load < TARGET_DEEP_SECONDS)})."),
    ]


def report(results: list[Result], deep: dict[str, float] | None, repeat: int, load_before: float,
           seconds: float, peers: tuple[Peer, ...] = PEERS) -> list[str]:
    import torch

    return [
        "# First analysis against the peers, every zoo model, one process",
        "",
        (f"{machine(load_before)} torch {torch.__version__} ({torch.get_num_threads()} threads). "
         f"The whole run took {seconds / 60:.1f} min."),
        "",
        (f"Times in ms, median of {repeat}: for the peers, single calls after one unmeasured warm-up, on the torch "
         f"model built once from the spec (`cnninspect.build`, eval mode, parameters checked equal to the "
         f"analysis'), batch 1, CPU, torch.no_grad, their output captured; for cnninspect, timeit repeats of a "
         f">= 0.2 s loop. first = `clear_caches(); analyze(model)`, load + first = `clear_caches(); "
         f"analyze(load_model('zoo:NAME'))` (parsed-spec cache hit), re-analysis = `analyze(model)`. "
         f"ratio = fastest peer / first; goal >= {TARGET_SPEEDUP}x."),
        "",
        "Peers: " + "; ".join(f"{peer.name}: `{peer.call}`" for peer in peers) + ".",
        "",
        *table(results, peers),
        "",
        *summary(results),
        *(["", *failures(results, peers)] if failures(results, peers) else []),
        *(["", *deep_section(deep)] if deep else []),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated zoo names (default: the whole zoo)")
    parser.add_argument("--quick", action="store_true", help=f"a smoke run: {', '.join(QUICK)}")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats of every call (median)")
    parser.add_argument("--threads", type=int, help="torch's intra-op threads (default: torch's own choice); on a "
                        "busy machine 1 spares the peers the waits of a thread pool that shares the cores")
    parser.add_argument("--output", type=pathlib.Path, help=f"the report's file (a full run: {RESULTS})")
    parser.add_argument("--json", type=pathlib.Path, help="also write every median as JSON, to compare runs")
    args = parser.parse_args()

    from cnninspect.spec.load import zoo_names

    known = zoo_names()
    names = QUICK if args.quick else args.models.split(",") if args.models else known
    unknown = [name for name in names if name not in known]
    if unknown:
        sys.exit(f"no zoo model {', '.join(unknown)} (`cnninspect zoo` lists them)")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]  # other work on the machine shows in every time: say how busy it was
    start = time.perf_counter()
    results = []
    for name in names:
        results.append(measure(name, args.repeat))
        print(*table(results[-1:])[2:], sep="\n", flush=True)
    deep = deep_spec(args.repeat)
    lines = report(results, deep, args.repeat, load_before, time.perf_counter() - start)
    if args.json:
        args.json.write_text(json.dumps({"results": [r._asdict() for r in results], "deep": deep,
                                         "repeat": args.repeat, "load_before": load_before}, indent=1))
    output = args.output or (RESULTS if list(names) == known else None)
    if output:
        write_report(output, lines)
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
