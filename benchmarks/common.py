"""What every benchmark here shares: timing whole processes, alternating commands, and writing the report."""

from __future__ import annotations

import os
import pathlib
import platform
import shutil
import subprocess
import sys
import statistics
import time
import timeit


def installed_cnninspect() -> str:
    return shutil.which("cnninspect") or sys.exit("install cnninspect first: pip install -e .")


def compile_package() -> None:
    """Bytecode for cnninspect's modules, as `pip install` leaves them: with PYTHONDONTWRITEBYTECODE set, an
    editable install would otherwise compile every module again in every process, and torch would not."""
    import compileall

    import cnninspect

    compileall.compile_dir(pathlib.Path(cnninspect.__file__).parent, quiet=1)


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def alternate(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Each command `runs` times, in turn, so that drift in the machine's load hits all alike."""
    for command in commands.values():  # warm the file cache once
        wall_time(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(wall_time(command))
    return times


def machine(load_before: float) -> str:
    """The machine, how busy it was (other work shows in every time) and how cnninspect is installed."""
    return (f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
            f"1-minute load average {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end. "
            f"{install_kind()}")


def install_kind() -> str:
    """An editable install (a development checkout) adds its import hook to every Python start in the environment,
    about 10 ms, for both sides of a comparison; `pip install .` as the README sets up does not."""
    import importlib.util

    origin = pathlib.Path(importlib.util.find_spec("cnninspect").origin)
    if "site-packages" in origin.parts:
        return "cnninspect installed as `pip install .` does, in this environment with torch and torchinfo."
    return "cnninspect installed editable (a development checkout): every Python start here pays its import hook."


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def write_report(path: pathlib.Path, lines: list[str]) -> None:
    report = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report)
    print(report)


def per_call(fn, repeat: int) -> float:
    """Median seconds per call; autorange picks a loop of >= 0.2 s. timeit pauses the GC, for both sides alike."""
    fn()  # warm-up: first-call costs (torch's lazy init, imports) are not per-call costs
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))
